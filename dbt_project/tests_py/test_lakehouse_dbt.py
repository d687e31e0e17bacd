"""The job entrypoint's own logic, without running dbt: inputs and their
errors (exit 2), the maintenance cadence, the summary built from dbt's
run_results.json, and the run-record write against moto."""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import datetime as dt
import json
import subprocess
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from lakehouse_moto import create_runs_table
from moto import mock_aws

import lakehouse_dbt as job
from dbt_helpers import base_env

SCRIPT = job.PROJECT_DIR / "scripts" / "lakehouse_dbt.py"
ATHENA_ENV = {
    "AWS_REGION": "eu-west-1",
    "LAKEHOUSE_ATHENA_WORKGROUP": "example-transformations",
    "LAKEHOUSE_GLUE_DATABASE": "example_curated_db",
    "LAKEHOUSE_RAW_GLUE_DATABASE": "example_raw_db",
    "LAKEHOUSE_ATHENA_S3_STAGING_DIR": "s3://example-results-bucket/dbt/",
    "LAKEHOUSE_ATHENA_S3_DATA_DIR": "s3://example-lake-bucket/tables/",
    "LAKEHOUSE_CURATED_S3_DIR": "s3://example-lake-bucket/curated/",
}


# --- inputs -----------------------------------------------------------------

def _inputs(argv, env=None, cwd=_Path("/tmp")):
    return job.read_inputs(argv, env or {}, cwd)


def test_flags_win_over_environment_and_empty_variables_count_as_unset():
    env = {"LAKEHOUSE_DBT_TARGET": "athena", "LAKEHOUSE_EXECUTION_DATE": "2026-01-02",
           "LAKEHOUSE_DBT_SELECT": "", "LAKEHOUSE_ICEBERG_MAINTENANCE": "", "LAKEHOUSE_DBT_FULL_REFRESH": "true"}
    inputs = _inputs(["--target", "local", "--no-full-refresh"], env)
    assert inputs.target == "local"
    assert inputs.execution_date == dt.date(2026, 1, 2)
    assert inputs.select == ()
    assert inputs.full_refresh is False
    assert inputs.cadence.spec == "never"
    assert inputs.record is None
    from_env = _inputs([], env)
    assert (from_env.target, from_env.full_refresh) == ("athena", True)


def test_select_and_dbt_args_are_shell_split_and_vars_merge_with_the_execution_date():
    inputs = _inputs(["--target", "local", "--execution-date", "2026-01-02", "--select", "marts +stg_raw_events",
                      "--dbt-args", "--threads 1 --vars '{incremental_lookback_days: 3}' --fail-fast"])
    command = job.build_command(inputs)
    assert command[:2] == ["build", "--target"]
    assert command[command.index("--select") + 1:command.index("--select") + 3] == ["marts", "+stg_raw_events"]
    assert json.loads(command[command.index("--vars") + 1]) == {"incremental_lookback_days": 3,
                                                               "execution_date": "2026-01-02"}
    assert command.count("--vars") == 1
    assert command[-3:] == ["--threads", "1", "--fail-fast"]


def test_summary_path_defaults_under_the_target_path_and_is_relative_to_the_caller(tmp_path):
    inputs = _inputs(["--target", "local", "--execution-date", "2026-01-02"], {"DBT_TARGET_PATH": str(tmp_path)})
    assert inputs.summary_path == tmp_path / "lakehouse_summary.json"
    inputs = _inputs(["--target", "local", "--execution-date", "2026-01-02", "--summary-path", "out/s.json"],
                     cwd=tmp_path)
    assert inputs.summary_path == tmp_path / "out" / "s.json"
    assert _inputs(["--target", "local", "--execution-date", "2026-01-02"]).summary_path == \
        job.PROJECT_DIR / "target" / "lakehouse_summary.json"


