"""`python -m local.query "SQL"`: one query on the local DuckDB warehouse, read-only.

Without SQL it lists the warehouse's tables and their row counts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from .paths import REPO, shown
from .report import format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.query", description=__doc__.splitlines()[0])
    parser.add_argument("sql", nargs="?", help="the query; without it, the tables and their row counts")
    parser.add_argument("--duckdb", type=Path, default=REPO / ".local" / "lakehouse.duckdb",
                        help="the warehouse file (default .local/lakehouse.duckdb)")
    args = parser.parse_args(argv)
    if not args.duckdb.exists():
        print(f"local.query: no warehouse at {shown(args.duckdb)}; run npx projen local first", file=sys.stderr)
        return 2
    with duckdb.connect(str(args.duckdb), read_only=True) as connection:
        sql = args.sql
        if sql is None:
            tables = [row[0] for row in connection.execute(
                "select table_name from duckdb_tables() order by table_name").fetchall()]
            sql = " union all ".join(f"select '{table}' as table_name, count(*) as rows from \"{table}\""
                                     for table in tables) or "select 'no tables' as table_name"
        try:
            cursor = connection.execute(sql)
        except duckdb.Error as error:
            print(f"local.query: {error}", file=sys.stderr)
            return 1
        columns = [column[0] for column in cursor.description]
        for line in format_table(columns, cursor.fetchall()):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
