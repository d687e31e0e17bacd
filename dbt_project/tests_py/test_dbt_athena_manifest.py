"""The athena target parses and plans its Iceberg maintenance offline; its
marts are Iceberg tables under the curated folder given by the environment;
and nothing in the project names an environment. (The staging models'
compiled Athena SQL is checked in test_dbt_athena_parity.py.)"""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import json
import re
import subprocess

import pytest

from dbt_helpers import PROJECT_DIR, base_env, load_json, make_profiles_dir, run_dbt

CURATED_DIR = "s3://example-lake-bucket/curated/"
GLUE_DATABASE = "example_curated_db"
RAW_GLUE_DATABASE = "example_raw_db"
# Every variable the athena target reads, with values that name no real environment.
ATHENA_ENV = {
    "AWS_REGION": "eu-west-1",
    "LAKEHOUSE_ATHENA_WORKGROUP": "example-transformations",
    "LAKEHOUSE_GLUE_DATABASE": GLUE_DATABASE,
    "LAKEHOUSE_RAW_GLUE_DATABASE": RAW_GLUE_DATABASE,
    "LAKEHOUSE_ATHENA_S3_STAGING_DIR": "s3://example-results-bucket/dbt/",
    "LAKEHOUSE_ATHENA_S3_DATA_DIR": "s3://example-lake-bucket/tables/",
    "LAKEHOUSE_CURATED_S3_DIR": CURATED_DIR,
}


def _no_network_prefix() -> list[str]:
    """Run in a network namespace with no interfaces when the OS allows it,
    so any attempt to reach AWS fails instead of silently succeeding."""
    try:
        ok = subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
    except FileNotFoundError:
        ok = False
    return ["unshare", "--net"] if ok else []


def _athena_env(work, **overrides) -> dict:
    make_profiles_dir(work)
    env = base_env(work)
    env.update({
        # Fake credentials and an unreachable proxy: nothing here may need AWS.
        "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_EC2_METADATA_DISABLED": "true",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        **ATHENA_ENV,
    })
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.fixture(scope="module")
def athena_manifest(tmp_path_factory):
    work = tmp_path_factory.mktemp("athena")
    run_dbt(["parse", "--target", "athena", "--no-partial-parse"], _athena_env(work), work,
            prefix=_no_network_prefix())
    return load_json(work / "target" / "manifest.json")


def _marts(manifest):
    marts = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")}
    assert {"fct_events", "dim_users"} <= set(marts)
    return marts


def test_parse_uses_athena_profile(athena_manifest):
    assert athena_manifest["metadata"]["adapter_type"] == "athena"


def test_every_mart_is_iceberg_under_the_curated_dir_from_env(athena_manifest):
    for name, node in _marts(athena_manifest).items():
        cfg = node["config"]
        assert cfg.get("table_type") == "iceberg", name
        assert cfg.get("format") in {"parquet", "orc", "avro"}, name
        assert cfg.get("s3_data_dir") == CURATED_DIR, name
        assert cfg.get("partitioned_by"), name
        props = cfg.get("table_properties") or {}
        assert "optimize_rewrite_delete_file_threshold" in props, name
        assert "vacuum_max_snapshot_age_seconds" in props, name


def test_fct_events_is_incremental_merge_on_event_id(athena_manifest):
    cfg = _marts(athena_manifest)["fct_events"]["config"]
    assert cfg["materialized"] == "incremental"
    assert cfg["incremental_strategy"] == "merge"
    assert cfg["unique_key"] == "event_id"
    assert cfg["partitioned_by"] == ["day(event_ts)"]


def test_models_and_sources_use_the_glue_databases_from_env(athena_manifest):
    models = [n for n in athena_manifest["nodes"].values() if n["resource_type"] == "model"]
    assert models and {m["schema"] for m in models} == {GLUE_DATABASE}
    sources = {s["name"]: s for s in athena_manifest["sources"].values()}
    assert sources["raw_events"]["schema"] == sources["raw_users"]["schema"] == RAW_GLUE_DATABASE
    assert sources["raw_events"]["identifier"] == "raw_events"
    assert sources["raw_users"]["identifier"] == "raw_users"


@pytest.mark.parametrize("missing", [
    "LAKEHOUSE_ATHENA_WORKGROUP",    # read by the profile
    "LAKEHOUSE_RAW_GLUE_DATABASE",   # read by the sources
    "LAKEHOUSE_CURATED_S3_DIR",      # read by the marts' config
])
def test_a_missing_athena_variable_is_named(tmp_path, missing):
    env = _athena_env(tmp_path, **{missing: None})
    proc = run_dbt(["parse", "--target", "athena", "--no-partial-parse"], env, tmp_path, check=False,
                   prefix=_no_network_prefix())
    assert proc.returncode != 0
    assert f"Env var required but not provided: '{missing}'" in proc.stdout + proc.stderr


def test_iceberg_maintenance_plans_optimize_and_vacuum_for_every_iceberg_mart(tmp_path, athena_manifest):
    proc = run_dbt(["run-operation", "iceberg_maintenance", "--args", "{dry_run: true}", "--target", "athena"],
                   _athena_env(tmp_path), tmp_path, prefix=_no_network_prefix())
    events = [json.loads(line.split("LAKEHOUSE_MAINTENANCE ", 1)[1])
              for line in proc.stdout.splitlines() if "LAKEHOUSE_MAINTENANCE " in line]
    iceberg = sorted(n["alias"] for n in athena_manifest["nodes"].values()
                     if n["resource_type"] == "model" and n["config"].get("table_type") == "iceberg")
    assert iceberg == ["dim_users", "fct_events"]
    expected = []
    for alias in iceberg:
        table = f"awsdatacatalog.{GLUE_DATABASE}.{alias}"
        expected += [f"optimize {table} rewrite data using bin_pack", f"vacuum {table}"]
    assert sorted(e["statement"] for e in events) == sorted(expected)
    assert all(e["dry_run"] is True for e in events)


# Files that configure or document the project (tests are left out: they may
# spell the names they guard against).
PROJECT_TEXT_FILES = [p for p in PROJECT_DIR.rglob("*")
                      if p.is_file() and p.suffix in {".yml", ".sql", ".md", ".py", ".txt"}
                      and not ({"target", "logs", ".local", "dbt_packages", "tests_py", "__pycache__"}
                               & set(p.relative_to(PROJECT_DIR).parts))]


def test_no_file_names_an_environment():
    assert len(PROJECT_TEXT_FILES) > 15
    offenders = [str(p.relative_to(PROJECT_DIR)) for p in PROJECT_TEXT_FILES
                 if "sandbox" in p.read_text(encoding="utf-8").lower()]
    assert offenders == []


def test_athena_variables_have_no_fallback():
    """env_var('<athena variable>', '<default>') would hide a missing variable behind one environment's name."""
    athena_names = "|".join(ATHENA_ENV)
    with_default = re.compile(r"env_var\(\s*'(" + athena_names + r")'\s*,")
    offenders = [f"{p.relative_to(PROJECT_DIR)}: {m.group(1)}" for p in PROJECT_TEXT_FILES
                 for m in with_default.finditer(p.read_text(encoding="utf-8"))]
    assert offenders == []
