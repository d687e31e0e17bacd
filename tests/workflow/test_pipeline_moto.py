"""Executes the synthesized lakehouse pipeline in moto's Step Functions interpreter.

The definition comes from the template that the fixture app
(packages/workflow/test/fixtures/pipeline-app.ts) synthesizes; see
pipeline_definition.py. The fixture polls a crawler every second and times it
out after three polls.

moto runs the deployed definition with the local run's documented
substitutions (local/substitutions.py), and nothing else: the dbt job's
`codebuild:startBuild.sync` task goes to a worker through SQS's callback
pattern, and moto's spellings of Glue's errors (`glue.X`) and of a finished
crawl (`COMPLETED`) are accepted next to AWS's. The worker here is a stand-in
that writes the job's summary into the run record as the entrypoint does, or
runs the entrypoint itself (on DuckDB) where the test needs dbt's own words.

Failures are produced the way AWS would produce them where moto can (a missing
crawler, a crawler already running) and otherwise by making one call of moto's
backend raise the service's error (`inject_error`), or by the local run's
`fail_at` substitution, which fails a state through its own Catch.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
from moto import mock_aws
from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX
from moto.dynamodb.models import DynamoDBBackend
from moto.glue.exceptions import EntityNotFoundException
from moto.glue.models import GlueBackend, glue_backends
from moto.moto_api import state_manager

import pipeline_definition as pd
from lakehouse_moto import create_runs_table
from local import substitutions
from local.progress import execution_history

TABLE = "lakehouse-test-pipeline-runs"
RAW_CRAWLER = "lakehouse-test-raw"
CURATED_CRAWLER = "lakehouse-test-curated"
DEFAULT_PIPELINE = "lakehouse-test-pipeline"
DBT_PROJECT = "lakehouse-test-dbt"
MAX_POLLS = 3  # crawlerTimeout 3 s / crawlerPollInterval 1 s in the fixture app
CRAWL_MODEL = "glue::crawl"
NEVER = {"progression": "manual", "times": 10**9}  # ticks only on ListCrawls, which the pipeline never calls
REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO_ROOT / "dbt_project" / "scripts" / "lakehouse_dbt.py"
BUILD_FAILED = "Local.BuildFailed"


def load_entrypoint(path: Path = ENTRYPOINT) -> Any:
    """The dbt job's entrypoint as a module (a copy of the project has its own)."""
    name = f"lakehouse_dbt_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


ENTRY = load_entrypoint()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The pipeline's definition as deployed."""
    template = pd.synthesize(tmp_path_factory.mktemp("pipeline-cdk-out"))
    return pd.state_machine_definition(template)


Job = Callable[[dict[str, str]], tuple[bool, str]]


def succeeding_job(lakehouse: "Lakehouse") -> Job:
    """Stands in for the dbt job: writes a succeeded summary into the run record, as the entrypoint does."""
    def run(env: dict[str, str]) -> tuple[bool, str]:
        summary = {"status": "succeeded", "target": "local", "execution_date": env["LAKEHOUSE_EXECUTION_DATE"],
                   "counts": {"models": 7, "tests": 31}, "failed_nodes": [], "warnings": [], "rejected_rows": 0,
                   "message": "dbt build succeeded: 7 models, 31 tests"}
        record = ENTRY.RunRecord(table=TABLE, pipeline_name=env["LAKEHOUSE_PIPELINE_NAME"], execution_arn=env["LAKEHOUSE_EXECUTION_ARN"])
        ENTRY.write_summary_to_run_record(lakehouse.ddb, record, dt.date.fromisoformat(env["LAKEHOUSE_EXECUTION_DATE"]), summary)
        return True, ""
    return run


