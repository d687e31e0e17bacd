"""The scheduler tier's backfill (scripts/backfill.py) against moto's Step Functions interpreter."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/lakehouse-pipeline"

_spec = importlib.util.spec_from_file_location("backfill", Path(__file__).resolve().parents[2] / "scripts" / "backfill.py")
backfill = importlib.util.module_from_spec(_spec)
sys.modules["backfill"] = backfill  # dataclasses look their module up by name
_spec.loader.exec_module(backfill)

SUCCEEDS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
# Fails for one date only, so the test sees the backfill stop there.
FAILS_ON_0303 = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.execution_date", "StringEquals": "2026-03-03", "Next": "Boom"}],
            "Default": "Done",
        },
        "Boom": {"Type": "Fail", "Error": "PipelineFailed", "Cause": "deliberate"},
        "Done": {"Type": "Pass", "End": True},
    },
}


@pytest.fixture()
def sfn():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions", region_name=REGION)


def _machine(sfn, name: str, definition: dict) -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE_ARN)["stateMachineArn"]


def _inputs(sfn, arn: str) -> list[dict]:
    executions = sfn.list_executions(stateMachineArn=arn)["executions"]
    return sorted((json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"]) for e in executions),
                  key=lambda i: i["execution_date"])


def test_each_date_runs_once_in_order_with_the_pipeline_input(sfn):
    arn = _machine(sfn, "lakehouse-pipeline", SUCCEEDS)
    outcomes = backfill.backfill(sfn, arn, "lakehouse", date(2026, 2, 27), date(2026, 3, 2), poll_seconds=0.05, say=lambda _: None)

    assert [o.execution_date for o in outcomes] == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
    assert all(o.status == "SUCCEEDED" and o.started for o in outcomes)
    assert _inputs(sfn, arn) == [{"pipeline_name": "lakehouse", "execution_date": d}
                                 for d in ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]]


def test_a_second_backfill_of_the_same_dates_starts_nothing(sfn):
    arn = _machine(sfn, "lakehouse-pipeline", SUCCEEDS)
    backfill.backfill(sfn, arn, "lakehouse", date(2026, 3, 1), date(2026, 3, 2), poll_seconds=0.05, say=lambda _: None)
    said: list[str] = []
    again = backfill.backfill(sfn, arn, "lakehouse", date(2026, 3, 1), date(2026, 3, 3), poll_seconds=0.05, say=said.append)

    assert [(o.execution_date, o.started) for o in again] == [("2026-03-01", False), ("2026-03-02", False), ("2026-03-03", True)]
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 3
    assert any("exists already" in line for line in said)


def test_the_backfill_stops_at_the_first_failed_date(sfn):
    arn = _machine(sfn, "lakehouse-pipeline", FAILS_ON_0303)
    outcomes = backfill.backfill(sfn, arn, "lakehouse", date(2026, 3, 2), date(2026, 3, 5), poll_seconds=0.05, say=lambda _: None)

    assert [(o.execution_date, o.status) for o in outcomes] == [("2026-03-02", "SUCCEEDED"), ("2026-03-03", "FAILED")]
    assert [i["execution_date"] for i in _inputs(sfn, arn)] == ["2026-03-02", "2026-03-03"]


WAITS_A_SECOND = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 1, "End": True}}}


def test_a_running_date_prints_a_line_at_every_poll(sfn):
    arn = _machine(sfn, "slow", WAITS_A_SECOND)
    said: list[str] = []
    outcomes = backfill.backfill(sfn, arn, "lakehouse", date(2026, 3, 1), date(2026, 3, 1), poll_seconds=0.2, say=said.append)
    assert [o.status for o in outcomes] == ["SUCCEEDED"]
    name = "backfill-lakehouse-20260301"
    assert said[0] == f"2026-03-01: {name} started"
    assert said[-1] == f"2026-03-01: {name} SUCCEEDED"
    running = said[1:-1]
    assert running and all(line.startswith(f"2026-03-01: {name} RUNNING for ") and line.endswith(" s") for line in running), said


@pytest.mark.parametrize("pipeline", ["lakehouse", "daily.events", "p" * 128])
def test_execution_names_are_valid_and_one_per_date(pipeline):
    name = backfill.execution_name(pipeline, date(2026, 3, 1))
    assert len(name) <= 80
    assert name.endswith("-20260301")
    assert all(c.isalnum() or c in "-_" for c in name)
    assert name != backfill.execution_name(pipeline, date(2026, 3, 2))


def test_an_end_before_the_start_is_refused():
    with pytest.raises(ValueError, match="before --start"):
        backfill.dates(date(2026, 3, 2), date(2026, 3, 1))


def test_an_end_before_the_start_stops_the_command_with_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        backfill.main(["--state-machine-arn", "arn", "--pipeline-name", "lakehouse",
                       "--start", "2026-03-02", "--end", "2026-03-01"])
    assert exited.value.code == 2
    assert "--end 2026-03-01 is before --start 2026-03-02" in capsys.readouterr().err


def test_an_sdk_error_is_one_line_and_exit_1(monkeypatch, capsys):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    code = backfill.main(["--state-machine-arn", "arn:aws:states:us-east-1:123456789012:stateMachine:p",
                          "--pipeline-name", "lakehouse", "--start", "2026-03-01", "--end", "2026-03-01"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("backfill: ") and "region" in err
    assert "Traceback" not in err and err.count("\n") == 1
