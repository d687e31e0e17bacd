#!/usr/bin/env python3
"""Run the lakehouse dbt project as one job: `dbt build`, then (on the days the
cadence selects) Iceberg maintenance, then a summary of what happened.

The deployed job (Athena) and a local run (DuckDB) call this same script; every
input is a flag or, failing that, an environment variable, so a job runner can
pass environment variables only. The project folder is found from this file's
own path, so the script runs from any working directory.

Exit codes: 0 the build succeeded (warnings and a failed maintenance allowed);
1 dbt reported an error or a failing test (the summary is still written);
2 bad input, nothing was run. The summary (JSON) is written to the summary
path, printed as the last stdout line "LAKEHOUSE_DBT_SUMMARY {...}", and, with
--runs-table/--pipeline-name/--execution-arn, stored in the pipeline's run
record as the Map attribute `summary`.

dbt runs in a subprocess rather than through dbtRunner: maintenance must run
in its own Athena workgroup, which the profile reads from the environment, and
a child process gets its own environment without this process changing
os.environ; dbtRunner also keeps adapter and flag state between invocations in
one process, and a crash inside dbt would take the summary down with it.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Mapping, Sequence

PROJECT_DIR = Path(__file__).resolve().parents[1]
SUMMARY_LINE_PREFIX = "LAKEHOUSE_DBT_SUMMARY "
MAINTENANCE_LOG_PREFIX = "LAKEHOUSE_MAINTENANCE "
MAINTENANCE_MACRO = "iceberg_maintenance"
REJECTED_ROWS_TEST = "no_rejected_rows"
MESSAGE_LIMIT = 1000
TARGETS = ("athena", "local")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

# Everything the athena target needs; none has a default, because a default
# would name one environment's bucket, database or workgroup.
ATHENA_ENVIRONMENT = {
    "AWS_REGION": "AWS region of Athena and Glue",
    "LAKEHOUSE_ATHENA_WORKGROUP": "Athena workgroup of the transformations",
    "LAKEHOUSE_GLUE_DATABASE": "Glue database the models are built in",
    "LAKEHOUSE_RAW_GLUE_DATABASE": "Glue database of the raw tables",
    "LAKEHOUSE_ATHENA_S3_STAGING_DIR": "s3:// folder for Athena query results",
    "LAKEHOUSE_ATHENA_S3_DATA_DIR": "s3:// folder for tables without their own location",
    "LAKEHOUSE_CURATED_S3_DIR": "s3:// folder the Iceberg marts are written under",
}
ATHENA_S3_DIRS = ("LAKEHOUSE_ATHENA_S3_STAGING_DIR", "LAKEHOUSE_ATHENA_S3_DATA_DIR", "LAKEHOUSE_CURATED_S3_DIR")


class InputError(Exception):
    """Bad input: reported with exit code 2 before anything runs."""


def _log(message: str) -> None:
    print(f"lakehouse_dbt: {message}", file=sys.stderr, flush=True)


# --- inputs -----------------------------------------------------------------

@dataclass(frozen=True)
class MaintenanceCadence:
    """`never`, `always`, or the weekdays (of the execution date) to run on."""

    spec: str
    weekdays: tuple[str, ...]
    always: bool = False

    def decide(self, day: dt.date) -> tuple[bool, str]:
        """Whether maintenance runs for `day`, and why (or why not)."""
        if self.always:
            return True, "runs always"
        if not self.weekdays:
            return False, "the maintenance cadence is never"
        weekday = WEEKDAYS[day.weekday()]
        runs_on = ",".join(self.weekdays)
        if weekday in self.weekdays:
            return True, f"runs on {runs_on}; {day.isoformat()} is a {weekday}"
        return False, f"runs on {runs_on}; {day.isoformat()} is a {weekday}"


def parse_cadence(spec: str) -> MaintenanceCadence:
    text = spec.strip().upper()
    if text == "NEVER":
        return MaintenanceCadence("never", ())
    if text == "ALWAYS":
        return MaintenanceCadence("always", (), always=True)
    days = [d.strip() for d in text.split(",")]
    unknown = [d for d in days if d not in WEEKDAYS]
    if not text or unknown:
        raise InputError(
            f"--maintenance / LAKEHOUSE_ICEBERG_MAINTENANCE: {spec!r} is not a cadence; "
            f"use never, always, or weekdays of the execution date separated by commas "
            f"(any of {','.join(WEEKDAYS)}, e.g. SUN,WED)")
    unique = tuple(dict.fromkeys(days))
    return MaintenanceCadence(",".join(unique), unique)


def parse_execution_date(value: str) -> dt.date:
    # fromisoformat alone would also take 20260101 or 2026-W01-1.
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(
        f"--execution-date / LAKEHOUSE_EXECUTION_DATE: {value!r} is not a calendar date; "
        f"pass the run's date as YYYY-MM-DD, e.g. --execution-date 2026-01-01")


def _parse_bool(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise InputError(f"{name}: {value!r} is not a boolean; set it to true or false")


def _split(value: str, name: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as err:
        raise InputError(f"{name}: cannot split {value!r} into arguments ({err}); fix the quoting") from err


def _take_option(args: list[str], option: str) -> tuple[str | None, list[str]]:
    """Remove `option VALUE` / `option=VALUE` from dbt arguments; return the last value."""
    value, rest, i = None, [], 0
    while i < len(args):
        arg = args[i]
        if arg == option:
            if i + 1 >= len(args):
                raise InputError(f"--dbt-args / LAKEHOUSE_DBT_ARGS: {option} needs a value")
            value, i = args[i + 1], i + 2
            continue
        if arg.startswith(option + "="):
            value = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return value, rest


@dataclass(frozen=True)
class RunRecord:
    table: str
    pipeline_name: str
    execution_arn: str


@dataclass(frozen=True)
class JobInputs:
    target: str
    execution_date: dt.date
    select: tuple[str, ...]
    full_refresh: bool
    dbt_args: tuple[str, ...]
    dbt_vars: Mapping[str, object]
    cadence: MaintenanceCadence
    target_path: Path
    summary_path: Path
    record: RunRecord | None


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakehouse_dbt.py",
        description="Run the lakehouse dbt project as a job (dbt build, Iceberg maintenance, summary). "
                    "Each flag falls back to the environment variable named in its help.",
    )
    parser.add_argument("--target", help="athena or local (LAKEHOUSE_DBT_TARGET); required")
    parser.add_argument("--execution-date", help="YYYY-MM-DD (LAKEHOUSE_EXECUTION_DATE); required")
    parser.add_argument("--select", help="dbt selection, shell-split (LAKEHOUSE_DBT_SELECT); default everything")
    parser.add_argument("--full-refresh", action=argparse.BooleanOptionalAction, default=None,
                        help="rebuild incremental models (LAKEHOUSE_DBT_FULL_REFRESH=true|false); default false")
    parser.add_argument("--dbt-args",
                        help="extra arguments for dbt build, shell-split (LAKEHOUSE_DBT_ARGS); "
                             "write a single option as --dbt-args=--fail-fast")
    parser.add_argument("--maintenance",
                        help="never, always or weekdays such as SUN,WED (LAKEHOUSE_ICEBERG_MAINTENANCE); default never")
    parser.add_argument("--summary-path",
                        help="where the summary JSON goes (LAKEHOUSE_DBT_SUMMARY_PATH); "
                             "default <target-path>/lakehouse_summary.json")
    parser.add_argument("--runs-table", help="DynamoDB run record table (LAKEHOUSE_RUNS_TABLE)")
    parser.add_argument("--pipeline-name", help="run record key (LAKEHOUSE_PIPELINE_NAME)")
    parser.add_argument("--execution-arn",
                        help="the record is updated only if its execution_arn equals this (LAKEHOUSE_EXECUTION_ARN)")
    return parser


def read_inputs(argv: Sequence[str], environ: Mapping[str, str], cwd: Path) -> JobInputs:
    """Flags first, then environment variables (an empty variable counts as unset)."""
    flags = _argument_parser().parse_args(list(argv))

    def pick(flag_value: str | None, env_name: str) -> str | None:
        if flag_value is not None and flag_value != "":
            return flag_value
        return environ.get(env_name) or None

    target = pick(flags.target, "LAKEHOUSE_DBT_TARGET")
    if target is None:
        raise InputError("--target / LAKEHOUSE_DBT_TARGET is required; use athena (the AWS job) or local (DuckDB)")
    if target not in TARGETS:
        raise InputError(f"--target / LAKEHOUSE_DBT_TARGET: {target!r} is not a target; use athena or local")

    date_text = pick(flags.execution_date, "LAKEHOUSE_EXECUTION_DATE")
    if date_text is None:
        raise InputError("--execution-date / LAKEHOUSE_EXECUTION_DATE is required; pass the run's date as YYYY-MM-DD")
    execution_date = parse_execution_date(date_text)

    select_text = pick(flags.select, "LAKEHOUSE_DBT_SELECT")
    select = _split(select_text, "--select / LAKEHOUSE_DBT_SELECT") if select_text else []

    if flags.full_refresh is not None:
        full_refresh = flags.full_refresh
    else:
        env_value = environ.get("LAKEHOUSE_DBT_FULL_REFRESH") or "false"
        full_refresh = _parse_bool(env_value, "LAKEHOUSE_DBT_FULL_REFRESH")

    args_text = pick(flags.dbt_args, "LAKEHOUSE_DBT_ARGS")
    dbt_args = _split(args_text, "--dbt-args / LAKEHOUSE_DBT_ARGS") if args_text else []
    dbt_vars, dbt_args = _vars_with_execution_date(dbt_args, execution_date)
    target_path_arg, dbt_args = _take_option(dbt_args, "--target-path")

    cadence = parse_cadence(pick(flags.maintenance, "LAKEHOUSE_ICEBERG_MAINTENANCE") or "never")

    # dbt resolves a relative target path against the project folder.
    target_path = PROJECT_DIR / (target_path_arg or environ.get("DBT_TARGET_PATH") or "target")
    summary_text = pick(flags.summary_path, "LAKEHOUSE_DBT_SUMMARY_PATH")
    summary_path = cwd / summary_text if summary_text else target_path / "lakehouse_summary.json"

    record_inputs = {
        "--runs-table / LAKEHOUSE_RUNS_TABLE": pick(flags.runs_table, "LAKEHOUSE_RUNS_TABLE"),
        "--pipeline-name / LAKEHOUSE_PIPELINE_NAME": pick(flags.pipeline_name, "LAKEHOUSE_PIPELINE_NAME"),
        "--execution-arn / LAKEHOUSE_EXECUTION_ARN": pick(flags.execution_arn, "LAKEHOUSE_EXECUTION_ARN"),
    }
    missing = [name for name, value in record_inputs.items() if value is None]
    if len(missing) == len(record_inputs):
        record = None
    elif missing:
        raise InputError(
            f"{', '.join(missing)} not set: the run record is written only with all three of "
            f"{', '.join(record_inputs)}; set the missing ones or none of them")
    else:
        record = RunRecord(*record_inputs.values())  # type: ignore[arg-type]

    return JobInputs(target, execution_date, tuple(select), full_refresh, tuple(dbt_args), dbt_vars,
                     cadence, target_path, summary_path, record)


def _vars_with_execution_date(dbt_args: list[str], execution_date: dt.date) -> tuple[dict, list[str]]:
    """Merge a --vars given in the dbt arguments with execution_date, which this script owns."""
    vars_text, rest = _take_option(dbt_args, "--vars")
    dbt_vars: dict = {}
    if vars_text is not None:
        import yaml  # dbt's own dependency; dbt reads --vars as YAML

        try:
            dbt_vars = yaml.safe_load(vars_text) or {}
        except yaml.YAMLError as err:
            raise InputError(f"--dbt-args / LAKEHOUSE_DBT_ARGS: --vars is not YAML ({err})") from err
        if not isinstance(dbt_vars, dict):
            raise InputError("--dbt-args / LAKEHOUSE_DBT_ARGS: --vars must be a mapping such as '{key: value}'")
        if "execution_date" in dbt_vars:
            raise InputError("--dbt-args / LAKEHOUSE_DBT_ARGS: --vars must not set execution_date; "
                             "pass it as --execution-date / LAKEHOUSE_EXECUTION_DATE")
    dbt_vars["execution_date"] = execution_date.isoformat()
    return dbt_vars, rest


def dbt_environment(inputs: JobInputs, environ: Mapping[str, str], cwd: Path) -> dict[str, str]:
    """The environment dbt runs in; checks the target's variables first, so a
    missing one is reported by name before dbt starts."""
    env = dict(environ)
    env.setdefault("DBT_USE_COLORS", "false")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if inputs.target == "athena":
        missing = [name for name in ATHENA_ENVIRONMENT if not environ.get(name)]
        if missing:
            raise InputError(
                "target athena needs environment variables that are not set: "
                + "; ".join(f"{name} ({ATHENA_ENVIRONMENT[name]})" for name in missing)
                + ". Set them in the job's environment")
        not_s3 = [name for name in ATHENA_S3_DIRS if not environ[name].startswith("s3://")]
        if not_s3:
            raise InputError("; ".join(f"{name}: {environ[name]!r} is not an s3:// folder" for name in not_s3)
                             + ". Set an s3://bucket/prefix/ URI")
    else:
        # Relative paths are the caller's, not the project folder's (dbt runs there).
        raw_dir = cwd / environ["LAKEHOUSE_RAW_DIR"] if environ.get("LAKEHOUSE_RAW_DIR") \
            else PROJECT_DIR / ".local" / "raw"
        duckdb_path = cwd / environ["LAKEHOUSE_DUCKDB_PATH"] if environ.get("LAKEHOUSE_DUCKDB_PATH") \
            else PROJECT_DIR / ".local" / "lakehouse.duckdb"
        env["LAKEHOUSE_RAW_DIR"] = str(raw_dir)
        env["LAKEHOUSE_DUCKDB_PATH"] = str(duckdb_path)
    return env


def record_region(inputs: JobInputs, environ: Mapping[str, str]) -> str | None:
    """The region of the run-record table. AWS_REGION first: job runners set
    it, and boto3 itself reads only AWS_DEFAULT_REGION and its config files."""
    if inputs.record is None:
        return None
    import boto3

    region = environ.get("AWS_REGION") or boto3.session.Session().region_name
    if not region:
        raise InputError("writing the run record needs an AWS region; set AWS_REGION")
    return region


# --- running dbt ------------------------------------------------------------

@dataclass
class DbtInvocation:
    returncode: int
    tail: list[str]
    maintenance_events: list[dict] = field(default_factory=list)


def run_dbt(command: Sequence[str], env: Mapping[str, str]) -> DbtInvocation:
    """Run dbt with its output passed through to stdout as it comes."""
    cmd = [sys.executable, "-m", "dbt.cli.main", *command,
           "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    _log("running dbt " + " ".join(shlex.quote(c) for c in command))
    tail: collections.deque[str] = collections.deque(maxlen=200)
    events: list[dict] = []
    with subprocess.Popen(cmd, cwd=PROJECT_DIR, env=dict(env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line.rstrip("\n"))
            if MAINTENANCE_LOG_PREFIX in line:
                try:
                    events.append(json.loads(line.split(MAINTENANCE_LOG_PREFIX, 1)[1]))
                except ValueError:
                    pass
    return DbtInvocation(proc.returncode, list(tail), events)


def build_command(inputs: JobInputs) -> list[str]:
    command = ["build", "--target", inputs.target, "--target-path", str(inputs.target_path),
               "--vars", json.dumps(dict(inputs.dbt_vars))]
    if inputs.select:
        command += ["--select", *inputs.select]
    if inputs.full_refresh:
        command.append("--full-refresh")
    return command + list(inputs.dbt_args)


def dbt_error_text(lines: Sequence[str]) -> str:
    """What dbt said after "Encountered an error", else its last lines."""
    for i in range(len(lines) - 1, -1, -1):
        if "Encountered an error" in lines[i]:
            picked = lines[i:]
            break
    else:
        picked = [line for line in lines if line.strip()][-5:]
    kept = [_strip_log_time(line) for line in picked]
    # Drop the "> in macro ..." call stack; the error itself comes before it.
    text = " ".join(line for line in kept if line and not line.startswith(">"))
    text = re.sub(r"^Encountered an error( while running operation)?:\s*", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _strip_log_time(line: str) -> str:
    return re.sub(r"^\s*\d{2}:\d{2}:\d{2}\s+", "", line).strip()


# --- summary ----------------------------------------------------------------

def _node_kind_and_name(unique_id: str) -> tuple[str, str]:
    parts = unique_id.split(".")
    kind = parts[0]
    if kind in ("test", "unit_test") and len(parts) > 2:
        return kind, parts[2]
    return kind, ".".join(parts[2:]) or unique_id


def first_message_line(message: str | None) -> str:
    """The first informative line of a dbt message: dbt often starts with a
    header such as "Runtime Error in model x (models/x.sql)" that names the
    node but not the cause; then the next line is used."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if len(lines) > 1 and re.match(r"^[\w ]*Error in \w+ \S+ \(.*\)$", lines[0]):
        return lines[1]
    return lines[0] if lines else ""


