"""`ddb-migrate schema copy` on DynamoDB Local: the plan, the created table, then a run and a
validation on it; an existing target with another key is refused. (Tags, PITR and resource
policies: DynamoDB Local has no such APIs; tests/integration/test_schema_copy_moto.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jobs import aws
from jobs.aws import tables
from jobs.cli.main import main
from jobs.config import JobConfig
from jobs.local import datagen
from jobs.run.migrate import run_migration
from jobs.sink.schema.diff import parts
from jobs.sink.schema.facts import read_facts
from jobs.sink.schema.spec import described
from jobs.sink.writer import put_items
from jobs.source.export import request_export
from jobs.validate.validation import validate

from .conftest import make_config

UNKNOWN = "not copied: the source's could not be read"


def _index(name: str, key: list[tuple[str, str]], projection: dict[str, Any]) -> dict[str, Any]:
    kinds = ("HASH", "RANGE")
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": n, "KeyType": kinds[i]} for i, (n, _t) in enumerate(key)],
        "Projection": projection,
    }


ORDERS = {  # pk S / sk N, a sparse GSI with INCLUDE, an LSI, TTL, a stream, deletion protection
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": n, "AttributeType": t} for n, t in (("pk", "S"), ("sk", "N"), ("sparse", "S"), ("name", "S"))
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [
        _index("bySparse", [("sparse", "S")], {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name", "amount"]})
    ],
    "LocalSecondaryIndexes": [_index("byName", [("pk", "S"), ("name", "S")], {"ProjectionType": "KEYS_ONLY"})],
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    "DeletionProtectionEnabled": True,
}
TENANTS = {  # one hash key `id`, provisioned, a GSI on `kind`
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "kind", "AttributeType": "S"},
    ],
    "BillingMode": "PROVISIONED",
    "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 50},
    "GlobalSecondaryIndexes": [
        {
            **_index("byKind", [("kind", "S")], {"ProjectionType": "KEYS_ONLY"}),
            "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 50},
        }
    ],
}


def _config_file(tmp_path: Path, config: JobConfig) -> str:
    path = tmp_path / f"{config.run_id}.yaml"
    path.write_text(yaml.safe_dump(config.raw))
    return str(path)


def _schema_copy(capsys: pytest.CaptureFixture[str], path: str, *extra: str) -> tuple[int, list[str], str]:
    code = main(["schema", "copy", "--config", path, *extra])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_copy_plan_create_then_run_and_validate(local_stack, buckets, spark, names, made, tmp_path, capsys):
    source = made("source", names("orders"), ORDERS)
    ddb = aws.client(local_stack.account("source"), "dynamodb")
    ddb.update_time_to_live(TableName=source, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    put_items(local_stack.account("source"), source, list(datagen.make_items(300)))
    target = made("target", names("orders-copy"))
    config = make_config(local_stack, source, target, names("run"))
    path = _config_file(tmp_path, config)

    code, out, _err = _schema_copy(capsys, path, "--dry-run")
    assert code == 0
    assert out == [
        f"schema copy: table {source} (account 'source') -> table {target} (account 'target')",
        f"target table {target} does not exist; to create:",
        "  + key: HASH pk S, RANGE sk N",
        "  + billing: PAY_PER_REQUEST",
        "  + GSI bySparse: HASH sparse S; projection INCLUDE (amount, name)",
        "  + LSI byName: HASH pk S, RANGE name S; projection KEYS_ONLY",
        "  + TTL: expires_at",
        "  + stream: NEW_AND_OLD_IMAGES",
        f"  ? PITR: {UNKNOWN} (DescribeContinuousBackups: UnknownOperationException)",
        "  + deletion protection: on",
        "  + SSE: AWS owned key",
        f"  ? tags: {UNKNOWN} (ListTagsOfResource: UnknownOperationException)",
        f"  ? resource policy: {UNKNOWN} (GetResourcePolicy: UnknownOperationException)",
        "dry run: nothing was changed",
    ]
    assert not tables.exists(local_stack.account("target"), target)

    code, out, _err = _schema_copy(capsys, path)
    assert code == 0
    assert out[-2:] == [f"  done: created table {target} in account 'target'", "  done: TTL on expires_at"]
    copied = read_facts(local_stack.account("target"), target)
    original = read_facts(local_stack.account("source"), source)
    assert copied is not None and original is not None
    assert parts(described(copied)) == parts(described(original))

    code, out, _err = _schema_copy(capsys, path, "--dry-run")
    assert code == 0
    assert out[1] == f"target table {target} exists; compared with the source's definition:"
    assert out[2:] == [
        "  = key: HASH pk S, RANGE sk N",
        "  = billing: PAY_PER_REQUEST",
        "  = GSI bySparse: HASH sparse S; projection INCLUDE (amount, name)",
        "  = LSI byName: HASH pk S, RANGE name S; projection KEYS_ONLY",
        "  = TTL: expires_at",
        "  = stream: NEW_AND_OLD_IMAGES",
        "  ? PITR: not compared: could not be read (DescribeContinuousBackups: UnknownOperationException)",
        "  = deletion protection: on",
        "  = SSE: AWS owned key",
        "  ? tags: not compared: could not be read (ListTagsOfResource: UnknownOperationException)",
        "  ? resource policy: not compared: could not be read (GetResourcePolicy: UnknownOperationException)",
        "dry run: nothing was changed",
    ]

    request_export(config.source, lambda _m: None)
    report = run_migration(config, spark)
    assert report.success, report.errors
    assert (report.items_read, report.items_written) == (300, 300)
    outcome = validate(config, tmp_path / "validation", spark=spark)
    assert outcome.success, outcome.summary_line()
    assert tables.count_items(local_stack.account("target"), target) == 300


def test_key_renamed_through_the_mapping(local_stack, buckets, spark, names, made, tmp_path, capsys):
    source = made("source", names("tenants"), TENANTS)
    items = [{"id": {"S": f"t{n:03d}"}, "kind": {"S": ("a", "b", "c")[n % 3]}, "n": {"N": str(n)}} for n in range(120)]
    put_items(local_stack.account("source"), source, items)
    target = made("target", names("tenants-copy"))
    mapping = {"rename": {"id": "tenant_id", "kind": "category"}}
    config = make_config(local_stack, source, target, names("run"), mapping=mapping)
    path = _config_file(tmp_path, config)

    code, out, _err = _schema_copy(capsys, path, "--dry-run")
    assert code == 0
    assert out[2:7] == [
        "  + key: HASH tenant_id S",
        "  + billing: PROVISIONED; read 7, write 50",
        "  + GSI byKind: HASH category S; projection KEYS_ONLY; read 3, write 50",
        "  + TTL: off",
        "  + stream: off",
    ]
    assert _schema_copy(capsys, path)[0] == 0
    assert tables.key_schema(local_stack.account("target"), target) == (("tenant_id", "S"),)

    request_export(config.source, lambda _m: None)
    report = run_migration(config, spark)
    assert report.success, report.errors
    assert (report.items_read, report.items_written) == (120, 120)
    assert validate(config, tmp_path / "validation", spark=spark).success


def test_existing_target_with_another_key_is_refused(local_stack, names, made, tmp_path, capsys):
    source = made("source", names("orders"), ORDERS)
    hash_only = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    target = made("target", names("orders-copy"), hash_only)
    config = make_config(local_stack, source, target, names("run"))
    path = _config_file(tmp_path, config)

    code, out, err = _schema_copy(capsys, path)
    assert code == 2
    assert out[1] == f"target table {target} exists; compared with the source's definition:"
    assert out[2] == (
        "  ! key: target HASH pk S; source definition HASH pk S, RANGE sk N "
        "(cannot be changed after the table is created)"
    )
    assert "  ! LSI byName: target none; source definition HASH pk S, RANGE name S; projection KEYS_ONLY" in out[5]
    assert err.splitlines() == [
        f"error: table {target} exists with key HASH pk S, but the source's definition gives HASH pk S, RANGE sk N: "
        f"schema copy will not use it; LSI byName of table {target} differs from the source's definition and cannot "
        "be changed after the table is created -> delete or rename the target table, or fix target.table / the mapping"
    ]
    assert tables.key_schema(local_stack.account("target"), target) == (("pk", "S"),)
