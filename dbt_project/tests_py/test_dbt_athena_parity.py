"""The same answers on DuckDB and Athena, from the compiled SQL.

The staging models are compiled offline for both targets. The Athena SQL
must parse as Trino (sqlglot) and use only what keeps the rules the same:
no from_iso8601_timestamp (milliseconds), timestamp(6) everywhere, the same
duplicate tie-break as DuckDB, `properties` passed on as the SerDe renders it.

Then both are run on the same hostile lines: the DuckDB SQL on the files, the
Athena SQL (transpiled by sqlglot to DuckDB, so its logic runs here) on the
rows the OpenX SerDe gives for the same files (openx_serde.py). Every line
gets the same reason and the same values on both, except where the README
says the engines must differ because the SerDe reads the line before SQL
sees it; those differences are asserted too, as documented.
"""
from __future__ import annotations

import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

import generate_raw_data as gen
import openx_serde
from dbt_helpers import base_env, make_profiles_dir, run_dbt
from test_dbt_athena_manifest import GLUE_DATABASE, RAW_GLUE_DATABASE, _athena_env, _no_network_prefix

STAGING = ["base_raw_events", "base_raw_users", "stg_raw_events", "stg_raw_user_versions", "stg_raw_users",
           "stg_rejected_raw_rows"]
EVENT_COLUMNS = ["event_id", "user_id", "event_type", "event_ts", "properties"]
USER_COLUMNS = ["user_id", "email", "country", "signup_ts", "updated_at"]
DAY = "2026-01-01"
BOM = b"\xef\xbb\xbf"


def _event(**fields) -> bytes:
    rec = {"event_id": "e1", "user_id": "u1", "event_type": "click", "event_ts": "2026-01-01T10:00:00.123456Z",
           "properties": {"b": 1, "a": [1, "x"]}}
    rec.update(fields)
    return json.dumps({k: v for k, v in rec.items() if v is not ...}, ensure_ascii=False).encode()


def _user(**fields) -> bytes:
    rec = {"user_id": "u1", "email": "A@B.com", "country": "de", "signup_ts": "2025-12-01T00:00:00Z",
           "updated_at": "2025-12-01T00:00:00Z"}
    rec.update(fields)
    return json.dumps({k: v for k, v in rec.items() if v is not ...}, ensure_ascii=False).encode()


