"""Runs the DAG `lakehouse_pipeline` on the Airflow installed in the virtualenv, against the local AWS.

The main virtualenv has Airflow 3.0.6, the orchestration layer's default, and
the tests run the DAG on it; the runs and re-runs below keep to what Airflow
2.11 has as well. Each DAG run is `dag.test`, which runs every task in this
process with no scheduler, executor or API server (on Airflow 3 through its
in-process task supervisor).

Airflow reads its configuration when it is first imported, so `configure`
must run before anything imports `airflow`. The Airflow options are those the
orchestration stack gives the MWAA environment; only the AWS connection's
endpoint (the moto server) and the sensor's poke interval differ.

Airflow's metadata database is created once per Airflow version under the
working folder and copied fresh for each invocation, so no DAG run of an
earlier invocation is left over.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from unittest import mock

DAG_ID = "lakehouse_pipeline"
SENSOR_TASK = "wait_for_pipeline"


@dataclass
class DagRunOutcome:
    state: str
    task_states: dict[str, str]
    tries: dict[str, int]


def configure(home: Path, dags_folder: Path, options: dict[str, str], endpoint: str, region: str) -> None:
    """Sets the environment Airflow reads at import: its home, the DAGs folder, the MWAA options, the connection."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({
            "conn_type": "aws",
            "login": "local",
            "password": "local",
            "extra": {"region_name": region, "endpoint_url": endpoint},
        }),
    }
    # The MWAA environment's airflowConfigurationOptions, "section.key": value.
    for option, value in options.items():
        section, _, key = option.partition(".")
        env[f"AIRFLOW__{section.upper()}__{key.upper()}"] = value
    os.environ.update(env)


def _airflow_version() -> str:
    from importlib.metadata import version

    return version("apache-airflow")


def _template(home: Path) -> Path:
    return home / f"airflow-{_airflow_version()}.db"


def needs_template(home: Path) -> bool:
    return not _template(home).exists()


def create_template(home: Path, log_file: Path) -> None:
    """Creates the metadata database once; each invocation then starts from a copy."""
    database = home / "airflow.db"
    database.unlink(missing_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    # `airflow db migrate`, in a child process: the migrations set up their own logging, to the terminal.
    with open(log_file, "a") as log:
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"],
                       stdout=log, stderr=subprocess.STDOUT, check=True, env=os.environ.copy())
    shutil.copyfile(database, _template(home))


def prepare_database(home: Path, log_file: Path) -> None:
    """A fresh metadata database from the template, and Airflow imported with its logs in `log_file`."""
    shutil.copyfile(_template(home), home / "airflow.db")
    import airflow  # noqa: F401  (configures Airflow's logging, which is then redirected)

    capture_logs(log_file)


