"""The launch contract: what Terraform applied is enough to start the jobs the way Glue 5.0
starts them (glue_launch.py, ADR 0010). Runs on the example applied by example_stack.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .example_stack import REPO_ROOT, RUN_ID, Stack
from .glue_launch import GLUE_INTERNAL_CONF, GlueEnvironment, download, glue_argv, start_job_run, workflow_job_order



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
        "import json, importlib.metadata as m, jobs, great_expectations, yaml, amazon.ion, boto3, pyspark\n"
        "names = ['boto3', 'botocore', 'great-expectations', 'amazon-ion', 'PyYAML', 'pyspark', 'numpy', 'pandas',"
        " 'pyarrow', 'ddb-migrate']\n"
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