class Lakehouse:
    """The moto stand-ins of the pipeline's AWS resources, the local copy of the state machine, and its worker."""

    def __init__(self, deployed: dict[str, Any], fail_at: str | None = None) -> None:
        self.ddb = boto3.client("dynamodb", region_name=pd.REGION)
        self.glue = boto3.client("glue", region_name=pd.REGION)
        self.sfn = boto3.client("stepfunctions", region_name=pd.REGION)
        self.sqs = boto3.client("sqs", region_name=pd.REGION)
        create_runs_table(self.ddb, TABLE)
        for name, layer in ((RAW_CRAWLER, "raw"), (CURATED_CRAWLER, "curated")):
            self.glue.create_crawler(
                Name=name,
                Role=f"arn:aws:iam::{pd.ACCOUNT}:role/crawler",
                DatabaseName="lakehouse_test",
                Targets={"S3Targets": [{"Path": f"s3://lakehouse-test-data-lake/{layer}/"}]},
            )
        self.queue_url = self.sqs.create_queue(QueueName="lakehouse-test-worker")["QueueUrl"]
        self.definition = substitutions.substitute(deployed, self.queue_url, wait_seconds=1, fail_at_state=fail_at)
        self.state_machine_arn = self.sfn.create_state_machine(
            name="lakehouse-test-pipeline",
            definition=json.dumps(self.definition),
            roleArn=f"arn:aws:iam::{pd.ACCOUNT}:role/pipeline",
        )["stateMachineArn"]
        self.job: Job = succeeding_job(self)
        self.builds: list[dict[str, str]] = []
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._work, daemon=True)
        self._worker.start()

    def _work(self) -> None:
        """Answers the tasks of the local copy: dbt builds with `self.job`, injected failures with their error."""
        while not self._stop.is_set():
            for message in self.sqs.receive_message(QueueUrl=self.queue_url, WaitTimeSeconds=0).get("Messages", []):
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                task = json.loads(message["Body"])
                if task["Kind"] == substitutions.FAIL_KIND:
                    self.sfn.send_task_failure(taskToken=task["TaskToken"], error=substitutions.INJECTED_ERROR,
                                               cause=f"{task['State']} failed on purpose")
                    continue
                env = {item["Name"]: str(item["Value"]) for item in task["StartBuild"]["EnvironmentVariablesOverride"]}
                env["PROJECT_NAME"] = task["StartBuild"]["ProjectName"]
                self.builds.append(env)
                succeeded, cause = self.job(env)
                if succeeded:
                    self.sfn.send_task_success(taskToken=task["TaskToken"], output=json.dumps(
                        {"Build": {"Id": f"{DBT_PROJECT}:{uuid.uuid4()}", "BuildStatus": "SUCCEEDED"}}))
                else:
                    # AWS fails a .sync build with States.TaskFailed; moto refuses errors named States.*.
                    self.sfn.send_task_failure(taskToken=task["TaskToken"], error=BUILD_FAILED, cause=cause)
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        self._worker.join(timeout=5)

    def start(self, payload: dict[str, Any]) -> str:
        # Named explicitly: moto gives every unnamed execution the same ARN.
        return self.sfn.start_execution(
            stateMachineArn=self.state_machine_arn, name=str(uuid.uuid4()), input=json.dumps(payload),
        )["executionArn"]

    def wait(self, execution_arn: str, limit_seconds: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=execution_arn)
            if execution["status"] != "RUNNING":
                return execution
            time.sleep(0.2)
        raise AssertionError(f"{execution_arn} still RUNNING after {limit_seconds} s")

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.wait(self.start(payload))

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        return execution_history(self.sfn, execution_arn)

    def entered_states(self, execution_arn: str) -> list[str]:
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.history(execution_arn)
            if "stateEnteredEventDetails" in event
        ]

    def item(self, date: str, pipeline: str = DEFAULT_PIPELINE) -> dict[str, Any] | None:
        return self.ddb.get_item(
            TableName=TABLE,
            Key={"pipeline_name": {"S": pipeline}, "execution_date": {"S": date}},
            ConsistentRead=True,
        ).get("Item")

    def record(self, date: str, pipeline: str = DEFAULT_PIPELINE) -> dict[str, str] | None:
        """The record's string attributes (the summary map is left out: see `item`)."""
        item = self.item(date, pipeline)
        return None if item is None else {key: value["S"] for key, value in item.items() if "S" in value}

    def records(self) -> list[dict[str, Any]]:
        return self.ddb.scan(TableName=TABLE)["Items"]

    def crawler_backend(self, name: str):
        return glue_backends[pd.ACCOUNT][pd.REGION].crawlers[name]

    def wait_for_crawl(self, name: str, limit_seconds: float = 30) -> Any:
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            crawls = self.crawler_backend(name).crawls
            if crawls:
                return crawls[-1]
            time.sleep(0.05)
        raise AssertionError(f"crawler {name} was never started")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": pd.REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        # A crawl stays RUNNING for 2.5 s, so the 1 s poll sees it RUNNING at least twice.
        state_manager.set_transition(CRAWL_MODEL, {"progression": "time", "seconds": 2.5})
        try:
            yield
        finally:
            state_manager.unset_transition(CRAWL_MODEL)


