"""End-to-end on DuckDB: build on generated data (with malformed records),
check every dbt test, compare the marts with answers computed in plain
Python, then append a day and check the incremental load."""
from __future__ import annotations

import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))


import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

import generate_raw_data as gen
from dbt_helpers import base_env, expected_from_raw, load_json, make_profiles_dir, run_dbt

MALFORMED_PER_KIND = 3


def _env(work: Path, raw: Path, db: Path) -> dict:
    env = base_env(work)
    env["LAKEHOUSE_RAW_DIR"] = str(raw)
    env["LAKEHOUSE_DUCKDB_PATH"] = str(db)
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("local")
    make_profiles_dir(work)
    raw, db = work / "raw", work / "lakehouse.duckdb"
    summary = gen.generate(raw, events=4000, users=300, seed=123, days=5, malformed=MALFORMED_PER_KIND)
    run_dbt(["build", "--target", "local"], _env(work, raw, db), work)
    return {"work": work, "raw": raw, "db": db, "summary": summary,
            "run_results": load_json(work / "target" / "run_results.json"),
            "manifest": load_json(work / "target" / "manifest.json")}


def _query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def expected(built):
    return expected_from_raw(built["raw"])


# --- dbt's own tests ---

def test_every_node_ran_and_every_test_passed(built):
    results = {r["unique_id"]: r for r in built["run_results"]["results"]}
    test_ids = {k for k, n in built["manifest"]["nodes"].items() if n["resource_type"] == "test"}
    model_ids = {k for k, n in built["manifest"]["nodes"].items() if n["resource_type"] == "model"}
    assert len(test_ids) >= 25
    assert test_ids | model_ids <= set(results), "some nodes were not run"
    for uid in model_ids:
        assert results[uid]["status"] == "success", uid
    warn_tests = [u for u in test_ids if "no_rejected_rows" in u]
    assert len(warn_tests) == 1
    for uid in test_ids - set(warn_tests):
        assert results[uid]["status"] == "pass", (uid, results[uid]["status"], results[uid].get("message"))


def test_rejected_rows_test_warns_with_count(built, expected):
    total = sum(expected["rejected"].values())
    assert total == sum(built["summary"].rejected.values()) == 8 * MALFORMED_PER_KIND
    (res,) = [r for r in built["run_results"]["results"] if "no_rejected_rows" in r["unique_id"]]
    assert res["status"] == "warn"
    assert res["failures"] == total


# --- known answers ---

def test_rejected_rows_per_reason(built, expected):
    got = {(s, r): n for s, r, n in _query(
        built["db"], "select source_name, reject_reason, count(*) from stg_rejected_raw_rows group by all")}
    assert got == dict(expected["rejected"]) == built["summary"].rejected
    missing_file = _query(built["db"], "select count(*) from stg_rejected_raw_rows "
                                       "where source_file is null or line_number is null")
    assert missing_file == [(0,)]


def test_fct_events_matches_python(built, expected):
    rows = _query(built["db"], "select event_id, user_id, event_type, event_ts, event_date, "
                               "cast(ingest_date as varchar), user_country from fct_events")
    exp = expected["events"]
    assert len(rows) == len(exp) == len(built["summary"].events)
    users = expected["users"]
    for eid, uid, etype, ts, edate, landed, country in rows:
        e = exp[eid]
        assert (uid, etype, ts, landed) == (e["user_id"], e["event_type"], e["event_ts"], e["ingest_date"]), eid
        assert edate == e["event_ts"].date()
        assert country == users[uid]["country"]
    # Dedupe: raw had duplicate lines, the mart has each id once.
    assert built["summary"].duplicate_event_lines > 0
    assert _query(built["db"], "select count(*) - count(distinct event_id) from fct_events") == [(0,)]


def test_dim_users_matches_python(built, expected):
    rows = _query(built["db"], "select user_id, email, country, signup_ts, first_event_ts, last_event_ts, "
                               "event_count, page_view_count, click_count, add_to_cart_count, "
                               "purchase_count, session_start_count from dim_users")
    assert len(rows) == len(expected["users"])
    for uid, email, country, signup, first, last, n, pv, cl, atc, pu, ss in rows:
        u, a = expected["users"][uid], expected["per_user"].get(uid)
        assert (email, country, signup) == (u["email"], u["country"], u["signup_ts"]), uid
        assert email == email.strip().lower()
        if a is None:
            assert (n, first, last) == (0, None, None)
            continue
        assert (n, first, last) == (a["n"], a["first"], a["last"]), uid
        t = a["types"]
        assert (pv, cl, atc, pu, ss) == (t["page_view"], t["click"], t["add_to_cart"],
                                         t["purchase"], t["session_start"]), uid
    # Ground truth from the generator agrees with the Python re-implementation.
    truth = built["summary"].users
    assert {u: (v["email"], v["country"]) for u, v in expected["users"].items()} == \
           {u: (v["email"], v["country"]) for u, v in truth.items()}


