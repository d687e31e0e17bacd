"""The Athena (sandbox) target parses offline, and its marts are Iceberg
tables under the curated prefix (P7)."""
import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "scripts"))

import subprocess

import pytest

from dbt_helpers import base_env, load_json, make_profiles_dir, run_dbt

CURATED_DIR = "s3://lakehouse-sandbox-data-lake/curated/"


def _no_network_prefix() -> list[str]:
    """Run in a network namespace with no interfaces when the OS allows it,
    so any attempt to reach AWS fails instead of silently succeeding."""
    try:
        ok = subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
    except FileNotFoundError:
        ok = False
    return ["unshare", "--net"] if ok else []


@pytest.fixture(scope="module")
def sandbox_manifest(tmp_path_factory):
    work = tmp_path_factory.mktemp("sandbox")
    make_profiles_dir(work)
    env = base_env(work)
    env.update({
        # Fake credentials and an unreachable proxy: parsing must not need AWS.
        "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_REGION": "eu-west-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "LAKEHOUSE_ATHENA_S3_STAGING_DIR": "s3://lakehouse-sandbox-athena-results/dbt/",
        "LAKEHOUSE_ATHENA_S3_DATA_DIR": "s3://lakehouse-sandbox-data-lake/curated/tables/",
        "LAKEHOUSE_CURATED_S3_DIR": CURATED_DIR,
    })
    run_dbt(["parse", "--target", "sandbox", "--no-partial-parse"], env, work, prefix=_no_network_prefix())
    return load_json(work / "target" / "manifest.json")


def _marts(manifest):
    marts = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")}
    assert {"fct_events", "dim_users"} <= set(marts)
    return marts


def test_parse_uses_athena_profile(sandbox_manifest):
    assert sandbox_manifest["metadata"]["adapter_type"] == "athena"


def test_every_mart_is_iceberg_under_curated(sandbox_manifest):
    for name, node in _marts(sandbox_manifest).items():
        cfg = node["config"]
        assert cfg.get("table_type") == "iceberg", name
        assert cfg.get("format") in {"parquet", "orc", "avro"}, name
        s3_dir = cfg.get("s3_data_dir") or ""
        assert s3_dir.startswith("s3://") and "/curated/" in s3_dir, (name, s3_dir)
        assert cfg.get("partitioned_by"), name
        props = cfg.get("table_properties") or {}
        assert "optimize_rewrite_delete_file_threshold" in props, name
        assert "vacuum_max_snapshot_age_seconds" in props, name


def test_fct_events_is_incremental_merge_on_event_id(sandbox_manifest):
    cfg = _marts(sandbox_manifest)["fct_events"]["config"]
    assert cfg["materialized"] == "incremental"
    assert cfg["incremental_strategy"] == "merge"
    assert cfg["unique_key"] == "event_id"
    assert cfg["partitioned_by"] == ["day(event_ts)"]


def test_sources_point_at_raw_glue_database(sandbox_manifest):
    sources = {s["name"]: s for s in sandbox_manifest["sources"].values()}
    assert sources["raw_events"]["schema"] == "lakehouse_sandbox_catalog"
    assert sources["raw_events"]["identifier"] == "raw_events"
    assert sources["raw_users"]["identifier"] == "raw_users"
