#!/usr/bin/env python3
"""Deterministic generator for the raw layer of the lakehouse.

Writes newline-delimited JSON the way the raw S3 layer holds it, partitioned
by the day the record *landed* (not the day it happened):

    <out>/events/ingest_date=YYYY-MM-DD/part-0000.json
    <out>/users/ingest_date=YYYY-MM-DD/part-0000.json

The data deliberately contains the mess that staging must cope with:
late events (landing one or two days after their timestamp), events written
twice, users re-exported with a different email casing, timestamps with
non-UTC offsets and, with ``--malformed``, records that must be rejected.

Everything is driven by a seeded ``random.Random`` so the same arguments
always produce byte-identical files; tests compute expected results from the
returned summary rather than from the files.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

EVENT_TYPES = ("page_view", "click", "add_to_cart", "purchase", "session_start")
EVENT_TYPE_WEIGHTS = (60, 22, 8, 4, 6)
COUNTRIES = ("DE", "FR", "US", "GB", "ES", "IT", "NL", "BR", "JP", "IN")
COUNTRY_WEIGHTS = (18, 12, 25, 10, 6, 6, 5, 7, 5, 6)
DOMAINS = ("example.com", "mail.test", "corp.example", "shop.test")
FIRST = ("ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "edsger", "frances", "john")
LAST = ("lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "liskov", "dijkstra", "allen", "backus")
OFFSETS = ((2, "+02:00"), (-5, "-05:00"), (9, "+09:00"))

# Malformed record kinds and the reason staging is expected to give them.
EVENT_REJECT_REASONS = {
    "invalid_json": "invalid_json",
    "missing_event_id": "missing_event_id",
    "missing_user_id": "missing_user_id",
    "bad_timestamp": "invalid_event_ts",
    "unknown_event_type": "unknown_event_type",
}
USER_REJECT_REASONS = {
    "invalid_json": "invalid_json",
    "missing_user_id": "missing_user_id",
    "bad_timestamp": "invalid_signup_ts",
}


@dataclass
class Summary:
    """What was written, with enough detail to compute expected marts."""

    # event_id -> (user_id, event_type, event_ts as naive UTC datetime)
    events: dict = field(default_factory=dict)
    # user_id -> dict(email, country, signup_ts) of the *latest* record
    users: dict = field(default_factory=dict)
    event_lines: int = 0
    user_lines: int = 0
    duplicate_event_lines: int = 0
    late_events: int = 0
    # (source, reason) -> count, source in {"raw_events", "raw_users"}
    rejected: dict = field(default_factory=dict)
    files: list = field(default_factory=list)


def _iso(ts: dt.datetime, offset: tuple[int, str] | None) -> str:
    """Render a naive UTC datetime as ISO-8601, optionally in a local offset."""
    if offset is None:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    local = ts + dt.timedelta(hours=offset[0])
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}{offset[1]}"


def _mixed_case(rng: random.Random, s: str) -> str:
    return "".join(c.upper() if rng.random() < 0.3 else c for c in s)


def user_id_for(i: int) -> str:
    return f"u{i:07d}"


def event_id_for(i: int) -> str:
    return f"e{i:010d}"


class _PartitionWriter:
    """Buffers lines per partition and writes each partition file once."""

    def __init__(self, root: Path, table: str, part_name: str):
        self.root, self.table, self.part_name = root, table, part_name
        self.buffers: dict[dt.date, list[str]] = {}

    def add(self, day: dt.date, line: str) -> None:
        self.buffers.setdefault(day, []).append(line)

    def flush(self) -> list[Path]:
        written = []
        for day in sorted(self.buffers):
            d = self.root / self.table / f"ingest_date={day.isoformat()}"
            d.mkdir(parents=True, exist_ok=True)
            p = d / self.part_name
            with open(p, "w", encoding="utf-8") as fh:
                fh.write("\n".join(self.buffers[day]))
                fh.write("\n")
            written.append(p)
        return written


def generate(
    out: str | os.PathLike,
    events: int = 10_000,
    users: int = 1_000,
    seed: int = 42,
    start_date: dt.date = dt.date(2026, 1, 1),
    days: int = 7,
    malformed: int = 0,
    event_id_start: int = 1,
    write_users: bool = True,
    part_name: str = "part-0000.json",
    late_rate: float = 0.03,
    duplicate_rate: float = 0.01,
    reexport_rate: float = 0.02,
) -> Summary:
    """Write raw events/users under ``out`` and return what was written.

    ``malformed`` is the number of malformed records of *each* kind, added on
    top of the valid ones so no valid record is replaced. ``event_id_start``
    and ``write_users=False`` let a caller append a later day to an existing
    raw folder without clashing with earlier ids.
    """
    rng = random.Random(seed)
    root = Path(out)
    s = Summary()
    ev_writer = _PartitionWriter(root, "events", part_name)
    us_writer = _PartitionWriter(root, "users", part_name)
    window_start = dt.datetime.combine(start_date, dt.time())
    window_seconds = days * 86400

    # Users sign up before the event window so every event has a known user.
    if write_users:
        for i in range(1, users + 1):
            uid = user_id_for(i)
            signup = window_start - dt.timedelta(seconds=rng.randrange(1, 90 * 86400))
            signup = signup.replace(microsecond=rng.randrange(1000) * 1000)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            base_email = f"{first}.{last}{i}@{rng.choice(DOMAINS)}"
            email = _mixed_case(rng, base_email)
            if rng.random() < 0.1:
                email = f"  {email} "
            country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
            offset = rng.choice(OFFSETS) if rng.random() < 0.2 else None
            rec = {"user_id": uid, "email": email, "country": country,
                   "signup_ts": _iso(signup, offset), "updated_at": _iso(signup, None)}
            us_writer.add(signup.date(), json.dumps(rec, separators=(",", ":")))
            s.user_lines += 1
            latest = {"email": base_email.lower(), "country": country, "signup_ts": signup}
            if rng.random() < reexport_rate:
                # A later re-export: new casing, possibly a new country; the
                # newest updated_at must win in staging.
                updated = signup + dt.timedelta(days=rng.randrange(1, 30))
                country2 = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
                rec2 = dict(rec, email=_mixed_case(rng, base_email).upper(), country=country2,
                            updated_at=_iso(updated, None))
                us_writer.add(updated.date(), json.dumps(rec2, separators=(",", ":")))
                s.user_lines += 1
                latest["country"] = country2
            s.users[uid] = latest

    user_count = users
    types = rng.choices(EVENT_TYPES, EVENT_TYPE_WEIGHTS, k=events)
    dumps = json.dumps
    for n in range(events):
        eid = event_id_for(event_id_start + n)
        uid = user_id_for(rng.randrange(1, user_count + 1))
        sec = rng.randrange(window_seconds)
        ts = window_start + dt.timedelta(seconds=sec, milliseconds=rng.randrange(1000))
        etype = types[n]
        props = {"page": f"/p/{rng.randrange(500)}", "device": "mobile" if rng.random() < 0.55 else "desktop"}
        if etype == "purchase":
            props["amount"] = round(rng.uniform(1, 300), 2)
        offset = rng.choice(OFFSETS) if rng.random() < 0.1 else None
        line = dumps({"event_id": eid, "user_id": uid, "event_type": etype,
                      "event_ts": _iso(ts, offset), "properties": props}, separators=(",", ":"))
        landed = ts.date()
        if rng.random() < late_rate:
            landed = landed + dt.timedelta(days=rng.choice((1, 2)))
            s.late_events += 1
        ev_writer.add(landed, line)
        s.event_lines += 1
        if rng.random() < duplicate_rate:
            # Same record delivered twice, sometimes into the next partition.
            again = landed + dt.timedelta(days=rng.choice((0, 1)))
            ev_writer.add(again, line)
            s.event_lines += 1
            s.duplicate_event_lines += 1
        s.events[eid] = (uid, etype, ts)

    if malformed:
        _add_malformed(rng, s, ev_writer, us_writer, malformed, start_date, days,
                       event_id_start, write_users)

    s.files = ev_writer.flush() + (us_writer.flush() if write_users else [])
    return s


def _add_malformed(rng, s, ev_writer, us_writer, per_kind, start_date, days,
                   event_id_start, write_users):
    def day():
        return start_date + dt.timedelta(days=rng.randrange(days))

    def ts_str():
        return _iso(dt.datetime.combine(day(), dt.time(12, 0)), None)

    # Malformed ids use an "x" prefix so they can never collide with valid ones.
    for k in range(per_kind):
        tag = f"x{event_id_start}_{k}"
        uid = user_id_for(1)
        lines = {
            "invalid_json": '{"event_id": "%s-trunc", "user_id": "%s", "event_ty' % (tag, uid),
            "missing_event_id": json.dumps({"user_id": uid, "event_type": "click", "event_ts": ts_str(), "properties": {}}),
            "missing_user_id": json.dumps({"event_id": f"{tag}-nouser", "event_type": "click", "event_ts": ts_str(), "properties": {}}),
            "bad_timestamp": json.dumps({"event_id": f"{tag}-badts", "user_id": uid, "event_type": "click",
                                         "event_ts": rng.choice(("not-a-time", "2026-13-45T99:61:00Z", "")), "properties": {}}),
            "unknown_event_type": json.dumps({"event_id": f"{tag}-type", "user_id": uid, "event_type": "teleport",
                                              "event_ts": ts_str(), "properties": {}}),
        }
        for kind, line in lines.items():
            ev_writer.add(day(), line)
            s.event_lines += 1
            key = ("raw_events", EVENT_REJECT_REASONS[kind])
            s.rejected[key] = s.rejected.get(key, 0) + 1
        if write_users:
            ulines = {
                "invalid_json": '{"user_id": "%s-trunc", "email": ' % tag,
                "missing_user_id": json.dumps({"email": "Nobody@Example.com", "country": "DE",
                                               "signup_ts": ts_str(), "updated_at": ts_str()}),
                "bad_timestamp": json.dumps({"user_id": f"{tag}-badts", "email": "x@example.com", "country": "DE",
                                             "signup_ts": "yesterday", "updated_at": ts_str()}),
            }
            for kind, line in ulines.items():
                us_writer.add(day(), line)
                s.user_lines += 1
                key = ("raw_users", USER_REJECT_REASONS[kind])
                s.rejected[key] = s.rejected.get(key, 0) + 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=10_000, help="valid events to write")
    p.add_argument("--users", type=int, default=1_000, help="users to write")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", required=True, help="raw root folder (events/ and users/ go under it)")
    p.add_argument("--start-date", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    p.add_argument("--days", type=int, default=7, help="days the event timestamps span")
    p.add_argument("--malformed", type=int, default=0,
                   help="malformed records of each kind to add (0 = none)")
    p.add_argument("--event-id-start", type=int, default=1,
                   help="first event number, to append a later day without id clashes")
    p.add_argument("--no-users", action="store_true", help="write events only")
    p.add_argument("--part-name", default="part-0000.json")
    a = p.parse_args(argv)
    s = generate(a.out, events=a.events, users=a.users, seed=a.seed, start_date=a.start_date,
                 days=a.days, malformed=a.malformed, event_id_start=a.event_id_start,
                 write_users=not a.no_users, part_name=a.part_name)
    print(f"wrote {s.event_lines} event lines ({s.duplicate_event_lines} duplicates, "
          f"{s.late_events} late) and {s.user_lines} user lines in {len(s.files)} files under {a.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
