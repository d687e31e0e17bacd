"""Import, structure and policy checks for the DAGs under dags/."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest

from airflow.models import DagBag
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor
from airflow.utils.file import list_py_file_paths

DAG_ID = "lakehouse_pipeline"
STEP_FUNCTIONS_TASK_TYPES = (StepFunctionStartExecutionOperator, StepFunctionExecutionSensor)


def _is_ours(filename: str, dags_dir: Path) -> bool:
    try:
        Path(filename).resolve().relative_to(dags_dir)
    except ValueError:
        return False
    return True


def test_only_dag_modules_are_parsed(dags_dir):
    """.airflowignore keeps the test suite out of the scheduler's view."""
    parsed = {Path(p).relative_to(dags_dir).as_posix() for p in list_py_file_paths(str(dags_dir))}
    assert parsed == {"lakehouse_pipeline.py"}


def test_dagbag_imports_without_errors_or_warnings(dags_dir, airflow_db):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(dag_folder=str(dags_dir), include_examples=False)

    assert bag.import_errors == {}
    assert DAG_ID in bag.dag_ids

    # DagBag records warnings raised while importing each file itself; anything
    # that escapes that is caught above. Either way, only our files matter here.
    ours = [f"{w.filename}:{w.lineno}: {w.message}" for w in caught if _is_ours(w.filename, dags_dir)]
    captured = getattr(bag, "captured_warnings", {})
    ours += [f"{path}: {msgs}" for path, msgs in captured.items() if _is_ours(path, dags_dir)]
    assert ours == []


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.get_dag(DAG_ID)


def test_schedule_and_run_policy(dag):
    # Daily at midnight UTC with data intervals: the logical date (ds) is the
    # day the run covers, on Airflow 2 and 3 alike.
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.summary == "0 0 * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.start_date == pendulum.datetime(2026, 1, 1, tz="UTC")
    assert dag.start_date.tzinfo is not None
    assert {"lakehouse", "step-functions"} <= set(dag.tags)
    assert dag.doc_md and "Step Functions" in dag.doc_md and "DynamoDB" in dag.doc_md
    assert dag.default_args["retries"] == 0


def test_task_types_and_order(dag):
    start = dag.get_task("start_pipeline")
    wait = dag.get_task("wait_for_pipeline")

    assert isinstance(start, StepFunctionStartExecutionOperator)
    assert isinstance(wait, StepFunctionExecutionSensor)
    assert set(dag.task_ids) == {"start_pipeline", "wait_for_pipeline"}
    assert start.downstream_task_ids == {"wait_for_pipeline"}
    assert wait.upstream_task_ids == {"start_pipeline"}
    assert [t.task_id for t in dag.topological_sort()] == ["start_pipeline", "wait_for_pipeline"]


def test_start_task_is_configured_from_templates(dag):
    start = dag.get_task("start_pipeline")

    # No ARN may be baked into the DAG file; it comes from [lakehouse] at run time.
    assert "arn:" not in start.state_machine_arn
    assert "lakehouse_option('state_machine_arn')" in start.state_machine_arn
    assert start.input == {
        "pipeline_name": "{{ lakehouse_option('pipeline_name') }}",
        "execution_date": "{{ ds }}",
    }
    assert start.aws_conn_id == "aws_default"
    assert start.deferrable is False


def test_sensor_releases_its_worker_slot(dag):
    wait = dag.get_task("wait_for_pipeline")

    assert wait.mode == "reschedule"
    assert 0 < wait.poke_interval <= 300
    assert 0 < wait.timeout <= timedelta(hours=12).total_seconds()
    assert wait.aws_conn_id == "aws_default"
    assert set(wait.FAILURE_STATES) >= {"FAILED", "TIMED_OUT", "ABORTED"}


def test_every_task_is_step_functions_with_no_retries(dagbag):
    """Airflow only starts and watches Step Functions; retries belong to the state machine."""
    assert dagbag.dags, "no DAGs found"
    for dag_id, a_dag in dagbag.dags.items():
        for task in a_dag.tasks:
            assert isinstance(task, STEP_FUNCTIONS_TASK_TYPES), (
                f"{dag_id}.{task.task_id} is a {type(task).__name__}, not a Step Functions operator or sensor"
            )
            assert task.retries == 0, f"{dag_id}.{task.task_id} has retries={task.retries}"
