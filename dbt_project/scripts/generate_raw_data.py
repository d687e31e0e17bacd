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

With ``--hostile`` it also writes what real producers send (see the README's
input contract): files with a UTF-8 byte-order mark, CRLF line ends and blank
lines (empty, tabs, spaces, a lone CR); timestamps without an offset, with
microseconds or nanoseconds and with offsets up to +-14:00; ids and emails
padded with tabs and newlines; nested, Unicode and empty properties. With
both, the malformed kinds include the hostile ones: timestamps that are not
ISO-8601 but that lenient parsers accept (infinity, epoch, named zones,
offsets beyond 14:00, unpadded fields, surrounding whitespace), an id made
of a tab, ``{}``, invalid UTF-8 and properties that are not an object.

``generate_batches`` plans a sequence of daily runs instead: files that land
before each run, into any partition of the look-back window, with late
events, re-deliveries, conflicting copies, user changes and late user
exports. The incremental-equals-full-refresh test and the benchmark use it.

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
# Offsets a hostile producer uses that are still valid: the extremes and a non-hour one.
HOSTILE_OFFSETS = ((14 * 60, "+14:00"), (-12 * 60, "-12:00"), (5 * 60 + 45, "+05:45"), (0, "-00:00"))
# What whitespace around an id or email may be made of.
PADDING = (" ", "\t", "\n", "\r\n", " \t")
# Lines that are not records: skipped on DuckDB (Athena reports them as invalid_json).
BLANK_LINES = (b"", b"\t", b"   ", b"\r", b" \t ")
BOM = b"\xef\xbb\xbf"

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

# Timestamps that are not valid under the contract, most of which a lenient
# parser (DuckDB's cast, Python's fromisoformat) accepts. {d} is a date.
HOSTILE_TIMESTAMPS = {
    "infinity": "infinity",
    "minus_infinity": "-infinity",
    "epoch": "epoch",
    "named_zone": "{d}T12:00:00 America/New_York",
    "offset_beyond_plus_14h": "{d}T12:00:00+14:30",
    "offset_beyond_minus_14h": "{d}T12:00:00-15:00",
    "unpadded": "{y}-2-7T1:2:3Z",
    "leading_space": " {d}T12:00:00Z",
    "trailing_newline": "{d}T12:00:00Z\n",
    "tabs_around": "\t{d}T12:00:00Z\t",
    "february_30": "{y}-02-30T12:00:00Z",
    "hour_24": "{d}T24:00:00Z",
    "space_separator": "{d} 12:00:00Z",
    "lower_case_z": "{d}T12:00:00z",
    "ten_fraction_digits": "{d}T12:00:00.1234567890Z",
    "date_only": "{d}",
}
HOSTILE_EVENT_REJECT_REASONS = {
    **{f"event_ts_{kind}": "invalid_event_ts" for kind in HOSTILE_TIMESTAMPS},
    "event_id_tab": "missing_event_id",
    "event_id_whitespace": "missing_event_id",
    "user_id_whitespace": "missing_user_id",
    "event_type_padded": "unknown_event_type",
    "empty_object": "invalid_json",
    "only_unknown_fields": "invalid_json",
    "all_fields_null": "invalid_json",
    "json_array": "invalid_json",
    "trailing_text": "invalid_json",
    "bom_inside_file": "invalid_json",
    "invalid_utf8": "invalid_encoding",
    "replacement_char": "invalid_encoding",
    "properties_string": "invalid_properties",
    "properties_array": "invalid_properties",
    "properties_number": "invalid_properties",
}
HOSTILE_USER_REJECT_REASONS = {
    **{f"signup_ts_{kind}": "invalid_signup_ts" for kind in HOSTILE_TIMESTAMPS},
    "user_id_tab": "missing_user_id",
    "empty_object": "invalid_json",
    "invalid_utf8": "invalid_encoding",
    "updated_at_missing": "invalid_updated_at",
    "updated_at_named_zone": "invalid_updated_at",
}


@dataclass
class Summary:
    """What was written, with enough detail to compute expected marts."""

    # event_id -> (user_id, event_type, event_ts as naive UTC datetime, to the microsecond)
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
    # hostile=True: lines that are not records, and files with a BOM / CRLF line ends
    blank_lines: int = 0
    bom_files: int = 0
    crlf_files: int = 0


