"""What the run prints at the end: run records, the marts' row counts, one analyst query, the warehouse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

RECORD_ORDER = ["pipeline_name", "execution_date", "status", "start_time", "end_time", "execution_arn",
                "error", "cause", "failed_state", "summary", "warnings"]

# Active users and purchases per country on the execution date, from the events mart.
ANALYST_QUERY = """
select user_country as country,
       count(distinct user_id) as active_users,
       count(*) filter (where event_type = 'purchase') as purchases
from fct_events
where event_date = cast(? as date)
group by user_country
order by active_users desc, country
limit 5
""".strip()


def plain_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers as int or float)."""
    deserializer = TypeDeserializer()

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, (list, set)):
            return [plain(item) for item in value]
        if hasattr(value, "as_integer_ratio") and not isinstance(value, (int, float)):
            return int(value) if value == int(value) else float(value)
        return value

    return {key: plain(deserializer.deserialize(value)) for key, value in item.items()}


def format_record(record: dict[str, Any]) -> list[str]:
    keys = [key for key in RECORD_ORDER if key in record] + sorted(set(record) - set(RECORD_ORDER))
    lines = []
    for key in keys:
        value = record[key]
        if isinstance(value, dict) and value:
            # A map (the dbt job's summary): one entry a line, under its name.
            for index, (name, item) in enumerate(sorted(value.items())):
                label = key if index == 0 else ""
                text = item if isinstance(item, str) else json.dumps(item, sort_keys=True)
                lines.append(f"  {label:<15} {name}: {text}")
            continue
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        lines.append(f"  {key:<15} {text}")
    return lines


def mart_names(repo: Path) -> list[str]:
    """The marts are the models of dbt_project/models/marts."""
    return sorted(path.stem for path in (repo / "dbt_project" / "models" / "marts").glob("*.sql"))


def mart_counts(duckdb_path: Path, marts: list[str]) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        return {mart: connection.execute(f'select count(*) from "{mart}"').fetchone()[0] for mart in marts}


def analyst_answer(duckdb_path: Path, date: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        cursor = connection.execute(ANALYST_QUERY, [date])
        return [column[0] for column in cursor.description], cursor.fetchall()


def format_table(columns: list[str], rows: list[tuple[Any, ...]]) -> list[str]:
    cells = [columns] + [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
