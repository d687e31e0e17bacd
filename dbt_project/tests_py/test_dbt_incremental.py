"""Incremental runs give exactly what a full refresh gives on the same files.

Generated batches (scripts/generate_raw_data.py, generate_batches) land
before each daily run, into any partition of the look-back window and in any
order: late events, re-deliveries into the same, an earlier and a later
partition, conflicting copies, users whose record lands after their events,
user changes and late user exports, rejected and blank lines, BOMs and CRLF.
The runs go incremental batch by batch; then a full refresh on the same files
and the same last date; every row of both marts must be equal, and equal to
the README's rules computed in Python.

Bounded for CI: two plans of four runs plus a full refresh each (ten dbt
runs), in this process with one parse per plan (dbt's start-up and parse
would otherwise take most of the time). The execution date is a var, which
dbt applies when it compiles each run. scripts/bench_dbt.py --incremental N
runs larger plans, each run its own dbt process as in production.
"""
from __future__ import annotations

import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

import generate_raw_data as gen
from dbt_helpers import PROJECT_DIR, base_env, expected_from_raw, make_profiles_dir

PLANS = {
    "empty-first-run": dict(seed=1, runs=4, empty_first_run=True),
    "four-runs": dict(seed=2, runs=4),
}
# Every hazard the issue names, in at least one plan; the plans are fixed, so
# this checks the generator keeps producing them.
HAZARDS = {
    "late_event", "redelivery_same_partition", "redelivery_later_partition", "redelivery_moves_a_loaded_event",
    "conflicting_copy_same_partition", "user_change", "late_user_export", "user_record_after_its_events",
    "events_file_into_an_older_partition", "users_file_into_an_older_partition", "events_file_a_day_early",
    "skipped_day", "rejected_line", "blank_line", "bom_file", "crlf_file", "empty_first_run",
}
FCT = ("select event_id, user_id, event_type, event_ts, event_date, properties, user_country, user_signup_ts, "
       "cast(ingest_date as varchar) from fct_events order by event_id")
DIM = ("select user_id, email, country, signup_ts, first_event_ts, last_event_ts, page_view_count, click_count, "
       "add_to_cart_count, purchase_count, session_start_count, event_count from dim_users order by user_id")


class Dbt:
    """dbt in this process, on one parsed manifest. Every database file is
    named lakehouse.duckdb (in its own folder): DuckDB names the catalog after
    the file, and the parsed relations carry that name."""

    def __init__(self, monkeypatch, work: Path, raw: Path):
        self.monkeypatch, self.profiles = monkeypatch, make_profiles_dir(work)
        for name in list(os.environ):
            if name.startswith(("DBT_", "LAKEHOUSE_", "AWS_")):
                monkeypatch.delenv(name)
        for name, value in base_env(work).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("LAKEHOUSE_RAW_DIR", str(raw))
        monkeypatch.chdir(PROJECT_DIR)
        self.manifest = self._invoke(dbtRunner(), ["parse"]).result

    def _invoke(self, runner, args):
        result = runner.invoke([*args, "--target", "local", "--profiles-dir", str(self.profiles), "--quiet"])
        if not result.success:
            failed = [f"{r.node.unique_id}: {r.message}" for r in getattr(result.result, "results", [])
                      if str(r.status) not in ("success", "pass")]
            pytest.fail(f"dbt {' '.join(args)} failed: {result.exception or failed}")
        return result

    def run(self, db: Path, day: dt.date, command: str = "run", full_refresh: bool = False):
        db.parent.mkdir(parents=True, exist_ok=True)
        self.monkeypatch.setenv("LAKEHOUSE_DUCKDB_PATH", str(db))
        args = [command, "--vars", f"{{execution_date: '{day.isoformat()}'}}"]
        self._invoke(dbtRunner(manifest=self.manifest), args + (["--full-refresh"] if full_refresh else []))


def _query(db: Path, sql: str):
    # Not read-only: dbt keeps its own connection to the file open in this
    # process, and DuckDB shares the database only with the same configuration.
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_plans_hold_every_hazard():
    found = set()
    for plan in map(lambda kw: gen.generate_batches(**kw), PLANS.values()):
        found |= set(plan.hazards)
        assert len(plan.run_dates) == 4
    assert HAZARDS <= found, HAZARDS - found


@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_incremental_runs_equal_a_full_refresh(tmp_path, monkeypatch, plan_name):
    plan = gen.generate_batches(**PLANS[plan_name])
    raw, db = tmp_path / "raw", tmp_path / "incremental" / "lakehouse.duckdb"
    (raw / "events").mkdir(parents=True)
    (raw / "users").mkdir(parents=True)
    dbt = Dbt(monkeypatch, tmp_path, raw)

    restated, previous = 0, {}
    for run, day in enumerate(plan.run_dates, start=1):
        landed = plan.land(raw, run)
        if run > 1:
            # Within the window: no file lands older than the oldest partition
            # this run re-reads (newest loaded minus the look-back).
            (newest,) = _query(db, "select max(ingest_date) from fct_events")[0]
            if newest is not None:
                oldest_reread = newest - dt.timedelta(days=plan.lookback_days)
                assert all(dt.date.fromisoformat(p.parent.name.split("=")[1]) >= oldest_reread for p in landed)
        # The last incremental run also runs every dbt test on its result.
        dbt.run(db, day, command="build" if run == len(plan.run_dates) else "run")
        countries = dict(_query(db, "select event_id, user_country from fct_events"))
        restated += sum(1 for eid, country in countries.items() if eid in previous and previous[eid] != country)
        previous = countries

    full = tmp_path / "full" / "lakehouse.duckdb"
    dbt.run(full, plan.run_dates[-1], full_refresh=True)

    incremental_fct, full_fct = _query(db, FCT), _query(full, FCT)
    assert incremental_fct == full_fct
    assert _query(db, DIM) == _query(full, DIM)

    # Rows already loaded were merged again because a late user export changed
    # their country: the path that keeps the two equal was taken.
    assert restated > 0

    # And both are what the rules give, computed in Python from the files.
    expected = expected_from_raw(raw, until=plan.run_dates[-1].isoformat())
    assert len(full_fct) == len(expected["events"]) > 0
    for eid, uid, etype, ts, date, props, country, signup, landed in full_fct:
        e = expected["events"][eid]
        assert (uid, etype, ts, date, props, country, signup, landed) == (
            e["user_id"], e["event_type"], e["event_ts"], e["event_ts"].date(), e["properties"],
            e["user_country"], e["user_signup_ts"], e["ingest_date"]), eid
    assert {row[0]: row for row in _query(full, DIM)} == expected["dim_users"]

    # user_country is the user's at the event: events before a change keep
    # the old country, so some differ from the latest one in dim_users.
    latest = {uid: row[2] for uid, row in expected["dim_users"].items()}
    at_event = [(uid, country) for _, uid, _, _, _, _, country, _, _ in full_fct if country is not None]
    assert any(country != latest[uid] for uid, country in at_event)
    assert any(country == latest[uid] for uid, country in at_event)
