"""Daily trigger for the Lakehouse CDK pipeline state machine.

Airflow only schedules and watches here; every unit of real work runs inside
the Step Functions pipeline. See ``doc_md`` below for the reasoning.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

from airflow.configuration import conf
from airflow.exceptions import AirflowFailException
from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor
from airflow.timetables.interval import CronDataIntervalTimetable

try:
    # Airflow 3: DAG authoring lives in the Task SDK.
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11, the version MWAA upgrades in place to 3.x.
    from airflow import DAG

DAG_ID = "lakehouse_pipeline"
CONFIG_SECTION = "lakehouse"
AWS_CONN_ID = "aws_default"

# Step Functions execution names: at most 80 characters from [A-Za-z0-9-_].
_EXECUTION_NAME_MAX_LEN = 80
_EXECUTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")

DOC_MD = """
### Lakehouse pipeline

Starts one execution of the Lakehouse pipeline state machine per day and
waits for it to finish.

**Delegation pattern**

* **Airflow schedules and watches.** This DAG owns the calendar (one run per
  logical date, no catch-up, one active run at a time) and reports the
  outcome. It holds no credentials beyond its AWS connection and moves no data.
* **Step Functions does the work and owns retries.** Ingestion, transformation
  and every retry or back-off policy live in the state machine definition.
  Airflow tasks therefore run with `retries=0`: an Airflow retry would start a
  second, overlapping execution instead of resuming the first one.
* **Run records live in DynamoDB.** The state machine writes the run history;
  Airflow's metadata database is not the system of record for pipeline runs.

**Tasks**

1. `start_pipeline` starts an execution with input
   `{"pipeline_name": <lakehouse.pipeline_name>, "execution_date": <ds>}` under a
   name that is unique per DAG run and per try, so a cleared task starts a new
   execution rather than colliding with the previous one.
2. `wait_for_pipeline` polls the execution in reschedule mode (it gives its
   worker slot back between polls) and fails if the execution ends
   `FAILED`, `TIMED_OUT` or `ABORTED`.

**Configuration** (Airflow config section `lakehouse`, e.g. the MWAA option
`lakehouse.state_machine_arn` or the variable `AIRFLOW__LAKEHOUSE__STATE_MACHINE_ARN`):

| option | meaning |
| --- | --- |
| `state_machine_arn` | ARN of the pipeline state machine (required) |
| `pipeline_name` | name passed to the state machine as `pipeline_name` (required) |

A missing option fails `start_pipeline` with an error naming the option.
"""


def lakehouse_option(key: str) -> str:
    """Return a required option from the ``[lakehouse]`` Airflow config section.

    Called from templates so the lookup happens when a task runs, not each time
    the scheduler parses this file, and so a missing value fails the task with
    an error that says which setting to add instead of an opaque AWS error.
    """
    value = conf.get(CONFIG_SECTION, key, fallback=None)
    if value is None or not str(value).strip():
        raise AirflowFailException(
            f"Airflow configuration option [{CONFIG_SECTION}] {key} is not set. "
            f"Set the MWAA configuration option '{CONFIG_SECTION}.{key}' or the "
            f"environment variable AIRFLOW__{CONFIG_SECTION.upper()}__{key.upper()}."
        )
    return str(value).strip()


def execution_name(run_id: str, ds_nodash: str, try_number: int) -> str:
    """Build the Step Functions execution name for one try of one DAG run.

    Run ids may be up to 250 arbitrary characters when given through the UI or
    API, so only a digest of the run id goes into the name. The try number makes
    a cleared task start a fresh execution: Step Functions rejects a reused name.
    """
    digest = hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:16]
    name = f"lakehouse-{ds_nodash}-{digest}-try{int(try_number)}"
    if not _EXECUTION_NAME_RE.match(name):
        raise AirflowFailException(
            f"Derived execution name {name!r} is not a valid Step Functions name "
            f"(max {_EXECUTION_NAME_MAX_LEN} characters of [A-Za-z0-9-_])."
        )
    return name


with DAG(
    dag_id=DAG_ID,
    description="Start the Lakehouse Step Functions pipeline daily and wait for its result.",
    doc_md=DOC_MD,
    # Daily at midnight UTC, for the day that just ended: a run's logical date
    # (``ds``) is the start of its data interval, on Airflow 2 and 3 alike.
    # Airflow 3 reads "@daily" as a trigger timetable whose logical date is the
    # run time itself, which would shift execution_date by one day.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    # Overlapping executions would race on the same run records and tables.
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=12),
    default_args={
        "owner": "lakehouse",
        "depends_on_past": False,
        # Step Functions owns retries; see doc_md.
        "retries": 0,
    },
    user_defined_macros={
        "lakehouse_option": lakehouse_option,
        "execution_name": execution_name,
    },
    tags=["lakehouse", "step-functions"],
) as dag:
    start_pipeline = StepFunctionStartExecutionOperator(
        task_id="start_pipeline",
        aws_conn_id=AWS_CONN_ID,
        state_machine_arn="{{ lakehouse_option('state_machine_arn') }}",
        name="{{ execution_name(run_id, ds_nodash, ti.try_number) }}",
        state_machine_input={
            "pipeline_name": "{{ lakehouse_option('pipeline_name') }}",
            "execution_date": "{{ ds }}",
        },
        # The sensor below does the waiting without holding a worker slot.
        deferrable=False,
    )

    wait_for_pipeline = StepFunctionExecutionSensor(
        task_id="wait_for_pipeline",
        aws_conn_id=AWS_CONN_ID,
        execution_arn=start_pipeline.output,
        # Reschedule mode frees the worker slot between polls, which matters on
        # the small MWAA environment classes with few concurrent task slots.
        mode="reschedule",
        poke_interval=60,
        timeout=timedelta(hours=10).total_seconds(),
    )

    start_pipeline >> wait_for_pipeline
