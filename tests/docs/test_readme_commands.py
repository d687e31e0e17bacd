"""The commands the documentation tells a reader to run exist.

Every `npx projen <task>` in the Markdown files of the repository names a task
of .projen/tasks.json, and every `npx nx run <project>:<target>` with a concrete
project names a project and a target that exist.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Installed, generated or cached trees.
SKIP = {"node_modules", ".git", ".nx", ".local", "cdk.out", "dist", "lib", "dbt_packages", "target", "__pycache__"}


def markdown_files() -> list[Path]:
    """The repository's Markdown files; API.md is generated from the source."""
    found = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIP and not d.startswith(".venv")]
        found += [Path(folder, name) for name in names if name.endswith(".md") and name != "API.md"]
    return sorted(found)


def commands(pattern: str) -> list[tuple[str, str]]:
    found = []
    for path in markdown_files():
        for match in re.finditer(pattern, path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(ROOT)), match.group(1)))
    return found


PROJEN = commands(r"npx projen ([a-z][a-z0-9:-]*)")
NX_RUN = commands(r"npx nx run ([@a-z0-9/_-]+:[a-z:-]+)")


def test_the_docs_name_projen_tasks():
    assert len({task for _, task in PROJEN}) >= 5
    assert ("README.md", "local") in PROJEN


@pytest.mark.parametrize("where, task", sorted(set(PROJEN)))
def test_every_npx_projen_command_in_the_docs_is_a_task(where, task):
    tasks = json.loads((ROOT / ".projen" / "tasks.json").read_text())["tasks"]
    assert task in tasks, f"{where}: npx projen {task} is not a task; the tasks are {', '.join(sorted(tasks))}"


def nx_projects() -> dict[str, set[str]]:
    """Project name to target names, from the package.json and project.json files nx reads."""
    projects: dict[str, set[str]] = {}
    for manifest in [*ROOT.glob("packages/*/package.json"), *ROOT.glob("apps/*/package.json")]:
        data = json.loads(manifest.read_text())
        projects[data["name"]] = set(data.get("scripts", {})) | set(data.get("nx", {}).get("targets", {}))
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIP and not d.startswith(".venv")]
        if "project.json" in names:
            data = json.loads(Path(folder, "project.json").read_text())
            projects[data["name"]] = set(data.get("targets", {}))
    return projects


@pytest.mark.parametrize("where, run", sorted(set(NX_RUN)))
def test_every_npx_nx_run_command_in_the_docs_names_a_project_and_target(where, run):
    project, target = run.rsplit(":", 1)
    projects = nx_projects()
    assert project in projects, f"{where}: npx nx run {run}: no project {project}"
    assert target in projects[project], f"{where}: npx nx run {run}: {project} has no target {target}"
