#!/usr/bin/env python3
"""The local run's wall time against `dbt build --target local` alone, on the same data.

For each size: one `python -m local --fresh` in its own working folder, timed
from the start of the local AWS server to the marts printed (building the
sandbox, creating the virtualenv and Airflow's one-time database template are
before that and not counted); then `dbt build --target local` alone on the raw
data that run wrote, into a new DuckDB file, for the same execution date.
Both builds start without a DuckDB file and without dbt's partial-parse cache,
so they do the same work. Each size runs --repeat times, alternating the two,
and each figure is the median. Run from the repository root, with .venv:

    .venv/bin/python scripts/bench-local.py --sizes 10000,1000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATE = "2026-01-01"


def clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("AWS_", "AIRFLOW", "DBT_", "LAKEHOUSE_", "MOTO_"))}


def local_run(workdir: Path, events: int) -> dict:
    summary_file = workdir / "summary.json"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "local", "--fresh", "--workdir", str(workdir), "--events", str(events),
         "--dates", DATE, "--summary-json", str(summary_file)],
        cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    wall = time.monotonic() - started
    (workdir / "local-run.log").write_text(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"the local run failed; see {workdir / 'local-run.log'}")
    summary = json.loads(summary_file.read_text())
    record = summary["records"][DATE]
    return {
        "seconds_server_to_marts": summary["seconds_server_to_marts"],
        "seconds_command": wall,
        "seconds_dbt_in_run": record["summary"]["elapsed_seconds"],
        "marts": summary["marts"],
    }


def dbt_alone(workdir: Path) -> dict:
    duckdb_path = workdir / "dbt-alone.duckdb"
    target = workdir / "dbt-alone-target"
    duckdb_path.unlink(missing_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    env = {**clean_env(), "LAKEHOUSE_RAW_DIR": str(workdir / "raw"), "LAKEHOUSE_DUCKDB_PATH": str(duckdb_path),
           "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(workdir / "dbt-alone-logs"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).with_name("dbt")
    started = time.monotonic()
    result = subprocess.run(
        [str(dbt), "build", "--target", "local", "--project-dir", str(REPO / "dbt_project"),
         "--profiles-dir", str(REPO / "dbt_project"), "--vars", json.dumps({"execution_date": DATE})],
        cwd=REPO / "dbt_project", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seconds = time.monotonic() - started
    (workdir / "dbt-alone.log").write_text(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"dbt build alone failed; see {workdir / 'dbt-alone.log'}")
    return {"seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="events per run, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="attempts per size; the figures are medians")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "local")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    args.out = args.out.resolve()

    rows = []
    for events in sizes:
        workdir = args.out / f"events-{events}"
        workdir.mkdir(parents=True, exist_ok=True)
        runs, alones = [], []
        for attempt in range(1, args.repeat + 1):
            print(f"bench: {events:,} events, {attempt} of {args.repeat}: the local run ...", flush=True)
            runs.append(local_run(workdir, events))
            print(f"bench: {events:,} events, {attempt} of {args.repeat}: dbt build alone ...", flush=True)
            alones.append(dbt_alone(workdir))
        # The machine may be shared: each figure is the median of the attempts, which alternate.
        run = {key: statistics.median(r[key] for r in runs) for key in
               ("seconds_server_to_marts", "seconds_command", "seconds_dbt_in_run")}
        alone = {"seconds": statistics.median(a["seconds"] for a in alones)}
        rows.append({"events": events, "local": run, "dbt_alone": alone,
                     "ratio": run["seconds_server_to_marts"] / alone["seconds"],
                     "attempts": {"local": runs, "dbt_alone": alones}})

    (args.out / "results.json").write_text(json.dumps(rows, indent=2))
    print()
    print(f"{'events':>10}  {'local run, server start to marts':>33}  {'dbt build alone':>15}  {'ratio':>5}  "
          f"{'dbt inside the run':>18}  {'whole command':>13}")
    for row in rows:
        run = row["local"]
        inside = f"{run['seconds_dbt_in_run']:.1f} s"
        print(f"{row['events']:>10,}  {run['seconds_server_to_marts']:>31.1f} s  {row['dbt_alone']['seconds']:>13.1f} s  "
              f"{row['ratio']:>5.2f}  {inside:>18}  {run['seconds_command']:>11.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
