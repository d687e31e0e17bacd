"""The changes the local run makes to its copy of the deployed state machine definition.

The deployed definition speaks the real services' dialect. moto's Step Functions
interpreter differs from AWS in a few places, and some states run work that
only exists in AWS; each difference is handled here by one named, pure function
from an ASL dict to a new ASL dict (the input is never changed); `substitute`
applies them in order.

Nothing else in the definition changes: states, transitions, Catch, Retry,
ResultSelector and ResultPath stay as synthesized.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, Iterator

# The stand-in for a task done outside the state machine: moto runs SQS's
# callback pattern, and the local worker answers with SendTaskSuccess/Failure.
# (moto's server cannot hand out activity tasks: it has no GetActivityTask.)
WORKER_RESOURCE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
CODEBUILD_SYNC = re.compile(r"^arn:[a-z-]+:states:::codebuild:startBuild\.sync$")
AWS_SDK = re.compile(r"^arn:[a-z-]+:states:::aws-sdk:(?P<service>[a-z0-9]+):(?P<action>\w+)$")
GET_CRAWLER = re.compile(r"^arn:[a-z-]+:states:::aws-sdk:glue:getCrawler$")
LAST_CRAWL_STATUS = "$.Crawler.LastCrawl.Status"

# What the worker sends back for a build, the fields of CodeBuild's Build that the run needs.
BUILD_KIND = "codebuild-build"
FAIL_KIND = "injected-failure"
INJECTED_ERROR = "Local.InjectedFailure"

Asl = dict[str, Any]


def iter_states(asl: Asl) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state of the definition, including those inside Parallel branches and Map processors."""
    for name, state in asl.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from iter_states(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from iter_states(state[key])


def _task_message(kind: str, state_name: str, queue_url: str, **fields: Any) -> dict[str, Any]:
    return {
        "QueueUrl": queue_url,
        "MessageBody": {"Kind": kind, "State": state_name, **fields, "TaskToken.$": "$$.Task.Token"},
    }


def run_builds_on_local_worker(asl: Asl, queue_url: str) -> Asl:
    """CodeBuild builds (`codebuild:startBuild.sync`) go to the local worker, which runs the job's entrypoint.

    The state keeps its Parameters (sent to the worker as `StartBuild`, with every
    `.$` path still evaluated by the interpreter), ResultSelector, ResultPath,
    Retry and Catch. The worker answers like the `.sync` integration:
    `{"Build": {"Id": ..., "BuildStatus": "SUCCEEDED"}}`, or a task failure.
    """
    out = copy.deepcopy(asl)
    for name, state in iter_states(out):
        if state.get("Type") == "Task" and CODEBUILD_SYNC.match(state.get("Resource", "")):
            state["Resource"] = WORKER_RESOURCE
            state["Parameters"] = _task_message(BUILD_KIND, name, queue_url, StartBuild=state.get("Parameters", {}))
    return out


def moto_sdk_error_names(asl: Asl) -> Asl:
    """AWS SDK integration errors are named `Glue.X` on AWS and `glue.X` in moto: Catch and Retry use moto's name.

    Only the errors of the task's own service change, in its own Retry and Catch.
    """
    out = copy.deepcopy(asl)
    for _, state in iter_states(out):
        match = AWS_SDK.match(state.get("Resource", "")) if state.get("Type") == "Task" else None
        if not match:
            continue
        service = match["service"]
        for handler in state.get("Retry", []) + state.get("Catch", []):
            renamed: list[str] = []
            for error in handler["ErrorEquals"]:
                prefix, dot, rest = error.partition(".")
                if dot and prefix.lower() == service:
                    error = f"{service}.{rest}"
                if error not in renamed:
                    renamed.append(error)
            handler["ErrorEquals"] = renamed
    return out


def _crawl_status_paths(asl: Asl) -> set[str]:
    """The paths where GetCrawler tasks put the last crawl's status."""
    paths = set()
    for _, state in iter_states(asl):
        if state.get("Type") != "Task" or not GET_CRAWLER.match(state.get("Resource", "")):
            continue
        result_path = state.get("ResultPath", "$")
        if result_path is None:
            continue
        selector = state.get("ResultSelector")
        if selector is None:
            paths.add(result_path + LAST_CRAWL_STATUS[1:])
            continue
        for key, value in selector.items():
            if key.endswith(".$") and value == LAST_CRAWL_STATUS:
                paths.add(("$" if result_path == "$" else result_path) + "." + key[:-2])
    return paths


def moto_crawl_status(asl: Asl) -> Asl:
    """A finished crawl is `SUCCEEDED` on AWS and `COMPLETED` in moto: a Choice that tests the one accepts the other.

    Applies to the comparisons on a path where a GetCrawler task stores
    `Crawler.LastCrawl.Status`; a comparison already accompanied by COMPLETED is left as it is.
    """
    paths = _crawl_status_paths(asl)

    def is_test(rule: dict[str, Any], status: str) -> bool:
        return rule.get("Variable") in paths and rule.get("StringEquals") == status

    def rewrite(rule: dict[str, Any], siblings: list[dict[str, Any]]) -> dict[str, Any]:
        for key in ("And", "Or"):
            if key in rule:
                rule[key] = [rewrite(child, rule[key] if key == "Or" else []) for child in rule[key]]
        if "Not" in rule:
            rule["Not"] = rewrite(rule["Not"], [])
        if is_test(rule, "SUCCEEDED") and not any(
            is_test(sibling, "COMPLETED") and sibling["Variable"] == rule["Variable"] for sibling in siblings
        ):
            comparison = {"Variable": rule["Variable"], "StringEquals": "SUCCEEDED"}
            rest = {key: value for key, value in rule.items() if key not in comparison}
            return {"Or": [comparison, {"Variable": rule["Variable"], "StringEquals": "COMPLETED"}], **rest}
        return rule

    out = copy.deepcopy(asl)
    for _, state in iter_states(out):
        if state.get("Type") == "Choice":
            state["Choices"] = [rewrite(rule, []) for rule in state["Choices"]]
    return out


def shorten_waits(asl: Asl, seconds: int = 1) -> Asl:
    """Wait states with a fixed `Seconds` wait at most `seconds`: a local crawl takes a second, not minutes."""
    out = copy.deepcopy(asl)
    for _, state in iter_states(out):
        if state.get("Type") == "Wait" and isinstance(state.get("Seconds"), int) and state["Seconds"] > seconds:
            state["Seconds"] = seconds
    return out


def failable_states(asl: Asl) -> list[str]:
    """The states `--fail-at` accepts: a failure there must end with the run record FAILED.

    These are the Task states with a Catch that a run passes through on its way
    to success (reached from StartAt without following a Catch: the dbt step's
    summary read, which only a failure reaches, is left out), less the task
    that creates the run record (`dynamodb:putItem`: before it there is no
    record to mark) and tasks whose every Catch ends the run at once in a Fail
    state (the failure recorder itself: when it fails, nothing is left to record
    the failure).
    """
    states = dict(iter_states(asl))
    names = []
    for name in _in_execution_order(asl):
        state = states[name]
        if state.get("Type") != "Task" or not state.get("Catch"):
            continue
        if state.get("Resource", "").endswith(":dynamodb:putItem"):
            continue
        if all(states.get(handler["Next"], {}).get("Type") == "Fail" for handler in state["Catch"]):
            continue
        names.append(name)
    return names


def _in_execution_order(asl: Asl) -> list[str]:
    """The top-level states a run can pass through without an error, breadth-first from StartAt."""
    states = asl.get("States", {})
    order, queue = [], [asl["StartAt"]]
    while queue:
        name = queue.pop(0)
        if name in order or name not in states:
            continue
        order.append(name)
        state = states[name]
        queue += [state[key] for key in ("Next", "Default") if key in state]
        queue += [rule["Next"] for rule in state.get("Choices", [])]
    return order


def fail_at(asl: Asl, state_name: str, queue_url: str) -> Asl:
    """The state `state_name` fails with `Local.InjectedFailure`, handled by its own Catch and Retry.

    The worker answers the state's task with SendTaskFailure, so the failure
    takes the same path as a real one of that state.
    """
    valid = failable_states(asl)
    if state_name not in valid:
        raise ValueError(f"{state_name!r} is not a state that --fail-at can fail; valid: {', '.join(valid)}")
    out = copy.deepcopy(asl)
    state = dict(iter_states(out))[state_name]
    state["Resource"] = WORKER_RESOURCE
    state["Parameters"] = _task_message(FAIL_KIND, state_name, queue_url)
    for key in ("Arguments", "Credentials", "HeartbeatSeconds", "HeartbeatSecondsPath"):
        state.pop(key, None)
    return out


def local_steps(queue_url: str, wait_seconds: int = 1,
                fail_at_state: str | None = None) -> list[tuple[str, Callable[[Asl], Asl]]]:
    """The substitutions of the local copy, in order, each with its name."""
    steps: list[tuple[str, Callable[[Asl], Asl]]] = [
        ("run_builds_on_local_worker", lambda asl: run_builds_on_local_worker(asl, queue_url)),
        ("moto_sdk_error_names", moto_sdk_error_names),
        ("moto_crawl_status", moto_crawl_status),
        ("shorten_waits", lambda asl: shorten_waits(asl, wait_seconds)),
    ]
    if fail_at_state is not None:
        steps.append(("fail_at", lambda asl: fail_at(asl, fail_at_state, queue_url)))
    return steps


def substitute(asl: Asl, queue_url: str, wait_seconds: int = 1, fail_at_state: str | None = None) -> Asl:
    """The local copy of `asl`: every substitution in order, then `fail_at` when a state is to fail."""
    for _, step in local_steps(queue_url, wait_seconds, fail_at_state):
        asl = step(asl)
    return asl
