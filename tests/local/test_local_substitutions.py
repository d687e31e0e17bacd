"""Each substitution of the local run's state machine copy, on small hand-made definitions."""

from __future__ import annotations

import copy
import json

import pytest

from local import substitutions as s

QUEUE = "http://127.0.0.1:5000/123456789012/lakehouse-local-worker"

CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "RecordFailure"}]

BUILD_PARAMETERS = {
    "ProjectName": "lakehouse-dbt",
    "EnvironmentVariablesOverride": [
        {"Name": "LAKEHOUSE_EXECUTION_DATE", "Type": "PLAINTEXT", "Value.$": "$.execution_date"},
        {"Name": "LAKEHOUSE_EXECUTION_ARN", "Type": "PLAINTEXT", "Value.$": "$$.Execution.Id"},
        {"Name": "LAKEHOUSE_DBT_SELECT", "Type": "PLAINTEXT", "Value": ""},
    ],
}


def pipeline() -> dict:
    """A pipeline in the deployed dialect: a record start, a crawl, the CodeBuild step, the records."""
    return {
        "StartAt": "RecordStart",
        "States": {
            "RecordStart": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "runs", "Item": {}},
                "Catch": CATCH_ALL, "Next": "StartCrawler",
            },
            "StartCrawler": {
                "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:glue:startCrawler",
                "Parameters": {"Name": "raw"},
                "Retry": [{"ErrorEquals": ["Glue.ThrottlingException", "States.Timeout"], "MaxAttempts": 3}],
                "Catch": [
                    {"ErrorEquals": ["Glue.CrawlerRunningException"], "ResultPath": None, "Next": "WaitForCrawler"},
                    *CATCH_ALL,
                ],
                "ResultPath": "$.crawl", "ResultSelector": {"polls": 0}, "Next": "WaitForCrawler",
            },
            "WaitForCrawler": {"Type": "Wait", "Seconds": 30, "Next": "GetCrawlResult"},
            "GetCrawlResult": {
                "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:glue:getCrawler",
                "Parameters": {"Name": "raw"},
                "ResultPath": "$.crawl.last_crawl",
                "ResultSelector": {"Status.$": "$.Crawler.LastCrawl.Status"},
                "Catch": CATCH_ALL, "Next": "CheckCrawlResult",
            },
            "CheckCrawlResult": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.crawl.last_crawl.Status", "StringEquals": "SUCCEEDED", "Next": "RunDbtTransformations"},
                    {"Variable": "$.other.Status", "StringEquals": "SUCCEEDED", "Next": "RecordFailure"},
                ],
                "Default": "RecordFailure",
            },
            "RunDbtTransformations": {
                "Type": "Task", "Resource": "arn:aws:states:::codebuild:startBuild.sync",
                "Parameters": BUILD_PARAMETERS,
                "ResultSelector": {"BuildId.$": "$.Build.Id"}, "ResultPath": "$.dbt",
                "Retry": [{"ErrorEquals": ["CodeBuild.AWSCodeBuildException"], "MaxAttempts": 2}],
                "Catch": CATCH_ALL, "Next": "RecordSuccess",
            },
            "RecordSuccess": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {"TableName": "runs"}, "Catch": CATCH_ALL, "Next": "Succeeded",
            },
            "RecordFailure": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {"TableName": "runs"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "FailureNotRecorded"}],
                "Next": "Failed",
            },
            "Succeeded": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "ErrorPath": "$.failure.Error"},
            "FailureNotRecorded": {"Type": "Fail", "ErrorPath": "$.failure.Error"},
        },
    }


def unchanged_except(before: dict, after: dict, *names: str) -> None:
    """Every state other than `names` is exactly as it was."""
    assert set(before["States"]) == set(after["States"])
    for name, state in before["States"].items():
        if name not in names:
            assert after["States"][name] == state, name


# --- run_builds_on_local_worker ------------------------------------------------------------------


def test_the_codebuild_step_goes_to_the_worker_with_its_parameters_result_handling_and_catch():
    before = pipeline()
    after = s.run_builds_on_local_worker(before, QUEUE)

    state = after["States"]["RunDbtTransformations"]
    assert state["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert state["Parameters"] == {
        "QueueUrl": QUEUE,
        "MessageBody": {"Kind": s.BUILD_KIND, "State": "RunDbtTransformations", "StartBuild": BUILD_PARAMETERS,
                        "TaskToken.$": "$$.Task.Token"},
    }
    original = before["States"]["RunDbtTransformations"]
    for key in ("ResultSelector", "ResultPath", "Retry", "Catch", "Next"):
        assert state[key] == original[key]
    unchanged_except(before, after, "RunDbtTransformations")


