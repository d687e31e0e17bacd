"""Prints each state of the pipeline's executions as it starts and ends, from the execution history."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, Callable


ENDED = ("ExecutionFailed", "ExecutionSucceeded", "ExecutionAborted", "ExecutionTimedOut")


def state_lines(events: list[dict[str, Any]], started: datetime) -> list[str]:
    """One line per state entered or exited: time since the execution started, the state, its duration."""
    lines = []
    entered: dict[str, datetime] = {}
    failed: set[str] = set()
    current = ""
    for event in events:
        kind, when = event["type"], event["timestamp"]
        offset = f"{(when - started).total_seconds():6.2f}s"
        if "stateEnteredEventDetails" in event:
            current = event["stateEnteredEventDetails"]["name"]
            entered[current] = when
            lines.append(f"  {offset}  {current} started")
        elif "stateExitedEventDetails" in event:
            name = event["stateExitedEventDetails"]["name"]
            took = (when - entered.get(name, when)).total_seconds()
            outcome = "failed" if name in failed else "ended"
            lines.append(f"  {offset}  {name} {outcome} after {took:.2f}s")
        elif kind in ("TaskFailed", "ActivityFailed", "LambdaFunctionFailed"):
            failed.add(current)
        elif kind in ENDED:
            details = event.get("executionFailedEventDetails", {})
            reason = f": {details.get('error', '')}" if details else ""
            lines.append(f"  {offset}  execution {kind[len('Execution'):].lower()}{reason}")
    return lines


class ExecutionFollower:
    """Follows every execution of one state machine in a thread and prints its states as they happen."""

    def __init__(self, sfn: Any, state_machine_arn: str, say: Callable[[str], None], interval: float = 1.0) -> None:
        self.sfn = sfn
        self.state_machine_arn = state_machine_arn
        self.say = say
        self.interval = interval
        self._printed: dict[str, int] = {}
        self._done: set[str] = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="execution-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stops following; call `flush` first to print what is left."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def flush(self) -> None:
        """Prints every event recorded so far."""
        self._poll()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._poll()
            except Exception:  # the server is going away at exit
                if self._stop.is_set():
                    return

    def _poll(self) -> None:
        with self._lock:
            self._poll_unlocked()

    def _poll_unlocked(self) -> None:
        executions = self.sfn.list_executions(stateMachineArn=self.state_machine_arn)["executions"]
        for execution in sorted(executions, key=lambda e: e["startDate"]):
            arn = execution["executionArn"]
            if arn in self._done:
                continue
            if arn not in self._printed:
                self._printed[arn] = 0
                self.say(f"  execution {execution['name']} started")
            events = execution_history(self.sfn, arn)
            lines = state_lines(events, execution["startDate"])
            for line in lines[self._printed[arn]:]:
                self.say(line)
            self._printed[arn] = len(lines)
            if any(e["type"] in ENDED for e in events):
                self._done.add(arn)


def execution_history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of an execution, oldest first, across the history's pages."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if "nextToken" not in page:
            return events
        kwargs["nextToken"] = page["nextToken"]