# Files of one or more lines, each file its own case. Same answer on both targets.
SAME = {
    "utc_microseconds": [_event(event_id="s1")],
    "offset_nanoseconds": [_event(event_id="s2", event_ts="2026-01-01T10:00:00.123456789+05:45")],
    "naive_is_utc": [_event(event_id="s3", event_ts="2026-01-01T10:00:00.000001")],
    "extreme_offsets": [_event(event_id="s4", event_ts="2026-01-01T00:00:00+14:00"),
                        _event(event_id="s5", event_ts="2026-01-01T23:59:59.5-12:00")],
    "whole_seconds": [_event(event_id="s6", event_ts="2026-01-01T10:00:00Z")],
    "bom_at_file_start": [BOM + _event(event_id="s7")],
    "crlf_and_lone_cr": [_event(event_id="s8") + b"\r\n" + _event(event_id="s9") + b"\r" + _event(event_id="s10")],
    "padded_ids": [_event(event_id="\t s11 \n", user_id="\r\nu1 ")],
    "empty_object": [b"{}"],
    "all_fields_null": [_event(event_id=None, user_id=None, event_type=None, event_ts=None, properties=None)],
    "only_unknown_fields": [b'{"eventId":"x","userId":"u1"}'],
    "not_json": [b'{"event_id": "trunc", "user_id": "u1", "event_ty'],
    "not_an_object_string": [b'"just a string"'],
    "bom_inside_file": [_event(event_id="s12"), BOM + _event(event_id="s13")],
    "tab_event_id": [_event(event_id="\t")],
    "blank_user_id": [_event(event_id="s14", user_id=" \t ")],
    "unknown_event_type": [_event(event_id="s15", event_type="teleport")],
    "padded_event_type": [_event(event_id="s16", event_type=" click")],
    "invalid_utf8_in_a_field": [_event(event_id="s17", properties={"city": "@"}).replace(b"@", b"M\xfcnchen")],
    "escaped_replacement_char": [_event(event_id="s18", user_id="u\\ufffd").replace(b"\\\\ufffd", b"\\ufffd")],
    "properties_absent": [_event(event_id="s19", properties=...)],
    "properties_null": [_event(event_id="s20", properties=None)],
    "properties_empty": [_event(event_id="s21", properties={})],
    "properties_nested": [_event(event_id="s22", properties={"z": {"y": [1, {"x": None}], "w": {}},
                                                              "s": "Grüße \"q\" \\ \t 😀", "t": True})],
    "properties_array": [_event(event_id="s23", properties=[{"a": 1}])],
    "properties_number": [_event(event_id="s24", properties=5)],
    "properties_not_json_string": [_event(event_id="s25", properties="{oops")],
    # Conflicting copies of one id in one partition, across files and lines:
    # the earliest event_ts, then user_id, event_type, properties wins.
    "dupes_a": [_event(event_id="d1", event_ts="2026-01-01T10:00:00.000002Z", properties={"n": 1}),
                _event(event_id="d2", properties={"n": 2})],
    "dupes_b": [_event(event_id="d1", event_ts="2026-01-01T10:00:00.000001Z", event_type="purchase"),
                _event(event_id="d1", event_ts="2026-01-01T10:00:00.000001Z", event_type="click"),
                _event(event_id="d2", properties={"n": 1}),
                _event(event_id="d2", properties=None)],
    **{f"ts_{kind}": [_event(event_id=f"t-{kind}", event_ts=value.format(d=DAY, y=2026))]
       for kind, value in gen.HOSTILE_TIMESTAMPS.items()},
    "ts_year_0000": [_event(event_id="t-y0", event_ts="0000-06-01T00:00:00Z")],
    "ts_pushed_before_year_1": [_event(event_id="t-y1", event_ts="0001-01-01T00:00:00+01:00")],
    "ts_number": [_event(event_id="t-num", event_ts=1767261600)],
}
SAME_USERS = {
    "user_padded": [_user(user_id=" v1\t", email="\tMe@Example.COM\n", country=" fr ")],
    "user_versions": [_user(user_id="v2", country="de", updated_at="2026-01-01T00:00:00Z"),
                      _user(user_id="v2", country="at", updated_at="2026-01-01T01:00:00+01:00"),
                      _user(user_id="v2", country="ch", updated_at="2026-01-02T00:00:00.000001")],
    "user_bad_signup": [_user(user_id="v3", signup_ts="epoch")],
    "user_bad_updated_at": [_user(user_id="v4", updated_at=...)],
    "user_empty_object": [b"{}"],
    "user_invalid_utf8": [_user(user_id="v5", email="@").replace(b'"@"', b'"j\xf6rg"')],
}
# Where the SerDe decides before SQL sees the line (README, "Where the engines differ").
DIFFER = {
    "blank_lines": [b"", b"\t", b"   ", b"\r"],
    "trailing_text": [_event(event_id="x1") + b" trailing"],
    "json_array": [json.dumps(["x2", "u1", "click", "2026-01-01T10:00:00Z", {"a": 1}]).encode()],
    "key_case": [_event(event_id="x3").replace(b'"event_id"', b'"EVENT_ID"')],
    "duplicate_keys": [_event(event_id="x4").replace(b'"event_type": "click"',
                                                     b'"event_type": "click", "event_type": "purchase"')],
    "invalid_utf8_outside_the_fields": [_event(event_id="x5", note="@").replace(b'"@"', b'"\xff"')],
    "properties_json_in_a_string": [_event(event_id="x6", properties='{"a": 1}')],
    "properties_number_text": [_event(event_id="x7", properties={"amount": 2.50, "big": 1e20}).replace(
        b"2.5", b"2.50").replace(b"1e+20", b"1E20")],
    "properties_slash": [_event(event_id="x8", properties={"html": "</p>"})],
}