def _iso(ts: dt.datetime, offset: tuple[int, str] | None) -> str:
    """Render a naive UTC datetime as ISO-8601 to the millisecond, optionally in a local offset (hours)."""
    if offset is None:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    local = ts + dt.timedelta(hours=offset[0])
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}{offset[1]}"


def hostile_iso(rng: random.Random, ts: dt.datetime) -> str:
    """A valid rendering of a naive UTC datetime that a lenient reader gets
    wrong: no offset (UTC), microseconds, nanoseconds, extreme offsets, no fraction."""
    form = rng.randrange(6)
    if form == 0:  # no offset: UTC by contract, whatever the reader's TZ
        return ts.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if form == 1:  # nanoseconds: cut to microseconds
        return ts.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{rng.randrange(1000):03d}Z"
    if form == 2:  # whole seconds only when there is no fraction to lose
        return ts.strftime("%Y-%m-%dT%H:%M:%S") + ("" if ts.microsecond == 0 else f".{ts.microsecond:06d}") + "Z"
    minutes, text = HOSTILE_OFFSETS[form - 3]
    local = ts + dt.timedelta(minutes=minutes)
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f") + text


def _mixed_case(rng: random.Random, s: str) -> str:
    return "".join(c.upper() if rng.random() < 0.3 else c for c in s)


def user_id_for(i: int) -> str:
    return f"u{i:07d}"


def event_id_for(i: int) -> str:
    return f"e{i:010d}"


def _dumps(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def hostile_properties(rng: random.Random, base: dict) -> dict | None:
    """Properties in the shapes producers send: nested, Unicode, escapes, empty, null."""
    form = rng.randrange(8)
    if form == 0:
        return {}
    if form == 1:
        return None
    if form == 2:
        return dict(base, ctx={"ref": "</script>", "tags": ["a", "b"], "depth": {"n": 1}})
    if form == 3:
        return dict(base, title="Grüße — 😀 \"quoted\" \\ back\tslash")
    return base


def encode_file(lines: list[bytes], *, bom: bool = False, crlf: bool = False) -> bytes:
    """One NDJSON file: the lines joined by LF (or CRLF), a final line end, an optional BOM."""
    newline = b"\r\n" if crlf else b"\n"
    # A first line that itself starts with a BOM would lose it as the file's
    # BOM; a second one keeps that line as written.
    bom = bom or bool(lines and lines[0].startswith(BOM))
    return (BOM if bom else b"") + newline.join(lines) + newline


def with_blank_lines(rng: random.Random, lines: list[bytes], count: int) -> list[bytes]:
    """`lines` with `count` blank lines put between them (never reordering records)."""
    out = list(lines)
    for _ in range(count):
        out.insert(rng.randrange(len(out) + 1), rng.choice(BLANK_LINES))
    return out


class _PartitionWriter:
    """Buffers lines per partition and writes each partition file once."""

    def __init__(self, root: Path, table: str, part_name: str):
        self.root, self.table, self.part_name = root, table, part_name
        self.buffers: dict[dt.date, list[str | bytes]] = {}

    def add(self, day: dt.date, line: str | bytes) -> None:
        self.buffers.setdefault(day, []).append(line)

    def flush(self, rng: random.Random | None = None, summary: Summary | None = None) -> list[Path]:
        """Write each partition; with `rng` (hostile), files get a BOM, CRLF
        and blank lines at random, counted in `summary`."""
        written = []
        for day in sorted(self.buffers):
            d = self.root / self.table / f"ingest_date={day.isoformat()}"
            d.mkdir(parents=True, exist_ok=True)
            p = d / self.part_name
            lines = [line if isinstance(line, bytes) else line.encode("utf-8") for line in self.buffers[day]]
            bom = crlf = False
            if rng is not None:
                bom, crlf = rng.random() < 0.5, rng.random() < 0.5
                blanks = 1 + rng.randrange(3)
                lines = with_blank_lines(rng, lines, blanks)
                summary.blank_lines += blanks
                summary.bom_files += bom
                summary.crlf_files += crlf
            p.write_bytes(encode_file(lines, bom=bom, crlf=crlf))
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
    hostile: bool = False,
) -> Summary:
    """Write raw events/users under ``out`` and return what was written.

    ``malformed`` is the number of malformed records of *each* kind, added on
    top of the valid ones so no valid record is replaced. ``event_id_start``
    and ``write_users=False`` let a caller append a later day to an existing
    raw folder without clashing with earlier ids. ``hostile`` writes the valid
    records in the hostile forms the contract accepts, and adds the hostile
    malformed kinds (module docstring).
    """
    rng = random.Random(seed)
    # A second stream for the hostile choices, so that hostile=False writes
    # exactly what it always has for a given seed.
    hrng = random.Random(f"hostile-{seed}") if hostile else None
    root = Path(out)
    s = Summary()
    ev_writer = _PartitionWriter(root, "events", part_name)
    us_writer = _PartitionWriter(root, "users", part_name)
    window_start = dt.datetime.combine(start_date, dt.time())
    window_seconds = days * 86400

    def pad(value: str) -> str:
        return f"{hrng.choice(PADDING)}{value}{hrng.choice(PADDING)}" if hostile and hrng.random() < 0.1 else value

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
            if hostile:
                rec = dict(rec, user_id=pad(uid), email=pad(email), signup_ts=hostile_iso(hrng, signup),
                           country=pad(country.lower() if hrng.random() < 0.2 else country))
            us_writer.add(signup.date(), _dumps(rec))
            s.user_lines += 1
            latest = {"email": base_email.lower(), "country": country, "signup_ts": signup}
            if rng.random() < reexport_rate:
                # A later re-export: new casing, possibly a new country; the
                # newest updated_at must win in staging.
                updated = signup + dt.timedelta(days=rng.randrange(1, 30))
                country2 = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
                rec2 = dict(rec, email=_mixed_case(rng, base_email).upper(), country=country2,
                            updated_at=_iso(updated, None))
                if hostile:
                    rec2["updated_at"] = hostile_iso(hrng, updated)
                us_writer.add(updated.date(), _dumps(rec2))
                s.user_lines += 1
                latest["country"] = country2
            s.users[uid] = latest

    user_count = users
    types = rng.choices(EVENT_TYPES, EVENT_TYPE_WEIGHTS, k=events)
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
        rec = {"event_id": eid, "user_id": uid, "event_type": etype,
               "event_ts": _iso(ts, offset), "properties": props}
        if hostile:
            ts = ts + dt.timedelta(microseconds=hrng.randrange(1000))
            rec = dict(rec, event_id=pad(eid), user_id=pad(uid), event_ts=hostile_iso(hrng, ts))
            properties = hostile_properties(hrng, props)
            if properties is None:
                del rec["properties"]
            else:
                rec["properties"] = properties
        line = _dumps(rec)
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
        if hostile:
            _add_hostile_malformed(hrng, s, ev_writer, us_writer, malformed, start_date, days,
                                   event_id_start, write_users)

    s.files = ev_writer.flush(hrng, s) + (us_writer.flush(hrng, s) if write_users else [])
    return s