@pytest.fixture
def lakehouse(deployed: dict[str, Any], aws: None):
    created = Lakehouse(deployed)
    yield created
    created.close()


def inject_error(monkeypatch: pytest.MonkeyPatch, backend: type, method: str, on_call: int,
                 error: Callable[[], Exception], times: int = 1) -> list[int]:
    """Makes calls `on_call` .. `on_call + times - 1` (1-based) of `backend.method` raise `error()`."""
    original = getattr(backend, method)
    calls = [0]

    def failing(self, *args, **kwargs):
        calls[0] += 1
        if on_call <= calls[0] < on_call + times:
            raise error()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(backend, method, failing)
    return calls


def glue_entity_not_found() -> Exception:
    return EntityNotFoundException("Crawler entry with name lakehouse-test-raw does not exist")


def dynamodb_error(code: str) -> Callable[[], Exception]:
    return lambda: JsonRESTError(ERROR_TYPE_PREFIX + code, f"injected {code}")


def polls_of(states: list[str], layer: str) -> int:
    return Counter(states)[f"Get{layer}CrawlerState"]


def assert_failed_record(record: dict[str, str] | None, execution_arn: str, error: str, failed_state: str) -> None:
    assert record is not None
    assert record["status"] == "FAILED"
    assert record["execution_arn"] == execution_arn
    assert record["error"] == error
    assert record["failed_state"] == failed_state
    assert record["cause"]
    assert record["end_time"] >= record["start_time"]


# --- the local copy ------------------------------------------------------------------------------


