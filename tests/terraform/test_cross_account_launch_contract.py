"""The launch contract: what Terraform applied is enough to start the jobs the way Glue 5.0
starts them (glue_launch.py, ADR 0010). Runs on the example applied by example_stack.py."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobs.aws import clients as aws_clients
from jobs.aws import tables
from jobs.local import datagen, demo
from jobs.local.stack import Stack as LocalStack
from jobs.sink.writer import put_items

from .example_stack import REGION, RUN_ID, Stack
from .glue_launch import (
    GLUE_INTERNAL_CONF,
    GlueEnvironment,
    download,
    glue_argv,
    split_s3_uri,
    start_job_run,
    workflow_job_order,
)
from .harness import REPO_ROOT


def _lock_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


@pytest.fixture(scope="module")
def downloads(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The migrate job's script and bundle, fetched from where the job definition says."""
    glue, s3 = stack.target_client("glue"), stack.target_client("s3")
    job = glue.get_job(JobName=stack.outputs["migrate_job_name"])["Job"]
    into = tmp_path_factory.mktemp("glue-downloads")
    modules = job["DefaultArguments"]["--additional-python-modules"].split(",")
    (bundle_uri,) = modules
    return {
        "script": download(s3, job["Command"]["ScriptLocation"], into / "script"),
        "bundle": download(s3, bundle_uri, into / "bundle"),
    }


