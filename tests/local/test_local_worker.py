"""The local worker answering the substituted build step in moto, with a stand-in entrypoint."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from local import substitutions
from local.server import LocalAws, free_port, port_is_listening
from local.worker import BUILD_FAILED_ERROR, LocalWorker, WorkerPaths, build_environment, dbt_result_line

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
PROJECT_ENVIRONMENT = {"LAKEHOUSE_DBT_TARGET": "athena", "LAKEHOUSE_RUNS_TABLE": "runs",
                       "LAKEHOUSE_ATHENA_WORKGROUP": "dbt"}

# The deployed step's shape (CodeBuild, awaited), caught into $.failure.
DEFINITION = {
    "StartAt": "RunDbtTransformations",
    "States": {
        "RunDbtTransformations": {
            "Type": "Task", "Resource": "arn:aws:states:::codebuild:startBuild.sync",
            "Parameters": {"ProjectName": "lakehouse-dbt", "EnvironmentVariablesOverride": [
                {"Name": "LAKEHOUSE_EXECUTION_DATE", "Type": "PLAINTEXT", "Value.$": "$.execution_date"},
                {"Name": "LAKEHOUSE_EXECUTION_ARN", "Type": "PLAINTEXT", "Value.$": "$$.Execution.Id"},
            ]},
            "ResultSelector": {"BuildId.$": "$.Build.Id", "BuildStatus.$": "$.Build.BuildStatus"},
            "ResultPath": "$.dbt",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Failed"}],
            "End": True,
        },
        "Failed": {"Type": "Pass", "End": True},
    },
}

# Writes what it was started with, prints a summary line like the real entrypoint, exits as told.
STAND_IN = """
import json, os, sys
from pathlib import Path
Path(os.environ["RECORDING"]).write_text(json.dumps({"argv": sys.argv[1:], "env": dict(os.environ)}))
print('LAKEHOUSE_DBT_SUMMARY ' + json.dumps({"message": "stand-in build", "counts": {}}))
sys.exit(int(os.environ["EXIT_CODE"]))
"""


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for variable, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                            "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("MOTO_PORT", "0")  # restored after the test; the server sets its own port
    server = LocalAws(free_port(), REGION, crawl_seconds=0.1)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not port_is_listening(server.port)


def run_step(aws: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exit_code: int,
             fail_at: str | None = None) -> tuple[dict[str, Any], list[str]]:
    entrypoint = tmp_path / "entrypoint.py"
    entrypoint.write_text(STAND_IN)
    monkeypatch.setenv("RECORDING", str(tmp_path / "recording.json"))
    monkeypatch.setenv("EXIT_CODE", str(exit_code))
    queue_url = aws.client("sqs").create_queue(QueueName="worker")["QueueUrl"]
    definition = substitutions.substitute(DEFINITION, queue_url, fail_at_state=fail_at)
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(name=f"m{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    said: list[str] = []
    paths = WorkerPaths(ROOT, tmp_path / "raw", tmp_path / "w.duckdb", tmp_path / "logs", tmp_path / "dbt",
                        entrypoint=entrypoint)
    worker = LocalWorker(aws, queue_url, paths, {"lakehouse-dbt": PROJECT_ENVIRONMENT}, said.append)
    worker.start()
    try:
        execution = sfn.start_execution(stateMachineArn=arn, name="run-1", input=json.dumps({"execution_date": "2026-01-01"}))
        deadline = time.monotonic() + 60
        while (described := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the step was never answered"
            time.sleep(0.2)
    finally:
        worker.stop()
    return json.loads(described["output"]), said


def test_a_build_runs_the_entrypoint_on_the_local_target_with_codebuilds_environment(aws, tmp_path, monkeypatch):
    output, said = run_step(aws, tmp_path, monkeypatch, exit_code=0)

    assert output["dbt"]["BuildStatus"] == "SUCCEEDED"
    assert output["dbt"]["BuildId"].startswith("local:")
    assert "failure" not in output
    recording = json.loads((tmp_path / "recording.json").read_text())
    assert recording["argv"] == ["--target", "local"]
    env = recording["env"]
    assert env["LAKEHOUSE_EXECUTION_DATE"] == "2026-01-01"
    assert env["LAKEHOUSE_EXECUTION_ARN"].endswith(":run-1")
    assert env["LAKEHOUSE_RUNS_TABLE"] == "runs"  # the project's own variable
    assert env["LAKEHOUSE_DBT_TARGET"] == "local"
    assert env["LAKEHOUSE_DUCKDB_PATH"] == str(tmp_path / "w.duckdb")
    assert env["AWS_ENDPOINT_URL"] == aws.endpoint
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert any("stand-in build" in line for line in said)


def test_a_failed_build_fails_the_step_into_its_catch_with_the_build(aws, tmp_path, monkeypatch):
    output, _ = run_step(aws, tmp_path, monkeypatch, exit_code=1)

    assert output["failure"]["Error"] == BUILD_FAILED_ERROR
    assert json.loads(output["failure"]["Cause"])["Build"]["BuildStatus"] == "FAILED"
    assert "dbt" not in output


def test_an_injected_failure_fails_the_step_without_a_build(aws, tmp_path, monkeypatch):
    output, said = run_step(aws, tmp_path, monkeypatch, exit_code=0, fail_at="RunDbtTransformations")

    assert output["failure"] == {"Error": substitutions.INJECTED_ERROR,
                                 "Cause": "--fail-at RunDbtTransformations: the local run made this state fail"}
    assert not (tmp_path / "recording.json").exists()


def test_the_environment_takes_overrides_over_the_project_and_the_local_target_over_both(tmp_path):
    paths = WorkerPaths(ROOT, tmp_path / "raw", tmp_path / "w.duckdb", tmp_path / "logs", tmp_path / "dbt")
    env = build_environment(
        {"PATH": "/bin", "AIRFLOW_HOME": "/x", "LAKEHOUSE_DBT_SELECT": "stale", "AWS_PROFILE": "p"},
        {"LAKEHOUSE_DBT_SELECT": "project", "LAKEHOUSE_DBT_TARGET": "athena"},
        [{"Name": "LAKEHOUSE_DBT_SELECT", "Type": "PLAINTEXT", "Value": "marts"}],
        paths, "http://127.0.0.1:1", REGION)
    assert env["LAKEHOUSE_DBT_SELECT"] == "marts"
    assert env["LAKEHOUSE_DBT_TARGET"] == "local"
    assert "AIRFLOW_HOME" not in env and env["PATH"] == "/bin"
    with pytest.raises(ValueError, match="PLAINTEXT"):
        build_environment({}, {}, [{"Name": "SECRET", "Type": "SECRETS_MANAGER", "Value": "arn"}],
                          paths, "http://127.0.0.1:1", REGION)


def test_the_result_line_is_the_summary_message_else_dbts_totals():
    assert dbt_result_line('x\nLAKEHOUSE_DBT_SUMMARY {"message": "dbt build succeeded: 7 models"}\n') == \
        "dbt build succeeded: 7 models"
    assert dbt_result_line("05:13:04  Done. PASS=38 WARN=0 ERROR=0 SKIP=0 TOTAL=38\n") == \
        "PASS=38 WARN=0 ERROR=0 SKIP=0 TOTAL=38"
    assert dbt_result_line("Traceback (most recent call last):\n") == ""
