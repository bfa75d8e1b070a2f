"""Read back terraform/examples/cross_account, applied against moto with two accounts (the
`stack` fixture, example_stack.py), resource by resource; the policies statement by statement.
"""

from __future__ import annotations

import json

import pytest

from .example_stack import (
    GLUE_SCRIPTS_DIR,
    NAME_PREFIX,
    OPERATOR_ROLE_ARN,
    READ_ROLE_EXTERNAL_ID,
    REGION,
    RUN_ID,
    SCHEDULE,
    SOURCE_ACCOUNT_ID,
    SOURCE_TABLE_NAME,
    TARGET_TABLE_NAME,
    Stack,
    as_list,
    statements,
)


def test_the_two_accounts_differ(stack: Stack) -> None:
    target_account = stack.target_client("sts").get_caller_identity()["Account"]
    assert target_account != SOURCE_ACCOUNT_ID
    assert stack.outputs["job_role_arn"].startswith(f"arn:aws:iam::{target_account}:role/")
    assert stack.outputs["read_role_arn"].startswith(f"arn:aws:iam::{SOURCE_ACCOUNT_ID}:role/")
    assert stack.outputs["export_bucket_name"].endswith(f"-export-{SOURCE_ACCOUNT_ID}")
    assert stack.outputs["artifacts_bucket_name"].endswith(f"-artifacts-{target_account}")


def test_glue_scripts_bundle_and_config_are_uploaded(stack: Stack) -> None:
    s3 = stack.target_client("s3")
    bucket = stack.outputs["artifacts_bucket_name"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="glue_scripts/").get("Contents", [])
    local_scripts = sorted(path.name for path in GLUE_SCRIPTS_DIR.glob("*.py"))
    assert sorted(obj["Key"].removeprefix("glue_scripts/") for obj in listed) == local_scripts
    for name in local_scripts:
        body = s3.get_object(Bucket=bucket, Key=f"glue_scripts/{name}")["Body"].read()
        assert body == (GLUE_SCRIPTS_DIR / name).read_bytes(), name

    # The bundle keeps its content-addressed name: a new build is a new key.
    assert stack.bundle.name.startswith("ddb_migrate-glue-bundle-") and len(stack.bundle.stem) == 24 + 64
    bundle_key = f"bundles/{stack.bundle.name}"
    assert stack.outputs["glue_bundle_s3_uri"] == f"s3://{bucket}/{bundle_key}"
    assert s3.get_object(Bucket=bucket, Key=bundle_key)["Body"].read() == stack.bundle.read_bytes()

    assert stack.outputs["job_config_s3_uri"] == f"s3://{bucket}/config/job.yaml"
    config = s3.get_object(Bucket=bucket, Key="config/job.yaml")
    assert config["Body"].read() == stack.job_config.read_bytes()
    assert config["ServerSideEncryption"] == "aws:kms"
    assert config["SSEKMSKeyId"] == stack.outputs["target_kms_key_arn"]


