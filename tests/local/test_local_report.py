"""What the local run prints: state lines from an execution history, the run record, tables."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from local.progress import state_lines
from local.report import format_record, format_table, mart_names, plain_item

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def event(kind: str, seconds: float, **details) -> dict:
    return {"type": kind, "timestamp": T0 + timedelta(seconds=seconds), **details}


def test_each_state_is_printed_as_it_starts_and_ends_with_its_time_and_a_failure_is_marked():
    history = [
        event("ExecutionStarted", 0),
        event("TaskStateEntered", 0.5, stateEnteredEventDetails={"name": "RecordPipelineStart"}),
        event("TaskSucceeded", 0.6),
        event("TaskStateExited", 0.75, stateExitedEventDetails={"name": "RecordPipelineStart"}),
        event("TaskStateEntered", 0.75, stateEnteredEventDetails={"name": "RunDbtTransformations"}),
        event("TaskFailed", 9.0),
        event("TaskStateExited", 9.25, stateExitedEventDetails={"name": "RunDbtTransformations"}),
        event("ExecutionFailed", 9.5, executionFailedEventDetails={"error": "Lakehouse.DbtBuildFailed"}),
    ]
    assert state_lines(history, T0) == [
        "    0.50s  RecordPipelineStart started",
        "    0.75s  RecordPipelineStart ended after 0.25s",
        "    0.75s  RunDbtTransformations started",
        "    9.25s  RunDbtTransformations failed after 8.50s",
        "    9.50s  execution failed: Lakehouse.DbtBuildFailed",
    ]


def test_a_record_prints_its_attributes_in_contract_order_and_its_summary_one_entry_a_line():
    item = {
        "summary": {"M": {"message": {"S": "dbt build failed"}, "counts": {"M": {"error": {"N": "1"}}}}},
        "status": {"S": "FAILED"},
        "failed_state": {"S": "RunDbtTransformations"},
        "pipeline_name": {"S": "lakehouse"},
        "execution_date": {"S": "2026-01-01"},
    }
    record = plain_item(item)
    assert record["summary"]["counts"] == {"error": 1}
    assert format_record(record) == [
        "  pipeline_name   lakehouse",
        "  execution_date  2026-01-01",
        "  status          FAILED",
        "  failed_state    RunDbtTransformations",
        '  summary         counts: {"error": 1}',
        "                  message: dbt build failed",
    ]


def test_numbers_of_an_item_become_ints_or_floats():
    assert plain_item({"n": {"N": "3"}, "x": {"N": "1.5"}}) == {"n": 3, "x": 1.5}
    assert isinstance(plain_item({"n": {"N": "3"}})["n"], int)  # not the Decimal boto3 gives


def test_the_marts_are_the_models_of_the_marts_folder():
    assert mart_names(ROOT) == sorted(p.stem for p in (ROOT / "dbt_project" / "models" / "marts").glob("*.sql"))
    assert "fct_events" in mart_names(ROOT)


def test_a_table_pads_its_columns():
    assert format_table(["country", "n"], [("US", 239), ("BR", None)]) == [
        "  country  n", "  US       239", "  BR"]
