"""The job's requirement file, and the venv script's stamp over nested includes."""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))

import hashlib
import os
import re
import shutil
import subprocess
from importlib.metadata import requires, version
from pathlib import Path

import pytest

from dbt_helpers import PROJECT_DIR

REPO_DIR = PROJECT_DIR.parent
FAKE_PYTHON_VERSION = "Python 3.11.99"


def _requirements(path: Path) -> list[str]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line]


def test_job_requirements_are_exactly_dbt_core_and_dbt_athena_as_tested():
    assert _requirements(PROJECT_DIR / "requirements-athena.txt") == [
        f"dbt-core=={version('dbt-core')}", f"dbt-athena=={version('dbt-athena')}"]
    # The entrypoint's boto3 comes with dbt-athena, so the job file need not pin it.
    assert any(r.split(";")[0].replace(" ", "").startswith("boto3>") for r in requires("dbt-athena"))


def test_project_requirements_include_the_job_requirements():
    reqs = _requirements(PROJECT_DIR / "requirements.txt")
    assert "-r requirements-athena.txt" in reqs
    assert not any(r.startswith(("dbt-core", "dbt-athena")) for r in reqs), "pinned twice"


def _fake_python(folder: Path) -> Path:
    """Answers --version and the supported-version check (scripts/check-python.sh)
    and refuses everything else, so venv.sh can decide whether to rebuild but
    never builds anything."""
    path = folder / "fake-python"
    path.write_text(f'#!/bin/sh\n[ "$1" = --version ] && echo "{FAKE_PYTHON_VERSION}" && exit 0\n'
                    '[ "$1" = -c ] && echo 3.11 && exit 0\nexit 3\n')
    path.chmod(0o755)
    return path


def _run_venv_sh(root: Path, python: Path) -> subprocess.CompletedProcess:
    # venv.sh checks the interpreter first, with the script beside it.
    shutil.copy(REPO_DIR / "scripts" / "check-python.sh", root / "scripts" / "check-python.sh")
    # Only the main virtualenv: the Airflow test venvs' files are not in these fake repositories.
    return subprocess.run(["bash", str(root / "scripts" / "venv.sh"), ".venv"], env={"PATH": "/usr/bin:/bin",
                          "PYTHON": str(python)}, capture_output=True, text=True, timeout=60)


def _stamp(root: Path, files: list[str]) -> str:
    digest = hashlib.sha256((FAKE_PYTHON_VERSION + "\n").encode())
    for name in files:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


@pytest.fixture
def nested_root(tmp_path):
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO_DIR / "scripts" / "venv.sh", root / "scripts" / "venv.sh")
    (root / "sub").mkdir()
    (root / "requirements-dev.txt").write_text("-r sub/requirements.txt\ntool==1.0\n")
    (root / "sub" / "requirements.txt").write_text("-r requirements-job.txt\n-r requirements-job.txt\nlib==2.0\n")
    (root / "sub" / "requirements-job.txt").write_text("job==3.0\n")
    return root


def test_venv_stamp_covers_nested_includes_relative_to_the_including_file(nested_root, tmp_path):
    files = ["requirements-dev.txt", "sub/requirements.txt", "sub/requirements-job.txt"]
    (nested_root / ".venv").mkdir()
    (nested_root / ".venv" / ".requirements.sha256").write_text(_stamp(nested_root, files) + "\n")
    python = _fake_python(tmp_path)

    up_to_date = _run_venv_sh(nested_root, python)
    assert up_to_date.returncode == 0, up_to_date.stderr
    assert up_to_date.stdout.strip() == f"venv: .venv is up to date with {' '.join(files)}"

    # A change two includes deep makes the stamp stale: venv.sh starts a rebuild
    # (which the fake interpreter refuses).
    (nested_root / "sub" / "requirements-job.txt").write_text("job==3.1\n")
    stale = _run_venv_sh(nested_root, python)
    assert re.match(rf"venv: creating \.venv with .* from {re.escape(' '.join(files))};", stale.stdout), stale.stdout
    assert stale.returncode != 0


def test_venv_stamp_of_this_repository_includes_the_job_requirements(tmp_path):
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO_DIR / "scripts" / "venv.sh", root / "scripts" / "venv.sh")
    for folder, subfolders, names in os.walk(REPO_DIR):
        subfolders[:] = [d for d in subfolders if d not in {"node_modules", ".git", ".venv", ".local", ".nx"}]
        for name in names:
            if name.startswith("requirements") and name.endswith(".txt"):
                rel = Path(folder, name).relative_to(REPO_DIR)
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(REPO_DIR / rel, root / rel)
    proc = _run_venv_sh(root, _fake_python(tmp_path))
    listed = re.search(r"venv: creating \.venv with .* from (.*?);", proc.stdout).group(1).split()
    assert listed[0] == "requirements-dev.txt"
    assert {"dbt_project/requirements.txt", "dbt_project/requirements-athena.txt"} <= set(listed)
