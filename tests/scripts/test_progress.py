"""Progress while long commands run: the nx wrapper (scripts/nx-progress.js)
and the shared wait loop of the shell scripts (scripts/lib/progress.sh)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "scripts" / "nx-progress.js"
PROGRESS_SH = ROOT / "scripts" / "lib" / "progress.sh"

# Stands in for nx: a task process carries its task in its environment, as nx's do,
# and nx prints a `nx run <task>` line when a task ends.
FAKE_NX = """#!/usr/bin/env bash
echo "start"
echo "on stderr" >&2
NX_TASK_TARGET_PROJECT=pkg NX_TASK_TARGET_TARGET=build sleep 2.5
echo "✔  nx run pkg:build  [local cache]"
NX_TASK_TARGET_PROJECT=pkg NX_TASK_TARGET_TARGET=test sleep 3.5
echo "> nx run pkg:test"
echo "the failing test's output"
exit 3
"""


def run_wrapper(tmp_path: Path, script: str, seconds: str) -> subprocess.CompletedProcess:
    fake = tmp_path / "fake-nx"
    fake.write_text(script)
    fake.chmod(0o755)
    # Run inside an nx task (CI), this process carries that task in its environment: the fake's must not.
    env = {name: value for name, value in os.environ.items() if not name.startswith("NX_TASK_")}
    env["PROGRESS_SECONDS"] = seconds
    env.pop("FORCE_COLOR", None)
    return subprocess.run(["node", str(WRAPPER), str(fake)], env=env, capture_output=True, text=True, timeout=60)


def test_a_quiet_stretch_prints_what_runs_and_the_output_and_exit_code_pass_through(tmp_path):
    started = time.monotonic()
    result = run_wrapper(tmp_path, FAKE_NX, "1")
    wall = time.monotonic() - started
    assert result.returncode == 3
    assert result.stderr == "on stderr\n"
    lines = result.stdout.splitlines()
    # The command's own lines, unchanged and in order; the failing task's output included.
    assert [line for line in lines if not line.startswith("… ")] == [
        "start", "✔  nx run pkg:build  [local cache]", "> nx run pkg:test", "the failing test's output"]
    build_ends = lines.index("✔  nx run pkg:build  [local cache]")
    during_build = [line for line in lines[:build_ends] if line.startswith("… ")]
    during_test = [line for line in lines[build_ends:] if line.startswith("… ")]
    assert during_build and all(line.startswith("… 0 tasks done") for line in during_build)
    assert any(line.startswith("… 0 tasks done; running ") and line.endswith(" s: pkg:build") for line in during_build)
    # After the build's line: one task done, and the test is what runs, for a second or more by now,
    # and never longer than the whole run (a loaded machine can stretch its 3.5 s).
    # (A line at the very moment a task's process ends may name nothing running.)
    assert during_test and all(line.startswith("… 1 task done") for line in during_test)
    naming_test = [line for line in during_test if line.startswith("… 1 task done; running ") and line.endswith(" s: pkg:test")]
    assert naming_test
    assert 1 <= int(naming_test[-1].split("running ")[1].split(" s:")[0]) <= wall


def test_a_long_quiet_stretch_gets_lines_at_doubling_waits(tmp_path):
    # With a 1 s wait: lines after about 1, 3 and 7 s of a 12 s silence (waits of 1, 2, 4 s), not one a second.
    result = run_wrapper(tmp_path, "#!/usr/bin/env bash\nsleep 12\necho done\n", "1")
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "done"
    progress = [line for line in result.stdout.splitlines() if line.startswith("… ")]
    assert len(progress) == 3, result.stdout
    seconds = [int(line.split(" in ")[1].removesuffix(" s")) for line in progress]
    assert seconds[0] >= 1 and seconds[1] - seconds[0] >= 2 and seconds[2] - seconds[1] >= 4, seconds


def test_a_command_that_keeps_printing_gets_no_progress_line(tmp_path):
    chatty = "#!/usr/bin/env bash\nfor i in 1 2 3 4 5 6; do echo \"step $i\"; sleep 0.5; done\n"
    result = run_wrapper(tmp_path, chatty, "2")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [f"step {i}" for i in range(1, 7)]


def test_progress_can_be_turned_off(tmp_path):
    result = run_wrapper(tmp_path, "#!/usr/bin/env bash\nsleep 2\necho done\n", "0")
    assert (result.returncode, result.stdout) == (0, "done\n")


def test_progress_wait_reports_while_the_process_runs_and_returns_its_status():
    script = f"""
source {PROGRESS_SH}
report() {{ echo "spent $1"; }}
(sleep 2.5; exit 4) &
progress_wait $! 1 report && echo "status 0" || echo "status $?"
"""
    started = time.monotonic()
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stdout.splitlines() == ["spent 1", "spent 2", "status 4"]
    assert time.monotonic() - started < 6


def test_progress_wait_is_silent_for_a_quick_process():
    script = f"source {PROGRESS_SH}\nreport() {{ echo spent; }}\ntrue &\nprogress_wait $! 5 report; echo \"status $?\"\n"
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stdout == "status 0\n"
