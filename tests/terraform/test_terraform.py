"""Terraform checks that need no AWS emulator: formatting, conventions,
`terraform validate` of every root, the modules' `terraform test` runs (mocked
provider) and the checkov scan. The last three run in the background (see
conftest.py) while test_cross_account_example.py applies the example."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .harness import REPO_ROOT, ROOT_MODULES, TERRAFORM_DIR, UNIT_TESTED_MODULES, Background, Terraform


def test_terraform_fmt_is_clean(terraform: Terraform, tmp_path: Path) -> None:
    result = terraform.run(
        REPO_ROOT, "fmt", "-check", "-recursive", "-diff", "terraform/", data_dir=tmp_path, check=False
    )
    assert result.returncode == 0, f"run `terraform fmt -recursive terraform/`:\n{result.stdout}{result.stderr}"


def test_every_variable_is_typed_and_described() -> None:
    """terraform-aws-modules convention: no untyped or undocumented variable,
    no `type = any`."""
    problems = []
    for path in sorted(TERRAFORM_DIR.rglob("variables.tf")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'^variable "([^"]+)" \{\n(.*?)^\}', text, re.M | re.S):
            name, body = match.group(1), match.group(2)
            if not re.search(r"^  description\s*=", body, re.M):
                problems.append(f"{path.relative_to(REPO_ROOT)}: {name} has no description")
            if not re.search(r"^  type\s*=", body, re.M):
                problems.append(f"{path.relative_to(REPO_ROOT)}: {name} has no type")
            if re.search(r"^  type\s*=\s*any\s*$", body, re.M):
                problems.append(f"{path.relative_to(REPO_ROOT)}: {name} is `type = any`")
    assert not problems, "\n".join(problems)


def test_every_module_has_the_standard_files() -> None:
    for root_module in ROOT_MODULES:
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
            assert (TERRAFORM_DIR / root_module / name).is_file(), f"terraform/{root_module}/{name} is missing"


# --------------------------------------------------------------------------------
# checkov
# --------------------------------------------------------------------------------

_SKIP_COMMENT = re.compile(r"checkov:skip=([^\s:]*)(?::(.*))?")


def test_every_checkov_skip_carries_a_reason() -> None:
    skips = []
    for path in sorted(TERRAFORM_DIR.rglob("*.tf")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _SKIP_COMMENT.search(line)
            if match:
                where = f"{path.relative_to(REPO_ROOT)}:{number}"
                check_id, reason = match.group(1), (match.group(2) or "").strip()
                assert re.fullmatch(r"CKV2?_AWS_\d+", check_id), f"{where}: malformed check id {check_id!r}"
                assert len(reason) >= 20, f"{where}: skip of {check_id} needs a written reason"
                skips.append(check_id)
    assert skips, "expected the documented skips (see docs/adr/0006-terraform-layout.md)"


# --------------------------------------------------------------------------------
# Results of the background jobs (started by the `background` fixture)
# --------------------------------------------------------------------------------


@pytest.mark.parametrize("root_module", ROOT_MODULES)
def test_terraform_init_and_validate(background: Background, root_module: str) -> None:
    result = background[f"validate {root_module}"].result()
    assert result.returncode == 0, (
        f"terraform validate failed in terraform/{root_module}:\n{result.stdout}\n{result.stderr}"
    )
    report = json.loads(result.stdout)
    assert report["valid"] is True, report
    assert report["warning_count"] == 0, report["diagnostics"]


@pytest.mark.parametrize("module", UNIT_TESTED_MODULES)
def test_module_validations_and_defaults(background: Background, module: str) -> None:
    """`terraform test` runs each module's tests/*.tftest.hcl against a mocked
    provider: bad inputs are rejected by their validation blocks, defaults hold."""
    result = background[module].result()
    assert result.returncode == 0, f"terraform test failed in terraform/{module}:\n{result.stdout}\n{result.stderr}"
    assert re.search(r"Success! \d+ passed, 0 failed", result.stdout), result.stdout


def test_checkov_finds_no_failed_check(background: Background) -> None:
    result = background["checkov"].result()
    assert result.returncode == 0, f"checkov failed:\n{result.stdout}\n{result.stderr}"
