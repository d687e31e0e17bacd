"""The local worker: does the tasks the local copy of the state machine hands out through its queue.

A CodeBuild build becomes a run of the same entrypoint the AWS job runs,
`dbt_project/scripts/lakehouse_dbt.py`, with `--target local` (DuckDB) and the
environment CodeBuild would give it: the project's own variables from the
template, then the state's `EnvironmentVariablesOverride`. An injected failure
(`--fail-at`) is answered with a task failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .paths import REPO, shown
from .substitutions import BUILD_KIND, FAIL_KIND, INJECTED_ERROR
from .templates import ACCOUNT

SUMMARY_PREFIX = "LAKEHOUSE_DBT_SUMMARY "
BUILD_FAILED_ERROR = "Local.BuildFailed"


@dataclass
class WorkerPaths:
    repo: Path
    raw_dir: Path
    duckdb_path: Path
    logs: Path
    dbt_work: Path
    # The dbt job's entrypoint, the same script the CodeBuild project runs.
    entrypoint: Path = REPO / "dbt_project" / "scripts" / "lakehouse_dbt.py"


def build_environment(base: dict[str, str], project_environment: dict[str, str],
                      overrides: list[dict[str, Any]], paths: WorkerPaths, endpoint: str, region: str) -> dict[str, str]:
    """The build's environment: as CodeBuild sets it, then pointed at the local target and the local AWS."""
    env = {key: value for key, value in base.items() if not key.startswith(("AIRFLOW", "DBT_", "LAKEHOUSE_"))}
    env.update(project_environment)
    for variable in overrides:
        if variable.get("Type", "PLAINTEXT") != "PLAINTEXT":
            raise ValueError(f"{variable['Name']}: only PLAINTEXT overrides are available locally")
        env[variable["Name"]] = str(variable["Value"])
    env.update({
        "LAKEHOUSE_DBT_TARGET": "local",
        "LAKEHOUSE_RAW_DIR": str(paths.raw_dir),
        "LAKEHOUSE_DUCKDB_PATH": str(paths.duckdb_path),
        "LAKEHOUSE_DBT_SUMMARY_PATH": str(paths.dbt_work / "lakehouse_summary.json"),
        "DBT_TARGET_PATH": str(paths.dbt_work / "target"),
        "DBT_LOG_PATH": str(paths.dbt_work / "logs"),
        # dbt would otherwise send anonymous usage events over the internet.
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    })
    return env


def dbt_command(paths: WorkerPaths) -> list[str]:
    """The build: the job's entrypoint on the local target."""
    return [sys.executable, str(paths.entrypoint), "--target", "local"]


def dbt_result_line(output: str) -> str:
    """What a build's log says about its outcome: the entrypoint's summary message, else dbt's totals."""
    for line in reversed(output.splitlines()):
        if line.startswith(SUMMARY_PREFIX):
            summary = json.loads(line[len(SUMMARY_PREFIX):])
            counts = summary.get("counts", {})
            totals = " ".join(f"{key.upper()}={value}" for key, value in counts.items() if key != "models")
            return summary.get("message") or totals
        if "Done. PASS=" in line:
            return line[line.index("PASS="):].strip()
    return ""


class LocalWorker:
    """Polls the worker queue in a thread and answers each task through the Step Functions API."""

    def __init__(self, aws: Any, queue_url: str, paths: WorkerPaths, project_environments: dict[str, dict[str, str]],
                 say: Callable[[str], None]) -> None:
        self.aws = aws
        self.queue_url = queue_url
        self.paths = paths
        self.project_environments = project_environments
        self.say = say
        self.builds = 0
        self._sqs = aws.client("sqs")
        self._sfn = aws.client("stepfunctions")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="local-worker", daemon=True)
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        process = self._process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=1,
                                                     WaitTimeSeconds=1).get("Messages", [])
            except Exception:  # the server is going away at exit
                if self._stop.is_set():
                    return
                time.sleep(0.2)
                continue
            for message in messages:
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                task = json.loads(message["Body"])
                try:
                    self._handle(task)
                except Exception as error:
                    if self._stop.is_set():
                        return
                    # The state waits for an answer: a worker error fails it rather than leaving it waiting.
                    self.say(f"  worker: {task.get('State')}: {error}")
                    self._fail(task["TaskToken"], "Local.WorkerError", str(error))

    def _handle(self, task: dict[str, Any]) -> None:
        token = task["TaskToken"]
        if task["Kind"] == FAIL_KIND:
            self.say(f"  worker: failing {task['State']} as --fail-at asks")
            self._fail(token, INJECTED_ERROR, f"--fail-at {task['State']}: the local run made this state fail")
        elif task["Kind"] == BUILD_KIND:
            self._build(task["State"], task["StartBuild"], token)
        else:
            self._fail(token, "Local.UnknownTask", f"the local worker cannot do a task of kind {task['Kind']}")

    def _build(self, state: str, start_build: dict[str, Any], token: str) -> None:
        project = start_build.get("ProjectName", "")
        env = build_environment(dict(os.environ), self.project_environments.get(project, {}),
                                start_build.get("EnvironmentVariablesOverride", []), self.paths,
                                self.aws.endpoint, self.aws.region)
        command = dbt_command(self.paths)
        self.builds += 1
        date = env.get("LAKEHOUSE_EXECUTION_DATE", "run")
        log_file = self.paths.logs / f"dbt-{date}-{self.builds}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        build_id = f"local:{uuid.uuid4()}"
        self.say(f"  worker: {state} → dbt build --target local (log: {shown(log_file)})")
        started = time.monotonic()
        with open(log_file, "w") as log:
            self._process = subprocess.Popen(command, cwd=self.paths.repo, env=env, stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True)
            code = self._process.wait()
        self._process = None
        if self._stop.is_set():
            return
        result = dbt_result_line(log_file.read_text()) or f"dbt build exited {code}"
        elapsed = time.monotonic() - started
        self.say(f"  worker: {result} ({elapsed:.1f} s)")
        if code == 0:
            self._sfn.send_task_success(taskToken=token, output=json.dumps(
                {"Build": {"Id": build_id, "ProjectName": project, "BuildStatus": "SUCCEEDED"}}))
        else:
            # AWS names this failure States.TaskFailed; moto refuses task failures named States.*.
            self._fail(token, BUILD_FAILED_ERROR, json.dumps(
                {"Build": {"Id": build_id, "ProjectName": project, "BuildStatus": "FAILED"}}))

    def _fail(self, token: str, error: str, cause: str) -> None:
        # moto's server drops the cause of SendTaskFailure, so the failure goes to its
        # backend, which runs in this process.
        from moto.stepfunctions.responses import get_backend

        get_backend(ACCOUNT, self.aws.region).send_task_failure(token, error=error, cause=cause)