def _files(cases: dict) -> dict:
    return {name: b"\n".join(lines) + b"\n" for name, lines in cases.items()}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """The staging models compiled for both targets, and the raw files."""
    work = tmp_path_factory.mktemp("parity")
    raw = work / "raw"
    for table, cases in (("events", {**SAME, **DIFFER}), ("users", SAME_USERS)):
        folder = raw / table / f"ingest_date={DAY}"
        folder.mkdir(parents=True)
        for name, data in _files(cases).items():
            (folder / f"{name}.json").write_bytes(data)

    local = work / "local"
    make_profiles_dir(local)
    env = base_env(local)
    env.update({"LAKEHOUSE_RAW_DIR": str(raw), "LAKEHOUSE_DUCKDB_PATH": str(local / "lakehouse.duckdb")})
    run_dbt(["compile", "--target", "local", "--select", *STAGING], env, local)

    athena = work / "athena"
    run_dbt(["compile", "--target", "athena", "--no-populate-cache", "--select", *STAGING],
            _athena_env(athena), athena, prefix=_no_network_prefix())

    def read(folder):
        return {p.stem: p.read_text() for p in (folder / "target" / "compiled").rglob("*.sql")
                if p.stem in STAGING}
    return {"raw": raw, "duckdb": read(local), "athena": read(athena), "work": work}


# --- the compiled Athena SQL ---

def _trino(compiled, name) -> exp.Expression:
    return sqlglot.parse_one(compiled["athena"][name], read="trino", error_level=sqlglot.ErrorLevel.RAISE)


def _functions(tree: exp.Expression) -> set[str]:
    """Names of the functions called, as Trino spells them."""
    return {node.sql("trino").split("(", 1)[0].strip().lower() for node in tree.find_all(exp.Func)}


def test_staging_sql_compiles_offline_and_parses_as_trino(compiled):
    assert set(STAGING) <= set(compiled["athena"])
    for name in STAGING:
        _trino(compiled, name)
    assert f'"{RAW_GLUE_DATABASE}"."raw_events"' in compiled["athena"]["base_raw_events"]
    assert f'"{GLUE_DATABASE}"."base_raw_events"' in compiled["athena"]["stg_raw_events"]


@pytest.mark.parametrize("model, timestamps", [("base_raw_events", 1), ("base_raw_users", 2)])
def test_athena_timestamps_keep_microseconds(compiled, model, timestamps):
    tree = _trino(compiled, model)
    used = _functions(tree)
    # from_iso8601_timestamp yields timestamp(3) with zone; date_parse and
    # parse_datetime are millisecond-only too.
    assert not used & {"from_iso8601_timestamp", "from_iso8601_timestamp_nanos", "date_parse", "parse_datetime",
                       "from_unixtime", "at_timezone"}
    temporal = [c for c in tree.find_all(exp.Cast, exp.TryCast) if c.to.is_type(*exp.DataType.TEMPORAL_TYPES)]
    dates = [c for c in temporal if c.to.is_type("date")]
    assert [c.this.sql() for c in dates] == ["ingest_date"]  # the partition, a date
    casts = [c for c in temporal if c not in dates]
    # A bare `timestamp` is timestamp(3) on Trino.
    assert casts and all(c.to.sql("trino") == "TIMESTAMP(6)" for c in casts)
    # One cast per timestamp field (used twice in the range check).
    assert len(casts) == 2 * timestamps
    assert "date_add" in used and "regexp_extract" in used


def _copy_order(sql: str, dialect: str) -> list[tuple]:
    """(function, partition by, order by with direction and nulls) of each window."""
    tree = sqlglot.parse_one(sql, read=dialect)
    out = []
    for window in tree.find_all(exp.Window):
        order = window.args["order"].expressions
        out.append((window.this.sql(), [p.sql() for p in window.args.get("partition_by") or []],
                    [(o.this.sql(), bool(o.args.get("desc")), bool(o.args.get("nulls_first"))) for o in order]))
    return out


