"""Shared setup for the DAG tests: an isolated, offline Airflow installation.

Airflow reads its configuration when it is first imported, so the environment
is prepared at module import time, before any test module imports Airflow.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[1]

_AIRFLOW_HOME = tempfile.mkdtemp(prefix="lakehouse-airflow-home-")

os.environ.update(
    {
        "AIRFLOW_HOME": _AIRFLOW_HOME,
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
        "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
        # Keep boto from ever reaching for real credentials or instance metadata.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
)
AIRFLOW_MAJOR = int(version("apache-airflow").split(".")[0])
if AIRFLOW_MAJOR < 3:
    # Unit test mode defaults to LocalExecutor, which Airflow 2 refuses on
    # SQLite. Airflow 3 has no SequentialExecutor; dag.test needs no executor.
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"

# Tests decide per case whether the lakehouse options are present.
for _var in ("AIRFLOW__LAKEHOUSE__STATE_MACHINE_ARN", "AIRFLOW__LAKEHOUSE__PIPELINE_NAME", "AIRFLOW_CONN_AWS_DEFAULT"):
    os.environ.pop(_var, None)


# MWAA puts the DAGs folder on sys.path; mirror that so tests can import the
# DAG module directly.
if str(DAGS_DIR) not in sys.path:
    sys.path.insert(0, str(DAGS_DIR))

# Deprecation noise raised inside Airflow 2's own web-stack dependencies when
# the metadata database is created. Scoped to those modules so warnings from
# the DAG code itself stay visible (and are asserted on).
_THIRD_PARTY_WARNING_FILTERS = (
    "ignore::DeprecationWarning:flask_appbuilder.*",
    "ignore::DeprecationWarning:flask_sqlalchemy.*",
    "ignore::DeprecationWarning:connexion.*",
    "ignore::DeprecationWarning:marshmallow_sqlalchemy.*",
    "ignore:Deprecated API features detected:DeprecationWarning",
)


def pytest_configure(config):
    for line in _THIRD_PARTY_WARNING_FILTERS:
        config.addinivalue_line("filterwarnings", line)


@pytest.fixture(scope="session", autouse=True)
def airflow_db():
    """Create the SQLite metadata database once for the whole session."""
    from airflow.utils import db

    db.resetdb()
    yield
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def dags_dir() -> Path:
    return DAGS_DIR


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.models import DagBag

    return DagBag(dag_folder=str(DAGS_DIR), include_examples=False)
