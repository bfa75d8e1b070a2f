"""Plan, apply, read back and destroy terraform/examples/stream_replication against a moto server,
with two accounts: the replicator function, its event source mapping, dead-letter queue and
alarms in the source account (next to the stream), the writer role and version table in the
target account.

moto stores IAM policies without enforcing them and never invokes the function (that needs
Docker), so these tests prove what terraform created and the exact grants, not that AWS would
authorise a call; the handler itself is tested against DynamoDB Local in tests/integration.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from jobs.streams.package import build

from .harness import Terraform

REGION = "us-east-1"
SOURCE_ACCOUNT_ID = "111111111111"
SOURCE_DEPLOY_ROLE_ARN = f"arn:aws:iam::{SOURCE_ACCOUNT_ID}:role/terraform-deploy"
EXTERNAL_ID = "tf-test-writer-external-id-0123"
NAME_PREFIX = "tfrepl"
SOURCE_TABLE = "tfrepl-source-orders"
TARGET_TABLE = "tfrepl-target-orders"
ARTIFACTS_BUCKET = "tfrepl-artifacts"
RUN_PREFIX = "runs/tf-run/"
SERVICES = ("cloudwatch", "dynamodb", "iam", "kms", "lambda", "logs", "s3", "sqs", "sts")


@dataclass(frozen=True)
class Applied:
    outputs: dict[str, Any]
    endpoint: str
    source: boto3.Session
    target: boto3.Session
    stream_arn: str
    package: Path

    def client(self, side: str, service: str) -> Any:
        session = self.source if side == "source" else self.target
        return session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def applied(terraform: Terraform, terraform_copy: Path, moto_endpoint: str, tmp_path_factory) -> Iterator[Applied]:
    tmp = tmp_path_factory.mktemp("stream-replication")
    package = build(tmp / "replicator.zip")
    target = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    credentials = target.client("sts", endpoint_url=moto_endpoint).assume_role(
        RoleArn=SOURCE_DEPLOY_ROLE_ARN, RoleSessionName="tf-test-replication"
    )["Credentials"]
    source = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )
    ddb = source.client("dynamodb", endpoint_url=moto_endpoint)
    table = ddb.create_table(
        TableName=SOURCE_TABLE,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    tfvars = {
        "region": REGION,
        "endpoints": dict.fromkeys(SERVICES, moto_endpoint),
        "skip_credentials_validation": True,
        "skip_requesting_account_id": False,
        "skip_metadata_api_check": True,
        "s3_use_path_style": True,
        "source_deploy_role_arn": SOURCE_DEPLOY_ROLE_ARN,
        "name_prefix": NAME_PREFIX,
        "source_table_name": SOURCE_TABLE,
        "source_stream_arn": table["LatestStreamArn"],
        "target_table_name": TARGET_TABLE,
        "artifacts_bucket_name": ARTIFACTS_BUCKET,
        "run_prefix": RUN_PREFIX,
        "lambda_package_path": str(package),
        "writer_external_id": EXTERNAL_ID,
        "tags": {"purpose": "terraform-test"},
    }
    workdir = terraform_copy / "examples" / "stream_replication"
    (workdir / "test.auto.tfvars.json").write_text(json.dumps(tfvars), encoding="utf-8")
    tf = terraform.with_env(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION
    )
    data_dir = tmp / "tfdata"
    tf.run(workdir, "init", "-input=false", data_dir=data_dir)
    try:
        tf.run(workdir, "plan", "-input=false", "-out=tfplan", data_dir=data_dir)
        tf.run(workdir, "apply", "-input=false", "tfplan", data_dir=data_dir)
        outputs = {
            name: value["value"]
            for name, value in json.loads(tf.run(workdir, "output", "-json", data_dir=data_dir).stdout).items()
        }
        yield Applied(outputs, moto_endpoint, source, target, table["LatestStreamArn"], package)
        replan = tf.run(workdir, "plan", "-input=false", "-detailed-exitcode", data_dir=data_dir, check=False)
        assert replan.returncode == 0, f"a second plan is not empty:\n{replan.stdout}"
    finally:
        tf.destroy(workdir, data_dir=data_dir)


def _statements(policy: str | dict[str, Any]) -> dict[str, dict[str, Any]]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    return {s.get("Sid", ""): s for s in document["Statement"]}


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else sorted(value)


def test_the_function_runs_the_replicator_in_the_source_account(applied: Applied) -> None:
    function = applied.client("source", "lambda").get_function(FunctionName=applied.outputs["function_name"])
    config = function["Configuration"]
    assert config["FunctionArn"].split(":")[4] == SOURCE_ACCOUNT_ID
    assert (config["Runtime"], config["Handler"]) == ("python3.12", "jobs.streams.handler.handler")
    assert config["Role"] == applied.outputs["execution_role_arn"]
    assert config["TracingConfig"]["Mode"] == "Active"
    assert config["KMSKeyArn"] == applied.outputs["replicator_kms_key_arn"]
    assert function["Concurrency"]["ReservedConcurrentExecutions"] == 20
    assert config["Environment"]["Variables"] == {
        "REPLICATION_PLAN_URI": f"s3://{ARTIFACTS_BUCKET}/{RUN_PREFIX}replication/plan.json",
        "TARGET_REGION": REGION,
        "TARGET_ROLE_ARN": applied.outputs["writer_role_arn"],
        "TARGET_EXTERNAL_ID": EXTERNAL_ID,
    }


def test_the_stream_mapping_retries_bisects_and_sends_failures_to_the_queue(applied: Applied) -> None:
    mapping = applied.client("source", "lambda").get_event_source_mapping(
        UUID=applied.outputs["event_source_mapping_uuid"]
    )
    assert mapping["EventSourceArn"] == applied.stream_arn
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (mapping["MaximumRetryAttempts"], mapping["BisectBatchOnFunctionError"]) == (5, True)
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == applied.outputs["dead_letter_queue_arn"]


def test_the_dead_letter_queue_is_encrypted_and_alarmed(applied: Applied) -> None:
    attributes = applied.client("source", "sqs").get_queue_attributes(
        QueueUrl=applied.outputs["dead_letter_queue_url"], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["KmsMasterKeyId"] == applied.outputs["replicator_kms_key_arn"]
    assert attributes["MessageRetentionPeriod"] == "1209600"
    alarms = applied.client("source", "cloudwatch").describe_alarms(AlarmNamePrefix=f"{NAME_PREFIX}-stream")
    by_metric = {a["MetricName"]: a for a in alarms["MetricAlarms"]}
    age = by_metric["IteratorAge"]
    assert age["AlarmName"] == applied.outputs["iterator_age_alarm_name"]
    assert (age["Namespace"], age["Statistic"], age["Threshold"]) == ("AWS/Lambda", "Maximum", 60000.0)
    assert age["Dimensions"] == [{"Name": "FunctionName", "Value": applied.outputs["function_name"]}]
    assert by_metric["ApproximateNumberOfMessagesVisible"]["Threshold"] == 0.0


def test_the_execution_role_reads_only_this_stream_and_assumes_only_the_writer(applied: Applied) -> None:
    iam = applied.client("source", "iam")
    role = applied.outputs["execution_role_arn"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role, PolicyName="stream-replication")["PolicyDocument"]
    statements = _statements(policy)
    assert _as_list(statements["ReadTheSourceStream"]["Resource"]) == [applied.stream_arn]
    assert _as_list(statements["BecomeTheTargetWriter"]["Resource"]) == [applied.outputs["writer_role_arn"]]
    assert _as_list(statements["DescribeFailedBatches"]["Resource"]) == [applied.outputs["dead_letter_queue_arn"]]
    wildcards = sorted(sid for sid, s in statements.items() if "*" in _as_list(s["Resource"]))
    assert wildcards == ["ListStreams", "Tracing"]  # no resource-level permissions exist for these


def test_the_writer_role_trusts_exactly_the_function_role_with_the_external_id(applied: Applied) -> None:
    iam = applied.client("target", "iam")
    name = applied.outputs["writer_role_arn"].rsplit("/", 1)[1]
    assert applied.outputs["writer_role_arn"].split(":")[4] != SOURCE_ACCOUNT_ID
    (trust,) = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": applied.outputs["execution_role_arn"]}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
    statements = _statements(iam.get_role_policy(RoleName=name, PolicyName="replication-writes")["PolicyDocument"])
    account = applied.outputs["writer_role_arn"].split(":")[4]
    table_arn = f"arn:aws:dynamodb:{REGION}:{account}:table/"
    writes = statements["VersionedWrites"]
    assert sorted(_as_list(writes["Action"])) == [
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
    ]
    assert _as_list(writes["Resource"]) == sorted([table_arn + TARGET_TABLE, f"{table_arn}{TARGET_TABLE}-replication"])
    assert _as_list(statements["ReadThePlan"]["Resource"]) == [
        f"arn:aws:s3:::{ARTIFACTS_BUCKET}/{RUN_PREFIX}replication/plan.json"
    ]
    assert _as_list(statements["WriteDeadLetters"]["Resource"]) == [
        f"arn:aws:s3:::{ARTIFACTS_BUCKET}/{RUN_PREFIX}replication/dead-letters/*"
    ]


def test_the_version_table_is_keyed_encrypted_and_recoverable(applied: Applied) -> None:
    ddb = applied.client("target", "dynamodb")
    table = ddb.describe_table(TableName=applied.outputs["version_table_name"])["Table"]
    assert applied.outputs["version_table_name"] == f"{TARGET_TABLE}-replication"
    assert table["KeySchema"] == [{"AttributeName": "k", "KeyType": "HASH"}]
    assert table["SSEDescription"]["SSEType"] == "KMS"
    backups = ddb.describe_continuous_backups(TableName=applied.outputs["version_table_name"])
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )
