"""Reads the synthesized sandbox (cdk.out) and resolves its CloudFormation the way a deployment would.

Values come from the templates only: a `Ref`, `Fn::GetAtt` or `Fn::ImportValue`
resolves to what CloudFormation would give the resource in the stack's region
and the emulator's account, and an import resolves to the export of the stack
that declares it. The resolver records every resource it passes through, so
the caller knows which resources a value depends on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

# moto's default account: the emulator gives every resource this account id.
ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


class TemplateError(Exception):
    """A template uses something the local run cannot resolve."""


@dataclass(frozen=True)
class ResourceId:
    stack: str
    logical_id: str

    def __str__(self) -> str:
        return f"{self.stack}/{self.logical_id}"


@dataclass
class Stack:
    name: str
    region: str
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources", {})


@dataclass
class Assembly:
    """The stacks of one cloud assembly, in deployment order."""

    stacks: dict[str, Stack]
    _exports: dict[str, tuple[str, Any]] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, outdir: Path) -> "Assembly":
        manifest_file = outdir / "manifest.json"
        if not manifest_file.is_file():
            raise TemplateError(f"no cloud assembly in {outdir}: build the sandbox first "
                                "(npx nx run @lakehouse-cdk/sandbox:build)")
        manifest = json.loads(manifest_file.read_text())
        stacks: dict[str, Stack] = {}
        for name, artifact in manifest.get("artifacts", {}).items():
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            region = artifact.get("environment", "").rsplit("/", 1)[-1]
            if not region or region.startswith("unknown"):
                region = DEFAULT_REGION
            template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
            stacks[name] = Stack(name=name, region=region, template=template)
        if not stacks:
            raise TemplateError(f"the cloud assembly in {outdir} has no stacks")
        return cls(stacks)

    @property
    def region(self) -> str:
        regions = {stack.region for stack in self.stacks.values()}
        if len(regions) != 1:
            raise TemplateError(f"the stacks span several regions ({', '.join(sorted(regions))}); "
                                "the local run emulates one")
        return regions.pop()

    def resource(self, rid: ResourceId) -> dict[str, Any]:
        return self.stacks[rid.stack].resources[rid.logical_id]

    def resources_of_type(self, resource_type: str) -> Iterator[tuple[ResourceId, dict[str, Any]]]:
        for stack in self.stacks.values():
            for logical_id, resource in stack.resources.items():
                if resource["Type"] == resource_type:
                    yield ResourceId(stack.name, logical_id), resource

    def exports(self) -> dict[str, tuple[str, Any]]:
        """Export name -> (exporting stack, the output's unresolved value)."""
        if self._exports is not None:
            return self._exports
        found: dict[str, tuple[str, Any]] = {}
        for stack in self.stacks.values():
            for output in stack.template.get("Outputs", {}).values():
                if "Export" in output:
                    name = Resolver(self, stack.name).resolve(output["Export"]["Name"])
                    found[name] = (stack.name, output["Value"])
        self._exports = found
        return found


def generated_name(rid: ResourceId, max_length: int = 63) -> str:
    """The name CloudFormation makes up for a resource without one: stack-logicalid-suffix."""
    suffix = hashlib.sha256(str(rid).encode()).hexdigest()[:12]
    return f"{rid.stack}-{rid.logical_id}"[: max_length - 13].lower() + "-" + suffix


# Where each resource type keeps its name, when the template gives one.
NAME_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::Glue::Database": ("DatabaseInput", "Name"),
    "AWS::Glue::Crawler": ("Name",),
    "AWS::Glue::SecurityConfiguration": ("Name",),
    "AWS::Athena::WorkGroup": ("Name",),
    "AWS::StepFunctions::StateMachine": ("StateMachineName",),
    "AWS::StepFunctions::Activity": ("Name",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::CodeBuild::Project": ("Name",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::MWAA::Environment": ("Name",),
}


class Resolver:
    """Resolves the intrinsic functions of one stack; `used` collects the resources passed through."""

    def __init__(self, assembly: Assembly, stack: str, used: set[ResourceId] | None = None) -> None:
        self.assembly = assembly
        self.stack = assembly.stacks[stack]
        self.used: set[ResourceId] = set() if used is None else used

    @property
    def pseudo_parameters(self) -> dict[str, str]:
        return {
            "AWS::Partition": "aws",
            "AWS::Region": self.stack.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack.name,
            "AWS::NoValue": None,  # type: ignore[dict-item]
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                delimiter, items = arg
                return delimiter.join(str(item) for item in self.resolve(items))
            if key == "Fn::ImportValue":
                return self.import_value(self.resolve(arg))
            if key == "Fn::Select":
                index, items = self.resolve(arg)
                return items[int(index)]
            if key == "Fn::Split":
                delimiter, text = self.resolve(arg)
                return text.split(delimiter)
            if key == "Fn::Sub":
                return self.sub(arg)
            if key.startswith("Fn::"):
                raise TemplateError(f"{self.stack.name}: the local run cannot resolve {key}")
        return {key: self.resolve(item) for key, item in value.items()}

    def ref(self, name: str) -> Any:
        pseudo = self.pseudo_parameters
        if name in pseudo:
            return pseudo[name]
        parameters = self.stack.template.get("Parameters", {})
        if name in parameters:
            if "Default" not in parameters[name]:
                raise TemplateError(f"{self.stack.name}: parameter {name} has no default")
            return parameters[name]["Default"]
        rid = self._resource_id(name)
        resource = self.assembly.resource(rid)
        name_value = self.physical_name(rid)
        if resource["Type"] == "AWS::StepFunctions::StateMachine":
            return self.arn(rid, resource)  # a state machine's Ref is its ARN
        if resource["Type"] == "AWS::StepFunctions::Activity":
            return self.arn(rid, resource)
        return name_value

    def get_att(self, logical_id: str, attribute: str) -> Any:
        rid = self._resource_id(logical_id)
        resource = self.assembly.resource(rid)
        if attribute == "Arn":
            return self.arn(rid, resource)
        if attribute == "Name":
            return self.physical_name(rid)
        raise TemplateError(f"{self.stack.name}: the local run cannot resolve Fn::GetAtt {logical_id}.{attribute}")

    def import_value(self, export_name: str) -> Any:
        exports = self.assembly.exports()
        if export_name not in exports:
            raise TemplateError(f"{self.stack.name} imports {export_name}, which no stack exports")
        stack, value = exports[export_name]
        return Resolver(self.assembly, stack, self.used).resolve(value)

    def sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        variables = {key: self.resolve(value) for key, value in variables.items()}
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            out.append(before)
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
            elif name in variables:
                out.append(str(variables[name]))
            elif "." in name:
                out.append(str(self.get_att(*name.split(".", 1))))
            else:
                out.append(str(self.ref(name)))
        out.append(rest)
        return "".join(out)

    def physical_name(self, rid: ResourceId) -> str:
        resource = self.assembly.resource(rid)
        path = NAME_PROPERTIES.get(resource["Type"])
        value: Any = resource.get("Properties", {})
        for key in path or ():
            value = value.get(key) if isinstance(value, dict) else None
        if path and value is not None:
            return Resolver(self.assembly, rid.stack, self.used).resolve(value)
        return generated_name(rid)

    def arn(self, rid: ResourceId, resource: dict[str, Any]) -> str:
        name = self.physical_name(rid)
        region, account = self.assembly.stacks[rid.stack].region, ACCOUNT
        formats = {
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
            "AWS::Glue::Crawler": f"arn:aws:glue:{region}:{account}:crawler/{name}",
            "AWS::Glue::Database": f"arn:aws:glue:{region}:{account}:database/{name}",
            "AWS::Athena::WorkGroup": f"arn:aws:athena:{region}:{account}:workgroup/{name}",
            "AWS::StepFunctions::StateMachine": f"arn:aws:states:{region}:{account}:stateMachine:{name}",
            "AWS::StepFunctions::Activity": f"arn:aws:states:{region}:{account}:activity:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{account}:role/{name}",
            "AWS::KMS::Key": f"arn:aws:kms:{region}:{account}:key/{name}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{region}:{account}:log-group:{name}:*",
            "AWS::CodeBuild::Project": f"arn:aws:codebuild:{region}:{account}:project/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{region}:{account}:function:{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{region}:{account}:{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{region}:{account}:{name}",
        }
        if resource["Type"] not in formats:
            raise TemplateError(f"the local run does not know the ARN of a {resource['Type']} ({rid})")
        return formats[resource["Type"]]

    def _resource_id(self, logical_id: str) -> ResourceId:
        if logical_id not in self.stack.resources:
            raise TemplateError(f"{self.stack.name}: no resource {logical_id}")
        rid = ResourceId(self.stack.name, logical_id)
        self.used.add(rid)
        return rid


@dataclass
class Resolved:
    """A resolved value and the resources it depends on."""

    value: Any
    used: set[ResourceId] = field(default_factory=set)


def resolve_in(assembly: Assembly, stack: str, value: Any) -> Resolved:
    resolver = Resolver(assembly, stack)
    return Resolved(resolver.resolve(value), resolver.used)
