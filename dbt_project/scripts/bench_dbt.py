#!/usr/bin/env python3
"""Local benchmark: build time, and bytes a query engine must read for three
analyst queries on the raw JSON versus on the marts.

Bytes read is the local stand-in for Athena's bytes-scanned bill, measured
the way Athena charges rather than by timing DuckDB:

* raw layer: JSON has no column pruning or statistics, so a query reads every
  file of every partition it cannot skip; bytes = size of those files.
* marts: the DuckDB marts are exported to Parquet laid out like the Iceberg
  tables (fct_events partitioned by day, zstd, default row groups). A query
  reads, from the partitions it cannot skip, the column chunks of the columns
  it uses, and only in row groups whose min/max statistics can match its
  filter; bytes = compressed size of those chunks (footers are ignored).

Each query is also run on both layers in DuckDB to check that the answers
agree, so the byte figures describe queries that really are equivalent.

With --incremental N it instead checks, on N larger generated plans, that
daily incremental runs give what a full refresh gives (the CI test runs two
small plans): each plan lands its batches of files (late events,
re-deliveries, user changes, files in any order within the look-back window,
hostile lines) before each run, runs dbt once per execution date as the job
does, then a full refresh on the same files, and compares every mart row.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
PROJECT_DIR = HERE.parent
sys.path.insert(0, str(HERE))
import generate_raw_data as gen  # noqa: E402


def dbt_executable() -> str:
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def dir_bytes(paths) -> int:
    return sum(p.stat().st_size for p in paths)


def parquet_bytes(con, files, columns, predicate=None) -> int:
    """Compressed bytes of `columns` in `files`; with `predicate` (a column and
    a value), row groups whose statistics exclude the value are skipped, but
    the predicate column itself is read everywhere to evaluate them."""
    if not files:
        return 0
    file_list = ", ".join(f"'{f}'" for f in files)
    meta = con.execute(
        f"select file_name, row_group_id, path_in_schema, total_compressed_size, stats_min, stats_max "
        f"from parquet_metadata([{file_list}])").fetchall()
    keep_groups = None
    if predicate:
        col, value = predicate
        keep_groups = {(f, rg) for f, rg, c, _, lo, hi in meta
                       if c == col and (lo is None or hi is None or lo <= value <= hi)}
    total = 0
    for f, rg, c, size, _, _ in meta:
        if c not in columns:
            continue
        if keep_groups is None or (predicate and c == predicate[0]) or (f, rg) in keep_groups:
            total += size
    return total


MART_QUERIES = {
    "fct_events": "select * from fct_events order by event_id",
    "dim_users": "select * from dim_users order by user_id",
}


def run_dbt(args: list[str], raw: Path, db: Path, work: Path) -> float:
    env = dict(os.environ, LAKEHOUSE_RAW_DIR=str(raw), LAKEHOUSE_DUCKDB_PATH=str(db),
               DBT_TARGET_PATH=str(work / "target"), DBT_LOG_PATH=str(work / "logs"),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    t0 = time.perf_counter()
    proc = subprocess.run([dbt_executable(), *args, "--target", "local", "--profiles-dir", str(PROJECT_DIR)],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-5000:], proc.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"dbt {' '.join(args)} failed")
    return time.perf_counter() - t0


def marts(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in MART_QUERIES.items()}
    finally:
        con.close()


def incremental_check(a, work: Path) -> int:
    """Incremental runs against a full refresh on generated plans; 0 when every plan agrees."""
    print(f"{'plan':>4} {'runs':>4} {'events':>7} {'rejected':>8} {'incremental':>11} {'full refresh':>12}  equal")
    failures = 0
    for seed in range(a.incremental):
        plan = gen.generate_batches(seed=1000 + seed, runs=a.runs, events_per_run=a.events_per_run,
                                    users=max(a.events_per_run // 10, 8), empty_first_run=seed % 2 == 1)
        folder = work / f"plan-{seed}"
        shutil.rmtree(folder, ignore_errors=True)
        raw, incremental, full = folder / "raw", folder / "incremental.duckdb", folder / "full.duckdb"
        for table in ("events", "users"):
            (raw / table).mkdir(parents=True)
        incremental_s = 0.0
        for run, day in enumerate(plan.run_dates, start=1):
            plan.land(raw, run)
            incremental_s += run_dbt(["run", "--vars", f"{{execution_date: '{day}'}}"], raw, incremental, folder)
        full_s = run_dbt(["run", "--full-refresh", "--vars", f"{{execution_date: '{plan.run_dates[-1]}'}}"],
                         raw, full, folder)
        got, want = marts(incremental), marts(full)
        equal = got == want
        failures += not equal
        print(f"{seed:>4} {len(plan.run_dates):>4} {len(want['fct_events']):>7,} {plan.hazards.get('rejected_line', 0):>8} "
              f"{incremental_s:>10.1f}s {full_s:>11.1f}s  {equal}")
    return 1 if failures else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--users", type=int, default=None, help="default: events / 20")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--workdir", default=None, help="kept if given; a temporary folder otherwise")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--incremental", type=int, default=0, metavar="N",
                   help="instead of the byte benchmark, check incremental runs against a full refresh on N plans")
    p.add_argument("--runs", type=int, default=10, help="with --incremental: daily runs per plan")
    p.add_argument("--events-per-run", type=int, default=2000, help="with --incremental: events landing per run")
    a = p.parse_args(argv)

    work = Path(a.workdir) if a.workdir else Path(tempfile.mkdtemp(prefix="lakehouse-bench-"))
    if a.incremental:
        try:
            return incremental_check(a, work)
        finally:
            if not a.workdir:
                shutil.rmtree(work, ignore_errors=True)
    raw, db = work / "raw", work / "lakehouse.duckdb"
    for d in (raw, work / "curated"):
        shutil.rmtree(d, ignore_errors=True)
    if db.exists():
        db.unlink()

    users = a.users or max(a.events // 20, 10)
    t0 = time.perf_counter()
    s = gen.generate(raw, events=a.events, users=users, seed=a.seed, days=a.days, malformed=10)
    gen_s = time.perf_counter() - t0

    env = dict(os.environ, LAKEHOUSE_RAW_DIR=str(raw), LAKEHOUSE_DUCKDB_PATH=str(db),
               DBT_TARGET_PATH=str(work / "target"), DBT_LOG_PATH=str(work / "logs"),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    t0 = time.perf_counter()
    proc = subprocess.run([dbt_executable(), "build", "--target", "local", "--threads", str(a.threads),
                           "--profiles-dir", str(PROJECT_DIR)],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    build_s = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout[-5000:], proc.stderr[-2000:], file=sys.stderr)
        return 1

    con = duckdb.connect(str(db))
    curated = work / "curated"
    curated.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy (select * exclude (event_date), event_date from fct_events) to '{curated}/fct_events' "
                f"(format parquet, compression zstd, partition_by (event_date))")
    (curated / "dim_users").mkdir(parents=True, exist_ok=True)
    con.execute(f"copy dim_users to '{curated}/dim_users/data.parquet' (format parquet, compression zstd)")

    event_files = sorted((raw / "events").glob("*/*.json"))
    user_files = sorted((raw / "users").glob("*/*.json"))
    fct_files = sorted(str(f) for f in (curated / "fct_events").glob("*/*.parquet"))
    last_day = con.execute("select max(event_date) from fct_events").fetchone()[0]
    cutoff = last_day - dt.timedelta(days=6)
    # Raw partitions are landing days; events of the last week can land up to
    # two days late, so only partitions before cutoff can be skipped.
    raw_recent = [f for f in event_files if f.parent.name.split("=")[1] >= cutoff.isoformat()]
    fct_recent = [f for f in fct_files if Path(f).parent.name.split("=")[1] >= cutoff.isoformat()]
    one_user = con.execute("select user_id from dim_users order by event_count desc, user_id limit 1").fetchone()[0]

    raw_events_sql = (
        f"select * from read_json('{raw}/events/*/*.json', format='newline_delimited', ignore_errors=true, "
        f"columns={{event_id: 'varchar', user_id: 'varchar', event_type: 'varchar', event_ts: 'varchar'}})")
    clean = ("event_id is not null and user_id is not null "
             "and try_cast(event_ts as timestamptz) is not null "
             "and event_type in ('page_view','click','add_to_cart','purchase','session_start')")
    raw_dedup = (f"(select distinct event_id, user_id, event_type, "
                 f"timezone('UTC', cast(event_ts as timestamptz)) as ts from ({raw_events_sql}) where {clean})")
    fct = f"read_parquet('{curated}/fct_events/*/*.parquet', hive_partitioning=true)"
    queries = [
        ("events per day per type",
         f"select cast(ts as date) d, event_type, count(*) from {raw_dedup} group by all order by all",
         f"select cast(event_date as date) d, event_type, count(*) from {fct} group by all order by all",
         dir_bytes(event_files),
         parquet_bytes(con, fct_files, {"event_type"})),
        ("active users per country, last 7 days",
         # user_country is the user's at the event: the latest version
         # exported by then (an ASOF join), else the first one.
         f"with v as (select user_id, country, timezone('UTC', cast(updated_at as timestamptz)) as updated_at "
         f"from read_json('{raw}/users/*/*.json', format='newline_delimited', ignore_errors=true, "
         f"columns={{user_id: 'varchar', country: 'varchar', updated_at: 'varchar'}}) "
         f"where user_id is not null and try_cast(updated_at as timestamptz) is not null), "
         f"f as (select user_id, arg_min(country, updated_at) as country from v group by user_id) "
         f"select coalesce(v.country, f.country) as country, count(distinct e.user_id) from {raw_dedup} e "
         f"asof left join v on e.user_id = v.user_id and e.ts >= v.updated_at "
         f"join f on e.user_id = f.user_id "
         f"where cast(e.ts as date) >= date '{cutoff}' group by all order by all",
         f"select user_country, count(distinct user_id) from {fct} "
         f"where cast(event_date as date) >= date '{cutoff}' group by all order by all",
         dir_bytes(raw_recent) + dir_bytes(user_files),
         parquet_bytes(con, fct_recent, {"user_id", "user_country"})),
        ("one user's history",
         f"select event_id, event_type, ts from {raw_dedup} where user_id = '{one_user}' order by all",
         f"select event_id, event_type, event_ts from {fct} where user_id = '{one_user}' order by all",
         dir_bytes(event_files),
         parquet_bytes(con, fct_files, {"user_id", "event_id", "event_type", "event_ts"},
                       predicate=("user_id", one_user))),
    ]

    print(f"events generated: {a.events:,} valid ({s.event_lines:,} lines incl. duplicates/malformed), "
          f"{users:,} users, {a.days} days; generation {gen_s:.1f}s")
    print(f"raw JSON size: {dir_bytes(event_files) + dir_bytes(user_files):,} bytes; "
          f"marts as Parquet: {dir_bytes(curated.rglob('*.parquet')):,} bytes")
    print(f"dbt build --target local: {build_s:.1f}s")
    print(f"{'query':40} {'raw bytes':>14} {'mart bytes':>12} {'raw/mart':>9}  same answer")
    for name, raw_sql, mart_sql, raw_b, mart_b in queries:
        same = con.execute(raw_sql).fetchall() == con.execute(mart_sql).fetchall()
        print(f"{name:40} {raw_b:>14,} {mart_b:>12,} {raw_b / max(mart_b, 1):>8.0f}x  {same}")
    con.close()
    if not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