@pytest.mark.parametrize(
    ("job_output", "script"),
    [
        ("export_job_name", "export_table.py"),
        ("migrate_job_name", "migrate_table.py"),
        ("validate_job_name", "validate_table.py"),
    ],
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
    # One bundle from S3, no PyPI name, installed with no package index.
    assert arguments["--additional-python-modules"] == stack.outputs["glue_bundle_s3_uri"]
    assert arguments["--python-modules-installer-option"] == "--no-index"
    assert arguments["--job-language"] == "python"
    assert arguments["--enable-metrics"] == "true"
    # Glue 5.0 logging: a prefix for the error and output groups, not the 4.0-era flags.
    assert arguments["--custom-logGroup-prefix"] == f"/aws-glue/jobs/{NAME_PREFIX}"
    assert not any(key.startswith(("--enable-continuous", "--continuous-log")) for key in arguments)
    assert arguments["--enable-spark-ui"] == "true"
    assert arguments["--spark-event-logs-path"] == stack.outputs["spark_event_logs_s3_uri"]
    assert stack.outputs["spark_event_logs_s3_uri"] == f"s3://{bucket}/spark-events/"


def test_migrate_job_worker_count_comes_from_the_variable(stack: Stack) -> None:
    job = stack.target_client("glue").get_job(JobName=stack.outputs["migrate_job_name"])["Job"]
    assert job["NumberOfWorkers"] == 4


def test_glue_security_configuration_encrypts_s3_and_bookmarks(stack: Stack) -> None:
    glue = stack.target_client("glue")
    configuration = glue.get_security_configuration(Name=stack.outputs["glue_security_configuration_name"])
    encryption = configuration["SecurityConfiguration"]["EncryptionConfiguration"]
    key_arn = stack.outputs["target_kms_key_arn"]
    assert encryption["S3Encryption"] == [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key_arn}]
    # The log groups carry the key themselves (next test).
    assert encryption["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "DISABLED"
    assert encryption["JobBookmarksEncryption"] == {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key_arn}


def test_job_log_groups_have_retention_and_the_target_key(stack: Stack) -> None:
    logs = stack.target_client("logs")
    names = stack.outputs["job_log_group_names"]
    assert names == {"error": f"/aws-glue/jobs/{NAME_PREFIX}/error", "output": f"/aws-glue/jobs/{NAME_PREFIX}/output"}
    for name in names.values():
        groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        (group,) = [g for g in groups if g["logGroupName"] == name]
        assert group["retentionInDays"] == 365
        assert group["kmsKeyId"] == stack.outputs["target_kms_key_arn"]


def test_workflow_exports_then_migrates_then_validates(stack: Stack) -> None:
    glue = stack.target_client("glue")
    workflow = stack.outputs["glue_workflow_name"]
    start = glue.get_trigger(Name=f"{NAME_PREFIX}-start")["Trigger"]
    assert start["WorkflowName"] == workflow
    assert start["Type"] == "SCHEDULED"
    assert start["Schedule"] == SCHEDULE
    assert [action["JobName"] for action in start["Actions"]] == [stack.outputs["export_job_name"]]

    for name, after, then in (
        ("migrate-after-export", "export_job_name", "migrate_job_name"),
        ("validate-after-migrate", "migrate_job_name", "validate_job_name"),
    ):
        follow = glue.get_trigger(Name=f"{NAME_PREFIX}-{name}")["Trigger"]
        assert follow["WorkflowName"] == workflow
        assert follow["Type"] == "CONDITIONAL"
        assert follow["Predicate"]["Conditions"] == [
            {"LogicalOperator": "EQUALS", "JobName": stack.outputs[after], "State": "SUCCEEDED"}
        ]
        assert [action["JobName"] for action in follow["Actions"]] == [stack.outputs[then]]


def test_export_bucket_policy_grants_read_to_the_job_role_and_the_operators_only(stack: Stack) -> None:
    bucket = stack.outputs["export_bucket_name"]
    prefix = stack.outputs["export_prefix"]
    readers = sorted([stack.outputs["job_role_arn"], OPERATOR_ROLE_ARN])
    applied = stack.source_client("s3").get_bucket_policy(Bucket=bucket)["Policy"]
    assert json.loads(applied) == json.loads(stack.outputs["export_bucket_policy_json"])

    by_sid = {statement["Sid"]: statement for statement in statements(applied)}
    allows = [statement for statement in by_sid.values() if statement["Effect"] == "Allow"]
    assert allows, "the export bucket policy grants nothing"
    for statement in allows:
        assert sorted(as_list(statement["Principal"]["AWS"])) == readers, statement

    listing = by_sid["TargetJobRoleListsExportPrefix"]
    assert as_list(listing["Action"]) == ["s3:ListBucket"]
    assert as_list(listing["Resource"]) == [f"arn:aws:s3:::{bucket}"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": f"{prefix}*"}}

    reading = by_sid["TargetJobRoleReadsExports"]
    assert as_list(reading["Action"]) == ["s3:GetObject"]
    assert as_list(reading["Resource"]) == [f"arn:aws:s3:::{bucket}/{prefix}*"]

    tls = by_sid["DenyInsecureTransport"]
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


def test_export_key_lets_the_job_role_and_the_operators_decrypt_through_s3_only(stack: Stack) -> None:
    kms = stack.source_client("kms")
    policy = kms.get_key_policy(KeyId=stack.outputs["export_kms_key_arn"], PolicyName="default")["Policy"]
    readers = sorted([stack.outputs["job_role_arn"], OPERATOR_ROLE_ARN])
    grants = [s for s in statements(policy) if "root" not in json.dumps(s["Principal"])]
    assert len(grants) == 1, policy
    assert sorted(as_list(grants[0]["Principal"]["AWS"])) == readers
    assert sorted(as_list(grants[0]["Action"])) == ["kms:Decrypt", "kms:DescribeKey"]
    assert grants[0]["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
    assert kms.get_key_rotation_status(KeyId=stack.outputs["export_kms_key_arn"])["KeyRotationEnabled"] is True


def test_read_role_trusts_the_job_role_and_the_operators_with_the_external_id(stack: Stack) -> None:
    iam = stack.source_client("iam")
    role_name = stack.outputs["read_role_arn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    (statement,) = statements(trust)
    assert sorted(as_list(statement["Principal"]["AWS"])) == sorted([stack.outputs["job_role_arn"], OPERATOR_ROLE_ARN])
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": READ_ROLE_EXTERNAL_ID}}

    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    table_arn = stack.outputs["source_table_arn"]
    assert table_arn == f"arn:aws:dynamodb:{REGION}:{SOURCE_ACCOUNT_ID}:table/{SOURCE_TABLE_NAME}"
    by_sid = {statement["Sid"]: statement for statement in statements(document)}
    assert as_list(by_sid["ScanAndExportSourceTable"]["Resource"]) == [table_arn]
    assert as_list(by_sid["ReadSourceTableStreams"]["Resource"]) == [f"{table_arn}/stream/*"]
    for sid, statement in by_sid.items():
        for resource in as_list(statement["Resource"]):
            # ListStreams is the one action IAM cannot scope to a table.
            assert resource != "*" or as_list(statement["Action"]) == ["dynamodb:ListStreams"], sid


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
        for statement in statements(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
    }
    assert as_list(by_sid["AssumeSourceReadRole"]["Resource"]) == [stack.outputs["read_role_arn"]]
    assert as_list(by_sid["DecryptSourceExportsThroughS3"]["Resource"]) == [stack.outputs["export_kms_key_arn"]]
    export_objects = f"arn:aws:s3:::{stack.outputs['export_bucket_name']}/{stack.outputs['export_prefix']}*"
    assert as_list(by_sid["ReadSourceExports"]["Resource"]) == [export_objects]
    target_arn = stack.target_client("dynamodb").describe_table(TableName=TARGET_TABLE_NAME)["Table"]["TableArn"]
    assert sorted(as_list(by_sid["WriteTargetTable"]["Resource"])) == [target_arn, f"{target_arn}/index/*"]
    assert sorted(as_list(by_sid["WriteTargetTable"]["Action"])) == [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:DescribeTable",
        "dynamodb:PutItem",
        "dynamodb:Scan",
        "dynamodb:UpdateTable",
    ]
    metrics = by_sid["PutMetricsInOwnNamespaces"]
    assert sorted(as_list(metrics["Condition"]["StringEquals"]["cloudwatch:namespace"])) == [
        "DynamoDBMigration",
        "Glue",
    ]
    bucket_arn = f"arn:aws:s3:::{stack.outputs['artifacts_bucket_name']}"
    assert f"{bucket_arn}/bundles/*" in as_list(by_sid["ReadCodeAndConfig"]["Resource"])
    assert f"{bucket_arn}/spark-events/*" in as_list(
        by_sid["WriteLedgerDeadLettersReportsTemporaryFilesAndSparkEvents"]["Resource"]
    )
    workflow_arn = f"arn:aws:glue:{REGION}:123456789012:workflow/{stack.outputs['glue_workflow_name']}"
    assert as_list(by_sid["ReadAndTagOwnWorkflowRuns"]["Resource"]) == [workflow_arn]
    unscoped = sorted(sid for sid, statement in by_sid.items() if "*" in as_list(statement["Resource"]))
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
        [stack.outputs["export_job_name"], stack.outputs["migrate_job_name"], stack.outputs["validate_job_name"]]
    )
    assert sorted(pattern["detail"]["state"]) == ["ERROR", "FAILED", "STOPPED", "TIMEOUT"]
    targets = events.list_targets_by_rule(Rule=rule_name)["Targets"]
    assert [target["Arn"] for target in targets] == [topic_arn]

    (dead_letters,) = cloudwatch.describe_alarms(AlarmNames=[stack.outputs["dead_letters_alarm_name"]])["MetricAlarms"]
    assert dead_letters["Threshold"] == 0 and dead_letters["ComparisonOperator"] == "GreaterThanThreshold"
    assert dead_letters["AlarmActions"] == [topic_arn]
    (query,) = dead_letters["Metrics"]
    assert query["Expression"] == 'SELECT SUM(DeadLetters) FROM SCHEMA("DynamoDBMigration", RunId)'


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

    (statement,) = statements(changes[policy_address]["after"]["policy"])
    bucket_arn = f"arn:aws:s3:::{stack.outputs['artifacts_bucket_name']}"
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] in ("*", {"AWS": "*"})
    assert as_list(statement["Action"]) == ["s3:*"]
    assert sorted(as_list(statement["Resource"])) == [bucket_arn, f"{bucket_arn}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