@pytest.mark.parametrize("model", ["stg_raw_events", "stg_raw_user_versions"])
def test_the_duplicate_winner_is_the_same_rule_on_both_targets(compiled, model):
    athena = _copy_order(compiled["athena"][model], "trino")
    assert athena == _copy_order(compiled["duckdb"][model], "duckdb")
    (copy_rank, *_) = athena
    columns = [c for c, _, _ in copy_rank[2]]
    # Never by position, which Athena cannot see; by every column of the row.
    assert "line_number" not in columns and "source_file" not in columns
    kept = {"stg_raw_events": EVENT_COLUMNS + ["ingest_date"],
            "stg_raw_user_versions": ["user_id", "email", "country", "signup_ts", "updated_at", "ingest_date"]}[model]
    assert set(columns) | set(copy_rank[1]) >= set(kept) - {"event_id"}


def test_properties_pass_through_as_the_serde_renders_them(compiled):
    tree = _trino(compiled, "base_raw_events")
    used = _functions(tree)
    # json_format(json_parse(x)) would sort the keys and reformat numbers.
    assert "json_format" not in used and "json_parse" in used
    (records,) = [s for s in tree.find_all(exp.Select) if "event_ts_text" in {e.alias for e in s.expressions}]
    (properties,) = [e for e in records.expressions if e.alias_or_name == "properties"]
    assert properties.this.sql("trino") == "CAST(properties AS VARCHAR)"


# --- the two SQL texts run on the same lines ---

def _athena_to_duckdb(sql: str) -> str:
    return sqlglot.transpile(sql, read="trino", write="duckdb")[0]


@pytest.fixture(scope="module")
def results(compiled):
    """base and stg rows per target: DuckDB's SQL on the files, Athena's on
    the SerDe's rows for the same files."""
    out = {}
    con = duckdb.connect(str(compiled["work"] / "local" / "lakehouse.duckdb"))
    for name in STAGING:
        con.execute(f"create or replace view main.{name} as {compiled['duckdb'][name]}")
    out["duckdb"] = _collect(con, lambda path: Path(path).stem)
    con.close()

    con = duckdb.connect()
    con.execute("attach ':memory:' as awsdatacatalog")
    con.execute(f"create schema awsdatacatalog.{RAW_GLUE_DATABASE}")
    con.execute(f"create schema awsdatacatalog.{GLUE_DATABASE}")
    for table, columns in (("raw_events", EVENT_COLUMNS), ("raw_users", USER_COLUMNS)):
        cols = ", ".join(f"{c} varchar" for c in columns)
        con.execute(f'create table awsdatacatalog.{RAW_GLUE_DATABASE}.{table} ({cols}, ingest_date varchar, "$path" varchar)')
        for path in sorted((compiled["raw"] / table.removeprefix("raw_")).rglob("*.json")):
            s3 = f"s3://example-lake-bucket/raw/{path.relative_to(compiled['raw'])}"
            for row in openx_serde.rows(path.read_bytes(), columns):
                con.execute(f"insert into awsdatacatalog.{RAW_GLUE_DATABASE}.{table} values "
                            f"({', '.join('?' * len(columns))}, ?, ?)", [*row.values(), DAY, s3])
    for name in STAGING:
        con.execute(f"create view awsdatacatalog.{GLUE_DATABASE}.{name} as "
                    f"{_athena_to_duckdb(compiled['athena'][name])}")
    con.execute(f"use awsdatacatalog.{GLUE_DATABASE}")
    out["athena"] = _collect(con, lambda path: path.rsplit("/", 1)[1].removesuffix(".json"))
    con.close()
    return out


