"""Bad input: each refusal names the fix, exits 2, and starts nothing."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from local import cli, substitutions
from local.resources import plan_run
from local.templates import Assembly

ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    assert captured.out == "", "nothing starts on bad input"
    return code, captured.err


def test_an_unknown_fail_at_state_lists_the_states_that_can_fail(capsys):
    code, err = run_cli(capsys, "--fail-at", "RunDbtTransformation")
    assert code == cli.EXIT_BAD_INPUT
    definition = plan_run(Assembly.load(ROOT / "apps" / "sandbox" / "cdk.out")).definition
    valid = substitutions.failable_states(substitutions.substitute(definition, "q"))
    assert "'RunDbtTransformation'" in err
    assert f"Valid states: {', '.join(valid)}" in err
    assert "RunDbtTransformations" in valid


def test_the_arguments_after_projens_separator_reach_the_runner(capsys):
    code, err = run_cli(capsys, "--", "--fail-at", "Nope")
    assert code == cli.EXIT_BAD_INPUT
    assert "--fail-at: 'Nope'" in err


def test_a_state_whose_failure_cannot_be_recorded_is_refused(capsys):
    code, err = run_cli(capsys, "--fail-at", "RecordPipelineStart")
    assert code == cli.EXIT_BAD_INPUT
    assert "Valid states:" in err


def test_a_busy_port_is_refused_with_the_way_out(capsys):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        code, err = run_cli(capsys, "--port", str(port))
    assert code == cli.EXIT_BAD_INPUT
    assert f"port {port} on 127.0.0.1 is busy" in err
    assert "--port N" in err and "leave --port out" in err


@pytest.mark.parametrize("dates", ["2026-02-30", "20260101", "2026-01-01,tomorrow", ","])
def test_a_malformed_date_is_refused(capsys, dates):
    code, err = run_cli(capsys, "--dates", dates)
    assert code == cli.EXIT_BAD_INPUT
    assert "--dates" in err and "YYYY-MM-DD" in err


def test_a_missing_assembly_names_the_build(capsys, tmp_path):
    code, err = run_cli(capsys, "--cdk-out", str(tmp_path))
    assert code == cli.EXIT_BAD_INPUT
    assert "npx nx run @lakehouse-cdk/sandbox:build" in err


@pytest.mark.parametrize("version, supported", [((3, 11), True), ((3, 12), True), ((3, 10), False), ((3, 13), False)])
def test_the_runner_accepts_python_3_11_and_3_12_only(version, supported):
    problem = cli.python_problem(version)
    assert (problem is None) == supported
    if problem:
        assert f"Python {version[0]}.{version[1]}" in problem and "PYTHON=python3.12" in problem


def fake_python(tmp_path: Path, version: str) -> Path:
    path = tmp_path / f"python{version}"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("python, message", [
    ("/nonexistent/python3", "was not found"),
    ("fake-3.10", "is Python 3.10, which is not supported"),
])
def test_the_python_check_refuses_a_missing_or_unsupported_python(tmp_path, python, message):
    if python.startswith("fake-"):
        python = str(fake_python(tmp_path, python.split("-", 1)[1]))
    result = subprocess.run(["bash", str(ROOT / "scripts" / "check-python.sh")], capture_output=True, text=True,
                            env={**os.environ, "PYTHON": python}, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "PYTHON=python3.12" in result.stderr


def test_the_python_check_accepts_a_supported_python(tmp_path):
    result = subprocess.run(["bash", str(ROOT / "scripts" / "check-python.sh")], capture_output=True, text=True,
                            env={**os.environ, "PYTHON": str(fake_python(tmp_path, "3.11"))})
    assert result.returncode == 0, result.stderr
