"""The terraform CLI, isolated for tests: its own CLI config (an offline
provider mirror where this machine has one), provider cache, data dirs and
environment, so that no run leaves state, plugins or lock files in the
repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"
ROOT_MODULES = (
    "modules/source_account",
    "modules/target_account",
    "modules/stream_replicator",
    "modules/replication_target",
    "examples/cross_account",
    "examples/stream_replication",
)
UNIT_TESTED_MODULES = (
    "modules/source_account",
    "modules/target_account",
    "modules/stream_replicator",
    "modules/replication_target",
)

# Checks started in threads by the `background` fixture, by name.
Background = dict[str, Future[subprocess.CompletedProcess[str]]]

# Environment variables that would point terraform or the AWS SDKs somewhere
# other than where a test means to.
_AWS_ENV_TO_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)

_NO_COLOR_COMMANDS = frozenset({"fmt", "init", "validate", "plan", "apply", "destroy", "output", "test"})


def find_provider_mirror() -> Path | None:
    """Return the folder holding ``registry.terraform.io/`` of an offline
    provider mirror, or None on a normal machine (plain ``terraform init``)."""
    found = subprocess.run(
        ["find", "/", "-maxdepth", "4", "-type", "d", "-name", "registry.terraform.io"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return Path(found[0]).parent if found else None


def write_cli_config(directory: Path) -> Path:
    """Write a terraform CLI config that caches providers under ``directory``
    and, where this machine has an offline mirror, installs from it."""
    cache = directory / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    lines = [f'plugin_cache_dir = "{cache}"']
    mirror = find_provider_mirror()
    if mirror is not None:
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f'    path    = "{mirror}"',
            '    include = ["registry.terraform.io/hashicorp/*"]',
            "  }",
            "  direct {",
            '    exclude = ["registry.terraform.io/hashicorp/*"]',
            "  }",
            "}",
        ]
    config = directory / "terraform.tfrc"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


@dataclass(frozen=True)
class Terraform:
    """Runs the terraform CLI with an isolated environment."""

    binary: str
    env: dict[str, str]

    def with_env(self, **extra: str) -> Terraform:
        return Terraform(binary=self.binary, env={**self.env, **extra})

    def run(
        self, workdir: Path, *args: str, data_dir: Path, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        env = dict(self.env, TF_DATA_DIR=str(data_dir))
        if args and args[0] in _NO_COLOR_COMMANDS:
            args = (args[0], "-no-color", *args[1:])
        result = subprocess.run(
            [self.binary, f"-chdir={workdir}", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} in {workdir} exited {result.returncode}\n"
                f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
            )
        return result

    def destroy(self, workdir: Path, *, data_dir: Path) -> None:
        """``terraform destroy``, then an empty state. Under load the provider can resend a
        delete whose first answer it never read; moto then says the resource is already gone
        (ResourceNotFoundException) and the destroy stops. A second destroy refreshes, drops
        what is gone and deletes the rest; anything else, or a second failure, fails the test."""
        first = self.run(workdir, "destroy", "-input=false", "-auto-approve", data_dir=data_dir, check=False)
        if first.returncode != 0:
            if "ResourceNotFoundException" not in first.stderr and "NotFound" not in first.stderr:
                raise AssertionError(f"terraform destroy in {workdir} failed\n{first.stdout}\n{first.stderr}")
            self.run(workdir, "destroy", "-input=false", "-auto-approve", data_dir=data_dir)
        left = self.run(workdir, "state", "list", data_dir=data_dir).stdout.split()
        assert left == [], f"terraform destroy in {workdir} left resources in the state: {left}"


def make_terraform(home: Path) -> Terraform:
    """A Terraform runner whose CLI config and provider cache live under ``home``."""
    binary = shutil.which("terraform")
    assert binary, "terraform is not on PATH (Terraform >= 1.7 is required for tests/terraform)"
    env = {k: v for k, v in os.environ.items() if k not in _AWS_ENV_TO_DROP and not k.startswith("TF_")}
    env.update(
        # The environment may name a CLI config file that does not exist.
        TF_CLI_CONFIG_FILE=str(write_cli_config(home)),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
    )
    return Terraform(binary=binary, env=env)
