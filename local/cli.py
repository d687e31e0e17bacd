"""`python -m local`: the whole lakehouse pipeline on this machine, from the synthesized sandbox.

See local/README.md for what it does and the substitutions it makes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import REPO, shown

SUPPORTED_PYTHON = ((3, 11), (3, 12))
DEFAULT_DATE = "2026-01-01"
DEFAULT_EVENTS = 10_000
QUEUE_NAME = "lakehouse-local-worker"
WAIT_SECONDS = 1
POKE_SECONDS = 1.0
CRAWL_SECONDS = 0.5

EXIT_OK, EXIT_RUN_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(Exception):
    """Wrong input: the message names the fix."""


def python_problem(version: tuple[int, int] = sys.version_info[:2]) -> str | None:
    if version in SUPPORTED_PYTHON:
        return None
    supported = " or ".join(f"{major}.{minor}" for major, minor in SUPPORTED_PYTHON)
    return (f"Python {version[0]}.{version[1]} ({sys.executable}) is not supported: the local run needs "
            f"Python {supported}. Install one and recreate the virtualenv: "
            f"rm -rf .venv && PYTHON=python3.12 npx projen local")


def _date(text: str) -> str:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise BadInput(f"--dates: {text!r} is not a YYYY-MM-DD date; for example --dates 2026-01-01,2026-01-02")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="npx projen local --",
        description="Runs the lakehouse pipeline locally: moto for AWS, Airflow for the DAG, DuckDB for dbt.",
    )
    parser.add_argument("--dates", default=DEFAULT_DATE,
                        help=f"execution dates to run in order, comma-separated (default {DEFAULT_DATE})")
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS,
                        help=f"sample events written for each date (default {DEFAULT_EVENTS:,})")
    parser.add_argument("--fail-at", metavar="STATE", help="make this state of the pipeline fail")
    parser.add_argument("--rerun", action="store_true",
                        help="after the last date, clear its DAG run and run it once more")
    parser.add_argument("--port", type=int, help="port of the local AWS server on 127.0.0.1 (default: a free one)")
    parser.add_argument("--fresh", action="store_true", help="delete the local raw data and warehouse first")
    parser.add_argument("--workdir", type=Path, default=REPO / ".local",
                        help="where raw data, the DuckDB warehouse and logs live (default .local)")
    parser.add_argument("--cdk-out", type=Path, default=REPO / "apps" / "sandbox" / "cdk.out",
                        help="the synthesized sandbox (default apps/sandbox/cdk.out)")
    parser.add_argument("--summary-json", type=Path, help="also write the outcome as JSON here, for scripts")
    argv = sys.argv[1:] if argv is None else argv
    # `npx projen local -- --dates …` hands the runner the `--` too.
    args = parser.parse_args(argv[1:] if argv[:1] == ["--"] else argv)
    args.dates = [_date(text.strip()) for text in args.dates.split(",") if text.strip()]
    if not args.dates:
        raise BadInput("--dates: give at least one YYYY-MM-DD date")
    from .rawdata import MAX_EVENTS

    if not 1 <= args.events <= MAX_EVENTS:
        raise BadInput(f"--events: {args.events} is out of range; give 1 to {MAX_EVENTS:,}")
    if args.port is not None and not 1 <= args.port <= 65535:
        raise BadInput(f"--port: {args.port} is not a TCP port; give 1024-65535, or leave --port out")
    return args


@dataclass
class Outcome:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    rerun_record: dict[str, Any] | None = None
    failure: str | None = None
    marts: dict[str, int] = field(default_factory=dict)
    all_records: list[dict[str, Any]] = field(default_factory=list)
    seconds_server_to_marts: float | None = None


class LocalRun:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir: Path = args.workdir.resolve()
        self.raw_dir = self.workdir / "raw"
        self.duckdb_path = self.workdir / "lakehouse.duckdb"
        self.logs = self.workdir / "logs"
        self.airflow_home = self.workdir / "airflow"
        self._print_lock = threading.Lock()
        self.outcome = Outcome()
        self.aws: Any = None
        self.worker: Any = None
        self.follower: Any = None

    def say(self, line: str = "") -> None:
        with self._print_lock:
            print(line, flush=True)

    # --- before anything starts: every check that can refuse the input ---------------------------

    def prepare(self) -> None:
        from . import substitutions
        from .resources import plan_run
        from .server import PortBusy, check_port_free, free_port
        from .templates import Assembly, TemplateError

        try:
            self.assembly = Assembly.load(self.args.cdk_out)
            self.plan = plan_run(self.assembly)
        except TemplateError as error:
            raise BadInput(f"{error}") from error
        valid = substitutions.failable_states(substitutions.substitute(self.plan.definition, "queue"))
        if self.args.fail_at is not None and self.args.fail_at not in valid:
            raise BadInput(f"--fail-at: {self.args.fail_at!r} is not a state of the pipeline that can fail. "
                           f"Valid states: {', '.join(valid)}")
        self.port = self.args.port if self.args.port is not None else free_port()
        try:
            check_port_free(self.port)
        except PortBusy as error:
            raise BadInput(f"--port: port {self.port} on 127.0.0.1 is busy ({error}). Stop what listens there, "
                           "choose another port with --port N, or leave --port out to use a free one") from error

    # --- the run -----------------------------------------------------------------------------------

    def run(self) -> int:
        from . import airflow_run
        from .server import LocalAws

        args, plan = self.args, self.plan
        if args.fresh:
            shutil.rmtree(self.raw_dir, ignore_errors=True)
            self.duckdb_path.unlink(missing_ok=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.say(f"lakehouse local run: {shown(args.cdk_out)} ({', '.join(self.assembly.stacks)}); "
                 "nothing leaves this machine")

        self.aws = LocalAws(self.port, plan.region, CRAWL_SECONDS)
        isolate_aws_credentials(plan.region)
        airflow_run.configure(self.airflow_home, REPO / "dags", plan.airflow_options, self.aws.endpoint, plan.region)
        airflow_run.capture_logs(self.run_log)
        if airflow_run.needs_template(self.airflow_home):
            self.say("airflow: creating its metadata database (once per Airflow version, about 10 s)")
            airflow_run.create_template(self.airflow_home, self.run_log)

        self.worker = self.follower = None
        try:
            started = time.monotonic()
            self.aws.start()
            self.say(f"local AWS: moto on {self.aws.endpoint} ({plan.region}), empty")
            generating = self._generate(args.dates[0])
            self._create_lakehouse()
            dag = self._load_dag()
            last = self._run_dates(dag, generating)
            if args.rerun and last is not None:
                self._rerun(dag, last)
            self._print_runs_table()
            self._decide_outcome()
            if self.outcome.failure is None:
                self._print_marts()
                self.outcome.seconds_server_to_marts = time.monotonic() - started
                self.say(f"marts printed {self.outcome.seconds_server_to_marts:.1f} s after the local AWS started")
                self._print_next_steps()
            else:
                self.say()
                self.say(f"FAILED: {self.outcome.failure}")
        finally:
            self._stop()
        return EXIT_OK if self.outcome.failure is None else EXIT_RUN_FAILED

    @property
    def run_log(self) -> Path:
        return self.logs / "run.log"

    def _generate(self, date: str) -> Any:
        from .rawdata import Generator, RawDataSpec

        return Generator(REPO, self.raw_dir, date, RawDataSpec(events=self.args.events),
                         self.logs / "generator.log").start()

    def _create_lakehouse(self) -> None:
        """The templates' resources, the worker queue and the local copy of the state machine."""
        from .progress import ExecutionFollower
        from .resources import create_resources
        from .worker import LocalWorker, WorkerPaths

        plan = self.plan
        create_resources(plan, self.aws.client)
        self.say("  created from the templates: " + "; ".join(
            f"{kind.split('::', 1)[1].replace('::', ' ')} {', '.join(plan.named(kind))}"
            for kind in dict.fromkeys(resource.type for resource in plan.resources)))
        self.queue_url = self.aws.client("sqs").create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        definition, changed = self._local_definition(self.args.fail_at)
        self.sfn = self.aws.client("stepfunctions")
        self.state_machine_arn = self.sfn.create_state_machine(
            name=plan.state_machine_name, definition=json.dumps(definition), roleArn=plan.role_arn,
            type=plan.state_machine_type,
        )["stateMachineArn"]
        self.say(f"  state machine {plan.state_machine_name} from cdk.out, with {', '.join(changed)}")
        self.follower = ExecutionFollower(self.sfn, self.state_machine_arn, self.say)
        self.follower.start()

        def say_in_order(line: str) -> None:
            self.follower.flush()  # the states that led to the worker's task come first
            self.say(line)

        paths = WorkerPaths(REPO, self.raw_dir, self.duckdb_path, self.logs, self.workdir / "dbt")
        self.worker = LocalWorker(self.aws, self.queue_url, paths, plan.build_environments, say_in_order)
        self.worker.start()

    def _local_definition(self, fail_at: str | None) -> tuple[dict[str, Any], list[str]]:
        """The local copy of the definition and the names of the substitutions that changed it."""
        from . import substitutions

        definition, changed = self.plan.definition, []
        for name, step in substitutions.local_steps(self.queue_url, WAIT_SECONDS, fail_at):
            substituted = step(definition)
            if substituted != definition:
                changed.append(name)
            definition = substituted
        return definition, changed

    def _load_dag(self) -> Any:
        from . import airflow_run

        airflow_run.prepare_database(self.airflow_home, self.run_log)
        dag = airflow_run.load_dag(REPO / "dags", POKE_SECONDS)
        self.say(f"airflow: DAG {dag.dag_id} from dags/, options from the orchestration stack "
                 f"(log: {shown(self.run_log)})")
        return dag

    def _run_dates(self, dag: Any, generating: Any) -> str | None:
        """Runs the dates in order and stops at the first that fails; returns the last date run."""
        from . import airflow_run

        last = None
        for index, date in enumerate(self.args.dates):
            if index > 0:
                generating = self._generate(date)
            self.say()
            self.say(f"raw data for {date}: {generating.wait()} under {shown(self.raw_dir)}")
            self.say(f"airflow: dags test {dag.dag_id} {date}")
            last = date
            if not self._after_run(date, airflow_run.run_date(dag, date), "run"):
                skipped = self.args.dates[index + 1:]
                if skipped:
                    self.say(f"not run after the failure: {', '.join(skipped)}")
                break
        return last

    def _rerun(self, dag: Any, date: str) -> None:
        """Clears the DAG run of `date` and runs it again, as the runbook's re-run does."""
        from . import airflow_run, report

        self.say()
        if self.args.fail_at:
            # The runbook's "fix the cause, then re-run the date": here the cause is the injected failure.
            definition, _ = self._local_definition(None)
            self.sfn.update_state_machine(stateMachineArn=self.state_machine_arn, definition=json.dumps(definition))
            self.say(f"fix: the state machine no longer fails {self.args.fail_at}")
        self.say(f"airflow: clear the DAG run of {date} and run it again (a re-run of a finished date)")
        before = self.outcome.records[date]
        marts = report.mart_names(REPO)
        marts_before = report.mart_counts(self.duckdb_path, marts) if self.duckdb_path.exists() else {}
        if self._after_run(date, airflow_run.clear_and_rerun(dag, date), "re-run"):
            self.outcome.rerun_record = self.outcome.records[date]
            marts_after = report.mart_counts(self.duckdb_path, marts)
            self.say(f"  the re-run overwrote the {before.get('status', 'missing')} record of "
                     f"{before.get('execution_arn', '').rsplit(':', 1)[-1]}; marts before → after: " + ", ".join(
                         f"{mart} {marts_before.get(mart, 0):,} → {marts_after[mart]:,}" for mart in marts_after))

    def _after_run(self, date: str, dag_outcome: Any, what: str) -> bool:
        """Prints the DAG run and the run record; returns whether the run succeeded."""
        from .report import format_record, plain_item

        self.follower.flush()
        tasks = ", ".join(f"{task} {state} (try {dag_outcome.tries[task]})"
                          for task, state in dag_outcome.task_states.items())
        self.say(f"airflow: DAG run {dag_outcome.state}: {tasks}")
        item = self.aws.client("dynamodb").get_item(
            TableName=self._runs_table(), ConsistentRead=True,
            Key={"pipeline_name": {"S": self.plan.pipeline_name}, "execution_date": {"S": date}},
        ).get("Item")
        record = plain_item(item) if item else {}
        self.outcome.records[date] = record
        self.say(f"run record ({self._runs_table()}):")
        for line in format_record(record) if record else ["  (none)"]:
            self.say(line)
        succeeded = record.get("status") == "SUCCEEDED" and dag_outcome.state == "success"
        if not succeeded:
            if record.get("status") == "FAILED":
                self.say(f"the {what} of {date} FAILED at {record.get('failed_state', 'a state it did not record')}")
            else:
                self.say(f"the {what} of {date} ended with the DAG run {dag_outcome.state} and the run record "
                         f"{record.get('status', 'missing')}")
        return succeeded

    def _decide_outcome(self) -> None:
        """The command succeeds when every date asked for ends SUCCEEDED and nothing is left RUNNING."""
        problems = []
        for date in self.args.dates:
            record = self.outcome.records.get(date)
            if record is None:
                problems.append(f"{date} was not run")
            elif record.get("status") == "FAILED":
                problems.append(f"{date} failed at {record.get('failed_state', '?')}: "
                                f"{record.get('error', '')}: {record.get('cause', '')}")
            elif record.get("status") != "SUCCEEDED":
                problems.append(f"{date} ended {record.get('status', 'without a run record')}")
        running = [item["execution_date"] for item in self.outcome.all_records if item.get("status") == "RUNNING"]
        if running:
            problems.append(f"run records left RUNNING: {', '.join(running)}")
        self.outcome.failure = "; ".join(dict.fromkeys(problems)) or None

    def _stop(self) -> None:
        """Stops everything this run started, whatever happened; the server last."""
        if self.follower is not None:
            try:
                self.follower.flush()
            except Exception:
                pass  # the history is only for printing
            self.follower.stop()
        if self.worker is not None:
            self.worker.stop()
        self.aws.stop()
        self.say(f"local AWS stopped (port {self.port} closed)")
        self._write_summary()

    def _runs_table(self) -> str:
        [table] = self.plan.named("AWS::DynamoDB::Table")
        return table

    def _print_runs_table(self) -> None:
        from .report import plain_item

        items = [plain_item(item) for item in
                 self.aws.client("dynamodb").scan(TableName=self._runs_table(), ConsistentRead=True)["Items"]]
        self.outcome.all_records = items
        running = [item["execution_date"] for item in items if item.get("status") == "RUNNING"]
        self.say()
        self.say("runs table: " + ", ".join(f"{item['execution_date']} {item.get('status')}"
                                           for item in sorted(items, key=lambda i: i["execution_date"]))
                 + ("; none RUNNING" if not running else f"; RUNNING: {', '.join(running)}"))

    def _print_marts(self) -> None:
        from . import report

        counts = report.mart_counts(self.duckdb_path, report.mart_names(REPO))
        self.outcome.marts = counts
        self.say("marts (rows): " + ", ".join(f"{mart} {count:,}" for mart, count in counts.items()))
        date = self.args.dates[-1]
        columns, rows = report.analyst_answer(self.duckdb_path, date)
        self.say(f"analyst query, active users and purchases per country on {date} (top 5):")
        for line in report.format_table(columns, rows):
            self.say(line)
        self.say(f"DuckDB warehouse: {shown(self.duckdb_path)} (kept between runs; raw data in {shown(self.raw_dir)})")

    def _print_next_steps(self) -> None:
        last = dt.date.fromisoformat(self.args.dates[-1])
        self.say("next:")
        self.say(f"  query the marts:   .venv/bin/python -m local.query \"select * from dim_users limit 5\"")
        self.say(f"  the next day:      npx projen local -- --dates {(last + dt.timedelta(days=1)).isoformat()}")
        self.say("  a failing run:     npx projen local -- --fail-at RunDbtTransformations")
        self.say(f"  logs:              {shown(self.logs)}/")

    def _write_summary(self) -> None:
        if self.args.summary_json is None:
            return
        summary = {
            "port": self.port,
            "dates": self.args.dates,
            "records": self.outcome.records,
            "rerun_record": self.outcome.rerun_record,
            "all_records": self.outcome.all_records,
            "marts": self.outcome.marts,
            "duckdb_path": str(self.duckdb_path),
            "failure": self.outcome.failure,
            "seconds_server_to_marts": self.outcome.seconds_server_to_marts,
        }
        self.args.summary_json.parent.mkdir(parents=True, exist_ok=True)
        self.args.summary_json.write_text(json.dumps(summary, indent=2, default=str))


def isolate_aws_credentials(region: str) -> None:
    """Every AWS client of this process and its children talks to moto with dummy keys, never to an account."""
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                     "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL"):
        os.environ.pop(variable, None)
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    })


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    problem = python_problem()
    if problem:
        print(f"local: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    warnings.filterwarnings("ignore", category=FutureWarning, module="airflow")
    try:
        args = parse_args(argv)
        run = LocalRun(args)
        run.prepare()
    except BadInput as error:
        print(f"local: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    signal.signal(signal.SIGTERM, _interrupt)
    # Also when started with SIGINT ignored (a background job): Ctrl-C must stop the server.
    signal.signal(signal.SIGINT, _interrupt)
    try:
        return run.run()
    except KeyboardInterrupt:
        print("local: interrupted; the local AWS server was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RuntimeError as error:  # a step of the run that could not go on, with its reason
        print(f"local: {error}", file=sys.stderr)
        return EXIT_RUN_FAILED