@pytest.mark.parametrize("argv, env, named", [
    ([], {"LAKEHOUSE_EXECUTION_DATE": "2026-01-01"}, "--target / LAKEHOUSE_DBT_TARGET"),
    (["--target", "sandbox"], {"LAKEHOUSE_EXECUTION_DATE": "2026-01-01"}, "--target / LAKEHOUSE_DBT_TARGET"),
    (["--target", "local"], {}, "--execution-date / LAKEHOUSE_EXECUTION_DATE"),
    (["--target", "local", "--execution-date", "2026-02-30"], {}, "--execution-date / LAKEHOUSE_EXECUTION_DATE"),
    (["--target", "local", "--execution-date", "2026-1-05"], {}, "--execution-date / LAKEHOUSE_EXECUTION_DATE"),
    (["--target", "local"], {"LAKEHOUSE_EXECUTION_DATE": "20260105"}, "--execution-date / LAKEHOUSE_EXECUTION_DATE"),
    (["--target", "local", "--execution-date", "2026-01-05", "--maintenance", "SUN,FUNDAY"], {},
     "--maintenance / LAKEHOUSE_ICEBERG_MAINTENANCE"),
    (["--target", "local", "--execution-date", "2026-01-05"], {"LAKEHOUSE_ICEBERG_MAINTENANCE": "weekly"},
     "--maintenance / LAKEHOUSE_ICEBERG_MAINTENANCE"),
    (["--target", "local", "--execution-date", "2026-01-05"], {"LAKEHOUSE_DBT_FULL_REFRESH": "yes"},
     "LAKEHOUSE_DBT_FULL_REFRESH"),
    (["--target", "local", "--execution-date", "2026-01-05", "--dbt-args", "--vars '{a: 1}"], {},
     "--dbt-args / LAKEHOUSE_DBT_ARGS"),
    (["--target", "local", "--execution-date", "2026-01-05", "--dbt-args", "--vars '{execution_date: 2026-01-01}'"],
     {}, "--dbt-args / LAKEHOUSE_DBT_ARGS"),
    (["--target", "local", "--execution-date", "2026-01-05", "--select", "'marts"], {}, "--select / LAKEHOUSE_DBT_SELECT"),
    (["--target", "local", "--execution-date", "2026-01-05", "--runs-table", "runs"], {},
     "--pipeline-name / LAKEHOUSE_PIPELINE_NAME, --execution-arn / LAKEHOUSE_EXECUTION_ARN"),
])
def test_bad_input_is_an_input_error_naming_it(argv, env, named):
    with pytest.raises(job.InputError) as err:
        _inputs(argv, env)
    assert named in str(err.value)


@pytest.mark.parametrize("missing", list(ATHENA_ENV))
def test_athena_target_names_every_missing_variable(missing):
    env = {k: v for k, v in ATHENA_ENV.items() if k != missing}
    inputs = _inputs(["--target", "athena", "--execution-date", "2026-01-05"])
    with pytest.raises(job.InputError) as err:
        job.dbt_environment(inputs, env, _Path("/tmp"))
    assert missing in str(err.value)
    assert [name for name in ATHENA_ENV if name in str(err.value)] == [missing]


def test_athena_s3_folders_must_be_s3_uris():
    env = dict(ATHENA_ENV, LAKEHOUSE_CURATED_S3_DIR="/data/curated")
    with pytest.raises(job.InputError, match="LAKEHOUSE_CURATED_S3_DIR: '/data/curated' is not an s3:// folder"):
        job.dbt_environment(_inputs(["--target", "athena", "--execution-date", "2026-01-05"]), env, _Path("/tmp"))
    assert job.dbt_environment(_inputs(["--target", "athena", "--execution-date", "2026-01-05"]), ATHENA_ENV,
                               _Path("/tmp"))["LAKEHOUSE_CURATED_S3_DIR"] == ATHENA_ENV["LAKEHOUSE_CURATED_S3_DIR"]


def test_local_paths_are_resolved_against_the_callers_directory(tmp_path):
    inputs = _inputs(["--target", "local", "--execution-date", "2026-01-05"])
    env = job.dbt_environment(inputs, {"LAKEHOUSE_RAW_DIR": "data/raw"}, tmp_path)
    assert env["LAKEHOUSE_RAW_DIR"] == str(tmp_path / "data" / "raw")
    assert env["LAKEHOUSE_DUCKDB_PATH"] == str(job.PROJECT_DIR / ".local" / "lakehouse.duckdb")


