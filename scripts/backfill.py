"""Runs the lakehouse pipeline for a range of past dates, one date at a time.

The backfill of the `scheduler` tier (no Airflow): for each date, oldest
first, it starts the state machine with `{"pipeline_name", "execution_date"}`
under a name made of the pipeline name and the date, and waits for the
execution to end before it starts the next one (one run at a time, as the DAG's
max_active_runs=1). Step Functions keeps execution names for 90 days after the
execution ends, so a date already run under that name is reported and skipped:
running the same backfill twice starts nothing new.

    python scripts/backfill.py --state-machine-arn ARN --pipeline-name lakehouse \\
        --start 2026-03-01 --end 2026-03-07

On MWAA, use Airflow's own backfill instead (see docs/cost.md).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class DateOutcome:
    execution_date: str
    execution_name: str
    status: str
    started: bool


def execution_name(pipeline_name: str, execution_date: date) -> str:
    """`backfill-<pipeline>-<YYYYMMDD>`, within Step Functions' 80 characters of [A-Za-z0-9_-]."""
    suffix = f"-{execution_date:%Y%m%d}"
    pipeline = _NAME_UNSAFE.sub("_", pipeline_name)[: 80 - len("backfill-") - len(suffix)]
    return f"backfill-{pipeline}{suffix}"


def dates(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def backfill(
    sfn: Any,
    state_machine_arn: str,
    pipeline_name: str,
    start: date,
    end: date,
    poll_seconds: float = 30.0,
    say: Callable[[str], None] = print,
) -> list[DateOutcome]:
    """Runs each date in turn; stops at the first date whose run does not succeed."""
    outcomes: list[DateOutcome] = []
    for day in dates(start, end):
        name = execution_name(pipeline_name, day)
        arn = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
        payload = json.dumps({"pipeline_name": pipeline_name, "execution_date": day.isoformat()})
        started = True
        try:
            sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload)
        except sfn.exceptions.ExecutionAlreadyExists:
            started = False
        began = time.monotonic()
        status = sfn.describe_execution(executionArn=arn)["status"]
        say(f"{day}: {name} started" if started else f"{day}: {name} exists already ({status}); not started again")
        while status not in TERMINAL:
            time.sleep(poll_seconds)
            status = sfn.describe_execution(executionArn=arn)["status"]
            if status not in TERMINAL:
                # One line a poll, so a long run is never silent.
                say(f"{day}: {name} {status} for {time.monotonic() - began:.0f} s")
        if started:
            say(f"{day}: {name} {status}")
        outcomes.append(DateOutcome(day.isoformat(), name, status, started))
        if status != "SUCCEEDED":
            say(f"stopping: the run of {day} ended {status}; later dates were not started")
            break
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-machine-arn", required=True, help="the pipeline state machine (the PipelineStateMachineArn output)")
    parser.add_argument("--pipeline-name", required=True, help="the pipeline_name the runs are recorded under, for example lakehouse")
    parser.add_argument("--start", required=True, type=date.fromisoformat, help="first execution_date, YYYY-MM-DD")
    parser.add_argument("--end", required=True, type=date.fromisoformat, help="last execution_date, YYYY-MM-DD")
    parser.add_argument("--poll-seconds", type=float, default=30.0,
                        help="how often a running execution is checked, and a line printed (default 30)")
    parser.add_argument("--region", help="the AWS region, else the AWS SDK's default")
    parser.add_argument("--endpoint-url", help="another Step Functions endpoint, for example a local emulator")
    args = parser.parse_args(argv)
    try:
        dates(args.start, args.end)
    except ValueError as error:
        parser.error(str(error))

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sfn = boto3.client("stepfunctions", region_name=args.region, endpoint_url=args.endpoint_url)
        outcomes = backfill(sfn, args.state_machine_arn, args.pipeline_name, args.start, args.end, args.poll_seconds)
    except (BotoCoreError, ClientError) as error:
        # No region, no credentials, an unreachable endpoint, a refused call: one line, not a traceback.
        print(f"backfill: {error}", file=sys.stderr)
        return 1
    return 0 if outcomes and all(o.status == "SUCCEEDED" for o in outcomes) and len(outcomes) == len(dates(args.start, args.end)) else 1


if __name__ == "__main__":
    sys.exit(main())