def _count(s: Summary, source: str, reason: str) -> None:
    key = (source, reason)
    s.rejected[key] = s.rejected.get(key, 0) + 1


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
            _count(s, "raw_events", EVENT_REJECT_REASONS[kind])
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
                _count(s, "raw_users", USER_REJECT_REASONS[kind])


def hostile_timestamp(kind: str, day: dt.date) -> str:
    return HOSTILE_TIMESTAMPS[kind].format(d=day.isoformat(), y=day.year)


def hostile_event_lines(tag: str, uid: str, day: dt.date) -> dict[str, bytes]:
    """One line of each hostile malformed event kind (HOSTILE_EVENT_REJECT_REASONS)."""
    good_ts = f"{day.isoformat()}T12:00:00Z"

    def event(**fields) -> dict:
        return {"event_id": f"{tag}-{fields.pop('suffix')}", "user_id": uid, "event_type": "click",
                "event_ts": good_ts, "properties": {"k": "v"}, **fields}

    lines = {f"event_ts_{kind}": event(suffix=f"ts-{kind}", event_ts=hostile_timestamp(kind, day))
             for kind in HOSTILE_TIMESTAMPS}
    lines.update({
        "event_id_tab": dict(event(suffix="tab"), event_id="\t"),
        "event_id_whitespace": dict(event(suffix="ws"), event_id=" \r\n\t "),
        "user_id_whitespace": event(suffix="uidws", user_id="\t \n"),
        "event_type_padded": event(suffix="typepad", event_type=" click"),
        "properties_string": event(suffix="pstr", properties="{\"not\": \"an object\"}x"),
        "properties_array": event(suffix="parr", properties=[{"a": 1}]),
        "properties_number": event(suffix="pnum", properties=5),
        "only_unknown_fields": {"eventId": f"{tag}-camel", "userId": uid},
        "all_fields_null": {"event_id": None, "user_id": None, "event_type": None, "event_ts": None,
                            "properties": None},
    })
    out = {kind: _dumps(rec).encode() for kind, rec in lines.items()}
    out["empty_object"] = b"{}"
    out["json_array"] = _dumps([f"{tag}-array", uid, "click", good_ts, {}]).encode()
    out["trailing_text"] = _dumps(event(suffix="trail")).encode() + b" trailing"
    out["bom_inside_file"] = BOM + _dumps(event(suffix="bom")).encode()
    # Latin-1 bytes in a UTF-8 file: the rest of the file must still load.
    out["invalid_utf8"] = _dumps(event(suffix="latin1", properties={"city": "@"})).encode().replace(b"@", b"M\xfcnchen")
    out["replacement_char"] = _dumps(event(suffix="fffd", properties={"city": "M\ufffdnchen"})).encode()
    return out


