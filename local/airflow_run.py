"""Runs the DAG `lakehouse_pipeline` on the Airflow installed in the virtualenv, against the local AWS.

Airflow reads its configuration when it is first imported, so `configure`
must run before anything imports `airflow`. The Airflow options are those the
orchestration stack gives the MWAA environment; only the AWS connection's
endpoint (the moto server) and the sensor's poke interval differ.

Airflow's metadata database is created once per Airflow version under the
working folder and copied fresh for each invocation, so no DAG run of an
earlier invocation is left over.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
        "AIRFLOW__CORE__EXECUTOR": "SequentialExecutor",
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
    # In a child process: the migrations set up their own logging, to the terminal.
    with open(log_file, "a") as log:
        subprocess.run([sys.executable, "-c", "from airflow.utils import db; db.initdb()"],
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


def run_date(dag: Any, date: str) -> DagRunOutcome:
    """One DAG run for `date`, as `airflow dags test` runs it: every task in this process, no scheduler."""
    return _outcome(dag.test(execution_date=logical_date(date)))


def clear_and_rerun(dag: Any, date: str) -> DagRunOutcome:
    """Clears the finished DAG run of `date` and runs its tasks again, as the scheduler would after a Clear.

    Clearing keeps each task's try count, so `start_pipeline` runs as the next
    try and starts an execution with a new name (`...-try2`).
    """
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState

    when = logical_date(date)
    dag.clear(start_date=when, end_date=when)
    with create_session() as session:
        dag_run = session.query(DagRun).filter(DagRun.dag_id == dag.dag_id, DagRun.execution_date == when).one()
        dag_run.dag = dag
        dag_run.state = DagRunState.RUNNING
        session.commit()
        import time

        while dag_run.state == DagRunState.RUNNING:
            session.expire_all()
            schedulable, _ = dag_run.update_state(session=session)
            dag_run.schedule_tis(schedulable, session=session)
            session.commit()
            ran = False
            for ti in dag_run.get_task_instances(state=[TaskInstanceState.SCHEDULED], session=session):
                ti.task = dag.get_task(ti.task_id)
                # The executor would queue it first; the run itself is the worker's.
                ti.run(ignore_ti_state=True, session=session)
                ran = True
            if not ran:
                time.sleep(0.2)
        return _outcome(dag_run)
