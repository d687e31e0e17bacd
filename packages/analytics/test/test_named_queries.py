"""The named queries of @lakehouse-cdk/analytics parse as Athena SQL.

The construct reads each file of ``packages/analytics/queries`` and replaces
``${database}``, ``${table}`` and ``${location}``; this test does the same
with the values the sandbox uses, then parses the result with sqlglot's
Athena dialect (Hive DDL, Trino queries) and checks what each statement is.
"""

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError

QUERIES = Path(__file__).resolve().parent.parent / "queries"
PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
VALUES = {
    "database": "lakehouse_sandbox_catalog",
    "table": "lakehouse_events",
    "location": "s3://lakehouse-sandbox-data-lake/curated/lakehouse_events/",
}


def substitute(text: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in VALUES:
            raise KeyError(f"placeholder ${{{name}}} has no value in the construct")
        return VALUES[name]

    return PLACEHOLDER.sub(value, text).strip()


def parse(name: str, dialect: str = "athena") -> exp.Expression:
    sql = substitute((QUERIES / name).read_text(encoding="utf-8"))
    statements = sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE)
    assert len(statements) == 1, f"{name} must hold exactly one statement"
    return statements[0]


def test_every_query_file_uses_only_the_construct_placeholders():
    files = sorted(QUERIES.glob("*.sql"))
    assert [f.name for f in files] == [
        "create-iceberg-table.sql",
        "list-snapshots.sql",
        "time-travel-by-timestamp.sql",
        "time-travel-by-version.sql",
    ]
    used = {m for f in files for m in PLACEHOLDER.findall(f.read_text(encoding="utf-8"))}
    assert used == set(VALUES)


@pytest.mark.parametrize("name", sorted(p.name for p in QUERIES.glob("*.sql")))
@pytest.mark.parametrize("dialect", ["athena", "trino"])
def test_every_query_parses(name, dialect):
    statement = parse(name, dialect)
    assert isinstance(statement, (exp.Create, exp.Select))


def test_create_iceberg_table_is_a_partitioned_parquet_iceberg_table_in_the_curated_layer():
    create = parse("create-iceberg-table.sql")
    assert isinstance(create, exp.Create)
    assert create.args["kind"] == "TABLE"
    assert create.args.get("exists") is True
    table = create.this.this
    assert (table.db, table.name) == (VALUES["database"], VALUES["table"])
    columns = {c.name: c.args["kind"].sql() for c in create.find_all(exp.ColumnDef)}
    assert columns["event_ts"] == "TIMESTAMP"

    properties = create.args["properties"].expressions
    partitioned = next(p for p in properties if isinstance(p, exp.PartitionedByProperty))
    assert partitioned.find(exp.Day) is not None, "partitioned by day(event_ts)"
    assert partitioned.find(exp.Column).name == "event_ts"
    location = next(p for p in properties if isinstance(p, exp.LocationProperty))
    assert location.this.this == VALUES["location"]
    assert location.this.this.startswith("s3://lakehouse-sandbox-data-lake/curated/")
    table_properties = {
        p.this.this: p.args["value"].this
        for p in properties
        if type(p) is exp.Property
    }
    assert table_properties == {
        "table_type": "ICEBERG",
        "format": "parquet",
        "optimize_rewrite_delete_file_threshold": "10",
    }


def time_travel(name: str) -> exp.Version:
    select = parse(name)
    assert isinstance(select, exp.Select)
    table = select.args["from_"].this if "from_" in select.args else select.args["from"].this
    assert (table.db, table.name) == (VALUES["database"], VALUES["table"])
    version = table.args.get("version")
    assert isinstance(version, exp.Version), f"{name} must read the table with a time-travel clause"
    assert version.args["kind"] == "AS OF"
    return version


def test_time_travel_by_timestamp_reads_for_timestamp_as_of_a_day_ago():
    version = time_travel("time-travel-by-timestamp.sql")
    assert version.name.upper() == "TIMESTAMP"
    assert version.find(exp.CurrentTimestamp) is not None
    assert version.find(exp.Interval) is not None


def test_time_travel_by_version_reads_for_version_as_of_a_snapshot_id():
    version = time_travel("time-travel-by-version.sql")
    assert version.name.upper() == "VERSION"
    snapshot = version.args["expression"]
    assert isinstance(snapshot, exp.Literal) and not snapshot.is_string
    assert int(snapshot.this) > 0


def test_list_snapshots_reads_the_iceberg_snapshots_metadata_table():
    select = parse("list-snapshots.sql")
    assert isinstance(select, exp.Select)
    table = select.find(exp.Table)
    assert table.db == VALUES["database"]
    assert table.name == f"{VALUES['table']}$snapshots"
    assert [c.alias_or_name for c in select.expressions] == ["snapshot_id", "committed_at", "operation"]


def test_a_broken_query_does_not_parse():
    with pytest.raises(ParseError):
        sqlglot.parse("CREATE TABLE t (a string) TBLPROPERTIES (", read="athena", error_level=ErrorLevel.RAISE)
