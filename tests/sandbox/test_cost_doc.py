"""docs/cost.md counts the customer keys the synthesized sandbox creates."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSEMBLY = ROOT / "apps" / "sandbox" / "cdk.out"


def synthesized_keys() -> list[str]:
    keys = []
    for template in sorted(ASSEMBLY.glob("*.template.json")):
        resources = json.loads(template.read_text())["Resources"]
        keys += [f"{template.name}:{name}" for name, resource in resources.items() if resource["Type"] == "AWS::KMS::Key"]
    return keys


def test_the_cost_table_counts_and_prices_every_kms_key_of_the_sandbox():
    row = next(line for line in (ROOT / "docs" / "cost.md").read_text().splitlines() if "KMS customer keys" in line)
    count = int(re.search(r"\| (\d+) KMS customer keys", row).group(1))
    monthly = float(re.search(r"\| \$1 each \| \$(\d+\.\d\d) \|", row).group(1))
    keys = synthesized_keys()
    assert keys, "build the sandbox first: npx nx run @lakehouse-cdk/sandbox:build"
    assert count == len(keys), f"docs/cost.md counts {count} keys; the sandbox creates {keys}"
    assert monthly == len(keys)
