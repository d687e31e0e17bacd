"""Executes the synthesized stuck-run closer in moto's Step Functions interpreter.

An execution of the pipeline that times out or is aborted runs no more states,
so it can't set its run record to FAILED. The pipeline's EventBridge rule on
those status changes starts the closer with the event; these tests start it
with the events EventBridge would send and check what happens to the record.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import pytest
from moto import mock_aws

import pipeline_definition as pd
from lakehouse_moto import create_runs_table

TABLE = "lakehouse-test-pipeline-runs"
DEFAULT_PIPELINE = "lakehouse-test-pipeline"
PIPELINE_ARN = f"arn:aws:states:{pd.REGION}:{pd.ACCOUNT}:stateMachine:lakehouse-test-pipeline"


@pytest.fixture(scope="module")
def closer_definition(tmp_path_factory: pytest.TempPathFactory) -> str:
    template = pd.synthesize(tmp_path_factory.mktemp("closer-cdk-out"))
    return json.dumps(pd.stuck_run_closer_definition(template))


class Closer:
    def __init__(self, definition: str) -> None:
        self.ddb = boto3.client("dynamodb", region_name=pd.REGION)
        self.sfn = boto3.client("stepfunctions", region_name=pd.REGION)
        create_runs_table(self.ddb, TABLE)
        self.arn = self.sfn.create_state_machine(
            name="lakehouse-test-pipeline-stuck-runs", definition=definition,
            roleArn=f"arn:aws:iam::{pd.ACCOUNT}:role/closer",
        )["stateMachineArn"]

    def put(self, date: str, status: str, execution_arn: str, pipeline: str = DEFAULT_PIPELINE) -> None:
        self.ddb.put_item(TableName=TABLE, Item={
            "pipeline_name": {"S": pipeline}, "execution_date": {"S": date}, "status": {"S": status},
            "start_time": {"S": "2024-01-16T02:00:00Z"}, "execution_arn": {"S": execution_arn},
        })

    def record(self, date: str, pipeline: str = DEFAULT_PIPELINE) -> dict[str, str] | None:
        item = self.ddb.get_item(TableName=TABLE, Key={"pipeline_name": {"S": pipeline}, "execution_date": {"S": date}},
                                 ConsistentRead=True).get("Item")
        return None if item is None else {key: value["S"] for key, value in item.items()}

    def close(self, status: str, execution_arn: str, execution_input: dict[str, Any]) -> dict[str, Any]:
        """Runs the closer with the event EventBridge sends for `execution_arn` stopping with `status`."""
        event = {
            "version": "0", "id": str(uuid.uuid4()), "source": "aws.states",
            "detail-type": "Step Functions Execution Status Change", "account": pd.ACCOUNT, "region": pd.REGION,
            "resources": [execution_arn],
            "detail": {
                "executionArn": execution_arn, "stateMachineArn": PIPELINE_ARN, "name": execution_arn.rsplit(":", 1)[-1],
                "status": status, "startDate": 1705370400000, "stopDate": 1705377600000,
                "input": json.dumps(execution_input), "output": None,
            },
        }
        arn = self.sfn.start_execution(stateMachineArn=self.arn, name=str(uuid.uuid4()), input=json.dumps(event))["executionArn"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return execution
            time.sleep(0.1)
        raise AssertionError("the closer did not finish")


@pytest.fixture
def closer(closer_definition: str, monkeypatch: pytest.MonkeyPatch):
    for variable, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": pd.REGION}.items():
        monkeypatch.setenv(variable, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield Closer(closer_definition)


def execution(name: str) -> str:
    return f"arn:aws:states:{pd.REGION}:{pd.ACCOUNT}:execution:lakehouse-test-pipeline:{name}"


@pytest.mark.parametrize(("status", "error", "words"), [
    ("TIMED_OUT", "Lakehouse.ExecutionTimedOut", "timed out"),
    ("ABORTED", "Lakehouse.ExecutionAborted", "was aborted"),
])
def test_a_stuck_run_of_that_execution_ends_failed(closer: Closer, status: str, error: str, words: str) -> None:
    stuck = execution("stuck")
    closer.put("2024-01-15", "RUNNING", stuck)

    assert closer.close(status, stuck, {"execution_date": "2024-01-15"})["status"] == "SUCCEEDED"

    record = closer.record("2024-01-15")
    assert record["status"] == "FAILED"
    assert record["error"] == error
    assert words in record["cause"] and stuck in record["cause"]
    assert record["end_time"] >= record["start_time"]
    assert record["execution_arn"] == stuck


def test_the_input_pipeline_name_keys_the_record(closer: Closer) -> None:
    stuck = execution("named")
    closer.put("2024-01-15", "RUNNING", stuck, pipeline="events")
    closer.put("2024-01-15", "RUNNING", execution("other"))

    closer.close("TIMED_OUT", stuck, {"pipeline_name": "events", "execution_date": "2024-01-15"})

    assert closer.record("2024-01-15", pipeline="events")["status"] == "FAILED"
    assert closer.record("2024-01-15")["status"] == "RUNNING"


def test_a_record_of_another_execution_is_left_alone(closer: Closer) -> None:
    """A refused second start times out or is aborted too: the running run's record is not its to close."""
    closer.put("2024-01-15", "RUNNING", execution("first"))
    before = closer.record("2024-01-15")

    result = closer.close("ABORTED", execution("second"), {"execution_date": "2024-01-15"})

    assert result["status"] == "SUCCEEDED"
    assert closer.record("2024-01-15") == before


def test_a_finished_record_is_left_alone(closer: Closer) -> None:
    done = execution("done")
    closer.put("2024-01-15", "SUCCEEDED", done)

    closer.close("ABORTED", done, {"execution_date": "2024-01-15"})

    assert closer.record("2024-01-15")["status"] == "SUCCEEDED"


@pytest.mark.parametrize("execution_input", [
    {"execution_date": "2024-01-15"},
    {},
    {"execution_date": 20240115},
], ids=["no record", "no date", "date not a string"])
def test_no_matching_record_is_a_no_op_not_an_error(closer: Closer, execution_input: dict[str, Any]) -> None:
    result = closer.close("TIMED_OUT", execution("invalid"), execution_input)

    assert result["status"] == "SUCCEEDED"
    assert closer.ddb.scan(TableName=TABLE)["Items"] == []
