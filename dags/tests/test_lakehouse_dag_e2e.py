"""End-to-end runs of the real DAG against Step Functions and DynamoDB emulated by moto.

moto runs as a local server on 127.0.0.1 with real state machine execution
switched on, so the operator, the sensor and the AWS connection all go through
their production code paths; only the endpoint differs.
"""

from __future__ import annotations

import inspect
import json
import os
import socket
from datetime import datetime, timezone

import boto3
import pytest
import requests

from airflow.models import DagBag, TaskInstance, TaskReschedule
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState, TaskInstanceState
from moto.server import ThreadedMotoServer
from lakehouse_moto import create_runs_table


REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/lakehouse-pipeline"
RUNS_TABLE = "lakehouse-runs"
PIPELINE_NAME = "lakehouse-e2e"

# Succeeds after a Wait long enough for a slow machine, so the sensor sees RUNNING first and has to
# reschedule at least once; records the run in DynamoDB like the real pipeline.
SUCCEEDING_DEFINITION = {
    "StartAt": "Settle",
    "States": {
        "Settle": {"Type": "Wait", "Seconds": 15, "Next": "RecordRun"},
        "RecordRun": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {
                "TableName": RUNS_TABLE,
                "Item": {
                    "pipeline_name": {"S.$": "$.pipeline_name"},
                    "execution_date": {"S.$": "$.execution_date"},
                    "status": {"S": "SUCCEEDED"},
                },
            },
            # Keep the execution input as the output: the PutItem response is
            # not needed and the sensor pushes the output to XCom.
            "ResultPath": None,
            "End": True,
        },
    },
}

