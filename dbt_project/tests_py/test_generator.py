"""The raw-data generator: deterministic, and produces the mess it promises."""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import generate_raw_data as gen


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.json")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes(tmp_path):
    gen.generate(tmp_path / "a", events=500, users=50, seed=7, malformed=1)
    gen.generate(tmp_path / "b", events=500, users=50, seed=7, malformed=1)
    gen.generate(tmp_path / "c", events=500, users=50, seed=8, malformed=1)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_layout_and_messiness(tmp_path):
    s = gen.generate(tmp_path, events=3000, users=200, seed=1, days=5, malformed=2)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json"))
    assert files and all(
        f.split("/")[0] in {"events", "users"} and f.split("/")[1].startswith("ingest_date=") for f in files
    )
    lines = [l for p in tmp_path.glob("events/*/*.json") for l in p.read_text().splitlines()]
    assert len(lines) == s.event_lines
    ids = [json.loads(l).get("event_id") for l in lines if l.startswith('{"event_id":"e')]
    assert len(ids) - len(set(ids)) == s.duplicate_event_lines > 0
    assert s.late_events > 0
    # Late: at least one valid event sits in a partition after its own UTC date.
    late = 0
    for p in tmp_path.glob("events/*/*.json"):
        landed = p.parent.name.split("=")[1]
        for l in p.read_text().splitlines():
            try:
                rec = json.loads(l)
            except ValueError:
                continue
            eid = rec.get("event_id")
            if eid in s.events and s.events[eid][2].date().isoformat() < landed:
                late += 1
    assert late > 0
    emails = [json.loads(l)["email"] for p in tmp_path.glob("users/*/*.json")
              for l in p.read_text().splitlines() if l.startswith('{"user_id":"u')]
    assert any(e != e.lower() for e in emails) and any(e != e.strip() for e in emails)
    assert sum(s.rejected.values()) == 2 * (len(gen.EVENT_REJECT_REASONS) + len(gen.USER_REJECT_REASONS))


def test_cli(tmp_path):
    assert gen.main(["--events", "100", "--users", "10", "--out", str(tmp_path), "--days", "2"]) == 0
    assert list(tmp_path.glob("events/ingest_date=*/part-0000.json"))


def test_hostile_mode_writes_every_hostile_form(tmp_path):
    s = gen.generate(tmp_path, events=2000, users=150, seed=3, days=4, malformed=1, hostile=True)
    data = [p.read_bytes() for p in sorted(tmp_path.rglob("*.json"))]
    assert s.bom_files > 0 and sum(d.startswith(gen.BOM) for d in data) == s.bom_files
    assert s.crlf_files > 0 and sum(b"\r\n" in d for d in data) >= s.crlf_files
    assert s.blank_lines > 0
    # Invalid UTF-8 in one line of a file; the file's other lines are fine.
    undecodable = [d for d in data if not _decodes(d)]
    assert undecodable and all(sum(not _decodes(line) for line in d.split(b"\n")) == 1 for d in undecodable)
    text = b"\n".join(data).decode("utf-8", "replace")
    for value in ("infinity", "America/New_York", "+14:30", "-15:00", "T1:2:3Z", "02-30T", "T24:00:00"):
        assert value in text, value
    assert "+14:00" in text and "-12:00" in text and "+05:45" in text  # valid extremes
    assert any(len(ts.split(".")[-1]) == 9 for ts in _timestamps(text))  # nanoseconds
    assert any(ts[-1].isdigit() for ts in _timestamps(text))  # no offset
    kinds = len(gen.EVENT_REJECT_REASONS) + len(gen.USER_REJECT_REASONS)
    kinds += len(gen.HOSTILE_EVENT_REJECT_REASONS) + len(gen.HOSTILE_USER_REJECT_REASONS)
    assert sum(s.rejected.values()) == kinds
    assert {r for _, r in s.rejected} == {
        "invalid_json", "missing_event_id", "missing_user_id", "invalid_event_ts", "unknown_event_type",
        "invalid_signup_ts", "invalid_encoding", "invalid_properties", "invalid_updated_at"}


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _timestamps(text: str) -> list[str]:
    return re.findall(r'"event_ts":"([^"]*)"', text)


def test_hostile_mode_is_deterministic_and_leaves_the_plain_output_alone(tmp_path):
    gen.generate(tmp_path / "a", events=300, users=30, seed=7, malformed=1, hostile=True)
    gen.generate(tmp_path / "b", events=300, users=30, seed=7, malformed=1, hostile=True)
    gen.generate(tmp_path / "c", events=300, users=30, seed=7, malformed=1)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_batches_land_inside_the_look_back_window():
    plan = gen.generate_batches(seed=5, runs=6, lookback_days=2)
    assert plan == gen.generate_batches(seed=5, runs=6, lookback_days=2)
    assert plan.run_dates == sorted(plan.run_dates)
    for landing in plan.landings:
        k = landing.run
        oldest = (plan.run_dates[k - 2] - dt.timedelta(days=2)) if k > 1 else None
        assert oldest is None or landing.ingest_date >= oldest
        assert landing.ingest_date <= plan.run_dates[k - 1] + dt.timedelta(days=1)
    names = [(l.table, l.ingest_date, l.name) for l in plan.landings]
    assert len(names) == len(set(names))