def _collect(con, case_of) -> dict:
    events, users = {}, {}
    for path, *row in con.execute(
            "select source_file, reject_reason, event_id, user_id, event_type, event_ts, properties "
            "from base_raw_events").fetchall():
        events.setdefault(case_of(path), []).append(tuple(row))
    for path, *row in con.execute(
            "select source_file, reject_reason, user_id, email, country, signup_ts, updated_at "
            "from base_raw_users").fetchall():
        users.setdefault(case_of(path), []).append(tuple(row))
    sort = lambda rows: sorted(rows, key=repr)  # noqa: E731 - Athena has no line order
    return {
        "events": {case: sort(rows) for case, rows in events.items()},
        "users": {case: sort(rows) for case, rows in users.items()},
        "stg_events": sorted(con.execute("select * from stg_raw_events").fetchall()),
        "stg_versions": sorted(con.execute("select * from stg_raw_user_versions").fetchall()),
        "stg_users": sorted(con.execute("select * from stg_raw_users").fetchall()),
    }


def _outcome(rows):
    """A loaded row whole; a rejected one by its reason (DuckDB cannot read
    the fields of a line that is not UTF-8, Athena sees them with U+FFFD)."""
    return sorted(((r[0],) if r[0] else r for r in rows or []), key=repr)


def test_every_line_gets_the_same_reason_and_values_on_both_targets(results):
    duck, athena = results["duckdb"], results["athena"]
    for case in SAME:
        assert duck["events"].get(case) and _outcome(duck["events"][case]) == _outcome(athena["events"][case]), case
    for case in SAME_USERS:
        assert duck["users"].get(case) and _outcome(duck["users"][case]) == _outcome(athena["users"][case]), case
    # The documented differences (ids x…) aside, the same winners.
    same = lambda rows: [r for r in rows if not r[0].startswith("x")]  # noqa: E731
    assert same(duck["stg_events"]) == same(athena["stg_events"])
    assert duck["stg_versions"] == athena["stg_versions"]
    assert duck["stg_users"] == athena["stg_users"]


def _reasons(rows):
    return [r[0] for r in rows]


def test_the_cases_are_what_the_contract_says(results):
    """The shared answers themselves (checked on DuckDB; equal on Athena above)."""
    events = results["duckdb"]["events"]
    loaded = {case: rows for case, rows in events.items() if all(r[0] is None for r in rows)}
    assert {"utc_microseconds", "offset_nanoseconds", "naive_is_utc", "extreme_offsets", "whole_seconds",
            "bom_at_file_start", "crlf_and_lone_cr", "padded_ids", "properties_absent", "properties_null",
            "properties_empty", "properties_nested", "dupes_a", "dupes_b"} <= set(loaded)
    assert len(events["crlf_and_lone_cr"]) == 3
    ts = {r[1]: r[4] for rows in loaded.values() for r in rows}
    assert ts["s1"] == dt.datetime(2026, 1, 1, 10, 0, 0, 123456)
    assert ts["s2"] == dt.datetime(2026, 1, 1, 4, 15, 0, 123456)
    assert ts["s3"] == dt.datetime(2026, 1, 1, 10, 0, 0, 1)
    assert ts["s4"] == dt.datetime(2025, 12, 31, 10, 0) and ts["s5"] == dt.datetime(2026, 1, 2, 11, 59, 59, 500000)
    assert events["padded_ids"][0][1:3] == ("s11", "u1")
    assert events["properties_empty"][0][-1] == "{}" and events["properties_absent"][0][-1] is None
    nested = json.loads(events["properties_nested"][0][-1])
    assert nested == {"z": {"y": [1, {"x": None}], "w": {}}, "s": "Grüße \"q\" \\ \t 😀", "t": True}
    assert list(nested) == ["z", "s", "t"]  # the producer's key order
    expected = {
        "empty_object": "invalid_json", "all_fields_null": "invalid_json", "only_unknown_fields": "invalid_json",
        "not_json": "invalid_json", "not_an_object_string": "invalid_json", "tab_event_id": "missing_event_id",
        "blank_user_id": "missing_user_id", "unknown_event_type": "unknown_event_type",
        "padded_event_type": "unknown_event_type", "invalid_utf8_in_a_field": "invalid_encoding",
        "escaped_replacement_char": "invalid_encoding", "properties_array": "invalid_properties",
        "properties_number": "invalid_properties", "properties_not_json_string": "invalid_properties",
        "ts_year_0000": "invalid_event_ts", "ts_pushed_before_year_1": "invalid_event_ts",
        "ts_number": "invalid_event_ts",
        **{case: "invalid_event_ts" for case in SAME if case.startswith("ts_")},
    }
    assert {case: _reasons(events[case]) for case in expected} == {case: [r] for case, r in expected.items()}
    assert sorted(map(str, _reasons(events["bom_inside_file"]))) == ["None", "invalid_json"]
    winners = {r[0]: r for r in results["duckdb"]["stg_events"]}
    assert winners["d1"][1:4] == ("u1", "click", dt.datetime(2026, 1, 1, 10, 0, 0, 1))
    assert winners["d2"][4] is None  # properties: null before any text
    versions = [r for r in results["duckdb"]["stg_versions"] if r[0] == "v2"]
    # 00:00Z and 01:00+01:00 are one instant, so one version: the first by content.
    assert [(r[2], r[5], r[6]) for r in versions] == [
        ("AT", None, dt.datetime(2026, 1, 2, 0, 0, 0, 1)), ("CH", dt.datetime(2026, 1, 2, 0, 0, 0, 1), None)]
    users = results["duckdb"]["users"]
    assert users["user_padded"] == [(None, "v1", "me@example.com", "FR", dt.datetime(2025, 12, 1),
                                     dt.datetime(2025, 12, 1))]
    assert {case: _reasons(users[case]) for case in ("user_bad_signup", "user_bad_updated_at", "user_empty_object",
                                                      "user_invalid_utf8")} == {
        "user_bad_signup": ["invalid_signup_ts"], "user_bad_updated_at": ["invalid_updated_at"],
        "user_empty_object": ["invalid_json"], "user_invalid_utf8": ["invalid_encoding"]}


