"""Sample raw data for one execution date, written by the project's generator into the local raw folder.

Each date lands its own day of events (plus the late events and re-deliveries
that land a day or two later, and a few malformed records) and a user export,
in files named after the date. The content depends only on the date, the size
and the seed, so running a date again rewrites the same bytes, and event ids
of different dates never collide.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

EPOCH = dt.date(2000, 1, 1)
IDS_PER_DATE = 10_000_000
MAX_EVENTS = IDS_PER_DATE


@dataclass(frozen=True)
class RawDataSpec:
    events: int
    seed: int = 42
    malformed: int = 2

    @property
    def users(self) -> int:
        return max(100, self.events // 10)


def generator_command(repo: Path, raw_dir: Path, date: str, spec: RawDataSpec) -> list[str]:
    day = dt.date.fromisoformat(date)
    return [
        sys.executable, str(repo / "dbt_project" / "scripts" / "generate_raw_data.py"),
        "--out", str(raw_dir),
        "--events", str(spec.events),
        "--users", str(spec.users),
        "--seed", str(spec.seed + (day - EPOCH).days),
        "--start-date", date,
        "--days", "1",
        "--malformed", str(spec.malformed),
        "--event-id-start", str((day - EPOCH).days * IDS_PER_DATE + 1),
        "--part-name", f"part-{date}.json",
    ]


def start_generator(repo: Path, raw_dir: Path, date: str, spec: RawDataSpec, log_file: Path) -> subprocess.Popen:
    """Starts the generator in a child process, so it runs while the rest of the run is set up."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a") as log:
        return subprocess.Popen(generator_command(repo, raw_dir, date, spec), stdout=log, stderr=subprocess.STDOUT)


def wait_generator(process: subprocess.Popen, log_file: Path) -> str:
    """Waits for the generator; returns its one-line report."""
    if process.wait() != 0:
        raise RuntimeError(f"the raw data generator failed; see {log_file}")
    lines = log_file.read_text().strip().splitlines()
    return lines[-1] if lines else ""
