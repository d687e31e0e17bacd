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
import re
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


# --- independent expectation: the README's input contract re-implemented in Python ---

EVENT_TYPES = {"page_view", "click", "add_to_cart", "purchase", "session_start"}
BOM = b"\xef\xbb\xbf"
WHITESPACE = " \t\n\x0b\x0c\r"
BLANK = " \t\x0b\x0c"
TIMESTAMP = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T((?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])(?:\.([0-9]{1,9}))?"
    r"(Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?")


def parse_ts(value):
    """UTC naive datetime to the microsecond, or None: the contract's timestamp rule."""
    if not isinstance(value, str):
        return None
    m = TIMESTAMP.fullmatch(value)
    if not m or m.group(1).startswith("0000"):
        return None
    date, time, fraction, zone = m.groups()
    try:
        local = dt.datetime.fromisoformat(f"{date}T{time}").replace(
            microsecond=int((fraction or "").ljust(6, "0")[:6]))
        minutes = 0 if zone in (None, "Z") else (-1 if zone[0] == "-" else 1) * (int(zone[1:3]) * 60 + int(zone[4:6]))
        return local - dt.timedelta(minutes=minutes)
    except (ValueError, OverflowError):
        return None


def compact_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _text(rec: dict, key: str):
    """A field as the engines put it in a string column: strings as is, null as None, other values as JSON."""
    value = rec.get(key)
    if value is None or isinstance(value, str):
        return value
    return compact_json(value)


def _trimmed(value):
    if value is None:
        return None
    return value.strip(WHITESPACE) or None


def raw_lines(path: Path):
    """Yield (line_number, text or None when not UTF-8) for each non-blank line:
    a leading BOM dropped, lines ended by LF, CRLF or a lone CR."""
    data = path.read_bytes()
    if data.startswith(BOM):
        data = data[len(BOM):]
    for n, part in enumerate(re.split(rb"\r\n|\r|\n", data), start=1):
        try:
            text = part.decode("utf-8")
        except UnicodeDecodeError:
            yield n, None
            continue
        if text.strip(BLANK):
            yield n, text


def _read_records(raw: Path, table: str, fields: list[str]):
    """Yield (ingest_date, file, line_no, reason or None, record) in load order."""
    for path in sorted((raw / table).glob("ingest_date=*/*.json")):
        landed = path.parent.name.split("=", 1)[1]
        for n, text in raw_lines(path):
            if text is None:
                yield landed, str(path), n, "invalid_encoding", None
                continue
            try:
                rec = json.loads(text)
            except ValueError:
                rec = None
            if not isinstance(rec, dict):
                yield landed, str(path), n, "invalid_json", None
                continue
            texts = {f: _text(rec, f) for f in fields}
            if any("\ufffd" in v for v in texts.values() if v is not None):
                yield landed, str(path), n, "invalid_encoding", None
            elif all(v is None for v in texts.values()):
                yield landed, str(path), n, "invalid_json", None
            else:
                yield landed, str(path), n, None, rec


def _none_first(value):
    return (0, "") if value is None else (1, value)


def expected_from_raw(raw: Path, until: str | None = None) -> dict:
    """The marts and rejected rows the contract gives for the files under
    `raw`, loading events that landed by `until` (YYYY-MM-DD) when given."""
    rejected = Counter()
    events = {}
    for landed, path, n, reason, rec in _read_records(
            raw, "events", ["event_id", "user_id", "event_type", "event_ts", "properties"]):
        if reason is None:
            eid, uid = _trimmed(_text(rec, "event_id")), _trimmed(_text(rec, "user_id"))
            ts, etype = parse_ts(_text(rec, "event_ts")), _text(rec, "event_type")
            props = rec.get("properties")
            reason = ("missing_event_id" if eid is None else "missing_user_id" if uid is None
                      else "invalid_event_ts" if ts is None
                      else "unknown_event_type" if etype not in EVENT_TYPES
                      else "invalid_properties" if props is not None and not isinstance(props, dict) else None)
        if reason:
            rejected[("raw_events", reason)] += 1
            continue
        props_text = None if props is None else compact_json(props)
        key = (landed, ts, uid, etype, _none_first(props_text))
        if eid not in events or key < events[eid]["key"]:
            events[eid] = {"key": key, "user_id": uid, "event_type": etype, "event_ts": ts,
                           "ingest_date": landed, "properties": props_text}
    if until is not None:
        events = {eid: e for eid, e in events.items() if e["ingest_date"] <= until}

    copies = {}
    for landed, path, n, reason, rec in _read_records(
            raw, "users", ["user_id", "email", "country", "signup_ts", "updated_at"]):
        if reason is None:
            uid = _trimmed(_text(rec, "user_id"))
            signup, updated = parse_ts(_text(rec, "signup_ts")), parse_ts(_text(rec, "updated_at"))
            reason = ("missing_user_id" if uid is None else "invalid_signup_ts" if signup is None
                      else "invalid_updated_at" if updated is None else None)
        if reason:
            rejected[("raw_users", reason)] += 1
            continue
        email, country = _trimmed(_text(rec, "email")), _trimmed(_text(rec, "country"))
        version = {"email": email and email.lower(), "country": country and country.upper(),
                   "signup_ts": signup, "updated_at": updated}
        # One copy per user and updated_at: the latest partition, then the first by content.
        key = (_Desc(landed), _none_first(version["email"]), _none_first(version["country"]), signup)
        current = copies.get((uid, updated))
        if current is None or key < current[0]:
            copies[(uid, updated)] = (key, version)
    versions = defaultdict(list)
    for (uid, updated), (_, version) in sorted(copies.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        versions[uid].append(version)
    users = {uid: vs[-1] for uid, vs in versions.items()}

    def at(uid, ts):
        vs = versions.get(uid)
        if not vs:
            return None
        in_effect = [v for v in vs if v["updated_at"] <= ts]
        return in_effect[-1] if in_effect else vs[0]

    for e in events.values():
        v = at(e["user_id"], e["event_ts"])
        e["user_country"] = v and v["country"]
        e["user_signup_ts"] = v and v["signup_ts"]

    per_user = defaultdict(lambda: {"n": 0, "first": None, "last": None, "types": Counter()})
    for e in events.values():
        u = per_user[e["user_id"]]
        u["n"] += 1
        u["types"][e["event_type"]] += 1
        u["first"] = e["event_ts"] if u["first"] is None else min(u["first"], e["event_ts"])
        u["last"] = e["event_ts"] if u["last"] is None else max(u["last"], e["event_ts"])
    dim = {}
    for uid in set(users) | set(per_user):
        u, a = users.get(uid, {}), per_user.get(uid)
        types = a["types"] if a else Counter()
        dim[uid] = (uid, u.get("email"), u.get("country"), u.get("signup_ts"),
                    a and a["first"], a and a["last"],
                    *(types[t] for t in ("page_view", "click", "add_to_cart", "purchase", "session_start")),
                    a["n"] if a else 0)
    return {"events": events, "users": users, "versions": versions, "per_user": per_user,
            "dim_users": dim, "rejected": rejected}


class _Desc:
    """Sorts a value in descending order inside an ascending tuple key."""

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return self.value > other.value

    def __eq__(self, other):
        return self.value == other.value
