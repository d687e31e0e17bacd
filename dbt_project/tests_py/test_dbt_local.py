"""End-to-end on DuckDB: build on generated hostile data (every malformed
kind, BOMs, CRLF, blank lines, invalid UTF-8, naive and nanosecond
timestamps), in a time zone that is not UTC, check every dbt test, compare
the marts with the README's rules computed in plain Python, then append a
day and check the incremental load."""
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
from dbt_helpers import base_env, expected_from_raw, load_json, make_profiles_dir, raw_lines, run_dbt

MALFORMED_PER_KIND = 2
MALFORMED_KINDS = (len(gen.EVENT_REJECT_REASONS) + len(gen.USER_REJECT_REASONS)
                   + len(gen.HOSTILE_EVENT_REJECT_REASONS) + len(gen.HOSTILE_USER_REJECT_REASONS))


def _env(work: Path, raw: Path, db: Path) -> dict:
    env = base_env(work)
    env["LAKEHOUSE_RAW_DIR"] = str(raw)
    env["LAKEHOUSE_DUCKDB_PATH"] = str(db)
    # Naive timestamps are UTC by contract: a machine in another zone must
    # build the same marts (the expectations below are computed in UTC).
    env["TZ"] = "America/New_York"
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("local")
    make_profiles_dir(work)
    raw, db = work / "raw", work / "lakehouse.duckdb"
    summary = gen.generate(raw, events=4000, users=300, seed=123, days=5, malformed=MALFORMED_PER_KIND,
                           hostile=True)
    run_dbt(["build", "--target", "local"], _env(work, raw, db), work)
    return {"work": work, "raw": raw, "db": db, "summary": summary,
            "run_results": load_json(work / "target" / "run_results.json"),
            "manifest": load_json(work / "target" / "manifest.json")}


def _query(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
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
    assert total == sum(built["summary"].rejected.values()) == MALFORMED_KINDS * MALFORMED_PER_KIND
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
    rows = _query(built["db"], "select event_id, user_id, event_type, event_ts, event_date, properties, "
                               "user_country, user_signup_ts, cast(ingest_date as varchar) from fct_events")
    exp = expected["events"]
    assert len(rows) == len(exp) == len(built["summary"].events)
    for eid, uid, etype, ts, edate, props, country, signup, landed in rows:
        e = exp[eid]
        assert (uid, etype, ts, props, country, signup, landed) == (
            e["user_id"], e["event_type"], e["event_ts"], e["properties"], e["user_country"],
            e["user_signup_ts"], e["ingest_date"]), eid
        assert edate == e["event_ts"].date()
    # Dedupe: raw had duplicate lines, the mart has each id once.
    assert built["summary"].duplicate_event_lines > 0
    assert _query(built["db"], "select count(*) - count(distinct event_id) from fct_events") == [(0,)]
    # The generator's own record of what it wrote: ids trimmed, times in UTC to the microsecond.
    assert {eid: (uid, etype, ts) for eid, uid, etype, ts, *_ in rows} == built["summary"].events
    assert any(ts.microsecond % 1000 for _, _, _, ts, *_ in rows)


def test_dim_users_matches_python(built, expected):
    rows = _query(built["db"], "select user_id, email, country, signup_ts, first_event_ts, last_event_ts, "
                               "page_view_count, click_count, add_to_cart_count, purchase_count, "
                               "session_start_count, event_count from dim_users")
    assert {row[0]: row for row in rows} == expected["dim_users"]
    assert all(email == email.strip().lower() for _, email, *_ in rows if email is not None)
    # Ground truth from the generator agrees with the Python re-implementation.
    truth = built["summary"].users
    assert {u: (v["email"], v["country"]) for u, v in expected["users"].items()} == \
           {u: (v["email"], v["country"]) for u, v in truth.items()}


def test_one_bad_line_rejects_that_line_only(built):
    """A file with a line of invalid UTF-8 loads its other lines; the bad line
    is rejected with its file, line number and bytes."""
    rows = _query(built["db"], "select source_name, source_file, line_number, raw_line from stg_rejected_raw_rows "
                               "where reject_reason = 'invalid_encoding' and raw_line like '%\\x%'")
    assert len(rows) == 2 * MALFORMED_PER_KIND  # one event and one user line per round
    for source, path, line_number, raw_line in rows:
        if source == "raw_events":  # event files always hold valid lines too
            (loaded,) = _query(built["db"], "select count(*) from base_raw_events where source_file = ? "
                                            "and reject_reason is null", [path])[0]
            assert loaded > 0, path
        data = Path(path).read_bytes()
        assert any(text is None and n == line_number for n, text in raw_lines(Path(path)))
        assert b"\xfc" in data or b"\xf6" in data
        assert "\\xFC" in raw_line or "\\xF6" in raw_line


def test_blank_lines_and_byte_order_marks_are_not_rows(built):
    summary = built["summary"]
    assert summary.blank_lines > 0 and summary.bom_files > 0 and summary.crlf_files > 0
    ((events,),) = _query(built["db"], "select count(*) from base_raw_events")
    ((users,),) = _query(built["db"], "select count(*) from base_raw_users")
    assert (events, users) == (summary.event_lines, summary.user_lines)


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
    con.execute("""update fct_events set properties = '{"sentinel":true}' where event_id = ?""", [old_id])
    redelivered = [r[0] for r in con.execute("select event_id from fct_events order by event_id limit 25").fetchall()]
    con.close()

    new_day = max_landed + dt.timedelta(days=1)
    added = gen.generate(raw, events=600, users=300, seed=999, start_date=new_day, days=1,
                         event_id_start=10_000_000, write_users=False, part_name="part-0001.json")
    # Re-deliveries of already loaded events inside the new partition.
    old_lines = {}
    for p in sorted((built["raw"] / "events").glob("*/*.json")):
        for _, text in raw_lines(p):
            try:
                rec = json.loads(text or "")
            except ValueError:
                continue
            if isinstance(rec, dict) and isinstance(rec.get("event_id"), str):
                old_lines.setdefault(rec["event_id"].strip(), text)
    part = raw / "events" / f"ingest_date={new_day.isoformat()}" / "part-0002.json"
    part.write_text("\n".join(old_lines[e] for e in redelivered) + "\n", encoding="utf-8")

    run_dbt(["build", "--target", "local"], env, work)
    results = load_json(work / "target" / "run_results.json")["results"]
    assert all(r["status"] in ("pass", "success", "warn") for r in results)

    con = duckdb.connect(str(db), read_only=True)
    after = con.execute("select count(*) from fct_events").fetchone()[0]
    dupes = con.execute("select count(*) - count(distinct event_id) from fct_events").fetchone()[0]
    sentinel = con.execute("select properties from fct_events where event_id = ?", [old_id]).fetchone()[0]
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
    assert sentinel == '{"sentinel":true}', "old rows were rebuilt: the run was not incremental"
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
