"""The raw-data generator: deterministic, and produces the mess it promises."""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import hashlib
import json
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