def capture_logs(log_file: Path) -> None:
    """Logs (Airflow, its tasks, moto, botocore) go to `log_file`, so the terminal shows the run's progress only."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("[%(asctime)s] {%(name)s} %(levelname)s - %(message)s"))
    for name in ("", "airflow", "airflow.task", "airflow.processor"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = name == ""
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("airflow.task").setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Airflow 3's tasks call its execution API in-process, one request a line.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Deprecation warnings of Airflow and its providers, too; importing Airflow replaces the
    # warnings hook with its own, which prints to the terminal, so the hook is set again.
    logging.captureWarnings(False)
    logging.captureWarnings(True)
    _structlog_to_logging()


def _structlog_to_logging() -> None:
    """Airflow 3's task runner and its in-process supervisor log through
    structlog, which prints every event, debug included, to the terminal
    unless configured; here its events go through the standard logging above."""
    try:
        import structlog
    except ImportError:  # Airflow 2 logs through the standard logging only.
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.format_exc_info,
            structlog.processors.KeyValueRenderer(key_order=["event"], drop_missing=True),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def load_dag(dags_folder: Path, poke_interval: float) -> Any:
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(dags_folder), include_examples=False)
    if bag.import_errors:
        raise RuntimeError(f"the DAG does not import: {bag.import_errors}")
    dag = bag.get_dag(DAG_ID)
    # On MWAA the sensor checks every minute; locally the same reschedule logic runs every second.
    dag.get_task(SENSOR_TASK).poke_interval = poke_interval
    return dag


def logical_date(date: str) -> datetime:
    return datetime.fromisoformat(date).replace(tzinfo=timezone.utc)


def _outcome(dag_run: Any) -> DagRunOutcome:
    tis = dag_run.get_task_instances()
    return DagRunOutcome(
        state=str(dag_run.state),
        task_states={ti.task_id: str(ti.state) for ti in tis},
        tries={ti.task_id: ti.try_number for ti in tis},
    )


@contextmanager
def _validated_reschedule_dates() -> Iterator[None]:
    """Airflow 3.0's in-process supervisor, the one `dag.test` uses, hands a
    sensor the date of its first reschedule as the API's JSON string: its
    client builds the answer with pydantic's `model_construct`, which skips
    validation, and the sensor's second reschedule fails with a TypeError. A
    deployed worker gets the answer through its supervisor's socket, decoded
    with validation, as a datetime; here the answer is validated the same way.
    Airflow 2 keeps reschedules in its own database session and needs nothing."""
    try:
        from airflow.sdk.api.client import TaskInstanceOperations
        from airflow.sdk.execution_time.comms import TaskRescheduleStartDate
    except ImportError:
        yield
        return
    unvalidated = TaskInstanceOperations.get_reschedule_start_date

    def validated(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = unvalidated(self, *args, **kwargs)
        return TaskRescheduleStartDate.model_validate({"start_date": answer.start_date})

    with mock.patch.object(TaskInstanceOperations, "get_reschedule_start_date", validated):
        yield


@contextmanager
def _quiet_clear() -> Iterator[None]:
    """Airflow 3's `dag.test` first clears the date's task instances and prints
    "Nothing to clear." for a date that has none; the terminal shows the run's
    progress only. Nothing else prints while it clears: no execution is running."""
    import airflow.models.dag as dag_module

    clear_dags = dag_module.DAG.clear_dags

    def quiet(*args: Any, **kwargs: Any) -> Any:
        with redirect_stdout(io.StringIO()):
            return clear_dags(*args, **kwargs)

    with mock.patch.object(dag_module.DAG, "clear_dags", staticmethod(quiet)):
        yield


def _test(dag: Any, when: datetime) -> Any:
    """`dag.test` for the logical date `when`; Airflow 3 renamed its `execution_date` to `logical_date`."""
    date_arg = "logical_date" if "logical_date" in inspect.signature(dag.test).parameters else "execution_date"
    with _validated_reschedule_dates(), _quiet_clear():
        return dag.test(**{date_arg: when})


def run_date(dag: Any, date: str) -> DagRunOutcome:
    """One DAG run for `date`, as `airflow dags test` runs it: every task in this process, no scheduler."""
    return _outcome(_test(dag, logical_date(date)))


def clear_and_rerun(dag: Any, date: str) -> DagRunOutcome:
    """Clears the finished DAG run of `date` and runs its tasks again, as the scheduler would after a Clear.

    Clearing keeps the DAG run and each task's try count, so `start_pipeline`
    runs as the next try and starts an execution with a new name (`...-try2`).
    `dag.test` would replace the date's run with a new one, whose tasks start
    again at try 1, so it is handed the cleared run instead, which it then runs
    as it runs a new one.
    """
    import airflow.models.dag as dag_module
    from airflow.models import DagRun
    from airflow.utils import timezone as airflow_timezone
    from airflow.utils.state import DagRunState

    when = logical_date(date)
    # What `airflow tasks clear` calls; it takes the parsed DAG on Airflow 2 and 3.
    cleared = dag_module.DAG.clear_dags([dag], start_date=when, end_date=when, dry_run=True)
    if not cleared:
        raise RuntimeError(f"no DAG run of {DAG_ID} for {date} to clear")
    run_id = cleared[0].run_id
    with warnings.catch_warnings():
        # Airflow 3 looks up the run's serialized DAG, which `dag.test` does not store, and
        # SQLAlchemy warns about the run's empty DAG version; without it, each task keeps its
        # retry limit as it was.
        warnings.filterwarnings("ignore", message="fully NULL primary key identity")
        dag_module.DAG.clear_dags([dag], start_date=when, end_date=when)

    def cleared_run(*, dag: Any, session: Any, **_: Any) -> Any:
        dag_run = session.query(DagRun).filter(DagRun.dag_id == dag.dag_id, DagRun.run_id == run_id).one()
        # What the scheduler does when it starts a queued run.
        dag_run.state = DagRunState.RUNNING
        dag_run.start_date = airflow_timezone.utcnow()
        session.commit()
        dag_run.dag = dag  # as a run that `create_dagrun` made has it
        return dag_run

    with mock.patch.object(dag_module, "_get_or_create_dagrun", cleared_run):
        return _outcome(_test(dag, when))
