"""The demo and `ddb-migrate local init` lead on: the demo validates its copy, shows where its
Data Docs are and what to type next, and leaves a stack its config still reaches; `local init`
prepares a sample that `run`, `validate` and `dlq list` take from its job.yaml."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from jobs.aws import tables
from jobs.local import stack
from jobs.local.demo import run_demo
from jobs.local.stack import Stack

CLI = [sys.executable, "-m", "jobs.cli"]
ITEMS = 300


def _cli(command: str, cwd: Path, home: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """A command as a person pastes it (``ddb-migrate ...``), run in ``cwd`` against the stack in ``home``."""
    words = shlex.split(command)
    assert words[0] == "ddb-migrate", command
    env = {**os.environ, "DDB_MIGRATE_HOME": str(home)}
    return subprocess.run(
        [*CLI, *words[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_demo_validates_the_copy_prints_its_data_docs_and_next_commands_and_leaves_a_working_config(
    local_stack: Stack, stack_home: Path, spark, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DDB_MIGRATE_HOME", str(stack_home))  # the demo finds the running stack here
    monkeypatch.chdir(tmp_path)
    assert run_demo(Path("demo-output"), items=ITEMS) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "Demo SUCCEEDED" in lines
    summary = next(line for line in lines if line.startswith("validation "))
    assert summary.startswith(f"validation PASSED (full): expected {ITEMS}, target {ITEMS}; match {ITEMS}; ")
    index = (tmp_path / "demo-output" / "validation" / "index.html").resolve()
    assert f"  Data Docs: {index.as_uri()}" in lines
    page = index.read_text(encoding="utf-8")
    config = yaml.safe_load((tmp_path / "demo-output" / "config.yaml").read_text())
    for fact in ("ddb-migrate validation passed", f"<code>{config['run_id']}</code>", "<code>demo-orders</code>"):
        assert fact in page, fact
    assert f"<td>{ITEMS}</td><td>{ITEMS}</td><td>{ITEMS}</td><td>0</td><td>0</td><td>0</td><td>0</td>" in page
    at = lines.index("Next, try:")
    assert lines[at + 1 : at + 4] == [
        "  ddb-migrate validate --config demo-output/config.yaml --report-dir demo-output/validation",
        "  ddb-migrate dlq list --config demo-output/config.yaml",
        "  ddb-migrate plan --config demo-output/config.yaml",
    ]
    assert lines[-1] == (
        "the local stack keeps running (the config's endpoints are its ports); stop it with: ddb-migrate local down"
    )
    running = stack.current(stack_home)
    assert running is not None and running.dynamodb_port == local_stack.dynamodb_port
    assert config["accounts"]["target"]["endpoints"]["dynamodb"] == local_stack.dynamodb_endpoint
    # the first command it prints works as pasted: the config reaches the stack it left running
    validated = _cli(lines[at + 1].strip(), tmp_path, stack_home)
    assert validated.returncode == 0, validated.stderr
    assert f"validation PASSED (full): expected {ITEMS}, target {ITEMS}; match {ITEMS}; " in validated.stderr
    assert validated.stderr.rstrip().endswith(f"Data Docs: {index.as_uri()}")
    listed = _cli(lines[at + 2].strip(), tmp_path, stack_home)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"run {config['run_id']}: no dead letters (s3://ddb-migrate-demo-artifacts/runs/")


def test_local_init_prepares_a_sample_that_run_validate_and_dlq_take_from_its_job_yaml(
    local_stack: Stack, stack_home: Path, tmp_path
):
    init = _cli("ddb-migrate local init --dir sample --items 200", tmp_path, stack_home)
    assert init.returncode == 0, init.stderr
    lines = init.stdout.splitlines()
    job = tmp_path / "sample" / "job.yaml"
    assert lines[0].startswith("source table sample-orders (account source): 200 items in ")
    assert f"config: {job.resolve()}" in lines
    at = lines.index("Now try, in this order:")
    assert lines[at + 1 : at + 5] == [
        "  ddb-migrate plan --config sample/job.yaml",
        "  ddb-migrate run --config sample/job.yaml",
        "  ddb-migrate validate --config sample/job.yaml --report-dir sample/validation",
        "  ddb-migrate dlq list --config sample/job.yaml",
    ]
    doc = yaml.safe_load(job.read_text())
    assert doc["source"]["export"]["manifest"].startswith("s3://ddb-migrate-demo-exports/exports/sample-orders/")
    assert tables.count_items(local_stack.account("source"), "sample-orders") == 200
    assert tables.count_items(local_stack.account("target"), "sample-orders-copy") == 0

    planned = _cli(lines[at + 1].strip(), tmp_path, stack_home)
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.startswith("plan for s3://ddb-migrate-demo-exports/exports/sample-orders/")
    schema = _cli("ddb-migrate schema copy --config sample/job.yaml --dry-run", tmp_path, stack_home)
    assert schema.returncode == 0, schema.stderr
    assert schema.stdout.startswith(
        "schema copy: table sample-orders (account 'source') -> table sample-orders-copy (account 'target')\n"
    )
    ran = _cli(lines[at + 2].strip(), tmp_path, stack_home)
    assert ran.returncode == 0, ran.stderr
    assert tables.count_items(local_stack.account("target"), "sample-orders-copy") == 200
    validated = _cli(lines[at + 3].strip(), tmp_path, stack_home)
    assert validated.returncode == 0, validated.stderr
    assert "validation PASSED (full): expected 200, target 200; match 200; " in validated.stderr
    page = (tmp_path / "sample" / "validation" / "index.html").resolve()
    assert validated.stderr.rstrip().endswith(f"Data Docs: {page.as_uri()}")
    assert "ddb-migrate validation passed" in (tmp_path / "sample" / "validation" / "index.html").read_text()
    listed = _cli(lines[at + 4].strip(), tmp_path, stack_home)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"run {doc['run_id']}: no dead letters (")


def test_local_init_without_a_running_stack_says_how_to_start_one(tmp_path):
    home = tmp_path / "no-stack"
    init = _cli("ddb-migrate local init", tmp_path, home, timeout=60)
    assert init.returncode == 2
    assert init.stderr.strip().splitlines() == [
        f"error: no local stack is running (DDB_MIGRATE_HOME={home.resolve()}) -> "
        "start it with `ddb-migrate local up`, then rerun `ddb-migrate local init`"
    ]
    assert not (tmp_path / "local-sample").exists()
