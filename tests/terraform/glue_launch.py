"""Launch a job the way Glue 5.0 launches it, from what Terraform applied (ADR 0010).

- Definitions (job, workflow, triggers) are read back from the Glue API (moto here).
- A run's arguments are the ones Glue records for it: job defaults < run arguments <
  non-overridable ones (moto's StartJobRun merges them in that order).
- The script and the dependency bundle are downloaded from the S3 locations in the job
  definition; the bundle is installed with pip and no package index into a fresh virtual
  environment that holds only what Glue 5.0 ships (Spark, numpy, pandas, pyarrow).
- sys.argv is the script path, then each argument as `--key value`, then Glue's own
  arguments (job id, run id, name, TempDir, bookmark option, the workflow's name and run id
  when a workflow starts it, and an internal `--conf`).
- The script runs under that environment's spark-submit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What Glue 5.0 ships and the bundle leaves out (scripts/build_glue_bundle.py: GLUE_PROVIDED),
# as import packages and distribution names.
GLUE_PROVIDED_PACKAGES = ("pyspark", "py4j", "numpy", "numpy.libs", "pandas", "pyarrow")
GLUE_PROVIDED_DISTRIBUTIONS = ("pyspark", "py4j", "numpy", "pandas", "pyarrow")
# An argument Glue adds to every Spark job's command line, which no script of ours declares.
GLUE_INTERNAL_CONF = "spark.glue.launch-contract=internal"


def split_s3_uri(uri: str) -> tuple[str, str]:
    assert uri.startswith("s3://"), uri
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


def download(s3: Any, uri: str, into: Path) -> Path:
    """One object, by S3 URI, into a folder; returns the local file."""
    bucket, key = split_s3_uri(uri)
    into.mkdir(parents=True, exist_ok=True)
    target = into / key.rsplit("/", 1)[-1]
    s3.download_file(bucket, key, str(target))
    return target


# --------------------------------------------------------------------------------
# Definitions read back from the Glue API
# --------------------------------------------------------------------------------


def workflow_job_order(glue: Any, workflow: str) -> list[str]:
    """The workflow's jobs in the order its triggers start them: the start trigger's
    (ON_DEMAND or SCHEDULED) actions, then each CONDITIONAL trigger whose every condition is
    a job already in the order having SUCCEEDED."""
    triggers = [trigger for trigger in glue.get_triggers()["Triggers"] if trigger.get("WorkflowName") == workflow]
    starts = [t for t in triggers if t["Type"] in ("ON_DEMAND", "SCHEDULED")]
    assert len(starts) == 1, f"workflow {workflow} has {len(starts)} start triggers"
    order = [action["JobName"] for action in starts[0]["Actions"]]
    pending = [t for t in triggers if t["Type"] == "CONDITIONAL"]
    while pending:
        ready = [
            t
            for t in pending
            if all(
                c["State"] == "SUCCEEDED" and c["LogicalOperator"] == "EQUALS" and c["JobName"] in order
                for c in t["Predicate"]["Conditions"]
            )
        ]
        assert ready, f"triggers never fire: {[t['Name'] for t in pending]}"
        for trigger in ready:
            order += [action["JobName"] for action in trigger["Actions"]]
            pending.remove(trigger)
    return order


@dataclass(frozen=True)
class JobRun:
    """One run as Glue records it: the job's definition and the run's resolved arguments."""

    job_name: str
    run_id: str
    job_id: str
    script_location: str
    arguments: dict[str, str]


def start_job_run(glue: Any, job_name: str, arguments: Mapping[str, str] | None = None) -> JobRun:
    """StartJobRun, then the run's arguments as Glue resolved them."""
    job = glue.get_job(JobName=job_name)["Job"]
    run_id = glue.start_job_run(JobName=job_name, Arguments=dict(arguments or {}))["JobRunId"]
    recorded = glue.get_job_run(JobName=job_name, RunId=run_id)["JobRun"]
    return JobRun(
        job_name=job_name,
        run_id=run_id,
        job_id=f"j_{run_id.removeprefix('jr_')[:64]}",
        script_location=job["Command"]["ScriptLocation"],
        arguments=dict(recorded.get("Arguments", {})),
    )


