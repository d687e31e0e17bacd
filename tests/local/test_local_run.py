"""`python -m local` end to end: the synthesized sandbox on moto, the DAG on Airflow, dbt on DuckDB.

Both runs share one working folder (raw data, warehouse, Airflow's database
template), as two invocations on a laptop would.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_local(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict[str, Any]]:
    summary = workdir / f"summary-{len(list(workdir.glob('summary-*')))}.json"
    # Only what a shell on a laptop would have: no AWS, Airflow or dbt settings from the test session.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "AIRFLOW", "DBT_", "LAKEHOUSE_", "MOTO_"))}
    result = subprocess.run(
        [sys.executable, "-m", "local", "--workdir", str(workdir), "--summary-json", str(summary), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert summary.exists(), f"no summary:\n{result.stdout}\n{result.stderr}"
    return result, json.loads(summary.read_text())


def port_closed(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("local-run")


@pytest.fixture(scope="module")
def default_run(workdir: Path):
    return run_local(workdir)


def test_the_default_run_succeeds_and_records_success(default_run):
    result, summary = default_run
    assert result.returncode == 0, result.stdout + result.stderr
    [date] = summary["dates"]
    record = summary["records"][date]
    assert record["status"] == "SUCCEEDED"
    assert record["execution_arn"].endswith("-try1")
    assert record["end_time"] >= record["start_time"]
    assert "run record (" in result.stdout and "  status          SUCCEEDED" in result.stdout
    assert [r["status"] for r in summary["all_records"]] == ["SUCCEEDED"]


def test_the_terminal_shows_the_run_s_progress_and_airflow_s_output_goes_to_the_run_log(workdir: Path, default_run):
    result, _ = default_run
    # Log records (Airflow's standard logging and its task runner's structlog) start with their time.
    log_lines = [line for line in result.stdout.splitlines() if re.match(r"\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:", line)]
    assert log_lines == []
    assert "Nothing to clear." not in result.stdout  # what Airflow 3's dag.test prints for a new date
    assert result.stderr == ""  # no warning of Airflow or its providers either
    run_log = (workdir / "logs" / "run.log").read_text()
    assert "[DAG TEST] starting task_id=start_pipeline" in run_log


def test_the_default_run_prints_each_state_with_its_time_in_order(default_run):
    result, _ = default_run
    lines = result.stdout.splitlines()

    def index(text: str) -> int:
        return next(i for i, line in enumerate(lines) if line.strip().endswith(text) or text in line)

    assert index("RecordPipelineStart started") < index("RunDbtTransformations started") \
        < index("worker: dbt build succeeded") < index("RunDbtTransformations ended after") \
        < index("RecordPipelineSuccess ended after") < index("execution succeeded")


def test_the_printed_mart_counts_are_what_the_warehouse_holds(default_run):
    result, summary = default_run
    assert summary["marts"] and all(count > 0 for count in summary["marts"].values())
    with duckdb.connect(summary["duckdb_path"], read_only=True) as warehouse:
        held = {mart: warehouse.execute(f'select count(*) from "{mart}"').fetchone()[0] for mart in summary["marts"]}
    assert held == summary["marts"]
    printed = ", ".join(f"{mart} {count:,}" for mart, count in held.items())
    assert f"marts (rows): {printed}" in result.stdout
    assert "analyst query" in result.stdout and "DuckDB warehouse:" in result.stdout


def test_the_server_is_stopped_after_the_run(default_run):
    result, summary = default_run
    assert port_closed(summary["port"])
    assert f"local AWS stopped (port {summary['port']} closed)" in result.stdout


def test_a_state_made_to_fail_ends_the_record_failed_and_the_command_non_zero(workdir: Path, default_run):
    result, summary = run_local(workdir, "--fail-at", "RunDbtTransformations", "--dates", "2026-01-02")

    assert result.returncode != 0
    record = summary["records"]["2026-01-02"]
    assert record["status"] == "FAILED"
    assert record["error"] == "Local.InjectedFailure"
    assert "--fail-at RunDbtTransformations" in record["cause"]
    assert record["failed_state"] == "RunDbtTransformations"
    assert [r["status"] for r in summary["all_records"]] == ["FAILED"]  # a fresh moto; nothing RUNNING
    assert "the run of 2026-01-02 FAILED at RunDbtTransformations" in result.stdout
    assert "FAILED: 2026-01-02 failed at RunDbtTransformations: Local.InjectedFailure" in result.stdout
    assert "dbt build" not in result.stdout  # the worker failed the step instead of running it
    assert port_closed(summary["port"])


def test_a_failed_date_re_run_after_the_fix_succeeds_and_overwrites_its_record(workdir: Path, default_run):
    result, summary = run_local(workdir, "--fail-at", "StartRawCrawler", "--rerun", "--dates", "2026-01-03")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "the run of 2026-01-03 FAILED at StartRawCrawler" in result.stdout
    assert "fix: the state machine no longer fails StartRawCrawler" in result.stdout
    record = summary["rerun_record"]
    assert record["status"] == "SUCCEEDED"
    assert record["execution_arn"].endswith("-try2")  # cleared in Airflow: the task's next try
    assert "error" not in record and "failed_state" not in record
    assert "the re-run overwrote the FAILED record of lakehouse-20260103-" in result.stdout
    assert [r["status"] for r in summary["all_records"]] == ["SUCCEEDED"]
