"""Fixtures of the Terraform tests. The shared ``moto_endpoint`` comes from
tests/conftest.py."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .example_stack import Stack, applied_example, build_glue_bundle
from .harness import (
    REPO_ROOT,
    ROOT_MODULES,
    TERRAFORM_DIR,
    UNIT_TESTED_MODULES,
    Background,
    Terraform,
    make_terraform,
)


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    return make_terraform(tmp_path_factory.mktemp("terraform-cli"))


@pytest.fixture(scope="session")
def terraform_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of terraform/ so that init and apply leave no lock file or state
    in the repository (relative module sources keep working)."""
    target = tmp_path_factory.mktemp("terraform-src") / "terraform"
    shutil.copytree(
        TERRAFORM_DIR,
        target,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", "*.tfplan"),
    )
    return target


def _run_checkov() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "checkov.sh")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _run_terraform_validate(terraform: Terraform, workdir: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    terraform.run(workdir, "init", "-backend=false", "-input=false", data_dir=data_dir)
    return terraform.run(workdir, "validate", "-json", data_dir=data_dir, check=False)


def _run_terraform_test(terraform: Terraform, workdir: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    terraform.run(workdir, "init", "-backend=false", "-input=false", data_dir=data_dir)
    return terraform.run(workdir, "test", data_dir=data_dir, check=False)


@pytest.fixture(scope="package")
def background(
    terraform: Terraform, terraform_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Background]:
    """Starts `terraform validate` of every root, the modules' `terraform test`
    runs and checkov (which installs its venv on first use) in threads. The
    apply against moto requests this first, so they overlap its waits (S3
    lifecycle, KMS propagation); test_terraform.py collects the results."""
    # Fill the provider cache once: concurrent first installs into it race.
    terraform.run(
        terraform_copy / UNIT_TESTED_MODULES[0],
        "init",
        "-backend=false",
        "-input=false",
        data_dir=tmp_path_factory.mktemp("tf-cache-prime"),
    )
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="terraform-background")
    jobs = {
        f"validate {root}": pool.submit(
            _run_terraform_validate, terraform, terraform_copy / root, tmp_path_factory.mktemp("validate")
        )
        for root in ROOT_MODULES
    }
    jobs["checkov"] = pool.submit(_run_checkov)
    for module in UNIT_TESTED_MODULES:
        jobs[module] = pool.submit(
            _run_terraform_test, terraform, terraform_copy / module, tmp_path_factory.mktemp("tftest")
        )
    try:
        yield jobs
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def glue_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Glue dependency bundle as `make package` builds it (a zip of wheels named by its
    SHA-256)."""
    return build_glue_bundle(tmp_path_factory.mktemp("glue-bundle"))


@pytest.fixture(scope="package")
def stack(
    terraform: Terraform,
    terraform_copy: Path,
    moto_endpoint: str,
    glue_bundle: Path,
    background: Background,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """terraform/examples/cross_account applied against moto, for the example's tests, the
    launch-contract tests and the teardown test. Requests `background` first so that the
    checks without an emulator run during the apply, which mostly waits."""
    with applied_example(
        terraform, terraform_copy, moto_endpoint, glue_bundle, tmp_path_factory.mktemp("cross-account")
    ) as applied:
        yield applied
