"""terraform/examples/cross_account applied against a moto server, with two accounts: the
target through plain keys, the source through the provider's assume_role. Shared by the
example's own tests, the launch-contract tests and the teardown test (files run in that order).

moto stores IAM, bucket and key policies but does not enforce them, so the tests prove what
terraform CREATED (read back with boto3), not that AWS would authorise it. The moto gaps
worked around here are listed in docs/adr/0006-terraform-layout.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from .harness import REPO_ROOT, Terraform

REGION = "us-east-1"
SOURCE_ACCOUNT_ID = "111111111111"
SOURCE_DEPLOY_ROLE_ARN = f"arn:aws:iam::{SOURCE_ACCOUNT_ID}:role/terraform-deploy"
READ_ROLE_EXTERNAL_ID = "tf-test-external-id-0123456789"
RUN_ID = "tf-test-run"
NAME_PREFIX = "tftest"
SOURCE_TABLE_NAME = "tftest-source-orders"
TARGET_TABLE_NAME = "tftest-target-orders"
GLUE_SCRIPTS_DIR = REPO_ROOT / "glue_scripts"
# moto's default account stands in for the target account.
OPERATOR_ROLE_ARN = "arn:aws:iam::123456789012:role/migration-operator"
SCHEDULE = "cron(0 2 ? * SUN *)"


@dataclass(frozen=True)
class Stack:
    """The applied example: its outputs and a boto3 session per account."""

    terraform: Terraform
    workdir: Path
    data_dir: Path
    outputs: dict[str, Any]
    endpoint: str
    target: boto3.Session
    source: boto3.Session
    bundle: Path
    job_config: Path

    def target_client(self, service: str) -> Any:
        return self.target.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def source_client(self, service: str) -> Any:
        return self.source.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]


def build_glue_bundle(out: Path) -> Path:
    """The dependency bundle exactly as `make package` builds it: the project's wheel (file
    times from the last commit) and scripts/build_glue_bundle.py."""
    env = dict(os.environ)
    commit_time = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True, check=False
    ).stdout.strip()
    env["SOURCE_DATE_EPOCH"] = commit_time or "315532800"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
        env=env,
    )
    (wheel,) = sorted(out.glob("ddb_migrate-*.whl"))
    built = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "build_glue_bundle.py"),
            "--jobs-wheel",
            str(wheel),
            "--out",
            str(out),
            "--lock",
            str(REPO_ROOT / "requirements.lock"),
            "--pyproject",
            str(REPO_ROOT / "pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, f"building the Glue bundle failed:\n{built.stderr}"
    return Path(built.stdout.strip().splitlines()[-1])


def tfvars(moto_endpoint: str, bundle: Path, job_config: Path) -> dict[str, Any]:
    return {
        "region": REGION,
        "endpoints": {
            service: moto_endpoint
            for service in ("cloudwatch", "dynamodb", "events", "glue", "iam", "kms", "logs", "s3", "sns", "sts")
        },
        "skip_credentials_validation": True,
        # False on purpose: without the account ID the provider builds Glue ARNs
        # with an empty account, reads no tags back and never converges.
        "skip_requesting_account_id": False,
        "skip_metadata_api_check": True,
        "s3_use_path_style": True,
        "source_deploy_role_arn": SOURCE_DEPLOY_ROLE_ARN,
        "name_prefix": NAME_PREFIX,
        "source_table_name": SOURCE_TABLE_NAME,
        "source_table": {
            "hash_key": {"name": "order_id", "type": "S"},
            "range_key": {"name": "line", "type": "N"},
        },
        "read_role_external_id": READ_ROLE_EXTERNAL_ID,
        "operator_principal_arns": [OPERATOR_ROLE_ARN],
        "target_table_name": TARGET_TABLE_NAME,
        "target_table": {
            "hash_key": {"name": "order_id", "type": "S"},
            "range_key": {"name": "line", "type": "N"},
            "global_secondary_indexes": [
                {"name": "by-customer", "hash_key": {"name": "customer_id", "type": "S"}},
            ],
        },
        "glue_scripts_dir": str(GLUE_SCRIPTS_DIR),
        "glue_bundle_path": str(bundle),
        "job_config_path": str(job_config),
        "run_id": RUN_ID,
        "migrate_number_of_workers": 4,
        # Scheduled, but paused: the trigger is created as AWS would have it,
        # and nothing starts on its own.
        "schedule_expression": SCHEDULE,
        "schedule_enabled": False,
        "alarm_email_addresses": ["oncall@example.com"],
        "force_destroy_buckets": True,
        # moto gap: its S3 ignores policy conditions, so the aws:SecureTransport
        # Deny would deny every object request; see
        # test_a_second_plan_only_adds_the_tls_deny_left_out_for_moto.
        "artifacts_bucket_deny_insecure_transport": False,
        "tags": {"purpose": "terraform-test"},
    }


@contextlib.contextmanager
def applied_example(
    terraform: Terraform, terraform_copy: Path, moto_endpoint: str, bundle: Path, tmp: Path
) -> Iterator[Stack]:
    """Plan and apply the example; destroy whatever is left afterwards."""
    job_config = tmp / "job.yaml"
    job_config.write_text(f"run_id: {RUN_ID}\nsource:\n  table: {SOURCE_TABLE_NAME}\n", encoding="utf-8")
    workdir = terraform_copy / "examples" / "cross_account"
    (workdir / "test.auto.tfvars.json").write_text(
        json.dumps(tfvars(moto_endpoint, bundle, job_config)), encoding="utf-8"
    )
    aws_env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    tf = terraform.with_env(**aws_env)
    data_dir = tmp / "tfdata"
    target = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    credentials = target.client("sts", endpoint_url=moto_endpoint).assume_role(
        RoleArn=SOURCE_DEPLOY_ROLE_ARN, RoleSessionName="tf-test-read-back"
    )["Credentials"]
    source = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )

    tf.run(workdir, "init", "-input=false", data_dir=data_dir)
    try:
        tf.run(workdir, "plan", "-input=false", "-out=tfplan", data_dir=data_dir)
        tf.run(workdir, "apply", "-input=false", "tfplan", data_dir=data_dir)
        outputs = {
            name: value["value"]
            for name, value in json.loads(tf.run(workdir, "output", "-json", data_dir=data_dir).stdout).items()
        }
        yield Stack(
            terraform=tf,
            workdir=workdir,
            data_dir=data_dir,
            outputs=outputs,
            endpoint=moto_endpoint,
            target=target,
            source=source,
            bundle=bundle,
            job_config=job_config,
        )
    finally:
        # test_cross_account_teardown.py has usually destroyed it already.
        if tf.run(workdir, "state", "list", data_dir=data_dir, check=False).stdout.strip():
            lift_deletion_protection(target, source, moto_endpoint)
            tf.destroy(workdir, data_dir=data_dir)


def lift_deletion_protection(target: boto3.Session, source: boto3.Session, endpoint: str) -> None:
    """Both tables keep the modules' default, deletion protection on (moto
    enforces it), so a test destroy has to lift it first, as an operator would."""
    for session, table in ((target, TARGET_TABLE_NAME), (source, SOURCE_TABLE_NAME)):
        client = session.client("dynamodb", endpoint_url=endpoint)
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.update_table(TableName=table, DeletionProtectionEnabled=False)


def statements(policy: str | dict[str, Any]) -> list[dict[str, Any]]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