# --- incremental load ---

def test_incremental_append_adds_only_new_rows(built, tmp_path):
    work = tmp_path
    make_profiles_dir(work)
    raw, db = work / "raw", work / "lakehouse.duckdb"
    shutil.copytree(built["raw"], raw)
    shutil.copy(built["db"], db)
    env = _env(work, raw, db)

    con = duckdb.connect(str(db))
    before = con.execute("select count(*) from fct_events").fetchone()[0]
    max_landed = con.execute("select max(ingest_date) from fct_events").fetchone()[0]
    # Sentinel on a row far outside the look-back window: a full rebuild
    # would erase it, an incremental run leaves it alone.
    old_id = con.execute("select min(event_id) from fct_events where ingest_date = "
                     "(select min(ingest_date) from fct_events)").fetchone()[0]
    con.execute("update fct_events set user_country = 'ZZ' where event_id = ?", [old_id])
    redelivered = [r[0] for r in con.execute("select event_id from fct_events order by event_id limit 25").fetchall()]
    con.close()

    new_day = max_landed + dt.timedelta(days=1)
    added = gen.generate(raw, events=600, users=300, seed=999, start_date=new_day, days=1,
                         event_id_start=10_000_000, write_users=False, part_name="part-0001.json")
    # Re-deliveries of already loaded events inside the new partition.
    old_lines = {}
    for p in sorted((built["raw"] / "events").glob("*/*.json")):
        for line in p.read_text().splitlines():
            if line.startswith('{"event_id":"e'):
                old_lines.setdefault(json.loads(line)["event_id"], line)
    part = raw / "events" / f"ingest_date={new_day.isoformat()}" / "part-0002.json"
    part.write_text("\n".join(old_lines[e] for e in redelivered) + "\n")

    run_dbt(["build", "--target", "local"], env, work)
    results = load_json(work / "target" / "run_results.json")["results"]
    assert all(r["status"] in ("pass", "success", "warn") for r in results)

    con = duckdb.connect(str(db), read_only=True)
    after = con.execute("select count(*) from fct_events").fetchone()[0]
    dupes = con.execute("select count(*) - count(distinct event_id) from fct_events").fetchone()[0]
    sentinel = con.execute("select user_country from fct_events where event_id = ?", [old_id]).fetchone()[0]
    new_ids = {r[0] for r in con.execute("select event_id from fct_events where event_id >= 'e0010000000'").fetchall()}
    redelivered_landed = con.execute(
        f"select count(*) from fct_events where event_id in ({','.join(repr(e) for e in redelivered)}) "
        f"and ingest_date = date '{new_day.isoformat()}'").fetchone()[0]
    dim_total = con.execute("select sum(event_count) from dim_users").fetchone()[0]
    con.close()

    assert after - before == len(added.events) == 600
    assert new_ids == set(added.events)
    assert dupes == 0
    assert redelivered_landed == 0
    assert sentinel == "ZZ", "old rows were rebuilt: the run was not incremental"
    assert dim_total == after


# --- the execution_date var, given to dbt directly ---

@pytest.mark.parametrize("value, error", [
    ("2026-01-05", None),   # YAML reads it as a date; the model takes it as one
    ("'2026-02-30'", "var execution_date must be a calendar date YYYY-MM-DD; got '2026-02-30'"),
    ("'5 Jan 2026'", "var execution_date must be a calendar date YYYY-MM-DD; got '5 Jan 2026'"),
])
def test_execution_date_var_is_checked_when_dbt_reads_the_models(tmp_path, value, error):
    make_profiles_dir(tmp_path)
    env = _env(tmp_path, tmp_path / "raw", tmp_path / "lakehouse.duckdb")
    proc = run_dbt(["parse", "--target", "local", "--no-partial-parse", "--vars", f"{{execution_date: {value}}}"],
                   env, tmp_path, check=False)
    if error is None:
        assert proc.returncode == 0, proc.stdout[-3000:]
    else:
        assert proc.returncode != 0 and error in proc.stdout, proc.stdout[-3000:]