def hostile_user_lines(tag: str, day: dt.date) -> dict[str, bytes]:
    """One line of each hostile malformed user kind (HOSTILE_USER_REJECT_REASONS)."""
    good_ts = f"{day.isoformat()}T12:00:00Z"

    def user(**fields) -> dict:
        return {"user_id": f"{tag}-{fields.pop('suffix')}", "email": "x@example.com", "country": "DE",
                "signup_ts": good_ts, "updated_at": good_ts, **fields}

    lines = {f"signup_ts_{kind}": user(suffix=f"ts-{kind}", signup_ts=hostile_timestamp(kind, day))
             for kind in HOSTILE_TIMESTAMPS}
    lines.update({
        "user_id_tab": dict(user(suffix="tab"), user_id="\t"),
        "updated_at_missing": {k: v for k, v in user(suffix="noupd").items() if k != "updated_at"},
        "updated_at_named_zone": user(suffix="updzone", updated_at=f"{day.isoformat()}T12:00:00 Europe/Paris"),
    })
    out = {kind: _dumps(rec).encode() for kind, rec in lines.items()}
    out["empty_object"] = b"{}"
    out["invalid_utf8"] = _dumps(user(suffix="latin1", email="@@example.com")).encode().replace(b"@@", b"j\xf6rg@")
    return out


def _add_hostile_malformed(hrng, s, ev_writer, us_writer, per_kind, start_date, days,
                           event_id_start, write_users):
    for k in range(per_kind):
        tag = f"h{event_id_start}_{k}"
        for kind, line in hostile_event_lines(tag, user_id_for(1), start_date).items():
            ev_writer.add(start_date + dt.timedelta(days=hrng.randrange(days)), line)
            s.event_lines += 1
            _count(s, "raw_events", HOSTILE_EVENT_REJECT_REASONS[kind])
        if write_users:
            for kind, line in hostile_user_lines(tag, start_date).items():
                us_writer.add(start_date + dt.timedelta(days=hrng.randrange(days)), line)
                s.user_lines += 1
                _count(s, "raw_users", HOSTILE_USER_REJECT_REASONS[kind])


# --- a sequence of daily runs, for incremental-equals-full-refresh checks ---

@dataclass
class Landing:
    """A file that lands before run number `run` (1-based) into a partition."""

    run: int
    table: str
    ingest_date: dt.date
    name: str
    data: bytes

    def path(self, root: Path) -> Path:
        return Path(root) / self.table / f"ingest_date={self.ingest_date.isoformat()}" / self.name


@dataclass
class BatchPlan:
    """Execution dates of the runs, the files that land before each, and how
    many of each hazard the plan holds (so a test can check it has them)."""

    run_dates: list
    landings: list
    lookback_days: int
    hazards: dict = field(default_factory=dict)

    def land(self, root: Path, run: int) -> list[Path]:
        """Write the files that land before run `run`; returns their paths."""
        written = []
        for landing in self.landings:
            if landing.run == run:
                p = landing.path(root)
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(landing.data)
                written.append(p)
        return written