def test_where_the_serde_reads_first_the_engines_differ_as_documented(results):
    duck, athena = results["duckdb"]["events"], results["athena"]["events"]
    # Blank lines: not records on DuckDB; the SerDe's all-null row on Athena.
    assert "blank_lines" not in duck and _reasons(athena["blank_lines"]) == ["invalid_json"] * 4
    # Text after the object, a top-level array, keys in another case, a
    # duplicate key: the SerDe reads them; DuckDB keeps to strict JSON.
    assert _reasons(duck["trailing_text"]) == ["invalid_json"] and _reasons(athena["trailing_text"]) == [None]
    assert _reasons(duck["json_array"]) == ["invalid_json"] and athena["json_array"][0][:4] == (None, "x2", "u1", "click")
    assert _reasons(duck["key_case"]) == ["missing_event_id"] and _reasons(athena["key_case"]) == [None]
    assert duck["duplicate_keys"][0][3] == "click" and athena["duplicate_keys"][0][3] == "purchase"
    # Invalid bytes in a field the table does not read: DuckDB sees the line, Athena only the fields.
    assert _reasons(duck["invalid_utf8_outside_the_fields"]) == ["invalid_encoding"]
    assert _reasons(athena["invalid_utf8_outside_the_fields"]) == [None]
    # A string holding an object's JSON: the SerDe hands over the string's content.
    assert _reasons(duck["properties_json_in_a_string"]) == ["invalid_properties"]
    assert athena["properties_json_in_a_string"][0][-1] == '{"a": 1}'
    # Numbers and "</" in properties: the same JSON value, not the same text.
    for case in ("properties_number_text", "properties_slash"):
        d, a = duck[case][0][-1], athena[case][0][-1]
        assert d != a and json.loads(d) == json.loads(a), case
    assert duck["properties_number_text"][0][-1] == '{"amount":2.5,"big":100000000000000000000.0}'
    assert athena["properties_number_text"][0][-1] == '{"amount":2.50,"big":1E+20}'
