"""Every pytest suite is an nx target, so `npx projen test` and `affected` run it and nx caches it."""

from __future__ import annotations

import configparser
import fnmatch
import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Installed, generated or cached trees, and test fixtures (copies of folders that a test packages).
SKIP = {"node_modules", ".git", ".nx", ".local", "cdk.out", "dbt_packages", "target", "fixtures", "__pycache__"}


def files(pattern: str) -> list[Path]:
    """The repository's files named like `pattern`, without walking the skipped trees."""
    found = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIP and not d.startswith(".venv")]
        found += [Path(folder, name) for name in names if fnmatch.fnmatch(name, pattern)]
    return found


def pytest_targets() -> dict[str, list[str]]:
    """nx project to the paths its pytest target runs."""
    targets = {}
    configs = files("project.json")
    manifests = [*ROOT.glob("packages/*/package.json"), *ROOT.glob("apps/*/package.json")]
    for path in [*configs, *manifests]:
        data = json.loads(path.read_text())
        target = (data.get("targets") or data.get("nx", {}).get("targets") or {}).get("pytest")
        if target:
            targets[data["name"]] = main_venv_paths(target["command"])
    return targets


def main_venv_paths(command: str) -> list[str]:
    """The paths a pytest target runs in the main `.venv`; a run in another venv (`VENV=…`) must repeat them."""
    runs = [re.fullmatch(r"(?:VENV=(\S+) )?bash scripts/pytest\.sh (.+)", part.strip()) for part in command.split("&&")]
    assert all(runs), f"not a chain of scripts/pytest.sh runs: {command}"
    main = [run.group(2).split() for run in runs if run.group(1) is None]
    assert len(main) == 1, f"exactly one run in the main venv: {command}"
    for run in runs:
        assert run.group(2).split() == main[0], f"the run in {run.group(1) or '.venv'} runs other paths: {command}"
    return main[0]


def test_every_pytest_testpath_is_run_by_exactly_one_nx_target():
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini")
    testpaths = config["pytest"]["testpaths"].split()
    run = [path for paths in pytest_targets().values() for path in paths]
    for testpath in testpaths:
        covering = [path for path in run if path == testpath or path.startswith(testpath.rstrip("/") + "/")]
        assert covering, f"pytest.ini runs {testpath}, but no nx pytest target does"
    assert len(run) == len(set(run)), f"a suite runs twice: {sorted(run)}"


def test_every_suite_folder_with_tests_has_a_target():
    folders = {str(p.parent.relative_to(ROOT)) for p in files("test_*.py")}
    run = {path for paths in pytest_targets().values() for path in paths}
    for folder in sorted(folders):
        assert any(folder == path or folder.startswith(path + "/") for path in run), f"{folder} holds pytest tests that no nx target runs"