FAILING_DEFINITION = {
    "StartAt": "Boom",
    "States": {"Boom": {"Type": "Fail", "Error": "PipelineFailed", "Cause": "deliberate failure for the test"}},
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    port = _free_port()
    # moto's state machine interpreter calls other emulated services (the
    # DynamoDB task) through a client on localhost:$MOTO_PORT.
    previous_port = os.environ.get("MOTO_PORT")
    os.environ["MOTO_PORT"] = str(port)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        resp = requests.post(
            f"{endpoint}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        )
        resp.raise_for_status()
        yield endpoint
    finally:
        server.stop()
        if previous_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = previous_port


@pytest.fixture(scope="module")
def aws(moto_endpoint):
    def client(service: str):
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=moto_endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    ddb = client("dynamodb")
    create_runs_table(ddb, RUNS_TABLE)
    sfn = client("stepfunctions")
    machines = {
        name: sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE_ARN)[
            "stateMachineArn"
        ]
        for name, definition in (
            ("lakehouse-succeeds", SUCCEEDING_DEFINITION),
            ("lakehouse-fails", FAILING_DEFINITION),
        )
    }
    return {"sfn": sfn, "ddb": ddb, "machines": machines}


@pytest.fixture()
def airflow_env(monkeypatch, moto_endpoint):
    """Point the DAG's AWS connection at moto and set the lakehouse options."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "extra": {"region_name": REGION, "endpoint_url": moto_endpoint},
            }
        ),
    )
    monkeypatch.setenv("AIRFLOW__LAKEHOUSE__PIPELINE_NAME", PIPELINE_NAME)

    def use_state_machine(arn: str | None):
        if arn is None:
            monkeypatch.delenv("AIRFLOW__LAKEHOUSE__STATE_MACHINE_ARN", raising=False)
        else:
            monkeypatch.setenv("AIRFLOW__LAKEHOUSE__STATE_MACHINE_ARN", arn)

    return use_state_machine


@pytest.fixture(autouse=True)
def reschedule_dates_are_datetimes(monkeypatch):
    """Airflow 3.0's in-process supervisor, the one `dag.test` uses, hands a
    sensor the date of its first reschedule as the API's JSON string (the
    client builds the answer with pydantic's `model_construct`, which skips
    validation), so the second reschedule fails with a TypeError. A deployed
    worker gets the answer through its supervisor's socket, decoded with
    validation, as a datetime; the test validates it the same way."""
    try:
        from airflow.sdk.api.client import TaskInstanceOperations
        from airflow.sdk.execution_time.comms import TaskRescheduleStartDate
    except ImportError:  # Airflow 2 keeps reschedules in its own database session.
        return
    unvalidated = TaskInstanceOperations.get_reschedule_start_date

    def validated(self, *args, **kwargs):
        answer = unvalidated(self, *args, **kwargs)
        return TaskRescheduleStartDate.model_validate({"start_date": answer.start_date})

    monkeypatch.setattr(TaskInstanceOperations, "get_reschedule_start_date", validated)


@pytest.fixture()
def dag(airflow_db, dags_dir):
    # A fresh parse per test so no task state leaks between runs.
    bag = DagBag(dag_folder=str(dags_dir), include_examples=False)
    the_dag = bag.get_dag("lakehouse_pipeline")
    # Production polls every minute; the test keeps the same reschedule logic
    # but polls every second so a run takes seconds.
    the_dag.get_task("wait_for_pipeline").poke_interval = 1
    return the_dag


def _run(dag, logical_date: datetime):
    # Airflow 3 renamed dag.test's execution_date to logical_date.
    date_arg = "logical_date" if "logical_date" in inspect.signature(dag.test).parameters else "execution_date"
    dag_run = dag.test(**{date_arg: logical_date})
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    return dag_run, states


def _reschedules(dag_id: str, task_id: str, run_id: str) -> int:
    """How often the task was rescheduled in the run."""
    with create_session() as session:
        query = session.query(TaskReschedule)
        if hasattr(TaskReschedule, "ti_id"):
            # Airflow 3 keys a reschedule by its task instance's id.
            query = query.join(TaskInstance, TaskInstance.id == TaskReschedule.ti_id)
            owner = TaskInstance
        else:
            owner = TaskReschedule
        return query.filter(owner.dag_id == dag_id, owner.task_id == task_id, owner.run_id == run_id).count()


def _executions(aws, machine: str):
    sfn = aws["sfn"]
    listed = sfn.list_executions(stateMachineArn=aws["machines"][machine])["executions"]
    return [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]


def test_successful_run(dag, aws, airflow_env):
    airflow_env(aws["machines"]["lakehouse-succeeds"])
    logical_date = datetime(2026, 3, 1, tzinfo=timezone.utc)

    dag_run, states = _run(dag, logical_date)

    assert states == {"start_pipeline": TaskInstanceState.SUCCESS, "wait_for_pipeline": TaskInstanceState.SUCCESS}
    assert dag_run.state == DagRunState.SUCCESS

    [execution] = _executions(aws, "lakehouse-succeeds")
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["input"]) == {"pipeline_name": PIPELINE_NAME, "execution_date": "2026-03-01"}
    assert execution["name"].startswith("lakehouse-20260301-")

    # The state machine, not Airflow, wrote the run record.
    item = aws["ddb"].get_item(
        TableName=RUNS_TABLE,
        Key={"pipeline_name": {"S": PIPELINE_NAME}, "execution_date": {"S": "2026-03-01"}},
    )["Item"]
    assert item["status"] == {"S": "SUCCEEDED"}

    # The sensor really went through reschedule mode while the execution ran.
    assert _reschedules(dag.dag_id, "wait_for_pipeline", dag_run.run_id) >= 1


def test_failed_execution_fails_the_run(dag, aws, airflow_env):
    airflow_env(aws["machines"]["lakehouse-fails"])
    logical_date = datetime(2026, 3, 2, tzinfo=timezone.utc)

    dag_run, states = _run(dag, logical_date)

    assert states["start_pipeline"] == TaskInstanceState.SUCCESS
    assert states["wait_for_pipeline"] == TaskInstanceState.FAILED
    assert dag_run.state == DagRunState.FAILED

    [execution] = _executions(aws, "lakehouse-fails")
    assert execution["status"] == "FAILED"
    assert json.loads(execution["input"])["execution_date"] == "2026-03-02"


def test_missing_state_machine_arn_fails_before_calling_aws(dag, aws, airflow_env):
    airflow_env(None)
    before = {m: len(_executions(aws, m)) for m in aws["machines"]}

    dag_run, states = _run(dag, datetime(2026, 3, 3, tzinfo=timezone.utc))

    assert states["start_pipeline"] == TaskInstanceState.FAILED
    assert states["wait_for_pipeline"] == TaskInstanceState.UPSTREAM_FAILED
    assert dag_run.state == DagRunState.FAILED
    assert {m: len(_executions(aws, m)) for m in aws["machines"]} == before