STATUS_COUNT = {"success": "success", "pass": "success", "no-op": "success",
                "error": "error", "runtime error": "error", "partial success": "error",
                "fail": "fail", "warn": "warn", "skipped": "skip"}


def summarize_run_results(run_results: Mapping | None) -> dict:
    """counts, failed_nodes, warnings, rejected_rows and the parts of the
    message, from dbt's target/run_results.json."""
    counts = {"models": 0, "tests": 0, "success": 0, "error": 0, "fail": 0, "warn": 0, "skip": 0}
    failed: list[tuple[tuple[bool, str], str, str]] = []
    warnings: list[str] = []
    rejected_rows: int | None = None
    for result in (run_results or {}).get("results", []):
        unique_id, status = result["unique_id"], str(result["status"])
        kind, name = _node_kind_and_name(unique_id)
        if kind == "model":
            counts["models"] += 1
        elif kind in ("test", "unit_test"):
            counts["tests"] += 1
        bucket = STATUS_COUNT.get(status)
        if bucket:
            counts[bucket] += 1
        failures = result.get("failures")
        line = first_message_line(result.get("message"))
        if kind == "test" and name.startswith(REJECTED_ROWS_TEST) and status in ("pass", "warn", "fail"):
            rejected_rows = (rejected_rows or 0) + int(failures or 0)
        if bucket in ("error", "fail"):
            label = kind.replace("_", " ")
            detail = f"fail {failures}" if status == "fail" and failures is not None else f"{status}: {line}"
            failed.append(((kind != "model", unique_id), f"{unique_id} ({status}): {line}", f"{label} {name} ({detail})"))
        elif bucket == "warn":
            if name.startswith(REJECTED_ROWS_TEST):
                warnings.append(f"test {name}: {int(failures or 0)} rejected rows")
            else:
                warnings.append(f"{kind} {name}: {line}")
    # dbt's threads finish in any order: models first, then tests, each by id,
    # so that the same failures give the same summary and cause.
    failed.sort()
    return {"counts": counts, "failed_nodes": [node for _, node, _ in failed], "failed_parts": [part for _, _, part in failed],
            "warnings": warnings, "rejected_rows": rejected_rows}