def generate_batches(
    seed: int = 0,
    runs: int = 4,
    events_per_run: int = 40,
    users: int = 8,
    lookback_days: int = 1,
    start_date: dt.date = dt.date(2026, 3, 2),
    empty_first_run: bool = False,
) -> BatchPlan:
    """Plan `runs` daily runs. Before run k (execution date D_k), files land
    into any partition from D_(k-1) - lookback_days (the oldest an
    incremental run is sure to re-read) to D_k + 1 (a day early), in any
    order, so a partition can receive files after later ones did. The
    events hold late events, re-deliveries into the same, an earlier and a
    later partition, conflicting copies of one id in one partition, users
    whose first record lands after their events, user changes, and late user
    exports that change the country of events an earlier run loaded; with
    hostile formatting, rejected lines, blank lines, BOMs and CRLF files.
    """
    rng = random.Random(f"batches-{seed}")
    hazards: dict[str, int] = {}

    def hazard(name: str, n: int = 1) -> None:
        hazards[name] = hazards.get(name, 0) + n

    run_dates = [start_date + dt.timedelta(days=2)]
    for _ in range(runs - 1):
        step = 2 if rng.random() < 0.3 else 1
        if step == 2:
            hazard("skipped_day")
        run_dates.append(run_dates[-1] + dt.timedelta(days=step))

    # (run, table, partition) -> lines; files are cut from these per run.
    pending: dict[tuple[int, str, dt.date], list[bytes]] = {}

    def put(run: int, table: str, day: dt.date, line: bytes) -> None:
        pending.setdefault((run, table, day), []).append(line)

    def window(run: int) -> list[dt.date]:
        lo = start_date if run == 1 else run_dates[run - 2] - dt.timedelta(days=lookback_days)
        hi = run_dates[run - 1] + dt.timedelta(days=1)
        return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]

    first_run = 2 if empty_first_run else 1
    if empty_first_run:
        hazard("empty_first_run")
    user_ids = [f"p{i:04d}" for i in range(1, users + 1)]
    # Versions written so far: user -> list of (updated_at, country).
    versions: dict[str, list] = {u: [] for u in user_ids}
    # Valid events an earlier run has loaded for sure: (user, event_ts, run).
    loaded: list[tuple[str, dt.datetime, int]] = []
    # Every event line written: (run, partition, line).
    event_log: list[tuple[int, dt.date, bytes]] = []

    def user_line(uid: str, updated: dt.datetime, country: str) -> bytes:
        signup = dt.datetime.combine(start_date, dt.time()) - dt.timedelta(days=30)
        rec = {"user_id": uid, "email": f"\t{uid.upper()}@Example.com\n", "country": country,
               "signup_ts": hostile_iso(rng, signup), "updated_at": hostile_iso(rng, updated)}
        return _dumps(rec).encode()

    for i, uid in enumerate(user_ids):
        # The last user's first record lands only in the last run: until then
        # its events have no user.
        run = runs if i == len(user_ids) - 1 else first_run
        if run > first_run:
            hazard("user_record_after_its_events")
        updated = dt.datetime.combine(start_date, dt.time()) - dt.timedelta(days=10, seconds=i)
        country = COUNTRIES[i % len(COUNTRIES)]
        versions[uid].append((updated, country))
        put(run, "users", rng.choice(window(run)), user_line(uid, updated, country))

    next_id = 1
    for run in range(first_run, runs + 1):
        days = window(run)
        run_lines: list[tuple[dt.date, bytes, dt.datetime, str]] = []
        for _ in range(events_per_run):
            eid = f"q{next_id:06d}"
            next_id += 1
            uid = rng.choice(user_ids)
            landed = rng.choice(days)
            lateness = rng.choice((0, 0, 0, 1, 2))
            if lateness:
                hazard("late_event")
            ts = (dt.datetime.combine(landed - dt.timedelta(days=lateness), dt.time())
                  + dt.timedelta(seconds=rng.randrange(86400), microseconds=rng.randrange(10**6)))
            etype = rng.choice(EVENT_TYPES)
            props = hostile_properties(rng, {"n": rng.randrange(100)})
            rec = {"event_id": eid, "user_id": uid, "event_type": etype, "event_ts": hostile_iso(rng, ts)}
            if props is not None:
                rec["properties"] = props
            line = _dumps(rec).encode()
            put(run, "events", landed, line)
            run_lines.append((landed, line, ts, uid))
            if landed <= run_dates[run - 1]:
                loaded.append((uid, ts, run))
            roll = rng.random()
            if roll < 0.08:
                put(run, "events", landed, line)
                hazard("redelivery_same_partition")
            elif roll < 0.14:
                later = rng.choice(days[days.index(landed):])
                put(run, "events", later, line)
                hazard("redelivery_later_partition")
            elif roll < 0.18:
                rec2 = dict(rec, event_type=rng.choice(EVENT_TYPES), properties={"copy": rng.randrange(9)})
                put(run, "events", landed, _dumps(rec2).encode())
                hazard("conflicting_copy_same_partition")
        # Re-deliveries landing now into an earlier partition of the window than
        # the first copy: the winner moves, for an event of an earlier run after
        # it was loaded.
        candidates = [e for e in event_log if e[1] > days[0]]
        for origin, landed, line in rng.sample(candidates, k=min(3, len(candidates))):
            put(run, "events", rng.choice([d for d in days if d < landed]), line)
            hazard("redelivery_earlier_partition")
            if origin < run and landed <= run_dates[origin - 1]:
                hazard("redelivery_moves_a_loaded_event")
        event_log.extend((run, landed, line) for landed, line, _, _ in run_lines)
        # A user changes country; the export lands in any partition of the window.
        uid = rng.choice(user_ids)
        updated = dt.datetime.combine(rng.choice(days), dt.time(rng.randrange(24)))
        country = rng.choice([c for c in COUNTRIES if c not in {v[1] for v in versions[uid]}])
        versions[uid].append((updated, country))
        put(run, "users", rng.choice(days), user_line(uid, updated, country))
        hazard("user_change")
        # A late export: stamped before an event an earlier run loaded.
        earlier_events = [e for e in loaded if e[2] < run]
        if earlier_events:
            uid, ts, _ = rng.choice(earlier_events)
            updated = ts - dt.timedelta(minutes=1 + rng.randrange(60))
            country = rng.choice([c for c in COUNTRIES if c not in {v[1] for v in versions[uid]}])
            versions[uid].append((updated, country))
            put(run, "users", rng.choice(days), user_line(uid, updated, country))
            hazard("late_user_export")
        # Rejected lines, one event and one user kind per run.
        kind = rng.choice(sorted(HOSTILE_EVENT_REJECT_REASONS))
        put(run, "events", rng.choice(days), hostile_event_lines(f"r{run}", rng.choice(user_ids), days[0])[kind])
        ukind = rng.choice(sorted(HOSTILE_USER_REJECT_REASONS))
        put(run, "users", rng.choice(days), hostile_user_lines(f"r{run}", days[0])[ukind])
        hazard("rejected_line", 2)

    landings = []
    for (run, table, day) in sorted(pending):
        lines = pending[(run, table, day)]
        rng.shuffle(lines)
        cut = rng.randrange(1, len(lines)) if len(lines) > 1 and rng.random() < 0.5 else len(lines)
        for n, chunk in enumerate((lines[:cut], lines[cut:])):
            if not chunk:
                continue
            blanks = rng.randrange(3)
            bom, crlf = rng.random() < 0.3, rng.random() < 0.3
            hazard("blank_line", blanks)
            hazard("bom_file", bom)
            hazard("crlf_file", crlf)
            landings.append(Landing(run, table, day, f"part-r{run:02d}-{n}.json",
                                    encode_file(with_blank_lines(rng, chunk, blanks), bom=bom, crlf=crlf)))
        newest_before = max((d for (r, t, d) in pending if t == table and r < run), default=None)
        if newest_before is not None and day < newest_before:
            hazard(f"{table}_file_into_an_older_partition")
        if day > run_dates[run - 1]:
            hazard(f"{table}_file_a_day_early")
    return BatchPlan(run_dates=run_dates, landings=landings, lookback_days=lookback_days, hazards=hazards)


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
    p.add_argument("--hostile", action="store_true",
                   help="write valid records in every hostile form the contract accepts, and add the hostile "
                        "malformed kinds to --malformed")
    p.add_argument("--event-id-start", type=int, default=1,
                   help="first event number, to append a later day without id clashes")
    p.add_argument("--no-users", action="store_true", help="write events only")
    p.add_argument("--part-name", default="part-0000.json")
    a = p.parse_args(argv)
    s = generate(a.out, events=a.events, users=a.users, seed=a.seed, start_date=a.start_date,
                 days=a.days, malformed=a.malformed, event_id_start=a.event_id_start,
                 write_users=not a.no_users, part_name=a.part_name, hostile=a.hostile)
    print(f"wrote {s.event_lines} event lines ({s.duplicate_event_lines} duplicates, "
          f"{s.late_events} late) and {s.user_lines} user lines in {len(s.files)} files under {a.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
