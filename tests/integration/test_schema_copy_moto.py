"""Schema copy's parts that DynamoDB Local lacks (tags, PITR, resource policies, SSE, warm
throughput), against the moto server's DynamoDB. Both "accounts" are moto's one account here,
so the source account is the account id in the source table's ARN (123456789012)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from jobs import aws
from jobs.aws import AccountSpec
from jobs.cli.main import main
from jobs.local import demo
from jobs.local.stack import Stack

TARGET_KEY = "arn:aws:kms:us-east-1:123456789012:key/target-key"
SOURCE_KEY = "arn:aws:kms:us-east-1:123456789012:key/source-key"
ACCOUNT = "123456789012"  # moto's account: both key ids act as it


def _moto_accounts(local_stack: Stack) -> dict[str, dict[str, Any]]:
    accounts = {}
    for name in ("source", "target"):
        doc = local_stack.account_config(name)
        doc["endpoints"] = {"default": local_stack.moto_endpoint, "dynamodb": local_stack.moto_endpoint}
        accounts[name] = doc
    return accounts


def _account(local_stack: Stack, name: str) -> AccountSpec:
    spec = local_stack.account(name)
    return AccountSpec(
        name=name,
        region=spec.region,
        access_key_id=spec.access_key_id,
        secret_access_key=spec.secret_access_key,
        endpoints=(("default", local_stack.moto_endpoint),),
    )


def _policy(arn: str, principal: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "dynamodb:GetItem", "Resource": arn}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _source(local_stack: Stack, name: str, principal: str) -> None:
    ddb = aws.client(_account(local_stack, "source"), "dynamodb")
    arn = ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        WarmThroughput={"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 6000},
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": SOURCE_KEY},
        Tags=[{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": "prod"}],
    )["TableDescription"]["TableArn"]
    ddb.update_continuous_backups(
        TableName=name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 10},
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    ddb.put_resource_policy(ResourceArn=arn, Policy=_policy(arn, principal))


@pytest.fixture
def copy_with(local_stack: Stack, names: Callable[[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    calls = itertools.count()

    def run(principal: str, *extra: str) -> tuple[str, str, int, list[str]]:
        call = next(calls)  # `names` gives one name per base within a test
        source, target = names(f"moto-src{call}"), names(f"moto-tgt{call}")
        _source(local_stack, source, principal)
        doc = demo.demo_config(local_stack, source, target, names("run"))
        doc["accounts"] = _moto_accounts(local_stack)
        doc["target"]["schema"] = {"kms_key_arn": TARGET_KEY}
        path = tmp_path / "job.yaml"
        path.write_text(yaml.safe_dump(doc))
        code = main(["schema", "copy", "--config", str(path), *extra])
        return source, target, code, capsys.readouterr().out.splitlines()

    return run


def test_tags_pitr_policy_sse_and_warm_throughput_are_copied(local_stack, copy_with):
    source, target, code, out = copy_with("arn:aws:iam::222222222222:role/reader", "--dry-run")
    assert code == 0
    assert out == [
        f"schema copy: table {source} (account 'source') -> table {target} (account 'target')",
        f"target table {target} does not exist; to create:",
        "  + key: HASH pk S",
        "  + billing: PAY_PER_REQUEST",
        "  + warm throughput: 15000 reads/s, 6000 writes/s",
        "  + TTL: expires",
        "  + stream: off",
        "  + PITR: on (10 days)",
        "  + deletion protection: off",
        f"  + SSE: {TARGET_KEY}",
        "  + tags: env=prod, team=payments",
        # the digest is of the policy with the table's ARN as a placeholder: the same for every source name
        "  + resource policy: 1 statement(s), principals arn:aws:iam::222222222222:role/reader; sha256 7440dc3651e8",
        "dry run: nothing was changed",
    ]

    # the same plan, applied (a fresh source: the fixture names tables per call)
    source, target, code, out = copy_with("arn:aws:iam::222222222222:role/reader")
    assert code == 0
    assert out[-4:] == [
        f"  done: created table {target} in account 'target'",
        "  done: TTL on expires",
        "  done: PITR on",
        "  done: resource policy put",
    ]
    ddb = aws.client(_account(local_stack, "target"), "dynamodb")
    table = ddb.describe_table(TableName=target)["Table"]
    arn = table["TableArn"]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == TARGET_KEY
    assert (table["WarmThroughput"]["ReadUnitsPerSecond"], table["WarmThroughput"]["WriteUnitsPerSecond"]) == (
        15000,
        6000,
    )
    assert sorted((t["Key"], t["Value"]) for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == [
        ("env", "prod"),
        ("team", "payments"),
    ]
    recovery = ddb.describe_continuous_backups(TableName=target)["ContinuousBackupsDescription"]
    assert recovery["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 10
    assert ddb.describe_time_to_live(TableName=target)["TimeToLiveDescription"]["AttributeName"] == "expires"
    assert json.loads(ddb.get_resource_policy(ResourceArn=arn)["Policy"]) == json.loads(
        _policy(arn, "arn:aws:iam::222222222222:role/reader")
    )


def test_a_policy_naming_the_source_account_stays_behind(local_stack, copy_with):
    principal = f"arn:aws:iam::{ACCOUNT}:role/old-app"
    _source_name, target, code, out = copy_with(principal)
    assert code == 0
    assert "  + resource policy: none" in out
    assert f"  note: resource policy is not copied: it names the source account ({principal})" in out
    assert "  done: resource policy put" not in out
    ddb = aws.client(_account(local_stack, "target"), "dynamodb")
    arn = ddb.describe_table(TableName=target)["Table"]["TableArn"]
    with pytest.raises(ClientError) as missing:
        ddb.get_resource_policy(ResourceArn=arn)
    assert missing.value.response["Error"]["Code"] == "PolicyNotFoundException"
