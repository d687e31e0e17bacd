"""Executes the synthesized lakehouse pipeline in moto's Step Functions interpreter.

The definition comes from the template that the fixture app
(packages/workflow/test/fixtures/pipeline-app.ts) synthesizes; see
pipeline_definition.py. The fixture polls a crawler every second and times it
out after three polls.

Failures are produced the way AWS would produce them where moto can (a missing
crawler, a missing workgroup, a crawler already running) and otherwise by making
one call of moto's backend raise the service's error (`inject_error`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
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

TABLE = "lakehouse-test-pipeline-runs"
RAW_CRAWLER = "lakehouse-test-raw"
CURATED_CRAWLER = "lakehouse-test-curated"
WORKGROUP = "lakehouse-test"
DEFAULT_PIPELINE = "lakehouse-test-pipeline"
MAX_POLLS = 3  # crawlerTimeout 3 s / crawlerPollInterval 1 s in the fixture app
CRAWL_MODEL = "glue::crawl"
NEVER = {"progression": "manual", "times": 10**9}  # ticks only on ListCrawls, which the pipeline never calls


@pytest.fixture(scope="module")
def definition(tmp_path_factory: pytest.TempPathFactory) -> str:
    template = pd.synthesize(tmp_path_factory.mktemp("pipeline-cdk-out"))
    return json.dumps(pd.state_machine_definition(template))


class Lakehouse:
    """The moto stand-ins of the pipeline's AWS resources, and the deployed state machine."""

    def __init__(self, definition: str) -> None:
        self.ddb = boto3.client("dynamodb", region_name=pd.REGION)
        self.glue = boto3.client("glue", region_name=pd.REGION)
        self.athena = boto3.client("athena", region_name=pd.REGION)
        self.sfn = boto3.client("stepfunctions", region_name=pd.REGION)
        create_runs_table(self.ddb, TABLE)
        for name, layer in ((RAW_CRAWLER, "raw"), (CURATED_CRAWLER, "curated")):
            self.glue.create_crawler(
                Name=name,
                Role=f"arn:aws:iam::{pd.ACCOUNT}:role/crawler",
                DatabaseName="lakehouse_test",
                Targets={"S3Targets": [{"Path": f"s3://lakehouse-test-data-lake/{layer}/"}]},
            )
        self.athena.create_work_group(Name=WORKGROUP, Configuration={})
        self.state_machine_arn = self.sfn.create_state_machine(
            name="lakehouse-test-pipeline",
            definition=definition,
            roleArn=f"arn:aws:iam::{pd.ACCOUNT}:role/pipeline",
        )["stateMachineArn"]

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
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if "nextToken" not in page:
                return events
            kwargs["nextToken"] = page["nextToken"]

    def entered_states(self, execution_arn: str) -> list[str]:
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.history(execution_arn)
            if "stateEnteredEventDetails" in event
        ]

    def record(self, date: str, pipeline: str = DEFAULT_PIPELINE) -> dict[str, str] | None:
        item = self.ddb.get_item(
            TableName=TABLE,
            Key={"pipeline_name": {"S": pipeline}, "execution_date": {"S": date}},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else {key: value["S"] for key, value in item.items()}

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
def lakehouse(definition: str, monkeypatch: pytest.MonkeyPatch):
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
            yield Lakehouse(definition)
        finally:
            state_manager.unset_transition(CRAWL_MODEL)


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


def assert_failed_record(record: dict[str, str] | None, execution_arn: str, error: str) -> None:
    assert record is not None
    assert record["status"] == "FAILED"
    assert record["execution_arn"] == execution_arn
    assert record["error"] == error
    assert record["cause"]
    assert record["end_time"] >= record["start_time"]


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
    executions = lakehouse.athena.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    assert len(executions) == 1
    query = lakehouse.athena.get_query_execution(QueryExecutionId=executions[0])["QueryExecution"]
    assert query["Query"] == "SELECT 1"
    assert query["ResultConfiguration"]["OutputLocation"].startswith("s3://lakehouse-test-data-lake/athena-results/")


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
    assert_failed_record(record, arn, "Lakehouse.CrawlFailed")
    assert RAW_CRAWLER in record["cause"] and "FAILED" in record["cause"]
    assert "RunDbtTransformations" not in lakehouse.entered_states(arn)


def test_curated_crawl_that_ends_failed_fails_the_run(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    arn = lakehouse.start({"execution_date": "2024-03-03"})
    lakehouse.wait_for_crawl(RAW_CRAWLER).status = "COMPLETED"
    lakehouse.wait_for_crawl(CURATED_CRAWLER).status = "FAILED"
    execution = lakehouse.wait(arn)

    assert execution["error"] == "Lakehouse.CrawlFailed"
    record = lakehouse.record("2024-03-03")
    assert_failed_record(record, arn, "Lakehouse.CrawlFailed")
    assert CURATED_CRAWLER in record["cause"]


def test_crawler_that_never_finishes_trips_the_timeout(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, NEVER)
    arn = lakehouse.start({"execution_date": "2024-03-04"})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Lakehouse.CrawlerTimeout"
    record = lakehouse.record("2024-03-04")
    assert_failed_record(record, arn, "Lakehouse.CrawlerTimeout")
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
    assert states[-2:] == ["RecordPipelineFailure", "PipelineFailureNotRecorded"]
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
        ("RecordPipelineSuccess", DynamoDBBackend, "update_item", 1, dynamodb_error("ValidationException"),
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
    assert_failed_record(lakehouse.record(date), arn, expected_error)
    states = lakehouse.entered_states(arn)
    assert states[-3:] == [failing_state, "RecordPipelineFailure", "PipelineFailed"]


def test_transformation_failing_records_failed(lakehouse: Lakehouse) -> None:
    state_manager.set_transition(CRAWL_MODEL, {"progression": "immediate"})
    lakehouse.athena.delete_work_group(WorkGroup=WORKGROUP)
    arn = lakehouse.start({"execution_date": "2024-04-03"})
    execution = lakehouse.wait(arn)

    assert execution["status"] == "FAILED"
    record = lakehouse.record("2024-04-03")
    assert_failed_record(record, arn, execution["error"])
    assert "WorkGroup does not exist" in record["cause"]
    states = lakehouse.entered_states(arn)
    assert states[-3:] == ["RunDbtTransformations", "RecordPipelineFailure", "PipelineFailed"]
    assert "StartCuratedCrawler" not in states


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
