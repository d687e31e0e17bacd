"""Sample raw data for one execution date, written by the project's generator into the local raw folder.

Each date lands its own day of events (plus the late events and re-deliveries
that land a day or two later, and a few malformed records) and a user export,
in files named after the date, at most 100,000 events a file. A date whose
files were written before with the same size and seed is not written again. The content depends only on the date, the size
and the seed, so running a date again rewrites the same bytes, and event ids
of different dates never collide.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

EPOCH = dt.date(2000, 1, 1)
IDS_PER_DATE = 10_000_000
MAX_EVENTS = IDS_PER_DATE
# A day lands as several files, as a stream delivers it. One file per day would
# also be slow to read locally: DuckDB splits a whole file into lines in one go,
# and a day of a million events in one file took minutes instead of seconds.
EVENTS_PER_FILE = 100_000


@dataclass(frozen=True)
class RawDataSpec:
    events: int
    seed: int = 42
    malformed: int = 2

    @property
    def users(self) -> int:
        return max(100, self.events // 10)


def generator_commands(repo: Path, raw_dir: Path, date: str, spec: RawDataSpec) -> list[list[str]]:
    """One generator run per file of the day; the first also writes the user export and the malformed records."""
    day = (dt.date.fromisoformat(date) - EPOCH).days
    commands = []
    for part, first_event in enumerate(range(0, spec.events, EVENTS_PER_FILE)):
        command = [
            sys.executable, str(repo / "dbt_project" / "scripts" / "generate_raw_data.py"),
            "--out", str(raw_dir),
            "--events", str(min(EVENTS_PER_FILE, spec.events - first_event)),
            "--users", str(spec.users),
            "--seed", str(spec.seed + day * 1000 + part),
            "--start-date", date,
            "--days", "1",
            "--event-id-start", str(day * IDS_PER_DATE + first_event + 1),
            "--part-name", f"part-{date}-{part:04d}.json",
        ]
        command += ["--malformed", str(spec.malformed)] if part == 0 else ["--no-users"]
        commands.append(command)
    return commands


class Generator:
    """Writes one date's raw data in a thread, so it runs while the rest of the run is set up."""

    def __init__(self, repo: Path, raw_dir: Path, date: str, spec: RawDataSpec, log_file: Path) -> None:
        self.commands = generator_commands(repo, raw_dir, date, spec)
        self.date = date
        self.reused = False
        self.raw_dir = raw_dir
        self.log_file = log_file
        self.lines: list[str] = []
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="raw-data", daemon=True)

    @property
    def _manifest(self) -> Path:
        return self.raw_dir / "_generated" / f"{self.date}.json"

    def _arguments(self) -> list[list[str]]:
        return [command[2:] for command in self.commands]  # without the interpreter and the script

    def start(self) -> "Generator":
        """Starts writing, unless this date's files were written with the same arguments before."""
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if self._manifest.exists():
            manifest = json.loads(self._manifest.read_text())
            if manifest["arguments"] == self._arguments():
                self.lines, self.reused = manifest["lines"], True
                return self
        self._thread.start()
        return self

    def _run(self) -> None:
        # The files of a day are independent: generate them on every core there is, up to four.
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            results = list(pool.map(
                lambda command: subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
                self.commands))
        with open(self.log_file, "a") as log:
            for result in results:
                log.write(result.stdout)
        if any(result.returncode != 0 for result in results):
            self.error = f"the raw data generator failed; see {self.log_file}"
            return
        self.lines = [result.stdout.strip().splitlines()[-1] for result in results]
        self._manifest.parent.mkdir(parents=True, exist_ok=True)
        self._manifest.write_text(json.dumps({"arguments": self._arguments(), "lines": self.lines}))

    def wait(self) -> str:
        """Waits for the data; returns what was written."""
        if self._thread.ident is not None:  # started: not reused
            self._thread.join()
        if self.error:
            raise RuntimeError(self.error)
        events = sum(int(re.search(r"wrote (\d+) event lines", line)[1]) for line in self.lines)
        users = sum(int(re.search(r"and (\d+) user lines", line)[1]) for line in self.lines)
        written = f"{events:,} event lines and {users:,} user lines in {len(self.lines)} part(s)"
        return f"{written}, as written by an earlier run" if self.reused else written
