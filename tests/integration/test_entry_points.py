"""The CLI and the Glue entry point, driven the way users and Glue drive them."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jobs.aws import tables
from jobs.local import datagen, demo
from jobs.source.export import request_export

from .conftest import make_config, s3

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "jobs.cli"]


def test_help_lists_the_commands():
    out = subprocess.run([*CLI, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("local", "export", "run"):
        assert f"    {command} " in out


def test_local_up_status_down(tmp_path):
    env = {**os.environ, "DDB_MIGRATE_HOME": str(tmp_path / "home"), "DDB_MIGRATE_CACHE": str(ROOT / ".cache")}
    try:
        up = subprocess.run([*CLI, "local", "up"], capture_output=True, text=True, env=env, timeout=120, check=True)
        exports = dict(
            line[len("export ") :].split("=", 1) for line in up.stdout.splitlines() if line.startswith("export ")
        )
        assert exports["AWS_ACCESS_KEY_ID"] == "target" and exports["SOURCE_AWS_ACCESS_KEY_ID"] == "source"
        import boto3

        ddb = boto3.client(
            "dynamodb",
            endpoint_url=exports["AWS_ENDPOINT_URL_DYNAMODB"],
            region_name="us-east-1",
            aws_access_key_id="target",
            aws_secret_access_key="x",
        )
        assert ddb.list_tables()["TableNames"] == []
        status = subprocess.run([*CLI, "local", "status"], capture_output=True, text=True, env=env)
        assert status.returncode == 0 and "running" in status.stdout
    finally:
        subprocess.run([*CLI, "local", "down"], env=env, timeout=60, check=True)
    status = subprocess.run([*CLI, "local", "status"], capture_output=True, text=True, env=env)
    assert status.returncode == 3 and "not running" in status.stdout


def test_glue_script_runs_with_glue_style_arguments_and_no_awsglue(
    local_stack, buckets, spark, source_table, names, monkeypatch
):
    assert "awsglue" not in sys.modules
    source = source_table(list(datagen.make_items(80)))
    target, run_id = names("tgt"), names("run")
    config = make_config(local_stack, source, target, run_id)
    request_export(config.source, lambda _m: None)
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    doc = demo.demo_config(local_stack, source, target, "placeholder")
    s3(local_stack).put_object(Bucket=demo.ARTIFACT_BUCKET, Key=f"config/{run_id}.yaml", Body=yaml.safe_dump(doc))
    # Glue's own arguments come along; the job role's credentials are the ambient ones.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", local_stack.moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "target")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "migrate_table.py",
            "--JOB_ID",
            "j_1",
            "--JOB_RUN_ID",
            "jr_1",
            "--job-bookmark-option",
            "job-bookmark-disable",
            "--TempDir",
            "s3://tmp/",
            "--config",
            f"s3://{demo.ARTIFACT_BUCKET}/config/{run_id}.yaml",
            "--run_id",
            run_id,
        ],
    )
    with pytest.raises(SystemExit) as finished:
        runpy.run_path(str(ROOT / "glue_scripts" / "migrate_table.py"), run_name="__main__")
    assert finished.value.code == 0
    assert tables.count_items(local_stack.account("target"), target) == 80


def test_run_without_an_export_says_what_to_do(tmp_path, local_stack, buckets, names):
    config_path = tmp_path / "job.yaml"
    config_path.write_text(yaml.safe_dump(demo.demo_config(local_stack, "nothing", "nothing-t", names("run"))))
    result = subprocess.run([*CLI, "run", "--config", str(config_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "has no recorded export" in result.stderr and "ddb-migrate export" in result.stderr