def glue_argv(
    script: Path, run: JobRun, workflow_name: str | None = None, workflow_run_id: str | None = None
) -> list[str]:
    """sys.argv as Glue builds it for a Python Spark job."""
    argv = [str(script)]
    for key, value in run.arguments.items():
        argv += [key, value]
    argv += [
        "--JOB_ID",
        run.job_id,
        "--JOB_RUN_ID",
        run.run_id,
        "--JOB_NAME",
        run.job_name,
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--conf",
        GLUE_INTERNAL_CONF,
    ]
    if "--TempDir" not in run.arguments:
        argv += ["--TempDir", "s3://glue-temporary/"]
    if workflow_name is not None and workflow_run_id is not None:
        argv += ["--WORKFLOW_NAME", workflow_name, "--WORKFLOW_RUN_ID", workflow_run_id]
    return argv


# --------------------------------------------------------------------------------
# The Python environment of a Glue 5.0 worker
# --------------------------------------------------------------------------------


def _clean_environment() -> dict[str, str]:
    """This process's environment without what would let the fresh environment see the
    checkout or the test venv (a PYTHONPATH there also shows pip the checkout's egg-info as
    an installed ddb-migrate, and pip then skips the bundle's wheel)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def _site_packages(python_root: Path) -> Path:
    (found,) = (python_root / "lib").glob("python3*/site-packages")
    return found


@dataclass(frozen=True)
class GlueEnvironment:
    """A fresh virtual environment: Glue's own packages, then the bundle, no package index."""

    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def spark_submit(self) -> Path:
        return _site_packages(self.root) / "pyspark" / "bin" / "spark-submit"

    @classmethod
    def create(cls, root: Path, bundle: Path, provided_from: Path | None = None) -> GlueEnvironment:
        """Build the environment at ``root``: Glue's own packages are linked from the
        interpreter running the tests (its venv pins the same versions), then every wheel of
        the bundle is installed with ``--no-index``."""
        venv.EnvBuilder(with_pip=True, clear=True).create(root)
        source = provided_from or Path(sys.prefix)
        source_site, target_site = _site_packages(source), _site_packages(root)
        for entry in sorted(source_site.iterdir()):
            name = entry.name.lower()
            is_package = entry.name in GLUE_PROVIDED_PACKAGES
            is_metadata = name.endswith(".dist-info") and name.split("-", 1)[0] in GLUE_PROVIDED_DISTRIBUTIONS
            if is_package or is_metadata:
                (target_site / entry.name).symlink_to(entry)
        environment = cls(root)
        environment.install_bundle(bundle)
        return environment

    def install_bundle(self, bundle: Path) -> None:
        wheels = self.root / "bundle-wheels"
        with zipfile.ZipFile(bundle) as archive:
            archive.extractall(wheels)
        result = subprocess.run(
            [
                str(self.python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-index",
                "--find-links",
                str(wheels),
                *sorted(str(wheel) for wheel in wheels.glob("*.whl")),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            # A reachable index would hide a missing wheel: point pip at nothing.
            env={**_clean_environment(), "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_NO_INDEX": "1"},
        )
        assert result.returncode == 0, f"the bundle does not install without an index:\n{result.stderr}"

    def run(self, code: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Python code in the environment, from its own folder: `python -c` puts the working
        directory first on sys.path, and a checkout there would shadow the bundle."""
        return subprocess.run(
            [str(self.python), "-c", code],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=self.root,
            env={**_clean_environment(), **(env or {})},
        )

    def spark_submit_script(
        self, argv: Sequence[str], env: Mapping[str, str], timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        """argv[0] is the script; the rest are its arguments, as Glue passes them."""
        python = str(self.python)
        full_env = {**_clean_environment(), **env, "PYSPARK_PYTHON": python, "PYSPARK_DRIVER_PYTHON": python}
        return subprocess.run(
            [str(self.spark_submit), "--master", "local[2]", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
            env=full_env,
        )