@pytest.fixture(scope="module")
def glue_environment(downloads: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> GlueEnvironment:
    return GlueEnvironment.create(tmp_path_factory.mktemp("glue-env") / "venv", downloads["bundle"])


def test_the_jobs_install_only_s3_objects_with_no_index(stack: Stack) -> None:
    glue = stack.target_client("glue")
    for output in ("export_job_name", "migrate_job_name", "validate_job_name"):
        arguments = glue.get_job(JobName=stack.outputs[output])["Job"]["DefaultArguments"]
        modules = arguments["--additional-python-modules"].split(",")
        assert all(module.startswith("s3://") for module in modules), modules
        assert arguments["--python-modules-installer-option"] == "--no-index"


def test_the_downloaded_bundle_is_the_one_built(stack: Stack, downloads: dict[str, Path]) -> None:
    assert downloads["bundle"].read_bytes() == stack.bundle.read_bytes()
    manifest = json.loads(stack.bundle.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["sha256"] in downloads["bundle"].name


def test_the_bundle_installs_with_no_index_over_glues_own_packages(glue_environment: GlueEnvironment) -> None:
    """Everything the jobs import resolves inside the fresh environment, at the lock's pins,
    and `jobs` comes from the bundle, not from this checkout."""
    probe = glue_environment.run(
        "import json, importlib.metadata as m, jobs, great_expectations, yaml, amazon.ion, boto3, orjson, pyspark\n"
        "names = ['boto3', 'botocore', 'great-expectations', 'amazon-ion', 'orjson', 'PyYAML', 'pyspark', 'numpy',"
        " 'pandas', 'pyarrow', 'ddb-migrate']\n"
        "print(json.dumps({'jobs': jobs.__file__, 'versions': {n: m.version(n) for n in names}}))",
        env={"PYTHONPATH": ""},
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert str(glue_environment.root) in found["jobs"], found["jobs"]
    pins = _lock_pins()
    for name, version in found["versions"].items():
        if name != "ddb-migrate":
            assert version == pins[name.lower().replace("_", "-")], (name, version)
    missing = glue_environment.run("import awswrangler")
    assert missing.returncode != 0, "awswrangler is a notebooks extra, not a job dependency"


def test_a_run_gets_glues_arguments_with_run_arguments_over_defaults(stack: Stack, downloads: dict[str, Path]) -> None:
    glue = stack.target_client("glue")
    run = start_job_run(glue, stack.outputs["migrate_job_name"], {"--run-id": "launch-contract-override"})
    assert run.arguments["--run-id"] == "launch-contract-override"
    assert run.arguments["--config"] == stack.outputs["job_config_s3_uri"]
    assert run.script_location == stack.outputs["glue_script_s3_uris"]["migrate_table.py"]

    argv = glue_argv(downloads["script"], run, "wf", "wr_1")
    assert argv[0] == str(downloads["script"])
    pairs = dict(zip(argv[1::2], argv[2::2], strict=True))
    assert pairs["--run-id"] == "launch-contract-override" != RUN_ID
    assert pairs["--JOB_RUN_ID"] == run.run_id
    assert pairs["--JOB_NAME"] == stack.outputs["migrate_job_name"]
    assert pairs["--job-bookmark-option"] == "job-bookmark-disable"
    assert pairs["--conf"] == GLUE_INTERNAL_CONF
    assert (pairs["--WORKFLOW_NAME"], pairs["--WORKFLOW_RUN_ID"]) == ("wf", "wr_1")


def test_the_workflow_starts_export_then_migrate_then_validate(stack: Stack) -> None:
    order = workflow_job_order(stack.target_client("glue"), stack.outputs["glue_workflow_name"])
    assert order == [
        stack.outputs["export_job_name"],
        stack.outputs["migrate_job_name"],
        stack.outputs["validate_job_name"],
    ]


# --------------------------------------------------------------------------------
# The jobs themselves, started as the workflow starts them, against the local stack
# --------------------------------------------------------------------------------

ITEMS, MORE = 120, 40


@pytest.fixture(scope="module")
def scripts(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each job's script, fetched from its definition's ScriptLocation."""
    glue, s3 = stack.target_client("glue"), stack.target_client("s3")
    into = tmp_path_factory.mktemp("glue-scripts")
    found = {}
    for output in ("export_job_name", "migrate_job_name", "validate_job_name"):
        name = stack.outputs[output]
        found[name] = download(s3, glue.get_job(JobName=name)["Job"]["Command"]["ScriptLocation"], into / name)
    return found


@dataclass
class Scenario:
    """Starts job runs of the applied workflow and runs them as Glue would."""

    stack: Stack
    environment: GlueEnvironment
    scripts: dict[str, Path]
    env: dict[str, str]

    @property
    def workflow(self) -> str:
        return str(self.stack.outputs["glue_workflow_name"])

    def run_steps(self, workflow_run_id: str, jobs: list[str]) -> list[subprocess.CompletedProcess[str]]:
        """The jobs in order, each started only when the one before SUCCEEDED (exit 0)."""
        glue, done = self.stack.target_client("glue"), []
        for job in jobs:
            run = start_job_run(glue, job)  # no run arguments: a trigger starts it with the defaults
            result = self.environment.spark_submit_script(
                glue_argv(self.scripts[job], run, self.workflow, workflow_run_id), self.env
            )
            done.append(result)
            if result.returncode != 0:
                break
        return done

    def run_id(self, workflow_run_id: str) -> str:
        glue = self.stack.target_client("glue")
        properties = glue.get_workflow_run_properties(Name=self.workflow, RunId=workflow_run_id)["RunProperties"]
        return str(properties["ddb_migrate_run_id"])


def _explain(results: list[subprocess.CompletedProcess[str]]) -> str:
    last = results[-1]
    return f"exit {last.returncode}\n--- stdout ---\n{last.stdout[-3000:]}\n--- stderr ---\n{last.stderr[-6000:]}"


def _read_json(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    return dict(json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))


def test_scheduled_runs_migrate_fresh_exports_and_a_resume_reuses_its_run(
    stack: Stack,
    glue_environment: GlueEnvironment,
    scripts: dict[str, Path],
    local_stack: LocalStack,
) -> None:
    """Two workflow runs, each export -> migrate -> validate under its own run id, the second
    after the source changed; the second's migrate fails (its target table is gone), and a
    resumed workflow run (a new run id, PreviousRunId set, as moto links runs) continues it:
    same run id, same recorded export, one ledger."""
    with contextlib.suppress(Exception):
        demo.prepare_buckets(local_stack)
    stamp = f"{int(time.time()) % 10**6}"
    source, target = f"lc-src-{stamp}", f"lc-dst-{stamp}"
    source_account, target_account = local_stack.account("source"), local_stack.account("target")
    tables.create_table(source_account, source, datagen.key_schema())
    put_items(source_account, source, list(datagen.make_items(ITEMS)))
    tables.create_table(target_account, target, datagen.key_schema())

    doc = demo.demo_config(local_stack, source, target, "unused")
    del doc["run_id"]  # scheduled runs take theirs from the workflow run
    doc["accounts"]["target"]["endpoints"]["glue"] = stack.endpoint  # the Glue API Terraform wrote to
    config_bucket, config_key = split_s3_uri(stack.outputs["job_config_s3_uri"])
    stack.target_client("s3").put_object(Bucket=config_bucket, Key=config_key, Body=yaml.safe_dump(doc).encode())
    scenario = Scenario(
        stack,
        glue_environment,
        scripts,
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL_S3": stack.endpoint,  # where --config points: the artifacts bucket
            "SPARK_LOCAL_IP": "127.0.0.1",
        },
    )
    glue = stack.target_client("glue")
    order = workflow_job_order(glue, scenario.workflow)
    data = aws_clients.client(target_account, "s3")
    runs_bucket = demo.ARTIFACT_BUCKET

    first = glue.start_workflow_run(Name=scenario.workflow)["RunId"]
    results = scenario.run_steps(first, order)
    assert len(results) == 3 and results[-1].returncode == 0, _explain(results)
    first_id = scenario.run_id(first)
    report = _read_json(data, runs_bucket, f"runs/{first_id}/run-report.json")
    assert report["success"] and report["items_read"] == report["items_written"] == ITEMS
    assert _read_json(data, runs_bucket, f"runs/{first_id}/validation/validation.json")["success"]

    put_items(source_account, source, list(datagen.make_items(MORE, start=ITEMS)))
    time.sleep(1.1)  # run ids carry the workflow run's start second
    second = glue.start_workflow_run(Name=scenario.workflow)["RunId"]
    exported = scenario.run_steps(second, order[:1])
    assert exported[-1].returncode == 0, _explain(exported)
    second_id = scenario.run_id(second)
    assert second_id != first_id
    tables.delete_table(target_account, target)  # what makes this run's migrate fail
    failed = scenario.run_steps(second, order[1:])
    assert len(failed) == 1 and failed[0].returncode != 0, _explain(failed)

    tables.create_table(target_account, target, datagen.key_schema())  # the operator's fix
    resumed = glue.start_workflow_run(Name=scenario.workflow)["RunId"]  # moto: no ResumeWorkflowRun
    assert glue.get_workflow_run(Name=scenario.workflow, RunId=resumed)["Run"]["PreviousRunId"] == second
    results = scenario.run_steps(resumed, order[1:])
    assert len(results) == 2 and results[-1].returncode == 0, _explain(results)
    assert scenario.run_id(resumed) == second_id
    report = _read_json(data, runs_bucket, f"runs/{second_id}/run-report.json")
    assert report["success"] and report["items_read"] == report["items_written"] == ITEMS + MORE
    validation = _read_json(data, runs_bucket, f"runs/{second_id}/validation/validation.json")
    assert validation["success"] and validation["counts"]["match"] == ITEMS + MORE
    assert _read_json(data, runs_bucket, f"runs/{first_id}/run-report.json")["items_read"] == ITEMS
