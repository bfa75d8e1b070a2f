"""Plan, apply, read back and destroy terraform/examples/cross_account against
a moto server, with two accounts: the target through plain keys, the source
through the provider's assume_role.

moto stores IAM, bucket and key policies but does not enforce them, so these
tests prove what terraform CREATED (read back with boto3), not that AWS would
authorise it; the policies' shape is asserted statement by statement instead.
The moto gaps worked around here are listed in docs/adr/0006-terraform-layout.md.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .harness import REPO_ROOT, Background, Terraform

REGION = "us-east-1"
SOURCE_ACCOUNT_ID = "111111111111"
SOURCE_DEPLOY_ROLE_ARN = f"arn:aws:iam::{SOURCE_ACCOUNT_ID}:role/terraform-deploy"
READ_ROLE_EXTERNAL_ID = "tf-test-external-id-0123456789"
RUN_ID = "tf-test-run"
NAME_PREFIX = "tftest"
SOURCE_TABLE_NAME = "tftest-source-orders"
TARGET_TABLE_NAME = "tftest-target-orders"
GLUE_SCRIPTS_DIR = REPO_ROOT / "glue_scripts"
PINNED_MODULES = ("great-expectations==1.24.1", "awswrangler==3.17.1", "amazon-ion==0.15.0")


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
    wheel: Path
    job_config: Path

    def target_client(self, service: str) -> Any:
        return self.target.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def source_client(self, service: str) -> Any:
        return self.source.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def jobs_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from pyproject.toml as `make package` does; a
    placeholder file only while the repository has no pyproject.toml."""
    out = tmp_path_factory.mktemp("wheel")
    if (REPO_ROOT / "pyproject.toml").is_file():
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO_ROOT)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        wheels = sorted(out.glob("*.whl"))
        assert len(wheels) == 1, f"expected one wheel, pip built {sorted(out.iterdir())}"
        return wheels[0]
    placeholder = out / "ddb_migrate-0.0.0-py3-none-any.whl"
    placeholder.write_bytes(b"placeholder: the repository has no pyproject.toml yet\n")
    return placeholder


