"""The job entrypoint end to end on DuckDB, configured only through
environment variables as the deployed job is: a daily run and its summary
(stdout, file and run record in a moto server), what later runs read (a gap,
an older date re-run, a day without data), an empty raw layer, a failing model
and test, and a failing maintenance."""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import datetime as dt
import json
import shutil
import subprocess

import boto3
import duckdb
import pytest
from boto3.dynamodb.types import TypeDeserializer
from lakehouse_moto import create_runs_table
from moto.server import ThreadedMotoServer

import generate_raw_data as gen
from dbt_helpers import PROJECT_DIR, base_env, expected_from_raw, load_json

SCRIPT = _Path("scripts") / "lakehouse_dbt.py"
START = dt.date(2026, 3, 2)  # a Monday; events happen on 5 days and land up to 2 days late
RUNS_TABLE = "example-pipeline-runs"
PIPELINE = "lakehouse"
EXECUTION_ARN = "arn:aws:states:eu-west-1:111122223333:execution:lakehouse-pipeline:2026-03-04"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _dynamodb(endpoint):
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def run_job(work, raw, db, execution_date, project=PROJECT_DIR, **env_vars):
    """Run the entrypoint of `project` with its inputs in the environment."""
    env = base_env(work)
    env.update({"LAKEHOUSE_DBT_TARGET": "local", "LAKEHOUSE_EXECUTION_DATE": execution_date,
                "LAKEHOUSE_RAW_DIR": str(raw), "LAKEHOUSE_DUCKDB_PATH": str(db)})
    env.update(env_vars)
    proc = subprocess.run([sys.executable, str(project / SCRIPT)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)
    last = proc.stdout.rstrip("\n").splitlines()[-1] if proc.stdout.strip() else ""
    assert last.startswith("LAKEHOUSE_DBT_SUMMARY "), f"{proc.stdout[-4000:]}\n{proc.stderr[-3000:]}"
    summary = json.loads(last.split(" ", 1)[1])
    return proc, summary


def _event_ids(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("select event_id from fct_events").fetchall()}
    finally:
        con.close()


def _landed_by(raw, day: str):
    """Ids of the valid events whose first copy landed on or before `day`."""
    return {eid for eid, e in expected_from_raw(raw)["events"].items() if e["ingest_date"] <= day}


def copy_project(dst):
    shutil.copytree(PROJECT_DIR, dst, ignore=shutil.ignore_patterns(
        "target", "logs", ".local", "dbt_packages", "__pycache__", "tests_py", ".user.yml"))
    return dst


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, moto_endpoint):
    work = tmp_path_factory.mktemp("daily")
    raw, db = work / "raw", work / "lakehouse.duckdb"
    generated = gen.generate(raw, events=3000, users=200, seed=11, start_date=START, days=5, malformed=2)
    dynamodb = _dynamodb(moto_endpoint)
    create_runs_table(dynamodb, RUNS_TABLE)
    dynamodb.put_item(TableName=RUNS_TABLE, Item={
        "pipeline_name": {"S": PIPELINE}, "execution_date": {"S": "2026-03-04"},
        "status": {"S": "RUNNING"}, "execution_arn": {"S": EXECUTION_ARN}})
    proc, summary = run_job(
        work, raw, db, "2026-03-04",
        LAKEHOUSE_ICEBERG_MAINTENANCE="SUN,WED",
        LAKEHOUSE_RUNS_TABLE=RUNS_TABLE, LAKEHOUSE_PIPELINE_NAME=PIPELINE, LAKEHOUSE_EXECUTION_ARN=EXECUTION_ARN,
        AWS_ENDPOINT_URL=moto_endpoint, AWS_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    item = dynamodb.get_item(TableName=RUNS_TABLE, Key={
        "pipeline_name": {"S": PIPELINE}, "execution_date": {"S": "2026-03-04"}})["Item"]
    return {"work": work, "raw": raw, "db": db, "generated": generated, "proc": proc, "summary": summary,
            "record": {k: TypeDeserializer().deserialize(v) for k, v in item.items()},
            "manifest": load_json(work / "target" / "manifest.json")}


def test_daily_run_exits_0_and_reports_on_stdout_in_the_file_and_in_the_run_record(first_run):
    proc, summary = first_run["proc"], first_run["summary"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert summary["status"] == "succeeded"
    assert (summary["target"], summary["execution_date"]) == ("local", "2026-03-04")
    assert load_json(first_run["work"] / "target" / "lakehouse_summary.json") == summary
    record = first_run["record"]
    assert record["status"] == "RUNNING" and record["execution_arn"] == EXECUTION_ARN
    assert json.loads(json.dumps(record["summary"], default=float)) == summary


def test_counts_and_rejected_rows_match_the_project_and_the_data(first_run):
    summary, manifest = first_run["summary"], first_run["manifest"]
    models = sum(n["resource_type"] == "model" for n in manifest["nodes"].values())
    tests = sum(n["resource_type"] == "test" for n in manifest["nodes"].values())
    rejected = sum(first_run["generated"].rejected.values())
    assert rejected == 2 * 8
    assert summary["counts"] == {"models": models, "tests": tests, "success": models + tests - 1,
                                 "error": 0, "fail": 0, "warn": 1, "skip": 0}
    assert summary["rejected_rows"] == rejected
    assert summary["failed_nodes"] == []
    assert summary["warnings"] == [f"test no_rejected_rows_stg_rejected_raw_rows_: {rejected} rejected rows"]
    assert summary["message"] == (f"dbt build succeeded: {models} models, {tests} tests; "
                                  f"test no_rejected_rows_stg_rejected_raw_rows_: {rejected} rejected rows")


def test_fct_events_holds_what_landed_by_the_execution_date(first_run):
    ids = _event_ids(first_run["db"])
    assert ids == _landed_by(first_run["raw"], "2026-03-04")
    assert ids < _landed_by(first_run["raw"], "2026-03-31"), "later partitions exist and must not be read"


def test_maintenance_on_a_selected_day_does_nothing_on_duckdb_and_says_why(first_run):
    assert "run-operation iceberg_maintenance" in first_run["proc"].stderr
    maintenance = first_run["summary"]["maintenance"]
    assert maintenance["ran"] is False
    assert "duckdb" in maintenance["reason"] and "Athena" in maintenance["reason"]
    assert maintenance["tables"] == [] and maintenance["warnings"] == []


def test_later_runs_pick_up_a_gap_ignore_an_older_rerun_and_accept_a_day_without_data(first_run, tmp_path):
    raw, db = first_run["raw"], tmp_path / "lakehouse.duckdb"
    shutil.copy(first_run["db"], db)

    # 2026-03-05 failed (never ran): the run for 03-06 loads both days.
    proc, summary = run_job(tmp_path, raw, db, "2026-03-06", LAKEHOUSE_ICEBERG_MAINTENANCE="SUN,WED")
    assert proc.returncode == 0
    assert _event_ids(db) == _landed_by(raw, "2026-03-06")
    assert summary["maintenance"] == {"ran": False, "reason": "runs on SUN,WED; 2026-03-06 is a FRI",
                                      "tables": [], "warnings": []}
    assert "run-operation" not in proc.stderr
    after_0306 = _event_ids(db)

    # Re-running an older date neither removes nor adds anything.
    proc, _ = run_job(tmp_path, raw, db, "2026-03-04")
    assert proc.returncode == 0
    assert _event_ids(db) == after_0306

    # The next day loads the rest (late partitions up to 03-08).
    proc, _ = run_job(tmp_path, raw, db, "2026-03-09")
    assert proc.returncode == 0
    everything = _event_ids(db)
    assert everything == _landed_by(raw, "2026-03-31") and everything > after_0306

    # Nothing landed for 03-10: a successful run with nothing new.
    proc, summary = run_job(tmp_path, raw, db, "2026-03-10")
    assert proc.returncode == 0
    assert summary["status"] == "succeeded" and summary["counts"]["error"] == 0
    assert _event_ids(db) == everything


def test_an_empty_raw_layer_is_a_successful_run_with_nothing_in_it(tmp_path):
    raw, db = tmp_path / "no-raw-files-yet", tmp_path / "lakehouse.duckdb"
    proc, summary = run_job(tmp_path, raw, db, "2026-03-04")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert summary["status"] == "succeeded"
    assert summary["counts"]["error"] == summary["counts"]["fail"] == summary["counts"]["warn"] == 0
    assert summary["counts"]["models"] == 8
    assert summary["rejected_rows"] == 0
    assert _event_ids(db) == set()


def test_a_failing_model_and_test_exit_1_and_are_named(first_run, tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "models" / "marts" / "broken_model.sql").write_text("select id from table_that_does_not_exist\n")
    (project / "tests" / "always_fails.sql").write_text("select 1 as id union all select 2 as id\n")
    proc, summary = run_job(tmp_path, first_run["raw"], tmp_path / "lakehouse.duckdb", "2026-03-04",
                            project=project, LAKEHOUSE_ICEBERG_MAINTENANCE="always")
    assert proc.returncode == 1
    assert summary["status"] == "failed"
    assert [n.split(":", 1)[0] for n in summary["failed_nodes"]] == [
        "model.lakehouse.broken_model (error)", "test.lakehouse.always_fails (fail)"]
    assert "table_that_does_not_exist" in summary["failed_nodes"][0]
    assert summary["message"].startswith("dbt build failed: model broken_model (error: ")
    assert summary["message"].endswith("; test always_fails (fail 2)")
    assert summary["maintenance"]["reason"] == "dbt build failed"
    assert load_json(tmp_path / "target" / "lakehouse_summary.json") == summary


def test_a_failing_maintenance_is_a_warning_and_the_exit_code_stays_0(first_run, tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "macros" / "iceberg_maintenance.sql").write_text(
        "{% macro iceberg_maintenance(dry_run=false) -%}\n"
        "  {{ exceptions.raise_compiler_error('ICEBERG_OPTIMIZE_FAILED on fct_events') }}\n"
        "{%- endmacro %}\n")
    proc, summary = run_job(tmp_path, first_run["raw"], tmp_path / "lakehouse.duckdb", "2026-03-04",
                            project=project, LAKEHOUSE_ICEBERG_MAINTENANCE="always")
    assert proc.returncode == 0
    assert summary["status"] == "succeeded"
    (warning,) = summary["maintenance"]["warnings"]
    assert warning.startswith("iceberg maintenance failed: ") and "ICEBERG_OPTIMIZE_FAILED on fct_events" in warning
    assert summary["maintenance"]["ran"] is True
    assert warning in summary["warnings"] and "ICEBERG_OPTIMIZE_FAILED" in summary["message"]