def bounded_message(head: str, parts: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """`head: part; part; ...` in at most `limit` characters: the parts that do
    not fit are counted ("; and 3 more"), and a first part too long to fit is cut."""
    message = head
    for i, part in enumerate(parts):
        separator = ": " if i == 0 else "; "
        left_after = len(parts) - i - 1
        reserve = len(f"; and {left_after} more") if left_after else 0
        if len(message) + len(separator) + len(part) + reserve <= limit:
            message += separator + part
            continue
        if i > 0:
            return message + f"; and {len(parts) - i} more"
        more = f"; and {left_after} more" if left_after else ""
        room = limit - len(message) - len(separator) - len(more) - 1
        return message + separator + part[:max(room, 0)] + "…" + more
    return message[:limit]


def build_summary(inputs: JobInputs, build: DbtInvocation, run_results: Mapping | None,
                  maintenance: dict, elapsed_seconds: float) -> dict:
    results = summarize_run_results(run_results)
    succeeded = build.returncode == 0
    warnings = results["warnings"] + maintenance["warnings"]
    counts = results["counts"]
    if succeeded:
        message = bounded_message("dbt build succeeded",
                                  [f"{counts['models']} models, {counts['tests']} tests", *warnings])
    elif results["failed_parts"]:
        message = bounded_message("dbt build failed", results["failed_parts"])
    else:
        # No node failed: dbt stopped before running any (parse, compile or connection error).
        message = bounded_message("dbt build failed", [dbt_error_text(build.tail) or f"exit code {build.returncode}"])
    return {
        "status": "succeeded" if succeeded else "failed",
        "target": inputs.target,
        "execution_date": inputs.execution_date.isoformat(),
        "elapsed_seconds": round(elapsed_seconds, 1),
        "counts": counts,
        "failed_nodes": results["failed_nodes"],
        "warnings": warnings,
        "rejected_rows": results["rejected_rows"],
        "maintenance": maintenance,
        "message": message,
    }


# --- maintenance ------------------------------------------------------------

def run_maintenance(inputs: JobInputs, env: Mapping[str, str], build_succeeded: bool) -> dict:
    """Iceberg maintenance after a successful build, on the cadence's days. A
    failure is a warning: the data the build produced is correct either way."""
    if not build_succeeded:
        return {"ran": False, "reason": "dbt build failed", "tables": [], "warnings": []}
    due, reason = inputs.cadence.decide(inputs.execution_date)
    if not due:
        return {"ran": False, "reason": reason, "tables": [], "warnings": []}

    maintenance_env = dict(env)
    if inputs.target == "athena":
        # Its own workgroup, when given, so it can have its own bytes-scanned limit.
        workgroup = env.get("LAKEHOUSE_MAINTENANCE_WORKGROUP") or env["LAKEHOUSE_ATHENA_WORKGROUP"]
        maintenance_env["LAKEHOUSE_ATHENA_WORKGROUP"] = workgroup
        reason = f"{reason}; workgroup {workgroup}"
    # Same target and vars as the build, so dbt can reuse its parse; no
    # run_results.json, so the build's stays for whoever reads it next.
    invocation = run_dbt(["run-operation", MAINTENANCE_MACRO, "--target", inputs.target,
                          "--target-path", str(inputs.target_path),
                          "--vars", json.dumps(dict(inputs.dbt_vars)), "--no-write-json"], maintenance_env)

    done: dict[str, list[str]] = {}
    skipped = [e["skipped"] for e in invocation.maintenance_events if "skipped" in e]
    not_built = [e["table"] for e in invocation.maintenance_events if e.get("not_built")]
    for event in invocation.maintenance_events:
        if "operation" in event:
            done.setdefault(event["table"], []).append(event["operation"])
    tables = [table for table, ops in done.items() if "vacuum" in ops]
    if not_built:
        reason = f"{reason}; not built yet, skipped: {', '.join(not_built)}"
    warnings: list[str] = []
    if invocation.returncode != 0:
        warnings.append(f"iceberg maintenance failed: {dbt_error_text(invocation.tail)}"[:MESSAGE_LIMIT])
        _log(warnings[-1])
        return {"ran": True, "reason": reason, "tables": tables, "warnings": warnings}
    if skipped and not tables:
        return {"ran": False, "reason": skipped[0], "tables": [], "warnings": []}
    return {"ran": True, "reason": reason, "tables": tables, "warnings": warnings}


# --- run record -------------------------------------------------------------

def write_summary_to_run_record(client, record: RunRecord, execution_date: dt.date, summary: Mapping) -> bool:
    """Store the summary in the run record, only if the record still belongs
    to this execution. Returns whether it was written; a refused condition is
    logged, not raised."""
    from boto3.dynamodb.types import TypeSerializer

    # DynamoDB numbers must be Decimal, not float.
    value = json.loads(json.dumps(summary), parse_float=Decimal)
    try:
        client.update_item(
            TableName=record.table,
            Key={"pipeline_name": {"S": record.pipeline_name}, "execution_date": {"S": execution_date.isoformat()}},
            UpdateExpression="SET #summary = :summary",
            ConditionExpression="#execution_arn = :execution_arn",
            ExpressionAttributeNames={"#summary": "summary", "#execution_arn": "execution_arn"},
            ExpressionAttributeValues={":summary": TypeSerializer().serialize(value),
                                       ":execution_arn": {"S": record.execution_arn}},
        )
    except client.exceptions.ConditionalCheckFailedException:
        _log(f"run record {record.pipeline_name}/{execution_date.isoformat()} in {record.table} not updated: "
             f"it does not exist or its execution_arn is not {record.execution_arn} (another execution owns it)")
        return False
    return True


# --- main -------------------------------------------------------------------

def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    started = time.monotonic()
    environ = dict(os.environ if environ is None else environ)
    cwd = Path.cwd()
    try:
        inputs = read_inputs(sys.argv[1:] if argv is None else argv, environ, cwd)
        env = dbt_environment(inputs, environ, cwd)
        region = record_region(inputs, environ)
    except InputError as err:
        _log(f"error: {err}")
        return 2

    if inputs.target == "local":
        Path(env["LAKEHOUSE_DUCKDB_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    run_results_path = inputs.target_path / "run_results.json"
    # A file left by an earlier run must not be read as this run's results.
    run_results_path.unlink(missing_ok=True)

    build = run_dbt(build_command(inputs), env)
    run_results = json.loads(run_results_path.read_text(encoding="utf-8")) if run_results_path.exists() else None
    maintenance = run_maintenance(inputs, env, build.returncode == 0)
    summary = build_summary(inputs, build, run_results, maintenance, time.monotonic() - started)

    if inputs.record is not None:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            client = boto3.client("dynamodb", region_name=region)
            write_summary_to_run_record(client, inputs.record, inputs.execution_date, summary)
        except (BotoCoreError, ClientError) as err:
            warning = f"run record not updated: {err}"
            _log(warning)
            summary["warnings"].append(warning)

    inputs.summary_path.parent.mkdir(parents=True, exist_ok=True)
    inputs.summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(SUMMARY_LINE_PREFIX + json.dumps(summary), flush=True)
    return 0 if summary["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
