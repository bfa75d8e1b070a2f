"""Schema copy's pure parts: facts -> spec -> translation through the mapping -> diff -> request."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from jobs.config import SchemaSettings
from jobs.core.errors import ConfigError
from jobs.mapping.spec import parse_mapping
from jobs.sink.schema import policy
from jobs.sink.schema.carry import carry
from jobs.sink.schema.diff import plan
from jobs.sink.schema.facts import TableFacts
from jobs.sink.schema.request import create_request
from jobs.sink.schema.spec import MANAGED_KEY, described
from jobs.sink.schema.translate import target_spec

ARN = "arn:aws:dynamodb:eu-west-1:111111111111:table/orders"


def _facts(**extra: object) -> TableFacts:
    table = {
        "TableName": "orders",
        "TableArn": ARN,
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": t} for n, t in (("pk", "S"), ("sk", "N"), ("status", "S"))
        ],
        "KeySchema": [{"AttributeName": "sk", "KeyType": "RANGE"}, {"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingModeSummary": {"BillingMode": "PROVISIONED"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "byStatus",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "legacy"]},
                "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 4},
            }
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": "byStatusLocal",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "status", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "SSEDescription": {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": "arn:aws:kms:eu-west-1:1:key/src"},
        **extra,
    }
    return TableFacts(
        table=table,
        ttl={"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"},
        backups={"PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": 7}},
        tags=(("aws:cloudformation:stack-name", "x"), ("team", "a")),
        policy=None,
    )


def test_described_orders_the_key_and_drops_system_tags() -> None:
    spec = described(_facts())
    assert spec.key == (("pk", "S"), ("sk", "N"))
    assert (spec.billing_mode, spec.throughput) == ("PROVISIONED", (5, 10))
    assert spec.gsis[0].non_key == ("legacy", "total") and spec.gsis[0].throughput == (2, 4)
    assert (spec.ttl_attribute, spec.pitr, spec.pitr_days) == ("expires", True, 7)
    assert spec.tags == (("team", "a"),)


def test_a_provisioned_table_without_billing_summary_is_provisioned() -> None:
    facts = _facts()
    del facts.table["BillingModeSummary"]
    assert described(facts).billing_mode == "PROVISIONED"


def test_renames_and_casts_carry_key_index_projection_and_ttl() -> None:
    mapping = parse_mapping(
        {"rename": {"pk": "PK", "status": "state", "expires": "ttl"}, "cast": {"sk": "S"}, "drop": ["legacy"]}
    )
    wanted = target_spec(_facts(), "orders-copy", mapping, SchemaSettings())
    spec = wanted.spec
    assert spec.key == (("PK", "S"), ("sk", "S"))
    assert spec.gsis[0].key == (("state", "S"),) and spec.gsis[0].non_key == ("total",)
    assert spec.lsis[0].key == (("PK", "S"), ("state", "S"))
    assert spec.ttl_attribute == "ttl"
    assert spec.sse == MANAGED_KEY
    assert wanted.notes == (
        "SSE: the source's KMS key (arn:aws:kms:eu-west-1:1:key/src) belongs to the source account; the target "
        "uses its AWS managed key (set target.schema.kms_key_arn for a key of the target account)",
    )


def test_an_index_on_a_dropped_attribute_is_left_out_with_a_note() -> None:
    mapping = parse_mapping({"drop": ["status"], "cast": {"expires": "S"}})
    wanted = target_spec(_facts(), "t-copy", mapping, SchemaSettings(kms_key_arn="arn:aws:kms:x:2:key/t"))
    assert (wanted.spec.gsis, wanted.spec.lsis, wanted.spec.ttl_attribute) == ((), (), None)
    assert wanted.spec.sse == "arn:aws:kms:x:2:key/t"
    assert wanted.notes == (
        "GSI byStatus is not copied: mapping.drop removes status",
        "LSI byStatusLocal is not copied: mapping.drop removes status",
        "TTL is not copied: expires is no longer a number",
    )


def test_a_key_the_mapping_derives_needs_its_type() -> None:
    untyped = parse_mapping({"key": {"PK": "concat('C#', pk)"}})
    with pytest.raises(ConfigError, match=re.escape("mapping.key PK: schema copy needs each key attribute's type")):
        target_spec(_facts(), "t-copy", untyped, SchemaSettings())
    typed = parse_mapping({"key": {"PK": {"expr": "concat('C#', pk)", "type": "S"}}})
    wanted = target_spec(_facts(), "t-copy", typed, SchemaSettings())
    assert wanted.spec.key == (("PK", "S"),)
    assert "LSI byStatusLocal is not copied: its partition key pk is not the target table's" in wanted.notes
    given = target_spec(_facts(), "t-copy", untyped, SchemaSettings(key_schema=(("PK", "S"), ("sk", "N"))))
    assert given.spec.key == (("PK", "S"), ("sk", "N"))


def test_a_dropped_key_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=re.escape("the source's key cannot be carried to the target: mapping.drop removes sk")
    ):
        target_spec(_facts(), "t-copy", parse_mapping({"drop": ["sk"]}), SchemaSettings())


def test_carry_takes_the_type_a_derive_declares() -> None:
    mapping = parse_mapping({"derive": {"sk": {"expr": "pk", "type": "S"}}, "set": {"pk": {"N": "1"}}})
    assert (carry(mapping, "sk", "N").type, carry(mapping, "pk", "S").type) == ("S", "N")


def test_policy_is_kept_only_without_the_source_account() -> None:
    foreign = json.dumps({"Statement": [{"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Resource": ARN}]})
    own = json.dumps({"Statement": [{"Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Resource": ARN}]})
    kept = target_spec(replace(_facts(), policy=foreign), "t", parse_mapping(None), SchemaSettings())
    assert kept.spec.resource_policy == policy.normalised(foreign, ARN)
    assert policy.bound(str(kept.spec.resource_policy), "arn:new") == json.dumps(
        {"Statement": [{"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Resource": "arn:new"}]},
        sort_keys=True,
        separators=(",", ":"),
    )
    left = target_spec(replace(_facts(), policy=own), "t", parse_mapping(None), SchemaSettings())
    assert left.spec.resource_policy is None
    assert "resource policy is not copied: it names the source account (arn:aws:iam::111111111111:root)" in left.notes


def test_diff_lists_changeable_differences_and_refuses_fixed_ones() -> None:
    wanted = described(_facts())
    have = replace(wanted, ttl_attribute=None, tags=())
    result = plan(wanted, have)
    assert result.errors == ()
    assert [str(line) for line in result.lines if line.sign != "="] == [
        "  ~ TTL: target off; source definition expires",
        "  ~ tags: target none; source definition team=a",
    ]
    other = plan(wanted, replace(have, lsis=(), key=(("pk", "S"),)))
    assert other.errors == (
        "table orders exists with key HASH pk S, but the source's definition gives HASH pk S, RANGE sk N: "
        "schema copy will not use it",
        "LSI byStatusLocal of table orders differs from the source's definition and cannot be changed after the "
        "table is created",
    )


def test_unknown_parts_are_shown_not_created() -> None:
    wanted = replace(described(_facts()), unknown=(("tags", "ListTagsOfResource: UnknownOperationException"),))
    lines = {line.part: str(line) for line in plan(wanted, None).lines}
    assert lines["tags"] == (
        "  ? tags: not copied: the source's could not be read (ListTagsOfResource: UnknownOperationException)"
    )
    assert lines["PITR"] == "  + PITR: on (7 days)"


def test_create_request_has_everything_create_table_takes() -> None:
    spec = replace(described(_facts()), name="copy", stream_view="KEYS_ONLY", deletion_protection=True)
    request = create_request(spec)
    assert request["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert [a["AttributeName"] for a in request["AttributeDefinitions"]] == ["pk", "sk", "status"]
    assert request["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"] == {
        "ReadCapacityUnits": 2,
        "WriteCapacityUnits": 4,
    }
    assert "ProvisionedThroughput" not in request["LocalSecondaryIndexes"][0]
    assert request["SSESpecification"] == {
        "Enabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": "arn:aws:kms:eu-west-1:1:key/src",
    }
    assert request["Tags"] == [{"Key": "team", "Value": "a"}]
    assert (request["StreamSpecification"], request["DeletionProtectionEnabled"]) == (
        {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        True,
    )


def test_target_schema_is_read_from_the_job_file() -> None:
    from jobs.config import parse_config

    doc: dict[str, Any] = {
        "accounts": {"source": {"region": "eu-west-1"}, "target": {"region": "eu-west-1"}},
        "source": {"account": "source", "table": "orders", "export": {"bucket": "exports"}},
        "target": {
            "account": "target",
            "table": "orders-copy",
            "schema": {"kms_key_arn": "arn:aws:kms:eu-west-1:2:key/k", "key_schema": [{"name": "PK", "type": "S"}]},
        },
        "output": {"uri": "s3://artifacts/runs"},
    }
    assert parse_config(doc).sink.schema == SchemaSettings("arn:aws:kms:eu-west-1:2:key/k", (("PK", "S"),))
    doc["target"]["schema"] = {"key_schema": [{"name": "PK", "type": "BOOL"}]}
    with pytest.raises(ConfigError, match=re.escape("target.schema.key_schema[0].type: must be S, N or B")):
        parse_config(doc)