def changed_paths(before: Any, after: Any, path: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [changed for key in sorted(set(before) | set(after))
                for changed in changed_paths(before.get(key), after.get(key), f"{path}/{key}")]
    return [] if before == after else [path]


def test_the_local_copy_changes_only_what_moto_cannot_run(deployed: dict[str, Any]) -> None:
    """The deployed definition names AWS's errors and statuses only; the local copy adds moto's and moves the dbt job to a worker."""
    deployed_text = json.dumps(deployed)
    assert "glue.CrawlerRunningException" not in deployed_text and "COMPLETED" not in deployed_text
    local = substitutions.substitute(deployed, "https://queue.local/worker", wait_seconds=1)

    changed = sorted({"/".join(path.split("/")[:4]) for path in changed_paths(deployed, local)})
    glue_tasks = [f"{verb}{layer}{noun}" for layer in ("Raw", "Curated")
                  for verb, noun in (("Start", "Crawler"), ("Get", "CrawlerState"), ("Get", "CrawlResult"))]
    assert changed == sorted(
        # moto's crawl status and error names
        [f"/States/Check{layer}CrawlResult/Choices" for layer in ("Raw", "Curated")]
        + [f"/States/{task}/Retry" for task in glue_tasks]
        + [f"/States/Start{layer}Crawler/Catch" for layer in ("Raw", "Curated")]
        # the dbt job, run by the worker
        + ["/States/RunDbtTransformations/Parameters", "/States/RunDbtTransformations/Resource"]
    )
    build = local["States"]["RunDbtTransformations"]
    assert build["Resource"] == substitutions.WORKER_RESOURCE
    assert build["Parameters"]["MessageBody"]["StartBuild"] == deployed["States"]["RunDbtTransformations"]["Parameters"]
    assert build["Catch"] == deployed["States"]["RunDbtTransformations"]["Catch"]
    assert local["States"]["StartRawCrawler"]["Catch"][0]["ErrorEquals"] == ["glue.CrawlerRunningException"]
    assert {"Variable": "$.raw_crawler.last_crawl.Status", "StringEquals": "COMPLETED"} \
        in local["States"]["CheckRawCrawlResult"]["Choices"][0]["Or"]


# --- the happy path ---------------------------------------------------------------------------


def test_happy_path_records_success_after_polling_each_crawler_several_times(lakehouse: Lakehouse) -> None:
    arn = lakehouse.start({"execution_date": "2024-01-15"})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "SUCCEEDED"
    record = lakehouse.record("2024-01-15")
    assert record is not None
    assert record["status"] == "SUCCEEDED"
    assert record["execution_arn"] == arn
    assert record["start_time"] <= record["end_time"]
    assert "error" not in record
    states = lakehouse.entered_states(arn)
    assert polls_of(states, "Raw") >= 2
    assert polls_of(states, "Curated") >= 2
    assert len(states) == 16 + 4 * (polls_of(states, "Raw") + polls_of(states, "Curated"))
    assert states.index("RecordPipelineStart") < states.index("StartRawCrawler") < states.index("RunDbtTransformations") \
        < states.index("StartCuratedCrawler") < states.index("RecordPipelineSuccess")
    assert states[-1] == "PipelineSucceeded"
    # The dbt job ran once, for this run, and wrote its summary into the record.
    assert lakehouse.builds == [{
        "PROJECT_NAME": DBT_PROJECT, "LAKEHOUSE_EXECUTION_DATE": "2024-01-15", "LAKEHOUSE_PIPELINE_NAME": DEFAULT_PIPELINE,
        "LAKEHOUSE_EXECUTION_ARN": arn, "LAKEHOUSE_DBT_FULL_REFRESH": "false", "LAKEHOUSE_ICEBERG_MAINTENANCE": "SUN",
    }]
    summary = lakehouse.item("2024-01-15")["summary"]["M"]
    assert summary["status"] == {"S": "succeeded"}
    assert summary["message"] == {"S": "dbt build succeeded: 7 models, 31 tests"}


def test_transitions_per_run_grow_by_four_per_poll(lakehouse: Lakehouse) -> None:
    """Measures the state transitions of a successful run, for the cost model."""
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    arn = lakehouse.start({"execution_date": "2024-01-16"})
    assert lakehouse.wait(arn)["status"] == "SUCCEEDED"
    states = lakehouse.entered_states(arn)
    raw_polls, curated_polls = polls_of(states, "Raw"), polls_of(states, "Curated")
    assert (raw_polls, curated_polls) == (1, 1)
    # Every state entered is one billed state transition.
    fixed = len(states) - 4 * (raw_polls + curated_polls)
    print(f"\nstate transitions: {len(states)} = {fixed} + 4 x {raw_polls + curated_polls} polls")
    assert fixed == 16


def test_explicit_pipeline_name_keys_the_record(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    arn = lakehouse.start({"pipeline_name": "events", "execution_date": "2024-02-29"})
    assert lakehouse.wait(arn)["status"] == "SUCCEEDED"
    assert lakehouse.record("2024-02-29", pipeline="events")["status"] == "SUCCEEDED"
    assert lakehouse.record("2024-02-29") is None


# --- crawlers -----------------------------------------------------------------------------------


def test_crawler_already_running_at_start_is_waited_for(lakehouse: Lakehouse) -> None:
    lakehouse.glue.start_crawler(Name=RAW_CRAWLER)
    arn = lakehouse.start({"execution_date": "2024-03-01"})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "SUCCEEDED"
    states = lakehouse.entered_states(arn)
    assert "RawCrawlerAlreadyRunning" in states
    assert "CuratedCrawlerAlreadyRunning" not in states
    assert lakehouse.record("2024-03-01")["status"] == "SUCCEEDED"
    assert len(lakehouse.crawler_backend(RAW_CRAWLER).crawls) == 1  # waited for, not started again


def test_crawl_that_ends_failed_fails_the_run(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    arn = lakehouse.start({"execution_date": "2024-03-02"})
    # The crawler API cannot fail a crawl: set the crawl's status in moto's backend.
    lakehouse.wait_for_crawl(RAW_CRAWLER).status = "FAILED"
    execution = lakehouse.wait(arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Lakehouse.CrawlFailed"
    record = lakehouse.record("2024-03-02")
    assert_failed_record(record, arn, "Lakehouse.CrawlFailed", "WaitForRawCrawler")
    assert RAW_CRAWLER in record["cause"] and "FAILED" in record["cause"]
    assert "RunDbtTransformations" not in lakehouse.entered_states(arn)
    assert lakehouse.builds == []


def test_curated_crawl_that_ends_failed_fails_the_run(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    arn = lakehouse.start({"execution_date": "2024-03-03"})
    lakehouse.wait_for_crawl(RAW_CRAWLER).status = "COMPLETED"
    lakehouse.wait_for_crawl(CURATED_CRAWLER).status = "FAILED"
    execution = lakehouse.wait(arn)

    assert execution["error"] == "Lakehouse.CrawlFailed"
    record = lakehouse.record("2024-03-03")
    assert_failed_record(record, arn, "Lakehouse.CrawlFailed", "WaitForCuratedCrawler")
    assert CURATED_CRAWLER in record["cause"]


def test_crawler_that_never_finishes_trips_the_timeout(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    arn = lakehouse.start({"execution_date": "2024-03-04"})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Lakehouse.CrawlerTimeout"
    record = lakehouse.record("2024-03-04")
    assert_failed_record(record, arn, "Lakehouse.CrawlerTimeout", "WaitForRawCrawler")
    assert f"still running after {MAX_POLLS} polls" in record["cause"]
    states = lakehouse.entered_states(arn)
    assert polls_of(states, "Raw") == MAX_POLLS
    assert "RawCrawlerTimedOut" in states


# --- each task failing in turn ------------------------------------------------------------------


def test_record_start_failing_writes_nothing_and_fails_with_its_error(lakehouse: Lakehouse,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    inject_error(monkeypatch, DynamoDBBackend, "put_item", 1, dynamodb_error("ValidationException"))
    arn = lakehouse.start({"execution_date": "2024-04-01"})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "DynamoDB.ValidationException"
    assert lakehouse.records() == []
    states = lakehouse.entered_states(arn)
    # The failure goes to RecordPipelineFailure, whose execution_arn condition
    # refuses to create a record for a run that never recorded its start.
    assert states[-4:] == ["RecordPipelineStartFailed", "CheckFailureCause", "RecordPipelineFailure", "PipelineFailureNotRecorded"]
    assert "StartRawCrawler" not in states


@pytest.mark.parametrize(
    ("failing_state", "backend", "method", "on_call", "error", "expected_error"),
    [
        ("StartRawCrawler", GlueBackend, "start_crawler", 1, glue_entity_not_found, "glue.EntityNotFoundException"),
        ("GetRawCrawlerState", GlueBackend, "get_crawler", 2, glue_entity_not_found, "glue.EntityNotFoundException"),
        ("GetRawCrawlResult", GlueBackend, "get_crawler", 3, glue_entity_not_found, "glue.EntityNotFoundException"),
        ("StartCuratedCrawler", GlueBackend, "start_crawler", 2, glue_entity_not_found, "glue.EntityNotFoundException"),
        ("GetCuratedCrawlerState", GlueBackend, "get_crawler", 5, glue_entity_not_found, "glue.EntityNotFoundException"),
        ("GetCuratedCrawlResult", GlueBackend, "get_crawler", 6, glue_entity_not_found, "glue.EntityNotFoundException"),
        # update_item call 1 is the dbt job writing its summary.
        ("RecordPipelineSuccess", DynamoDBBackend, "update_item", 2, dynamodb_error("ValidationException"),
         "DynamoDB.ValidationException"),
    ],
)
def test_a_failing_task_records_failed_with_its_cause(lakehouse: Lakehouse, monkeypatch: pytest.MonkeyPatch,
                                                      failing_state: str, backend: type, method: str, on_call: int,
                                                      error: Callable[[], Exception], expected_error: str) -> None:
    # Each crawl is over at its first poll, so the calls come in a known order:
    # moto's StartCrawler also calls get_crawler, so the Glue get_crawler calls
    # are StartRaw, GetRawState, GetRawResult, StartCurated, GetCuratedState, GetCuratedResult.
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    inject_error(monkeypatch, backend, method, on_call, error)
    date = "2024-04-02"
    arn = lakehouse.start({"execution_date": date})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == expected_error
    assert_failed_record(lakehouse.record(date), arn, expected_error, failing_state)
    states = lakehouse.entered_states(arn)
    assert states[-5:] == [failing_state, f"{failing_state}Failed", "CheckFailureCause", "RecordPipelineFailure", "PipelineFailed"]


def test_each_state_failing_in_turn_records_failed_naming_it(deployed: dict[str, Any], aws: None) -> None:
    """Every task that can fail after the start is recorded, fails its own state, through its own Catch."""
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    failable = substitutions.failable_states(deployed)
    assert failable == [
        "StartRawCrawler", "GetRawCrawlerState", "GetRawCrawlResult", "RunDbtTransformations",
        "StartCuratedCrawler", "GetCuratedCrawlerState", "GetCuratedCrawlResult", "RecordPipelineSuccess",
    ]
    for day, state in enumerate(failable, start=1):
        lakehouse = Lakehouse(deployed, fail_at=state)
        try:
            date = f"2024-06-{day:02d}"
            arn = lakehouse.start({"execution_date": date})
            execution = lakehouse.wait(arn)
            assert (state, execution["status"], execution["error"]) == (state, "FAILED", substitutions.INJECTED_ERROR)
            record = lakehouse.record(date)
            assert_failed_record(record, arn, substitutions.INJECTED_ERROR, state)
            # moto drops the cause of SendTaskFailure: the record says that none was given.
            assert record["cause"] == "The failed state gave no cause; the execution history has its error"
            assert not [item for item in lakehouse.records() if item["status"]["S"] == "RUNNING"]
        finally:
            lakehouse.close()
            lakehouse.sfn.delete_state_machine(stateMachineArn=lakehouse.state_machine_arn)
            lakehouse.ddb.delete_table(TableName=TABLE)
            for crawler in (RAW_CRAWLER, CURATED_CRAWLER):
                lakehouse.glue.delete_crawler(Name=crawler)
            lakehouse.sqs.delete_queue(QueueUrl=lakehouse.queue_url)


# --- the dbt job ----------------------------------------------------------------------------------


def test_a_failed_dbt_build_fails_the_run_and_its_cause_names_the_model(lakehouse: Lakehouse, tmp_path: Path) -> None:
    """The worker runs the real entrypoint on DuckDB, with a model that can't build: the record says which."""
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", project,
                    ignore=shutil.ignore_patterns("target", "logs", ".local", "dbt_packages", "tests_py", "__pycache__"))
    (project / "models" / "marts" / "broken_mart.sql").write_text("select id from a_table_that_does_not_exist\n")
    entrypoint = load_entrypoint(project / "scripts" / "lakehouse_dbt.py")

    def real_job(env: dict[str, str]) -> tuple[bool, str]:
        environ = {**env, "LAKEHOUSE_DBT_TARGET": "local", "LAKEHOUSE_RUNS_TABLE": TABLE,
                   "LAKEHOUSE_RAW_DIR": str(tmp_path / "raw"), "LAKEHOUSE_DUCKDB_PATH": str(tmp_path / "lakehouse.duckdb"),
                   "LAKEHOUSE_DBT_SUMMARY_PATH": str(tmp_path / "summary.json"), "DBT_TARGET_PATH": str(tmp_path / "target"),
                   "DBT_LOG_PATH": str(tmp_path / "logs"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                   "AWS_REGION": pd.REGION, "PATH": os.environ["PATH"]}
        code = entrypoint.main(["--select", "broken_mart"], environ)
        return code == 0, json.dumps({"Build": {"BuildStatus": "FAILED", "Phases": "…"}})

    lakehouse.job = real_job
    arn = lakehouse.start({"execution_date": "2024-07-01"})
    execution = lakehouse.wait(arn, limit_seconds=240)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Lakehouse.DbtBuildFailed"
    record = lakehouse.record("2024-07-01")
    assert_failed_record(record, arn, "Lakehouse.DbtBuildFailed", "RunDbtTransformations")
    assert record["cause"].startswith("dbt build failed: model broken_mart (error")
    summary = lakehouse.item("2024-07-01")["summary"]["M"]
    assert summary["status"] == {"S": "failed"}
    assert summary["message"]["S"] == record["cause"]
    states = lakehouse.entered_states(arn)
    assert states[-8:] == ["RunDbtTransformations", "RunDbtTransformationsFailed", "ReadDbtTransformationsSummary",
                           "CheckDbtTransformationsSummary", "DescribeDbtTransformationsFailure", "CheckFailureCause",
                           "RecordPipelineFailure", "PipelineFailed"]
    assert "StartCuratedCrawler" not in states


def test_a_dbt_job_that_fails_before_its_summary_keeps_the_build_error(lakehouse: Lakehouse) -> None:
    """A build that dies before dbt ran (say, the pip install) has no summary: the record keeps CodeBuild's error."""
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    lakehouse.job = lambda env: (False, json.dumps({"Build": {"BuildStatus": "FAILED", "CurrentPhase": "INSTALL"}}))
    arn = lakehouse.start({"execution_date": "2024-07-02"})
    execution = lakehouse.wait(arn)

    assert execution["error"] == BUILD_FAILED
    record = lakehouse.record("2024-07-02")
    assert_failed_record(record, arn, BUILD_FAILED, "RunDbtTransformations")
    # On AWS the cause is CodeBuild's build description; moto drops the cause of SendTaskFailure.
    assert record["cause"] == "The failed state gave no cause; the execution history has its error"
    assert "summary" not in lakehouse.item("2024-07-02")
    assert "DescribeDbtTransformationsFailure" not in lakehouse.entered_states(arn)


def test_record_failure_failing_still_fails_the_execution(lakehouse: Lakehouse,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    inject_error(monkeypatch, DynamoDBBackend, "update_item", 1, dynamodb_error("ValidationException"))
    arn = lakehouse.start({"execution_date": "2024-04-04"})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Lakehouse.CrawlerTimeout"  # the run's own error, not the record's
    assert lakehouse.entered_states(arn)[-2:] == ["RecordPipelineFailure", "PipelineFailureNotRecorded"]
    assert lakehouse.record("2024-04-04")["status"] == "RUNNING"  # the alarm on failed executions covers this


def test_transient_dynamodb_error_is_retried(lakehouse: Lakehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    calls = inject_error(monkeypatch, DynamoDBBackend, "put_item", 1,
                         dynamodb_error("ProvisionedThroughputExceededException"))
    arn = lakehouse.start({"execution_date": "2024-04-05"})

    assert lakehouse.wait(arn)["status"] == "SUCCEEDED"
    assert calls[0] == 2
    assert lakehouse.record("2024-04-05")["status"] == "SUCCEEDED"


# --- concurrent runs and re-runs ----------------------------------------------------------------


def test_second_start_for_a_running_date_is_refused_and_leaves_the_record_alone(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    first = lakehouse.start({"execution_date": "2024-05-01"})
    lakehouse.wait_for_crawl(RAW_CRAWLER)  # the first run has recorded its start
    before = lakehouse.record("2024-05-01")
    assert before["status"] == "RUNNING" and before["execution_arn"] == first

    second = lakehouse.run({"execution_date": "2024-05-01"})

    assert second["status"] == "FAILED"
    assert second["error"] == "Lakehouse.PipelineAlreadyRunning"
    assert lakehouse.sfn.describe_execution(executionArn=first)["status"] == "RUNNING"
    assert lakehouse.record("2024-05-01") == before
    assert "RecordPipelineFailure" not in lakehouse.entered_states(second["executionArn"])
    lakehouse.wait(first)


def test_rerun_of_a_failed_date_succeeds(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    failed = lakehouse.run({"execution_date": "2024-05-02"})
    assert failed["status"] == "FAILED"
    assert lakehouse.record("2024-05-02")["status"] == "FAILED"

    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    lakehouse.crawler_backend(RAW_CRAWLER).crawls[-1].status = "STOPPED"  # the stuck crawl was stopped
    rerun = lakehouse.run({"execution_date": "2024-05-02"})

    assert rerun["status"] == "SUCCEEDED"
    record = lakehouse.record("2024-05-02")
    assert record["status"] == "SUCCEEDED"
    assert record["execution_arn"] == rerun["executionArn"]
    assert "error" not in record and "cause" not in record


# --- input validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"execution_date": 20240115},
        {"execution_date": ""},
        {"execution_date": "20240115"},
        {"execution_date": "2024-1-15"},
        {"execution_date": "2024-01-5"},
        {"execution_date": "24-01-15"},
        {"execution_date": "2024-13-01"},
        {"execution_date": "2024-00-10"},
        {"execution_date": "2024-01-00"},
        {"execution_date": "2024-01-32"},
        {"execution_date": "2024-04-31"},
        {"execution_date": "2024-02-30"},
        {"execution_date": "2024--01-15"},
        {"execution_date": "-2024-01-15"},
        {"execution_date": "2024-01-15-"},
        {"execution_date": "2024-01-15T00:00:00Z"},
        {"execution_date": "2024-0a-15"},
        {"execution_date": "２０２４-01-15"},
        {"execution_date": "0999-01-15"},
    ],
    ids=lambda payload: repr(payload.get("execution_date", "<missing>")),
)
def test_malformed_execution_date_fails_fast_and_writes_nothing(lakehouse: Lakehouse, payload: dict[str, Any]) -> None:
    execution = lakehouse.run(payload)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Lakehouse.InvalidExecutionDate"
    assert lakehouse.records() == []
    assert "RecordPipelineStart" not in lakehouse.entered_states(execution["executionArn"])


@pytest.mark.parametrize("pipeline_name", ["", 42, None])
def test_invalid_pipeline_name_fails_fast(lakehouse: Lakehouse, pipeline_name: Any) -> None:
    execution = lakehouse.run({"pipeline_name": pipeline_name, "execution_date": "2024-01-15"})

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Lakehouse.InvalidPipelineName"
    assert lakehouse.records() == []


@pytest.mark.parametrize("date", ["2024-02-29", "1999-12-31", "2024-11-30", "9999-01-01"])
def test_valid_execution_dates_reach_record_pipeline_start(lakehouse: Lakehouse, date: str) -> None:
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    execution = lakehouse.run({"execution_date": date})

    assert execution["status"] == "SUCCEEDED"
    assert lakehouse.record(date)["status"] == "SUCCEEDED"
