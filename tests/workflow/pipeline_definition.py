"""Synthesizes the pipeline fixture app and turns its state machine into concrete ASL.

The definition is taken from the synthesized CloudFormation template, never
from a hand-written copy: the fixture app (packages/workflow/test/fixtures/
pipeline-app.ts) is run with ts-node, and the intrinsic functions of the
state machine's DefinitionString are resolved to the values a deployment in
the fixture's account and region would give them.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_APP = REPO_ROOT / "packages" / "workflow" / "test" / "fixtures" / "pipeline-app.ts"

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
}


def synthesize(outdir: Path) -> dict[str, Any]:
    """Runs the fixture app into `outdir` and returns the synthesized template."""
    subprocess.run(
        ["npx", "ts-node", "--transpile-only", str(FIXTURE_APP), str(outdir)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CDK_DISABLE_VERSION_CHECK": "1"},
    )
    return json.loads((outdir / "PipelineFixture.template.json").read_text())


def resolve(value: Any, refs: dict[str, str]) -> Any:
    """Resolves Ref, Fn::Join and Fn::GetAtt with `refs`; fails on anything it does not know."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [resolve(item, refs) for item in value]
    if isinstance(value, dict):
        if "Ref" in value:
            name = value["Ref"]
            if name not in refs:
                raise KeyError(f"no value for Ref {name}")
            return refs[name]
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return delimiter.join(resolve(item, refs) for item in items)
        if "Fn::GetAtt" in value:
            key = ".".join(value["Fn::GetAtt"])
            if key not in refs:
                raise KeyError(f"no value for Fn::GetAtt {key}")
            return refs[key]
        return {key: resolve(item, refs) for key, item in value.items()}
    return value


def physical_names(template: dict[str, Any]) -> dict[str, str]:
    """`Ref` values of the template's resources that are named in it (a CodeBuild project's Ref is its name)."""
    return {
        logical_id: resource["Properties"]["Name"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CodeBuild::Project" and isinstance(resource.get("Properties", {}).get("Name"), str)
    }


def state_machine_definitions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ASL of every state machine of the template, by logical id, with every token resolved."""
    refs = {**PSEUDO_PARAMETERS, **physical_names(template)}
    return {
        logical_id: json.loads(resolve(resource["Properties"]["DefinitionString"], refs))
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    }


def _only(template: dict[str, Any], keep: Any, what: str) -> dict[str, Any]:
    found = [definition for definition in state_machine_definitions(template).values() if keep(definition)]
    if len(found) != 1:
        raise AssertionError(f"expected one {what} state machine, found {len(found)}")
    return found[0]


def state_machine_definition(template: dict[str, Any]) -> dict[str, Any]:
    """The ASL of the pipeline: the state machine that records a run's start."""
    return _only(template, lambda definition: "RecordPipelineStart" in definition["States"], "pipeline")


def stuck_run_closer_definition(template: dict[str, Any]) -> dict[str, Any]:
    """The ASL of the Express state machine that closes the record of a timed-out or aborted execution."""
    return _only(template, lambda definition: "CloseStuckRun" in definition["States"], "stuck-run closer")
