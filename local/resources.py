"""What the synthesized templates declare that one pipeline run needs, and creating it in moto.

The starting point is the Airflow environment of the orchestration stack: its
option `lakehouse.state_machine_arn` names the pipeline state machine. The run
needs every resource the state machine's definition refers to (through `Ref`,
`Fn::GetAtt` or another stack's export), and what those resources refer to in
turn. Resources of the types below are created in moto from their template
properties; the others (roles, keys, policies) only lend their names and ARNs.
A CodeBuild project is not created: the local worker runs its build, with the
project's environment variables from the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from .templates import Assembly, ResourceId, Resolver, TemplateError

STATE_MACHINE_OPTION = "lakehouse.state_machine_arn"
PIPELINE_NAME_OPTION = "lakehouse.pipeline_name"


def _pick(properties: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: properties[key] for key in keys if properties.get(key) is not None}


def _tags_list(tags: Any) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()] if isinstance(tags, dict) else list(tags or [])


def _bucket(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, Any]]:
    kwargs: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    return "create_bucket", kwargs


def _table(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, Any]]:
    kwargs = _pick(props, "KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes",
                   "LocalSecondaryIndexes", "ProvisionedThroughput", "StreamSpecification")
    return "create_table", {"TableName": name, **kwargs}


def _database(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, Any]]:
    return "create_database", {"DatabaseInput": props["DatabaseInput"]}


def _crawler(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, Any]]:
    kwargs = _pick(props, "Role", "DatabaseName", "Targets", "Description", "TablePrefix", "SchemaChangePolicy",
                   "RecrawlPolicy", "Configuration", "CrawlerSecurityConfiguration", "Schedule", "Tags")
    if isinstance(kwargs.get("Schedule"), dict):
        kwargs["Schedule"] = kwargs["Schedule"].get("ScheduleExpression")
    return "create_crawler", {"Name": name, **kwargs}


def _workgroup(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, Any]]:
    kwargs: dict[str, Any] = {"Name": name, **_pick(props, "Description")}
    if "WorkGroupConfiguration" in props:
        kwargs["Configuration"] = props["WorkGroupConfiguration"]
    if props.get("Tags"):
        kwargs["Tags"] = _tags_list(props["Tags"])
    return "create_work_group", kwargs


@dataclass(frozen=True)
class Creator:
    service: str
    build: Callable[[dict[str, Any], str, str], tuple[str, dict[str, Any]]]


# The resource types the local run creates in moto, and the API call that does it.
CREATORS: dict[str, Creator] = {
    "AWS::S3::Bucket": Creator("s3", _bucket),
    "AWS::DynamoDB::Table": Creator("dynamodb", _table),
    "AWS::Glue::Database": Creator("glue", _database),
    "AWS::Glue::Crawler": Creator("glue", _crawler),
    "AWS::Athena::WorkGroup": Creator("athena", _workgroup),
}
# Created first where another resource needs them (a crawler's database).
ORDER = ["AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::Glue::Database", "AWS::Glue::Crawler",
         "AWS::Athena::WorkGroup"]


@dataclass
class PlannedResource:
    rid: ResourceId
    type: str
    name: str
    service: str
    call: str
    kwargs: dict[str, Any]


@dataclass
class RunPlan:
    """The pipeline state machine, what it needs, and the Airflow options, all resolved from the templates."""

    region: str
    state_machine: ResourceId
    state_machine_name: str
    state_machine_type: str
    role_arn: str
    definition: dict[str, Any]
    airflow_options: dict[str, str]
    resources: list[PlannedResource]
    # CodeBuild project name -> the build's own environment variables (the job's static settings).
    build_environments: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def pipeline_name(self) -> str:
        return self.airflow_options[PIPELINE_NAME_OPTION]

    def named(self, resource_type: str) -> list[str]:
        return [resource.name for resource in self.resources if resource.type == resource_type]


def _orchestration(assembly: Assembly) -> tuple[str, dict[str, str]]:
    environments = list(assembly.resources_of_type("AWS::MWAA::Environment"))
    if len(environments) != 1:
        # The scheduler tier (lakehouse:orchestration=scheduler) has no Airflow for the local run to drive.
        hint = ("; was it synthesized with lakehouse:orchestration=scheduler? The local run needs the default, "
                "mwaa: npx projen local synthesizes it again") if not environments else ""
        raise TemplateError(
            f"expected one Airflow environment (AWS::MWAA::Environment), found {len(environments)}{hint}")
    rid, resource = environments[0]
    options = Resolver(assembly, rid.stack).resolve(resource["Properties"].get("AirflowConfigurationOptions", {}))
    for option in (STATE_MACHINE_OPTION, PIPELINE_NAME_OPTION):
        if not options.get(option):
            raise TemplateError(f"the Airflow environment {rid} does not set {option}")
    return rid.stack, {key: str(value) for key, value in options.items()}


def plan_run(assembly: Assembly) -> RunPlan:
    """Resolves the pipeline and the resources its run needs from the synthesized templates."""
    _, airflow_options = _orchestration(assembly)
    state_machine_arn = airflow_options[STATE_MACHINE_OPTION]
    machines = [(rid, resource) for rid, resource in assembly.resources_of_type("AWS::StepFunctions::StateMachine")
                if Resolver(assembly, rid.stack).ref(rid.logical_id) == state_machine_arn]
    if len(machines) != 1:
        raise TemplateError(f"no state machine in the templates has the ARN {state_machine_arn} "
                            f"that the Airflow option {STATE_MACHINE_OPTION} names")
    machine_rid, machine = machines[0]
    resolver = Resolver(assembly, machine_rid.stack)
    properties = machine["Properties"]
    definition_source = properties.get("DefinitionString", properties.get("Definition"))
    definition_value = resolver.resolve(definition_source)
    definition = json.loads(definition_value) if isinstance(definition_value, str) else definition_value
    needed = set(resolver.used)
    role_arn = resolver.resolve(properties["RoleArn"])
    name = resolver.physical_name(machine_rid)

    planned: dict[ResourceId, PlannedResource] = {}
    build_environments: dict[str, dict[str, str]] = {}
    pending = set(needed)
    while pending:
        rid = pending.pop()
        resource = assembly.resource(rid)
        rtype = resource["Type"]
        if rtype == "AWS::CodeBuild::Project" and rid not in planned:
            project_resolver = Resolver(assembly, rid.stack)
            environment = project_resolver.resolve(resource["Properties"].get("Environment", {}))
            build_environments[project_resolver.physical_name(rid)] = {
                variable["Name"]: str(variable["Value"]) for variable in environment.get("EnvironmentVariables", [])
            }
            continue
        if rtype not in CREATORS or rid in planned:
            continue
        resource_resolver = Resolver(assembly, rid.stack)
        props = resource_resolver.resolve(resource.get("Properties", {}))
        physical = resource_resolver.physical_name(rid)
        creator = CREATORS[rtype]
        call, kwargs = creator.build(props, physical, assembly.stacks[rid.stack].region)
        planned[rid] = PlannedResource(rid, rtype, physical, creator.service, call, kwargs)
        pending |= {used for used in resource_resolver.used if used not in planned and used != rid}

    resources = sorted(planned.values(), key=lambda r: (ORDER.index(r.type), r.name))
    return RunPlan(
        region=assembly.stacks[machine_rid.stack].region,
        state_machine=machine_rid,
        state_machine_name=name,
        state_machine_type=properties.get("StateMachineType", "STANDARD"),
        role_arn=role_arn,
        definition=definition,
        airflow_options=airflow_options,
        resources=resources,
        build_environments=build_environments,
    )


def create_resources(plan: RunPlan, client: Callable[[str], Any]) -> None:
    """Creates the planned resources through the emulator's APIs, in dependency order."""
    for resource in plan.resources:
        getattr(client(resource.service), resource.call)(**resource.kwargs)
