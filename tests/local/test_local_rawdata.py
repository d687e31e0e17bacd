"""The sample raw data of one execution date: the generator's arguments per file."""

from __future__ import annotations

from pathlib import Path

from local.rawdata import EVENTS_PER_FILE, Generator, RawDataSpec, generator_commands

ROOT = Path(__file__).resolve().parents[2]


def options(command: list[str]) -> dict[str, str | bool]:
    found: dict[str, str | bool] = {}
    for index, word in enumerate(command):
        if word.startswith("--"):
            following = command[index + 1] if index + 1 < len(command) else "--"
            found[word] = True if following.startswith("--") else following
    return found


def test_a_day_lands_in_files_of_at_most_the_file_size_with_ids_that_never_overlap():
    commands = [options(c) for c in generator_commands(ROOT, Path("/raw"), "2026-01-01",
                                                      RawDataSpec(events=2 * EVENTS_PER_FILE + 5))]
    assert [int(c["--events"]) for c in commands] == [EVENTS_PER_FILE, EVENTS_PER_FILE, 5]
    starts = [int(c["--event-id-start"]) for c in commands]
    assert starts == [starts[0], starts[0] + EVENTS_PER_FILE, starts[0] + 2 * EVENTS_PER_FILE]
    assert len({c["--part-name"] for c in commands}) == 3
    assert len({c["--seed"] for c in commands}) == 3
    assert "--no-users" not in commands[0] and all(c["--no-users"] is True for c in commands[1:])
    assert commands[0]["--malformed"] == "2" and all("--malformed" not in c for c in commands[1:])
    assert all(c["--start-date"] == "2026-01-01" and c["--days"] == "1" for c in commands)


def test_different_dates_get_different_ids_and_the_same_date_the_same_files():
    first = generator_commands(ROOT, Path("/raw"), "2026-01-01", RawDataSpec(events=10))
    second = generator_commands(ROOT, Path("/raw"), "2026-01-02", RawDataSpec(events=10))
    assert generator_commands(ROOT, Path("/raw"), "2026-01-01", RawDataSpec(events=10)) == first
    assert int(options(second[0])["--event-id-start"]) - int(options(first[0])["--event-id-start"]) >= 10_000_000


def test_the_generator_writes_the_days_files(tmp_path):
    written = Generator(ROOT, tmp_path / "raw", "2026-01-01", RawDataSpec(events=300), tmp_path / "gen.log").start().wait()
    events = int(written.split(" event lines")[0].replace(",", ""))
    assert 300 <= events <= 320  # the valid events, a few re-deliveries and 2 malformed records of each kind
    assert (tmp_path / "raw" / "events" / "ingest_date=2026-01-01" / "part-2026-01-01-0000.json").exists()
    assert any((tmp_path / "raw" / "users").rglob("part-2026-01-01-0000.json"))


def test_a_date_written_before_with_the_same_arguments_is_not_written_again(tmp_path):
    raw = tmp_path / "raw"
    first = Generator(ROOT, raw, "2026-01-01", RawDataSpec(events=200), tmp_path / "gen.log").start()
    written = first.wait()
    part = raw / "events" / "ingest_date=2026-01-01" / "part-2026-01-01-0000.json"
    part.write_text("changed\n")

    again = Generator(ROOT, raw, "2026-01-01", RawDataSpec(events=200), tmp_path / "gen.log").start()
    assert again.wait() == f"{written}, as written by an earlier run"
    assert part.read_text() == "changed\n"

    bigger = Generator(ROOT, raw, "2026-01-01", RawDataSpec(events=300), tmp_path / "gen.log").start()
    assert "earlier run" not in bigger.wait()
    assert part.read_text() != "changed\n"
