"""sqlfluff over the models, templated by dbt against the local target.

Macros are linted as rendered into the models that call them: the dbt
templater lints compiled nodes, and macro files are not nodes.
"""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import json
import subprocess

from dbt_helpers import PROJECT_DIR, base_env, find_tool, make_profiles_dir


def test_sqlfluff_models(tmp_path):
    make_profiles_dir(tmp_path)
    env = base_env(tmp_path)
    env["LAKEHOUSE_DUCKDB_PATH"] = str(tmp_path / "lint.duckdb")
    env["LAKEHOUSE_RAW_DIR"] = str(tmp_path / "raw")
    proc = subprocess.run([find_tool("sqlfluff"), "lint", "models", "--format", "json"],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else []
    linted = {r["filepath"] for r in report}
    assert len(linted) >= 7, f"too few files linted: {linted}\n{proc.stderr[-3000:]}"
    problems = [f"{r['filepath']}:{v.get('start_line_no')}: {v['code']} {v['description']}"
                for r in report for v in r["violations"]]
    assert proc.returncode == 0 and not problems, "\n".join(problems) or proc.stderr[-3000:]
