"""cfn-lint over every template the sandbox app synthesizes.

The sandbox build (`nx run @lakehouse-cdk/sandbox:build`) writes apps/sandbox/cdk.out;
the root test task runs it before pytest.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSEMBLY = ROOT / "apps" / "sandbox" / "cdk.out"
CONFIG = ROOT / ".cfnlintrc.yaml"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
EXPECTED_STACKS = {"lakehouse-sandbox-data", "lakehouse-sandbox-pipeline", "lakehouse-sandbox-orchestration"}


def stack_templates() -> dict[str, Path]:
    manifest = json.loads((ASSEMBLY / "manifest.json").read_text())
    return {
        name: ASSEMBLY / artifact["properties"]["templateFile"]
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def test_the_sandbox_synthesizes_its_three_stacks():
    assert ASSEMBLY.joinpath("manifest.json").exists(), "build the sandbox first: npx nx run @lakehouse-cdk/sandbox:build"
    assert set(stack_templates()) == EXPECTED_STACKS


@pytest.mark.parametrize("stack", sorted(EXPECTED_STACKS))
def test_cfn_lint_finds_no_error_or_warning(stack):
    template = stack_templates()[stack]
    result = subprocess.run(
        [str(CFN_LINT), "--config-file", str(CONFIG), "--format", "json", "--", str(template)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    findings = json.loads(result.stdout or "[]")
    serious = [f for f in findings if f["Level"] in ("Error", "Warning")]
    assert not serious, "\n".join(
        f'{f["Level"]} {f["Rule"]["Id"]} {f["Location"]["Path"]}: {f["Message"]}' for f in serious
    )
    assert result.returncode in (0, 8), result.stderr  # 8: informational findings only
