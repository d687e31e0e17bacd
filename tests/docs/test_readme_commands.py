"""The commands the documentation tells a reader to run exist.

Every `npx projen <task>` in the Markdown files of the repository names a task
of .projen/tasks.json, and every `npx nx run <project>:<target>` with a concrete
project names a project and a target that exist.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {"node_modules", ".git", ".venv", ".nx", ".local", "cdk.out", "dist", "lib", "dbt_packages", "target"}


def markdown_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.md"):
        parts = set(path.relative_to(ROOT).parts)
        if not parts & SKIP and not any(part.startswith(".venv") for part in parts) and path.name != "API.md":
            files.append(path)
    return sorted(files)


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
    for config in ROOT.rglob("project.json"):
        if not set(config.relative_to(ROOT).parts) & SKIP:
            data = json.loads(config.read_text())
            projects[data["name"]] = set(data.get("targets", {}))
    return projects


@pytest.mark.parametrize("where, run", sorted(set(NX_RUN)))
def test_every_npx_nx_run_command_in_the_docs_names_a_project_and_target(where, run):
    project, target = run.rsplit(":", 1)
    projects = nx_projects()
    assert project in projects, f"{where}: npx nx run {run}: no project {project}"
    assert target in projects[project], f"{where}: npx nx run {run}: {project} has no target {target}"