def test_the_input_definition_is_never_changed():
    before = pipeline()
    snapshot = copy.deepcopy(before)
    for _, step in s.local_steps(QUEUE, 1, "RunDbtTransformations"):
        step(before)
    assert before == snapshot


def test_a_codebuild_build_that_is_not_awaited_is_left_alone():
    before = pipeline()
    before["States"]["RunDbtTransformations"]["Resource"] = "arn:aws:states:::codebuild:startBuild"
    assert s.run_builds_on_local_worker(before, QUEUE) == before


def test_a_build_inside_a_parallel_branch_goes_to_the_worker_too():
    branch = {"StartAt": "Build", "States": {"Build": {
        "Type": "Task", "Resource": "arn:aws-cn:states:::codebuild:startBuild.sync",
        "Parameters": {"ProjectName": "p"}, "End": True}}}
    before = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "Branches": [branch], "End": True}}}
    after = s.run_builds_on_local_worker(before, QUEUE)
    build = after["States"]["Both"]["Branches"][0]["States"]["Build"]
    assert build["Resource"] == s.WORKER_RESOURCE
    assert build["Parameters"]["MessageBody"]["StartBuild"] == {"ProjectName": "p"}


# --- moto_sdk_error_names ------------------------------------------------------------------------


def test_glue_errors_of_a_glue_task_take_motos_spelling_in_catch_and_retry():
    after = s.moto_sdk_error_names(pipeline())
    state = after["States"]["StartCrawler"]
    assert state["Catch"][0]["ErrorEquals"] == ["glue.CrawlerRunningException"]
    assert state["Retry"][0]["ErrorEquals"] == ["glue.ThrottlingException", "States.Timeout"]
    assert state["Catch"][1]["ErrorEquals"] == ["States.ALL"]


def test_errors_of_other_services_and_optimised_integrations_keep_their_names():
    before = pipeline()
    before["States"]["StartCrawler"]["Catch"][0]["ErrorEquals"].append("Athena.InvalidRequestException")
    after = s.moto_sdk_error_names(before)
    assert after["States"]["StartCrawler"]["Catch"][0]["ErrorEquals"] == [
        "glue.CrawlerRunningException", "Athena.InvalidRequestException"]
    unchanged_except(before, after, "StartCrawler")


def test_a_catch_that_already_lists_both_spellings_keeps_one():
    before = pipeline()
    before["States"]["StartCrawler"]["Catch"][0]["ErrorEquals"] = ["Glue.CrawlerRunningException",
                                                                   "glue.CrawlerRunningException"]
    after = s.moto_sdk_error_names(before)
    assert after["States"]["StartCrawler"]["Catch"][0]["ErrorEquals"] == ["glue.CrawlerRunningException"]


# --- moto_crawl_status ---------------------------------------------------------------------------


def test_a_choice_on_the_last_crawl_status_also_accepts_completed():
    before = pipeline()
    after = s.moto_crawl_status(before)
    choices = after["States"]["CheckCrawlResult"]["Choices"]
    assert choices[0] == {
        "Or": [
            {"Variable": "$.crawl.last_crawl.Status", "StringEquals": "SUCCEEDED"},
            {"Variable": "$.crawl.last_crawl.Status", "StringEquals": "COMPLETED"},
        ],
        "Next": "RunDbtTransformations",
    }
    assert choices[1] == before["States"]["CheckCrawlResult"]["Choices"][1]  # not a crawl status
    unchanged_except(before, after, "CheckCrawlResult")


def test_the_crawl_status_path_follows_the_get_crawler_result_path():
    before = pipeline()
    crawl = before["States"]["GetCrawlResult"]
    crawl["ResultPath"], crawl["ResultSelector"] = "$.result", {"Outcome.$": "$.Crawler.LastCrawl.Status"}
    before["States"]["CheckCrawlResult"]["Choices"][0]["Variable"] = "$.result.Outcome"
    after = s.moto_crawl_status(before)
    assert after["States"]["CheckCrawlResult"]["Choices"][0]["Or"][1] == {
        "Variable": "$.result.Outcome", "StringEquals": "COMPLETED"}


def test_a_choice_that_already_accepts_completed_is_unchanged():
    once = s.moto_crawl_status(pipeline())
    assert s.moto_crawl_status(once) == once


