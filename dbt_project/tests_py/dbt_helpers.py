"""Helpers shared by the dbt project's Python tests (a plain module rather
than conftest.py, so it cannot clash with other conftest modules in the repo).

Profiles: the tests never rely on ~/.dbt. They copy the project's
``profiles.yml`` into a temporary folder and point dbt (``--profiles-dir``)
and sqlfluff (``DBT_PROFILES_DIR``) at it, so the shipped file itself is what
gets tested. All outputs (DuckDB file, raw data, target/, logs/) go to
temporary folders; nothing is written inside the project.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SCRIPTS_DIR = PROJECT_DIR / "scripts"
sys.path.insert(0, str(SCRIPTS_DIR))


def find_tool(name: str) -> str:
    """Prefer the tool installed next to the running interpreter (the venv)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def base_env(work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "LAKEHOUSE_", "AWS_"))}
    env.update({
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(work / "profiles"),
    })
    return env


def make_profiles_dir(work: Path) -> Path:
    d = work / "profiles"
    d.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DIR / "profiles.yml", d / "profiles.yml")
    return d


def run_dbt(args: list[str], env: dict, work: Path, check: bool = True,
            prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    cmd = (prefix or []) + [find_tool("dbt"), *args, "--profiles-dir", str(work / "profiles")]
    proc = subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    return proc


def load_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# --- independent expectation: the staging rules re-implemented in Python ---

EVENT_TYPES = {"page_view", "click", "add_to_cart", "purchase", "session_start"}


def _parse_ts(value):
    if not isinstance(value, str) or not value:
        return None
    try:
        ts = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return ts


def _clean_id(value):
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _read_records(raw: Path, table: str):
    """Yield (ingest_date, file, line_no, record-or-None) in load order."""
    for path in sorted((raw / table).glob("ingest_date=*/*.json")):
        landed = path.parent.name.split("=", 1)[1]
        for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                rec = None
            yield landed, str(path), n, rec if isinstance(rec, dict) else None


def expected_from_raw(raw: Path) -> dict:
    rejected = Counter()
    events = {}
    for landed, path, n, rec in _read_records(raw, "events"):
        if rec is None:
            rejected[("raw_events", "invalid_json")] += 1
            continue
        eid, uid = _clean_id(rec.get("event_id")), _clean_id(rec.get("user_id"))
        ts, etype = _parse_ts(rec.get("event_ts")), rec.get("event_type")
        reason = ("missing_event_id" if eid is None else "missing_user_id" if uid is None
                  else "invalid_event_ts" if ts is None
                  else "unknown_event_type" if etype not in EVENT_TYPES else None)
        if reason:
            rejected[("raw_events", reason)] += 1
            continue
        key = (landed, path, n)
        if eid not in events or key < events[eid]["key"]:
            events[eid] = {"key": key, "user_id": uid, "event_type": etype, "event_ts": ts,
                           "ingest_date": landed}
    users = {}
    for landed, path, n, rec in _read_records(raw, "users"):
        if rec is None:
            rejected[("raw_users", "invalid_json")] += 1
            continue
        uid, signup = _clean_id(rec.get("user_id")), _parse_ts(rec.get("signup_ts"))
        if uid is None:
            rejected[("raw_users", "missing_user_id")] += 1
            continue
        if signup is None:
            rejected[("raw_users", "invalid_signup_ts")] += 1
            continue
        key = (_parse_ts(rec.get("updated_at")), landed, path, n)
        if uid not in users or key > users[uid]["key"]:
            users[uid] = {"key": key, "email": (rec.get("email") or "").strip().lower(),
                          "country": rec.get("country"), "signup_ts": signup}
    per_user = defaultdict(lambda: {"n": 0, "first": None, "last": None, "types": Counter()})
    for e in events.values():
        u = per_user[e["user_id"]]
        u["n"] += 1
        u["types"][e["event_type"]] += 1
        u["first"] = e["event_ts"] if u["first"] is None else min(u["first"], e["event_ts"])
        u["last"] = e["event_ts"] if u["last"] is None else max(u["last"], e["event_ts"])
    return {"events": events, "users": users, "per_user": per_user, "rejected": rejected}