@pytest.fixture(scope="module")
def stack(
    terraform: Terraform,
    terraform_copy: Path,
    moto_endpoint: str,
    jobs_wheel: Path,
    background: Background,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The applied example. Requests `background` first so that the checks
    without an emulator run during the apply, which mostly waits."""
    tmp = tmp_path_factory.mktemp("cross-account")
    job_config = tmp / "job.yaml"
    job_config.write_text(f"run_id: {RUN_ID}\nsource:\n  table: {SOURCE_TABLE_NAME}\n", encoding="utf-8")
    tfvars = {
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
        "target_table_name": TARGET_TABLE_NAME,
        "target_table": {
            "hash_key": {"name": "order_id", "type": "S"},
            "range_key": {"name": "line", "type": "N"},
            "global_secondary_indexes": [
                {"name": "by-customer", "hash_key": {"name": "customer_id", "type": "S"}},
            ],
        },
        "glue_scripts_dir": str(GLUE_SCRIPTS_DIR),
        "jobs_wheel_path": str(jobs_wheel),
        "job_config_path": str(job_config),
        "run_id": RUN_ID,
        "migrate_number_of_workers": 4,
        "alarm_email_addresses": ["oncall@example.com"],
        "force_destroy_buckets": True,
        # moto gap: its S3 ignores policy conditions, so the aws:SecureTransport
        # Deny would deny every object request; see
        # test_artifacts_bucket_denies_plain_http_by_default.
        "artifacts_bucket_deny_insecure_transport": False,
        "tags": {"purpose": "terraform-test"},
    }
    workdir = terraform_copy / "examples" / "cross_account"
    (workdir / "test.auto.tfvars.json").write_text(json.dumps(tfvars), encoding="utf-8")

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
            wheel=jobs_wheel,
            job_config=job_config,
        )
    finally:
        # test_destroy_removes_the_stack has usually destroyed it already.
        if tf.run(workdir, "state", "list", data_dir=data_dir, check=False).stdout.strip():
            _lift_deletion_protection(target, source, moto_endpoint)
            tf.run(workdir, "destroy", "-input=false", "-auto-approve", data_dir=data_dir)


def _lift_deletion_protection(target: boto3.Session, source: boto3.Session, endpoint: str) -> None:
    """Both tables keep the modules' default, deletion protection on (moto
    enforces it), so a test destroy has to lift it first, as an operator would."""
    for session, table in ((target, TARGET_TABLE_NAME), (source, SOURCE_TABLE_NAME)):
        client = session.client("dynamodb", endpoint_url=endpoint)
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.update_table(TableName=table, DeletionProtectionEnabled=False)


def _statements(policy: str | dict[str, Any]) -> list[dict[str, Any]]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_the_two_accounts_differ(stack: Stack) -> None:
    target_account = stack.target_client("sts").get_caller_identity()["Account"]
    assert target_account != SOURCE_ACCOUNT_ID
    assert stack.outputs["job_role_arn"].startswith(f"arn:aws:iam::{target_account}:role/")
    assert stack.outputs["read_role_arn"].startswith(f"arn:aws:iam::{SOURCE_ACCOUNT_ID}:role/")
    assert stack.outputs["export_bucket_name"].endswith(f"-export-{SOURCE_ACCOUNT_ID}")
    assert stack.outputs["artifacts_bucket_name"].endswith(f"-artifacts-{target_account}")


def test_glue_scripts_wheel_and_config_are_uploaded(stack: Stack) -> None:
    s3 = stack.target_client("s3")
    bucket = stack.outputs["artifacts_bucket_name"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="glue_scripts/").get("Contents", [])
    local_scripts = sorted(path.name for path in GLUE_SCRIPTS_DIR.glob("*.py"))
    assert sorted(obj["Key"].removeprefix("glue_scripts/") for obj in listed) == local_scripts
    for name in local_scripts:
        body = s3.get_object(Bucket=bucket, Key=f"glue_scripts/{name}")["Body"].read()
        assert body == (GLUE_SCRIPTS_DIR / name).read_bytes(), name

    wheel_key = f"wheels/{stack.wheel.name}"
    assert stack.outputs["jobs_wheel_s3_uri"] == f"s3://{bucket}/{wheel_key}"
    assert s3.get_object(Bucket=bucket, Key=wheel_key)["Body"].read() == stack.wheel.read_bytes()

    assert stack.outputs["job_config_s3_uri"] == f"s3://{bucket}/config/job.yaml"
    config = s3.get_object(Bucket=bucket, Key="config/job.yaml")
    assert config["Body"].read() == stack.job_config.read_bytes()
    assert config["ServerSideEncryption"] == "aws:kms"
    assert config["SSEKMSKeyId"] == stack.outputs["target_kms_key_arn"]


@pytest.mark.parametrize(
    ("job_output", "script"), [("migrate_job_name", "migrate_table.py"), ("validate_job_name", "validate_table.py")]
)
def test_glue_job_runs_the_uploaded_script_with_config_and_run_id(stack: Stack, job_output: str, script: str) -> None:
    job = stack.target_client("glue").get_job(JobName=stack.outputs[job_output])["Job"]
    bucket = stack.outputs["artifacts_bucket_name"]

    assert job["Command"]["Name"] == "glueetl"
    assert job["Command"]["ScriptLocation"] == f"s3://{bucket}/glue_scripts/{script}"
    assert job["GlueVersion"] == "5.0"
    assert job["ExecutionClass"] == "STANDARD"
    assert job["WorkerType"] == "G.1X"
    assert job["Role"] == stack.outputs["job_role_arn"]
    assert job["SecurityConfiguration"] == stack.outputs["glue_security_configuration_name"]
    assert job["ExecutionProperty"]["MaxConcurrentRuns"] == 1

    arguments = job["DefaultArguments"]
    assert arguments["--config"] == stack.outputs["job_config_s3_uri"]
    assert arguments["--run-id"] == RUN_ID
    assert arguments["--additional-python-modules"].split(",") == [*PINNED_MODULES, stack.outputs["jobs_wheel_s3_uri"]]
    assert arguments["--job-language"] == "python"
    assert arguments["--enable-metrics"] == "true"
    assert arguments["--enable-continuous-cloudwatch-log"] == "true"


def test_migrate_job_worker_count_comes_from_the_variable(stack: Stack) -> None:
    job = stack.target_client("glue").get_job(JobName=stack.outputs["migrate_job_name"])["Job"]
    assert job["NumberOfWorkers"] == 4


def test_glue_security_configuration_encrypts_s3_logs_and_bookmarks(stack: Stack) -> None:
    glue = stack.target_client("glue")
    configuration = glue.get_security_configuration(Name=stack.outputs["glue_security_configuration_name"])
    encryption = configuration["SecurityConfiguration"]["EncryptionConfiguration"]
    key_arn = stack.outputs["target_kms_key_arn"]
    assert encryption["S3Encryption"] == [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key_arn}]
    assert encryption["CloudWatchEncryption"] == {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": key_arn}
    assert encryption["JobBookmarksEncryption"] == {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key_arn}


def test_workflow_runs_validate_after_a_successful_migrate(stack: Stack) -> None:
    glue = stack.target_client("glue")
    workflow = stack.outputs["glue_workflow_name"]
    start = glue.get_trigger(Name=f"{NAME_PREFIX}-start")["Trigger"]
    assert start["WorkflowName"] == workflow
    assert start["Type"] == "ON_DEMAND"
    assert [action["JobName"] for action in start["Actions"]] == [stack.outputs["migrate_job_name"]]

    follow = glue.get_trigger(Name=f"{NAME_PREFIX}-validate-after-migrate")["Trigger"]
    assert follow["WorkflowName"] == workflow
    assert follow["Type"] == "CONDITIONAL"
    assert follow["Predicate"]["Conditions"] == [
        {"LogicalOperator": "EQUALS", "JobName": stack.outputs["migrate_job_name"], "State": "SUCCEEDED"}
    ]
    assert [action["JobName"] for action in follow["Actions"]] == [stack.outputs["validate_job_name"]]


def test_export_bucket_policy_grants_read_to_the_job_role_only(stack: Stack) -> None:
    bucket = stack.outputs["export_bucket_name"]
    prefix = stack.outputs["export_prefix"]
    role_arn = stack.outputs["job_role_arn"]
    applied = stack.source_client("s3").get_bucket_policy(Bucket=bucket)["Policy"]
    assert json.loads(applied) == json.loads(stack.outputs["export_bucket_policy_json"])

    statements = {statement["Sid"]: statement for statement in _statements(applied)}
    allows = [statement for statement in statements.values() if statement["Effect"] == "Allow"]
    assert allows, "the export bucket policy grants nothing"
    for statement in allows:
        assert statement["Principal"] == {"AWS": role_arn}, statement

    listing = statements["TargetJobRoleListsExportPrefix"]
    assert _as_list(listing["Action"]) == ["s3:ListBucket"]
    assert _as_list(listing["Resource"]) == [f"arn:aws:s3:::{bucket}"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": f"{prefix}*"}}

    reading = statements["TargetJobRoleReadsExports"]
    assert _as_list(reading["Action"]) == ["s3:GetObject"]
    assert _as_list(reading["Resource"]) == [f"arn:aws:s3:::{bucket}/{prefix}*"]

    tls = statements["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_export_bucket_is_private_versioned_and_kms_encrypted(stack: Stack) -> None:
    s3 = stack.source_client("s3")
    bucket = stack.outputs["export_bucket_name"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4, block
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": stack.outputs["export_kms_key_arn"],
    }


def test_export_key_lets_the_job_role_decrypt_through_s3_only(stack: Stack) -> None:
    kms = stack.source_client("kms")
    policy = kms.get_key_policy(KeyId=stack.outputs["export_kms_key_arn"], PolicyName="default")["Policy"]
    grants = [s for s in _statements(policy) if s["Principal"] == {"AWS": stack.outputs["job_role_arn"]}]
    assert len(grants) == 1, policy
    assert sorted(_as_list(grants[0]["Action"])) == ["kms:Decrypt", "kms:DescribeKey"]
    assert grants[0]["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
    assert kms.get_key_rotation_status(KeyId=stack.outputs["export_kms_key_arn"])["KeyRotationEnabled"] is True


def test_read_role_trusts_the_job_role_with_the_external_id(stack: Stack) -> None:
    iam = stack.source_client("iam")
    role_name = stack.outputs["read_role_arn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    (statement,) = _statements(trust)
    assert statement["Principal"] == {"AWS": stack.outputs["job_role_arn"]}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": READ_ROLE_EXTERNAL_ID}}

    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    table_arn = stack.outputs["source_table_arn"]
    assert table_arn == f"arn:aws:dynamodb:{REGION}:{SOURCE_ACCOUNT_ID}:table/{SOURCE_TABLE_NAME}"
    by_sid = {statement["Sid"]: statement for statement in _statements(document)}
    assert _as_list(by_sid["ScanAndExportSourceTable"]["Resource"]) == [table_arn]
    assert _as_list(by_sid["ReadSourceTableStreams"]["Resource"]) == [f"{table_arn}/stream/*"]
    for sid, statement in by_sid.items():
        for resource in _as_list(statement["Resource"]):
            # ListStreams is the one action IAM cannot scope to a table.
            assert resource != "*" or _as_list(statement["Action"]) == ["dynamodb:ListStreams"], sid


def test_source_table_has_pitr_and_a_stream(stack: Stack) -> None:
    dynamodb = stack.source_client("dynamodb")
    backups = dynamodb.describe_continuous_backups(TableName=SOURCE_TABLE_NAME)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    table = dynamodb.describe_table(TableName=SOURCE_TABLE_NAME)["Table"]
    assert table["DeletionProtectionEnabled"] is True
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["TableArn"] == stack.outputs["source_table_arn"]


def test_target_table_has_keys_index_pitr_and_kms(stack: Stack) -> None:
    dynamodb = stack.target_client("dynamodb")
    table = dynamodb.describe_table(TableName=TARGET_TABLE_NAME)["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "order_id", "KeyType": "HASH"},
        {"AttributeName": "line", "KeyType": "RANGE"},
    ]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-customer"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == stack.outputs["target_kms_key_arn"]
    backups = dynamodb.describe_continuous_backups(TableName=TARGET_TABLE_NAME)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_job_role_policy_is_scoped_to_named_resources(stack: Stack) -> None:
    iam = stack.target_client("iam")
    role_name = stack.outputs["job_role_arn"].rsplit("/", 1)[1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    by_sid = {
        statement["Sid"]: statement
        for statement in _statements(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
    }
    assert _as_list(by_sid["AssumeSourceReadRole"]["Resource"]) == [stack.outputs["read_role_arn"]]
    assert _as_list(by_sid["DecryptSourceExportsThroughS3"]["Resource"]) == [stack.outputs["export_kms_key_arn"]]
    export_objects = f"arn:aws:s3:::{stack.outputs['export_bucket_name']}/{stack.outputs['export_prefix']}*"
    assert _as_list(by_sid["ReadSourceExports"]["Resource"]) == [export_objects]
    target_arn = stack.target_client("dynamodb").describe_table(TableName=TARGET_TABLE_NAME)["Table"]["TableArn"]
    assert sorted(_as_list(by_sid["WriteTargetTable"]["Resource"])) == [target_arn, f"{target_arn}/index/*"]
    assert sorted(_as_list(by_sid["WriteTargetTable"]["Action"])) == [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:DescribeTable",
        "dynamodb:PutItem",
        "dynamodb:Scan",
        "dynamodb:UpdateTable",
    ]
    metrics = by_sid["PutMetricsInOwnNamespaces"]
    assert sorted(_as_list(metrics["Condition"]["StringEquals"]["cloudwatch:namespace"])) == [
        "DynamoDBMigration",
        "Glue",
    ]
    unscoped = sorted(sid for sid, statement in by_sid.items() if "*" in _as_list(statement["Resource"]))
    assert unscoped == ["DescribeDynamoDBLimits", "PutMetricsInOwnNamespaces"]


def test_alarms_reach_the_encrypted_topic(stack: Stack) -> None:
    topic_arn = stack.outputs["alarms_topic_arn"]
    attributes = stack.target_client("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    assert attributes["KmsMasterKeyId"] == stack.outputs["target_kms_key_arn"]

    cloudwatch = stack.target_client("cloudwatch")
    names = [
        stack.outputs["target_table_write_throttles_alarm_name"],
        *stack.outputs["target_index_write_throttles_alarm_names"].values(),
    ]
    alarms = {alarm["AlarmName"]: alarm for alarm in cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]}
    assert sorted(alarms) == sorted(names)
    for alarm in alarms.values():
        assert alarm["Namespace"] == "AWS/DynamoDB"
        assert alarm["MetricName"] == "WriteThrottleEvents"
        assert {"Name": "TableName", "Value": TARGET_TABLE_NAME} in alarm["Dimensions"]
        assert alarm["AlarmActions"] == [topic_arn]
    index_alarm = alarms[stack.outputs["target_index_write_throttles_alarm_names"]["by-customer"]]
    assert {"Name": "GlobalSecondaryIndexName", "Value": "by-customer"} in index_alarm["Dimensions"]

    events = stack.target_client("events")
    rule_name = stack.outputs["job_failed_event_rule_name"]
    pattern = json.loads(events.describe_rule(Name=rule_name)["EventPattern"])
    assert pattern["detail-type"] == ["Glue Job State Change"]
    assert sorted(pattern["detail"]["jobName"]) == sorted(
        [stack.outputs["migrate_job_name"], stack.outputs["validate_job_name"]]
    )
    assert "FAILED" in pattern["detail"]["state"]
    targets = events.list_targets_by_rule(Rule=rule_name)["Targets"]
    assert [target["Arn"] for target in targets] == [topic_arn]


def test_a_second_plan_only_adds_the_tls_deny_left_out_for_moto(stack: Stack) -> None:
    """Re-plans the applied stack with every variable at its test value except
    artifacts_bucket_deny_insecure_transport, back at its AWS default (true).

    * Nothing drifts: the only change is the bucket policy left out for moto.
    * The TLS Deny that AWS would get is the planned policy: moto's S3 ignores
      policy conditions, so applying it would deny every object request.
    """
    result = stack.terraform.run(
        stack.workdir,
        "plan",
        "-input=false",
        "-detailed-exitcode",
        "-var=artifacts_bucket_deny_insecure_transport=true",
        "-out=second.tfplan",
        data_dir=stack.data_dir,
        check=False,
    )
    assert result.returncode == 2, f"expected exactly one change:\n{result.stdout}\n{result.stderr}"
    shown = json.loads(
        stack.terraform.run(stack.workdir, "show", "-json", "second.tfplan", data_dir=stack.data_dir).stdout
    )
    changes = {
        change["address"]: change["change"]
        for change in shown["resource_changes"]
        if change["change"]["actions"] != ["no-op"]
    }
    policy_address = "module.target_account.aws_s3_bucket_policy.artifacts[0]"
    assert {address: change["actions"] for address, change in changes.items()} == {policy_address: ["create"]}

    (statement,) = _statements(changes[policy_address]["after"]["policy"])
    bucket_arn = f"arn:aws:s3:::{stack.outputs['artifacts_bucket_name']}"
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] in ("*", {"AWS": "*"})
    assert _as_list(statement["Action"]) == ["s3:*"]
    assert sorted(_as_list(statement["Resource"])) == [bucket_arn, f"{bucket_arn}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_destroy_removes_the_stack(stack: Stack) -> None:
    """Runs after the other stack tests (pytest keeps definition order)."""
    _lift_deletion_protection(stack.target, stack.source, stack.endpoint)
    stack.terraform.run(stack.workdir, "destroy", "-input=false", "-auto-approve", data_dir=stack.data_dir)
    state = stack.terraform.run(stack.workdir, "state", "list", data_dir=stack.data_dir, check=False)
    assert state.stdout.strip() == ""
    with pytest.raises(ClientError, match="EntityNotFound"):
        stack.target_client("glue").get_job(JobName=stack.outputs["migrate_job_name"])
    with pytest.raises(ClientError, match=r"404|NoSuchBucket"):
        stack.source_client("s3").head_bucket(Bucket=stack.outputs["export_bucket_name"])
    with pytest.raises(ClientError, match="NoSuchEntity"):
        stack.source_client("iam").get_role(RoleName=stack.outputs["read_role_arn"].rsplit("/", 1)[1])
    with pytest.raises(ClientError, match="ResourceNotFound"):
        stack.target_client("dynamodb").describe_table(TableName=TARGET_TABLE_NAME)