def test_nested_crawl_status_comparisons_are_rewritten_in_place():
    before = pipeline()
    before["States"]["CheckCrawlResult"]["Choices"][0] = {
        "And": [{"Variable": "$.crawl.last_crawl.Status", "StringEquals": "SUCCEEDED"},
                {"Variable": "$.crawl.polls", "NumericLessThan": 5}],
        "Next": "RunDbtTransformations",
    }
    rule = s.moto_crawl_status(before)["States"]["CheckCrawlResult"]["Choices"][0]
    assert rule["And"][0] == {"Or": [{"Variable": "$.crawl.last_crawl.Status", "StringEquals": "SUCCEEDED"},
                                     {"Variable": "$.crawl.last_crawl.Status", "StringEquals": "COMPLETED"}]}
    assert rule["And"][1] == {"Variable": "$.crawl.polls", "NumericLessThan": 5}


# --- shorten_waits -------------------------------------------------------------------------------


def test_fixed_waits_are_cut_to_the_local_wait_and_others_are_left():
    before = pipeline()
    before["States"]["Short"] = {"Type": "Wait", "Seconds": 0, "Next": "Succeeded"}
    before["States"]["FromInput"] = {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Succeeded"}
    after = s.shorten_waits(before, 2)
    assert after["States"]["WaitForCrawler"]["Seconds"] == 2
    assert after["States"]["Short"]["Seconds"] == 0
    assert after["States"]["FromInput"] == before["States"]["FromInput"]
    unchanged_except(before, after, "WaitForCrawler")


# --- failable_states and fail_at -----------------------------------------------------------------


def test_failable_states_are_the_caught_tasks_after_the_record_exists_in_execution_order():
    assert s.failable_states(pipeline()) == ["StartCrawler", "GetCrawlResult", "RunDbtTransformations",
                                             "RecordSuccess"]


def test_a_task_reached_only_after_a_failure_cannot_be_failed():
    before = pipeline()
    before["States"]["RunDbtTransformations"]["Catch"] = [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "ReadSummary"}]
    before["States"]["ReadSummary"] = {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {"TableName": "runs"},
        "Catch": CATCH_ALL, "Next": "RecordFailure"}
    assert "ReadSummary" not in s.failable_states(before)
    assert "RunDbtTransformations" in s.failable_states(before)


def test_a_task_without_catch_cannot_be_failed():
    before = pipeline()
    del before["States"]["GetCrawlResult"]["Catch"]
    assert "GetCrawlResult" not in s.failable_states(before)


def test_fail_at_sends_the_state_to_the_worker_as_a_failure_and_keeps_its_handlers():
    before = pipeline()
    after = s.fail_at(before, "GetCrawlResult", QUEUE)
    state = after["States"]["GetCrawlResult"]
    assert state["Resource"] == s.WORKER_RESOURCE
    assert state["Parameters"]["MessageBody"] == {"Kind": s.FAIL_KIND, "State": "GetCrawlResult",
                                                  "TaskToken.$": "$$.Task.Token"}
    assert state["Catch"] == before["States"]["GetCrawlResult"]["Catch"]
    unchanged_except(before, after, "GetCrawlResult")


@pytest.mark.parametrize("name", ["RecordStart", "RecordFailure", "CheckCrawlResult", "NoSuchState"])
def test_fail_at_refuses_a_state_it_cannot_fail_and_lists_the_valid_ones(name):
    with pytest.raises(ValueError) as error:
        s.fail_at(pipeline(), name, QUEUE)
    assert repr(name) in str(error.value)
    assert "StartCrawler, GetCrawlResult, RunDbtTransformations, RecordSuccess" in str(error.value)


# --- all of them ---------------------------------------------------------------------------------


def test_substitute_applies_every_step_in_order():
    after = s.substitute(pipeline(), QUEUE, wait_seconds=1, fail_at_state="StartCrawler")
    assert "codebuild:startBuild.sync" not in json.dumps(after)
    assert after["States"]["RunDbtTransformations"]["Resource"] == s.WORKER_RESOURCE
    assert after["States"]["StartCrawler"]["Parameters"]["MessageBody"]["Kind"] == s.FAIL_KIND
    assert after["States"]["StartCrawler"]["Catch"][0]["ErrorEquals"] == ["glue.CrawlerRunningException"]
    assert after["States"]["WaitForCrawler"]["Seconds"] == 1
    assert "Or" in after["States"]["CheckCrawlResult"]["Choices"][0]
