"""Stand-ins of the lakehouse's AWS resources in moto, shared by the Python suites."""

from __future__ import annotations

from typing import Any


def create_runs_table(dynamodb: Any, table_name: str) -> None:
    """Create the pipeline-runs table with the metadata layer's key schema.

    Only the keys matter to the pipeline's conditional writes; the status index
    is left out because nothing under test queries it.
    """
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=[
            {"AttributeName": "pipeline_name", "KeyType": "HASH"},
            {"AttributeName": "execution_date", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pipeline_name", "AttributeType": "S"},
            {"AttributeName": "execution_date", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
