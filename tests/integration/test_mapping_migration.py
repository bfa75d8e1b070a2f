"""Remapped migrations on the local stack: exact expected output, collisions, plan, reconciliation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from jobs.aws import tables
from jobs.local import datagen, demo
from jobs.run.migrate import run_migration
from jobs.sink.collisions import CollisionError
from jobs.source.export import request_export

from .conftest import by_key, make_config, s3
from .test_migration import EDGE_ITEMS

PK_SK = {
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "N"},
    ],
}
PK_ONLY = {
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
}
MAPPING = {
    "rename": {"name": "title", "profile.address.city": "profile.address.town"},
    "drop": ["note", "profile.prefs"],
    "cast": {"amount": "S", "tags": "L"},
    "set": {"migrated_by": {"S": "ddb-migrate"}},
    "derive": {"customer": "concat('CUST#', pk)"},
    "key": {"PK": "concat('CUST#', pk)", "SK": "sk"},
    "filter": "NOT (sk % 10 = 3)",
}


def expected_output(item: dict) -> dict | None:
    """The mapping above, written out by hand for the test."""
    if int(item["sk"]["N"]) % 10 == 3:
        return None
    out = {k: v for k, v in item.items() if k not in ("name", "note")}
    if "name" in item:
        out["title"] = item["name"]
    if "profile" in item:
        profile = json.loads(json.dumps(item["profile"]))
        profile["M"].pop("prefs", None)
        address = profile["M"].get("address", {}).get("M")
        if address is not None and "city" in address:
            address["town"] = address.pop("city")
        out["profile"] = profile
    if "amount" in item:
        out["amount"] = {"S": item["amount"]["N"]}
    if "tags" in item:
        out["tags"] = {"L": [{"S": s} for s in item["tags"]["SS"]]}
    out["migrated_by"] = {"S": "ddb-migrate"}
    out["customer"] = {"S": "CUST#" + item["pk"]["S"]}
    out["PK"] = {"S": "CUST#" + item["pk"]["S"]}
    out["SK"] = item["sk"]
    return out


def _prepare(local_stack, source_table, names, items, definition, mapping, run=True):
    source = source_table(items)
    target = names("tgt")
    config = make_config(local_stack, source, target, names("run"), mapping=mapping)
    request_export(config.source, lambda _m: None)
    tables.create_table(local_stack.account("target"), target, definition)
    return config, target


def test_remapped_items_equal_the_mappings_expected_output(local_stack, buckets, spark, source_table, names):
    items = list(datagen.make_items(500)) + EDGE_ITEMS
    config, target = _prepare(local_stack, source_table, names, items, PK_SK, MAPPING)
    report = run_migration(config, spark)
    assert report.success, report.errors
    source_items = tables.scan_items(local_stack.account("source"), config.source_table)
    expected = [e for e in (expected_output(i) for i in source_items) if e is not None]
    assert report.items_read == len(items)
    assert report.items_filtered == len(items) - len(expected) == 50
    assert report.items_read == report.items_written + report.items_filtered + report.items_dead_lettered
    actual = tables.scan_items(local_stack.account("target"), target)
    assert by_key(actual, ("PK", "SK")) == by_key(expected, ("PK", "SK"))


def test_a_collision_fails_before_any_write(local_stack, buckets, spark, source_table, names):
    items = list(datagen.make_items(200))  # 200 items over 997 customers: pk repeats from item 997 on...
    items += [{**datagen.make_item(i), "pk": {"S": "customer#0001"}} for i in range(1000, 1004)]
    config, target = _prepare(local_stack, source_table, names, items, PK_ONLY, {"key": {"PK": "concat('CUST#', pk)"}})
    with pytest.raises(CollisionError) as caught:
        run_migration(config, spark)
    assert "nothing was written: 1 target keys are produced by more than one source item (5 items in all)" in str(
        caught.value
    )
    assert 'key PK={"S":"CUST#customer#0001"} <- ' in str(caught.value)
    assert tables.count_items(local_stack.account("target"), target) == 0
    bucket, prefix = config.run_prefix
    assert "Contents" not in s3(local_stack).list_objects_v2(Bucket=bucket, Prefix=prefix + "ledger/")


def test_keep_latest_resolves_collisions_deterministically(local_stack, buckets, spark, source_table, names):
    items = [{**datagen.make_item(i), "pk": {"S": f"c{i % 3}"}} for i in range(30)]
    config, target = _prepare(
        local_stack,
        source_table,
        names,
        items,
        PK_ONLY,
        {"key": {"PK": "pk"}, "collisions": {"policy": "keep_latest", "latest_by": "sk"}},
    )
    report = run_migration(config, spark)
    assert report.success, report.errors
    assert (report.items_written, report.items_filtered) == (3, 27)
    kept = {i["PK"]["S"]: i["sk"]["N"] for i in tables.scan_items(local_stack.account("target"), target)}
    assert kept == {"c0": "27", "c1": "28", "c2": "29"}


def test_dead_letters_from_mapping_and_key_checks(local_stack, buckets, spark, source_table, names):
    items = list(datagen.make_items(60))
    items[5] = {**items[5], "note": {"S": "12.5"}}  # the only note that casts to N
    config, _target = _prepare(
        local_stack,
        source_table,
        names,
        items,
        PK_SK,
        {"cast": {"note": "N"}, "key": {"PK": "concat('CUST#', pk)", "SK": "sk"}},
    )
    report = run_migration(config, spark)
    # every item has a note; items with an empty or wordy note cannot be cast to N
    assert not report.success and report.reconciled
    assert report.items_written == 1 and report.items_dead_lettered == 59
    bucket, prefix = config.run_prefix
    client = s3(local_stack)
    records = []
    for obj in client.list_objects_v2(Bucket=bucket, Prefix=prefix + "dead-letters/")["Contents"]:
        records += [json.loads(x) for x in client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().splitlines()]
    assert len(records) == 59
    sample = records[0]
    assert sample["stage"] == "mapping" and "mapping.cast.note: cannot cast" in sample["reason"]
    assert (
        sample["item"]["pk"]["S"].startswith("customer#") and sample["file"].endswith(".json.gz") and sample["line"] > 0
    )


def test_plan_prints_an_estimate_and_writes_nothing(local_stack, buckets, source_table, names, tmp_path):
    config, target = _prepare(
        local_stack,
        source_table,
        names,
        list(datagen.make_items(300)),
        PK_SK,
        MAPPING | {"key": {"PK": "concat('CUST#', pk)", "SK": "sk"}},
    )
    doc = demo.demo_config(local_stack, config.source_table, target, config.run_id)
    doc["mapping"] = MAPPING
    doc["write"] = {"max_write_units_per_s": 100}
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    result = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "plan", "--config", str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "items: 300 in 5 data files" in out and "30 filtered" in out
    assert "items per 1 KB write unit: 1.0" in out
    assert "write units: ~270" in out and "time at 100 WCU/s" in out
    assert "before:" in out and '"PK": {"S": "CUST#' in out
    assert tables.count_items(local_stack.account("target"), target) == 0
    bucket, prefix = config.run_prefix
    listed = s3(local_stack).list_objects_v2(Bucket=bucket, Prefix=prefix)
    assert [o["Key"] for o in listed.get("Contents", [])] == [prefix + "export.json"]
