"""Unit checks for the template helpers the DAG registers as macros."""

from __future__ import annotations

import re

import pytest

from airflow.exceptions import AirflowFailException

import lakehouse_pipeline as module

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@pytest.mark.parametrize(
    "run_id",
    [
        "scheduled__2026-03-01T00:00:00+00:00",
        "manual__2026-03-01T10:11:12.123456+00:00",
        "a run id typed by hand: with spaces/slashes & unicode ✓ " * 5,
    ],
)
def test_execution_name_is_valid_for_step_functions(run_id):
    name = module.execution_name(run_id, "20260301", 1)
    assert NAME_RE.match(name), name
    assert name.startswith("lakehouse-20260301-")


def test_execution_name_changes_with_run_and_try():
    scheduled = "scheduled__2026-03-01T00:00:00+00:00"
    manual = "manual__2026-03-01T10:11:12+00:00"
    names = {
        module.execution_name(scheduled, "20260301", 1),
        module.execution_name(scheduled, "20260301", 2),
        module.execution_name(manual, "20260301", 1),
    }
    assert len(names) == 3
    # Same run and try must give the same name, so the start call stays idempotent.
    assert module.execution_name(scheduled, "20260301", 1) == module.execution_name(scheduled, "20260301", 1)


def test_missing_option_names_the_option(monkeypatch):
    monkeypatch.delenv("AIRFLOW__LAKEHOUSE__STATE_MACHINE_ARN", raising=False)
    with pytest.raises(AirflowFailException, match=r"\[lakehouse\] state_machine_arn") as excinfo:
        module.lakehouse_option("state_machine_arn")
    assert "AIRFLOW__LAKEHOUSE__STATE_MACHINE_ARN" in str(excinfo.value)


def test_blank_option_counts_as_missing(monkeypatch):
    monkeypatch.setenv("AIRFLOW__LAKEHOUSE__PIPELINE_NAME", "   ")
    with pytest.raises(AirflowFailException, match=r"\[lakehouse\] pipeline_name"):
        module.lakehouse_option("pipeline_name")


def test_option_is_read_from_airflow_config(monkeypatch):
    monkeypatch.setenv("AIRFLOW__LAKEHOUSE__PIPELINE_NAME", " lakehouse-daily ")
    assert module.lakehouse_option("pipeline_name") == "lakehouse-daily"