@pytest.mark.parametrize("argv, extra_env, named", [
    (["--execution-date", "2026-01-05"], {}, "--target / LAKEHOUSE_DBT_TARGET"),
    (["--target", "local", "--execution-date", "2026-13-01"], {}, "--execution-date / LAKEHOUSE_EXECUTION_DATE"),
    (["--target", "local", "--execution-date", "2026-01-05", "--maintenance", "daily"], {},
     "--maintenance / LAKEHOUSE_ICEBERG_MAINTENANCE"),
    (["--target", "athena", "--execution-date", "2026-01-05"],
     {k: v for k, v in ATHENA_ENV.items() if k != "LAKEHOUSE_RAW_GLUE_DATABASE"}, "LAKEHOUSE_RAW_GLUE_DATABASE"),
    (["--target", "local", "--execution-date", "2026-01-05", "--runs-table", "runs", "--pipeline-name", "p",
      "--execution-arn", "arn:x"], {}, "AWS_REGION"),
    (["--target", "local", "--execution-date", "2026-01-05", "--no-such-flag"], {}, "--no-such-flag"),
])
def test_cli_exits_2_naming_the_input_and_runs_nothing(tmp_path, argv, extra_env, named):
    # No region from a developer's own AWS config either.
    env = dict(base_env(tmp_path), AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"), **extra_env)
    summary = tmp_path / "summary.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), *argv, "--summary-path", str(summary)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert named in proc.stderr
    assert "LAKEHOUSE_DBT_SUMMARY" not in proc.stdout
    assert not summary.exists()
    assert not (tmp_path / "target").exists()


# --- maintenance cadence ----------------------------------------------------

# 2026-01-04 is a Sunday; the week runs to Saturday 2026-01-10.
WEEK = [dt.date(2026, 1, 4) + dt.timedelta(days=i) for i in range(7)]


@pytest.mark.parametrize("spec, runs_on", [
    ("never", set()),
    ("always", {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}),
    ("SUN,WED", {"SUN", "WED"}),
    (" sun , wed ,sun", {"SUN", "WED"}),
    ("FRI", {"FRI"}),
])
def test_cadence_selects_the_execution_dates_weekday(spec, runs_on):
    cadence = job.parse_cadence(spec)
    selected = {day.strftime("%a").upper() for day in WEEK if cadence.decide(day)[0]}
    assert selected == runs_on


def test_cadence_says_why_it_does_not_run():
    assert job.parse_cadence("SUN,WED").decide(dt.date(2026, 1, 1)) == (False, "runs on SUN,WED; 2026-01-01 is a THU")
    assert job.parse_cadence("sun,wed").decide(dt.date(2026, 1, 4)) == (True, "runs on SUN,WED; 2026-01-04 is a SUN")


@pytest.mark.parametrize("spec", ["", "weekly", "SUN;WED", "SUN,", "SUNDAY", "never,SUN"])
def test_cadence_rejects_anything_else(spec):
    with pytest.raises(job.InputError, match="--maintenance / LAKEHOUSE_ICEBERG_MAINTENANCE"):
        job.parse_cadence(spec)


# --- summary ----------------------------------------------------------------

def _result(unique_id, status, message=None, failures=None):
    return {"unique_id": unique_id, "status": status, "message": message, "failures": failures}


RUN_RESULTS = {"results": [
    _result("model.lakehouse.stg_raw_events", "success", "OK"),
    _result("model.lakehouse.fct_events", "error",
            "Runtime Error in model fct_events (models/marts/fct_events.sql)\n  Catalog Error: no such column x\n  more"),
    _result("model.lakehouse.dim_users", "skipped"),
    _result("test.lakehouse.unique_stg_raw_events_event_id.1a2b3c4d5e", "fail",
            "Got 3 results, configured to fail if != 0", 3),
    _result("test.lakehouse.no_rejected_rows_stg_rejected_raw_rows_.0f9e8d7c6b", "warn",
            "Got 12 results, configured to warn if != 0", 12),
    _result("test.lakehouse.not_null_stg_raw_events_user_id.aaaaaaaaaa", "pass", None, 0),
]}


def test_run_results_become_counts_failed_nodes_warnings_and_rejected_rows():
    got = job.summarize_run_results(RUN_RESULTS)
    assert got["counts"] == {"models": 3, "tests": 3, "success": 2, "error": 1, "fail": 1, "warn": 1, "skip": 1}
    assert got["failed_nodes"] == [
        "model.lakehouse.fct_events (error): Catalog Error: no such column x",
        "test.lakehouse.unique_stg_raw_events_event_id.1a2b3c4d5e (fail): Got 3 results, configured to fail if != 0",
    ]
    assert got["warnings"] == ["test no_rejected_rows_stg_rejected_raw_rows_: 12 rejected rows"]
    assert got["rejected_rows"] == 12


def test_failed_nodes_come_models_first_whatever_order_dbt_finished_them():
    reversed_results = {"results": list(reversed(RUN_RESULTS["results"]))}
    assert job.summarize_run_results(reversed_results)["failed_nodes"] == job.summarize_run_results(RUN_RESULTS)["failed_nodes"]
    assert job.summarize_run_results(reversed_results)["failed_nodes"][0].startswith("model.lakehouse.fct_events (error)")


def test_rejected_rows_is_null_when_the_test_did_not_run():
    got = job.summarize_run_results({"results": [_result("model.lakehouse.fct_events", "success")]})
    assert got["rejected_rows"] is None
    assert job.summarize_run_results(None)["counts"]["models"] == 0


def _summary(returncode, run_results, tail=(), maintenance=None):
    inputs = _inputs(["--target", "local", "--execution-date", "2026-01-05"])
    maintenance = maintenance or {"ran": False, "reason": "x", "tables": [], "warnings": []}
    return job.build_summary(inputs, job.DbtInvocation(returncode, list(tail)), run_results, maintenance, 1.23)


def test_failed_message_names_the_failing_models_and_tests():
    summary = _summary(1, RUN_RESULTS)
    assert summary["status"] == "failed"
    assert summary["message"] == ("dbt build failed: model fct_events (error: Catalog Error: no such column x); "
                                  "test unique_stg_raw_events_event_id (fail 3)")


def test_message_stays_within_1000_characters_and_counts_what_it_leaves_out():
    many = {"results": [_result(f"model.lakehouse.model_{i:03d}", "error", "Database Error\n  " + "x" * 80)
                        for i in range(40)]}
    message = _summary(1, many)["message"]
    assert len(message) <= 1000
    shown = message.count("(error: ")
    assert 0 < shown < 40
    assert message.endswith(f"; and {40 - shown} more")
    long_one = {"results": [_result("model.lakehouse.m", "error", "y" * 5000)]}
    assert len(_summary(1, long_one)["message"]) == 1000


def test_a_build_that_stops_before_any_node_reports_dbts_error():
    tail = ["05:00:00  Running with dbt=1.11", "05:00:01  Encountered an error:",
            "Compilation Error in model bad (models/bad.sql)", "  unexpected end of template"]
    summary = _summary(2, None, tail)
    assert summary["status"] == "failed"
    assert summary["message"] == ("dbt build failed: Compilation Error in model bad (models/bad.sql) "
                                  "unexpected end of template")


def test_a_failed_maintenance_is_a_warning_of_a_successful_build():
    ok = {"results": [_result("model.lakehouse.fct_events", "success")]}
    maintenance = {"ran": True, "reason": "runs always", "tables": [],
                   "warnings": ["iceberg maintenance failed: ICEBERG_COMMIT_ERROR"]}
    summary = _summary(0, ok, maintenance=maintenance)
    assert summary["status"] == "succeeded"
    assert summary["warnings"] == ["iceberg maintenance failed: ICEBERG_COMMIT_ERROR"]
    assert "iceberg maintenance failed" in summary["message"]


def test_maintenance_does_not_run_after_a_failed_build_or_off_cadence(monkeypatch):
    def no_dbt(*_args, **_kwargs):
        raise AssertionError("dbt must not run")

    monkeypatch.setattr(job, "run_dbt", no_dbt)
    inputs = _inputs(["--target", "local", "--execution-date", "2026-01-05", "--maintenance", "always"])
    assert job.run_maintenance(inputs, {}, build_succeeded=False)["reason"] == "dbt build failed"
    inputs = _inputs(["--target", "local", "--execution-date", "2026-01-05", "--maintenance", "SUN"])
    assert job.run_maintenance(inputs, {}, build_succeeded=True) == {
        "ran": False, "reason": "runs on SUN; 2026-01-05 is a MON", "tables": [], "warnings": []}


def test_maintenance_on_athena_uses_its_own_workgroup_and_reports_each_table(monkeypatch):
    calls = []

    def fake_dbt(command, env):
        calls.append((command, env["LAKEHOUSE_ATHENA_WORKGROUP"]))
        events = [{"table": "awsdatacatalog.db.fct_events", "operation": op} for op in ("optimize", "vacuum")]
        events += [{"table": "awsdatacatalog.db.dim_users", "operation": "optimize"}]
        return job.DbtInvocation(1, ["Encountered an error while running operation: Database Error",
                                     "  ICEBERG_COMMIT_ERROR on dim_users"], events)

    monkeypatch.setattr(job, "run_dbt", fake_dbt)
    inputs = _inputs(["--target", "athena", "--execution-date", "2026-01-04", "--maintenance", "SUN"])
    env = dict(ATHENA_ENV, LAKEHOUSE_MAINTENANCE_WORKGROUP="example-maintenance")
    got = job.run_maintenance(inputs, env, build_succeeded=True)
    assert calls[0][0][:2] == ["run-operation", "iceberg_maintenance"]
    assert calls[0][1] == "example-maintenance"
    assert got["ran"] is True
    assert got["tables"] == ["awsdatacatalog.db.fct_events"]
    assert got["warnings"] == ["iceberg maintenance failed: Database Error ICEBERG_COMMIT_ERROR on dim_users"]
    job.run_maintenance(inputs, ATHENA_ENV, build_succeeded=True)
    assert calls[1][1] == ATHENA_ENV["LAKEHOUSE_ATHENA_WORKGROUP"]


# --- run record -------------------------------------------------------------

RECORD = job.RunRecord("example-pipeline-runs", "lakehouse", "arn:aws:states:eu-west-1:111122223333:execution:p:run-2")
SUMMARY = {"status": "failed", "elapsed_seconds": 12.3, "counts": {"models": 7}, "failed_nodes": ["x"],
           "warnings": [], "rejected_rows": None, "maintenance": {"ran": False, "tables": []}, "message": "m"}


@pytest.fixture
def runs_table(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_runs_table(client, RECORD.table)
        yield client


def _item(client, date="2026-01-05"):
    item = client.get_item(TableName=RECORD.table,
                           Key={"pipeline_name": {"S": "lakehouse"}, "execution_date": {"S": date}}).get("Item")
    return None if item is None else {k: TypeDeserializer().deserialize(v) for k, v in item.items()}


def _put(client, execution_arn):
    client.put_item(TableName=RECORD.table, Item={
        "pipeline_name": {"S": "lakehouse"}, "execution_date": {"S": "2026-01-05"},
        "status": {"S": "RUNNING"}, "execution_arn": {"S": execution_arn}})


def test_record_gets_the_summary_map_when_the_execution_arn_matches(runs_table):
    _put(runs_table, RECORD.execution_arn)
    assert job.write_summary_to_run_record(runs_table, RECORD, dt.date(2026, 1, 5), SUMMARY) is True
    item = _item(runs_table)
    assert item["status"] == "RUNNING"
    assert item["summary"]["elapsed_seconds"] == Decimal("12.3")
    assert item["summary"]["rejected_rows"] is None
    assert json.loads(json.dumps(item["summary"], default=float)) == SUMMARY


def test_record_of_another_execution_is_left_untouched(runs_table):
    _put(runs_table, "arn:aws:states:eu-west-1:111122223333:execution:p:run-3")
    before = _item(runs_table)
    assert job.write_summary_to_run_record(runs_table, RECORD, dt.date(2026, 1, 5), SUMMARY) is False
    assert _item(runs_table) == before


def test_no_record_is_created_when_there_is_none(runs_table):
    assert job.write_summary_to_run_record(runs_table, RECORD, dt.date(2026, 1, 6), SUMMARY) is False
    assert _item(runs_table, "2026-01-06") is None
