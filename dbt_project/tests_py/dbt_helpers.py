"""Helpers shared by the dbt project's Python tests (a plain module rather
than conftest.py, so it cannot clash with other conftest modules in the repo).

Profiles: the tests never rely on ~/.dbt. They copy ``profiles.yml.example``
into a temporary folder as ``profiles.yml`` and point dbt (``--profiles-dir``)
and sqlfluff (``DBT_PROFILES_DIR``) at it, so the example file itself is what
gets tested. All outputs (DuckDB file, raw data, target/, logs/) go to
temporary folders; nothing is written inside the project.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SCRIPTS_DIR = PROJECT_DIR / "scripts"
sys.path.insert(0, str(SCRIPTS_DIR))


def find_tool(name: str) -> str:
    """Prefer the tool installed next to the running interpreter (the venv)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def base_env(work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "LAKEHOUSE_", "AWS_"))}
    env.update({
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(work / "profiles"),
    })
    return env


def make_profiles_dir(work: Path) -> Path:
    d = work / "profiles"
    d.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DIR / "profiles.yml.example", d / "profiles.yml")
    return d


def run_dbt(args: list[str], env: dict, work: Path, check: bool = True,
            prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    cmd = (prefix or []) + [find_tool("dbt"), *args, "--profiles-dir", str(work / "profiles")]
    proc = subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    return proc


def load_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


