"""From the synthesized templates to the resources the local run creates: resolution, the plan, moto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import substitutions
from local.resources import STATE_MACHINE_OPTION, create_resources, plan_run
from local.templates import ACCOUNT, Assembly, ResourceId, Resolver, Stack, TemplateError

ROOT = Path(__file__).resolve().parents[2]
CDK_OUT = ROOT / "apps" / "sandbox" / "cdk.out"


# --- the resolver, on a two-stack assembly made by hand -------------------------------------------


def two_stacks() -> Assembly:
    producer = {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "runs"}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        },
        "Outputs": {
            "TableExport": {"Value": {"Ref": "Table"}, "Export": {"Name": "producer:Table"}},
            "RoleArnExport": {"Value": {"Fn::GetAtt": ["Role", "Arn"]},
                              "Export": {"Name": {"Fn::Join": [":", [{"Ref": "AWS::StackName"}, "RoleArn"]]}}},
        },
    }
    consumer = {"Resources": {"Machine": {"Type": "AWS::StepFunctions::StateMachine",
                                          "Properties": {"StateMachineName": "pipeline"}}}}
    return Assembly({"producer": Stack("producer", "eu-west-1", producer),
                     "consumer": Stack("consumer", "eu-west-1", consumer)})


def test_an_import_resolves_to_the_exporting_stacks_value_and_records_the_resource():
    resolver = Resolver(two_stacks(), "consumer")
    assert resolver.resolve({"Fn::ImportValue": "producer:Table"}) == "runs"
    assert resolver.resolve({"Fn::ImportValue": "producer:RoleArn"}).startswith(f"arn:aws:iam::{ACCOUNT}:role/producer-role")
    assert resolver.used == {ResourceId("producer", "Table"), ResourceId("producer", "Role")}


def test_join_sub_and_pseudo_parameters_resolve_like_a_deployment_in_the_stacks_region():
    resolver = Resolver(two_stacks(), "producer")
    assert resolver.resolve({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":states:::x"]]}) == "arn:aws:states:::x"
    assert resolver.resolve({"Fn::Sub": "${AWS::Region}/${Table}/${Table.Arn}"}) == \
        f"eu-west-1/runs/arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/runs"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}) == "b"
    # A resource without a name gets one as CloudFormation makes them: stack-logicalid-suffix, lower case.
    assert resolver.resolve({"Ref": "Bucket"}).startswith("producer-bucket-")


def test_a_state_machine_ref_is_its_arn():
    assert Resolver(two_stacks(), "consumer").resolve({"Ref": "Machine"}) == \
        f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:pipeline"


@pytest.mark.parametrize("value, message", [
    ({"Fn::ImportValue": "nobody:Exports"}, "no stack exports"),
    ({"Fn::If": ["c", 1, 2]}, "cannot resolve Fn::If"),
    ({"Ref": "Missing"}, "no resource Missing"),
    ({"Fn::GetAtt": ["Table", "StreamArn"]}, "Table.StreamArn"),
])
def test_what_cannot_be_resolved_is_an_error_naming_it(value: Any, message: str):
    with pytest.raises(TemplateError, match=message):
        Resolver(two_stacks(), "producer").resolve(value)


def test_a_folder_without_an_assembly_names_the_build_command(tmp_path: Path):
    with pytest.raises(TemplateError, match="npx nx run @lakehouse-cdk/sandbox:build"):
        Assembly.load(tmp_path)


def one_stack_lakehouse() -> Assembly:
    """An Airflow environment naming a state machine that queries Athena and records runs."""
    definition = {"Fn::Join": ["", [
        '{"StartAt":"Query","States":{"Query":{"Type":"Task","Resource":"arn:aws:states:::athena:startQueryExecution.sync",'
        '"Parameters":{"QueryString":"SELECT 1","WorkGroup":"', {"Ref": "WorkGroup"}, '"},"Next":"Record"},'
        '"Record":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"',
        {"Ref": "Runs"}, '","Item":{}},"End":true}}}',
    ]]}
    template = {"Resources": {
        "Results": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "results"}},
        "WorkGroup": {"Type": "AWS::Athena::WorkGroup", "Properties": {
            "Name": "queries", "WorkGroupConfiguration": {"ResultConfiguration": {
                "OutputLocation": {"Fn::Join": ["", ["s3://", {"Ref": "Results"}, "/out/"]]}}}}},
        "Runs": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": "runs", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}]}},
        "Unused": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "unused"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "StateMachineName": "pipeline", "DefinitionString": definition,
            "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Airflow": {"Type": "AWS::MWAA::Environment", "Properties": {"AirflowConfigurationOptions": {
            "lakehouse.state_machine_arn": {"Ref": "Machine"}, "lakehouse.pipeline_name": "events"}}},
    }}
    return Assembly({"app": Stack("app", "us-east-1", template)})


def test_the_plan_holds_what_the_definition_refers_to_and_what_that_refers_to():
    plan = plan_run(one_stack_lakehouse())
    assert [(r.type, r.name) for r in plan.resources] == [
        ("AWS::S3::Bucket", "results"), ("AWS::DynamoDB::Table", "runs"), ("AWS::Athena::WorkGroup", "queries")]
    assert plan.pipeline_name == "events"
    assert plan.definition["States"]["Query"]["Parameters"]["WorkGroup"] == "queries"
    assert plan.role_arn.startswith(f"arn:aws:iam::{ACCOUNT}:role/app-role-")
    [workgroup] = [r for r in plan.resources if r.type == "AWS::Athena::WorkGroup"]
    assert workgroup.kwargs["Configuration"] == {"ResultConfiguration": {"OutputLocation": "s3://results/out/"}}
    with mock_aws():
        create_resources(plan, lambda service: boto3.client(
            service, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local"))
        athena = boto3.client("athena", region_name="us-east-1", aws_access_key_id="l", aws_secret_access_key="l")
        created = athena.get_work_group(WorkGroup="queries")["WorkGroup"]["Configuration"]
        assert created["ResultConfiguration"]["OutputLocation"] == "s3://results/out/"


def test_an_airflow_environment_without_the_state_machine_option_is_an_error():
    assembly = one_stack_lakehouse()
    del assembly.stacks["app"].resources["Airflow"]["Properties"]["AirflowConfigurationOptions"][STATE_MACHINE_OPTION]
    with pytest.raises(TemplateError, match=STATE_MACHINE_OPTION):
        plan_run(assembly)


# --- the plan for the synthesized sandbox ---------------------------------------------------------


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    assert (CDK_OUT / "manifest.json").exists(), "build the sandbox first: npx nx run @lakehouse-cdk/sandbox:build"
    return Assembly.load(CDK_OUT)


@pytest.fixture(scope="module")
def plan(assembly: Assembly):
    return plan_run(assembly)


def template_resource(assembly: Assembly, resource_type: str, name: str) -> tuple[ResourceId, dict]:
    """The template resource of `resource_type` whose physical name is `name`."""
    matches = [(rid, resource) for rid, resource in assembly.resources_of_type(resource_type)
               if Resolver(assembly, rid.stack).physical_name(rid) == name]
    assert len(matches) == 1, (resource_type, name)
    return matches[0]


def unresolved(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [key for key in value if key.startswith("Fn::") or key == "Ref"] + \
            [found for item in value.values() for found in unresolved(item)]
    if isinstance(value, list):
        return [found for item in value for found in unresolved(item)]
    return []


def test_the_pipeline_is_the_state_machine_the_airflow_environment_names(assembly: Assembly, plan):
    [(rid, environment)] = assembly.resources_of_type("AWS::MWAA::Environment")
    option = environment["Properties"]["AirflowConfigurationOptions"][STATE_MACHINE_OPTION]
    assert "Fn::ImportValue" in option  # a cross-stack reference, resolved through the export
    assert plan.airflow_options[STATE_MACHINE_OPTION] == \
        f"arn:aws:states:{plan.region}:{ACCOUNT}:stateMachine:{plan.state_machine_name}"
    machine = assembly.resource(plan.state_machine)
    assert machine["Type"] == "AWS::StepFunctions::StateMachine"
    assert plan.state_machine_name == machine["Properties"]["StateMachineName"]


def test_the_definition_is_fully_resolved_and_keeps_every_state_of_the_template(assembly: Assembly, plan):
    assert unresolved(plan.definition) == []
    raw = assembly.resource(plan.state_machine)["Properties"]["DefinitionString"]
    literal = "".join(part if isinstance(part, str) else "TOKEN" for part in raw["Fn::Join"][1])
    assert set(plan.definition["States"]) == set(json.loads(literal)["States"])


def test_every_resource_the_definition_imports_is_planned(assembly: Assembly, plan):
    pipeline_stack = plan.state_machine.stack
    exports = assembly.exports()
    raw = json.dumps(assembly.resource(plan.state_machine)["Properties"]["DefinitionString"])
    imported = {name for name in exports if f'"Fn::ImportValue": "{name}"' in raw}
    assert imported, "the pipeline imports the data stack's resources"
    planned = {resource.rid for resource in plan.resources}
    for name in imported:
        stack, value = exports[name]
        assert stack != pipeline_stack
        resolver = Resolver(assembly, stack)
        resolver.resolve(value)
        assert resolver.used <= planned, name


def test_planned_resources_carry_the_template_properties(assembly: Assembly, plan):
    kinds = {resource.type for resource in plan.resources}
    assert {"AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::Glue::Database", "AWS::Glue::Crawler"} <= kinds
    for resource in plan.resources:
        props = Resolver(assembly, resource.rid.stack).resolve(assembly.resource(resource.rid)["Properties"])
        if resource.type == "AWS::DynamoDB::Table":
            assert resource.kwargs["TableName"] == props["TableName"]
            assert resource.kwargs["KeySchema"] == props["KeySchema"]
        if resource.type == "AWS::Glue::Crawler":
            assert resource.kwargs["Targets"] == props["Targets"]
            assert resource.kwargs["DatabaseName"] == props["DatabaseName"]
        if resource.type == "AWS::Athena::WorkGroup":
            assert resource.kwargs["Configuration"] == props["WorkGroupConfiguration"]


def test_names_in_the_definition_are_the_planned_resources_names(plan):
    text = json.dumps(plan.definition)
    for name in plan.named("AWS::Glue::Crawler") + plan.named("AWS::DynamoDB::Table"):
        assert f'"{name}"' in text


def test_the_dbt_build_gets_the_codebuild_projects_environment_from_the_template(assembly: Assembly, plan):
    [(rid, project)] = assembly.resources_of_type("AWS::CodeBuild::Project")
    name = Resolver(assembly, rid.stack).physical_name(rid)
    build = plan.definition["States"]["RunDbtTransformations"]
    assert build["Parameters"]["ProjectName"] == name
    variables = Resolver(assembly, rid.stack).resolve(project["Properties"]["Environment"]["EnvironmentVariables"])
    assert plan.build_environments[name] == {variable["Name"]: variable["Value"] for variable in variables}
    [table] = plan.named("AWS::DynamoDB::Table")
    assert plan.build_environments[name]["LAKEHOUSE_RUNS_TABLE"] == table


def test_the_substituted_sandbox_definition_speaks_motos_dialect(plan):
    local = substitutions.substitute(plan.definition, "http://127.0.0.1:1/q")
    states = dict(substitutions.iter_states(local))
    for name, state in states.items():
        assert not state.get("Resource", "").endswith(":codebuild:startBuild.sync"), name
        if state["Type"] == "Wait":
            assert state["Seconds"] <= 1, name
        if state.get("Resource", "").startswith("arn:aws:states:::aws-sdk:glue:"):
            names = [error for handler in state.get("Retry", []) + state.get("Catch", [])
                     for error in handler["ErrorEquals"]]
            assert not [error for error in names if error.startswith("Glue.")], name
    assert states["RunDbtTransformations"]["Resource"] == substitutions.WORKER_RESOURCE


# --- creating the plan in moto ---------------------------------------------------------------------


def test_the_resources_created_in_moto_match_the_templates(assembly: Assembly, plan, monkeypatch):
    for variable, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                            "AWS_DEFAULT_REGION": plan.region}.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        create_resources(plan, lambda service: boto3.client(service, region_name=plan.region))
        s3, ddb = boto3.client("s3", region_name=plan.region), boto3.client("dynamodb", region_name=plan.region)
        glue, athena = boto3.client("glue", region_name=plan.region), boto3.client("athena", region_name=plan.region)

        buckets = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
        assert buckets == set(plan.named("AWS::S3::Bucket"))
        for name in buckets:
            rid, template = template_resource(assembly, "AWS::S3::Bucket", name)
            # Bucket names hold the account and region: resolved as a deployment in the local account would.
            assert Resolver(assembly, rid.stack).resolve(template["Properties"]["BucketName"]) == name

        [table_name] = plan.named("AWS::DynamoDB::Table")
        rid, template = template_resource(assembly, "AWS::DynamoDB::Table", table_name)
        table = ddb.describe_table(TableName=table_name)["Table"]
        assert table["KeySchema"] == template["Properties"]["KeySchema"]
        assert [index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])] == \
            [index["IndexName"] for index in template["Properties"].get("GlobalSecondaryIndexes", [])]

        for crawler_name in plan.named("AWS::Glue::Crawler"):
            rid, template = template_resource(assembly, "AWS::Glue::Crawler", crawler_name)
            expected = Resolver(assembly, rid.stack).resolve(template["Properties"])
            crawler = glue.get_crawler(Name=crawler_name)["Crawler"]
            assert crawler["DatabaseName"] == expected["DatabaseName"]
            assert crawler["Role"] == expected["Role"]
            assert crawler["Targets"].get("S3Targets", []) == expected["Targets"].get("S3Targets", [])
        assert [db["Name"] for db in glue.get_databases()["DatabaseList"]] == plan.named("AWS::Glue::Database")

        for workgroup_name in plan.named("AWS::Athena::WorkGroup"):
            rid, template = template_resource(assembly, "AWS::Athena::WorkGroup", workgroup_name)
            expected = Resolver(assembly, rid.stack).resolve(template["Properties"]["WorkGroupConfiguration"])
            workgroup = athena.get_work_group(WorkGroup=workgroup_name)["WorkGroup"]
            assert workgroup["Configuration"]["ResultConfiguration"]["OutputLocation"] == \
                expected["ResultConfiguration"]["OutputLocation"]


def test_an_assembly_without_airflow_names_the_scheduler_tier():
    template = {"Resources": {"Schedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {}}}}
    with pytest.raises(TemplateError, match="found 0; was it synthesized with lakehouse:orchestration=scheduler"):
        plan_run(Assembly({"app": Stack("app", "us-east-1", template)}))
