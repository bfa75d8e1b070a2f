"""`ddb-migrate catch-up`, `replicate` and `cutover` through the CLI on the local stack.

After a full load, the source changes (updates, deletes, inserts, one item the mapping cannot
cast). catch-up writes an incremental export in AWS's layout from the stream, applies it through
the mapping with a ledger and dead letters, and a rerun skips the finished files. replicate
then replays the whole stream over it: the target equals the mapping of the source, and the
item the mapping cannot cast is dead-lettered, not lost. cutover without --yes asks first.
"""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from jobs import aws
from jobs.aws import tables
from jobs.aws.wire import DynamoWire
from jobs.cli.main import main
from jobs.config import parse_config
from jobs.ledger import LedgerStore
from jobs.local import datagen
from jobs.local.demo import demo_config
from jobs.run.migrate import run_migration
from jobs.sink.writer import put_items
from jobs.source.export import open_export, request_export
from jobs.source.manifests import load_export
from jobs.streams.cutover import cutover

MAPPING = {"cast": {"code": "N"}, "set": {"migrated": {"BOOL": True}}}


def _expected(item):
    out = {**item, "migrated": {"BOOL": True}}
    if "code" in item:
        out["code"] = {"N": item["code"]["S"]}
    return out


def _by_key(items):
    return {(i["pk"]["S"], i["sk"]["N"]): i for i in items}


@pytest.fixture
def migrated(local_stack, buckets, names, spark, tmp_path):
    source, target, run_id = names("cu-src"), names("cu-dst"), names("cu-run")
    account = local_stack.account("source")
    tables.create_table(account, source, datagen.key_schema(), stream=True)
    put_items(account, source, datagen.make_items(60))
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    doc = demo_config(local_stack, source, target, run_id)
    doc["mapping"] = MAPPING
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    config = parse_config(doc, str(path))
    request_export(config.source, lambda _m: None)
    assert run_migration(config, spark).success
    return config, str(path), DynamoWire(account)


def _change_source(config, wire) -> None:
    def call(operation, **body):
        wire.call(operation, json.dumps({"TableName": config.source_table, **body}))

    for index in range(5):
        item = datagen.make_item(index)
        key = {"pk": item["pk"], "sk": item["sk"]}
        call(
            "UpdateItem",
            Key=key,
            UpdateExpression="SET code = :c",
            ExpressionAttributeValues={":c": {"S": str(100 + index)}},
        )
    for index in range(10, 13):
        item = datagen.make_item(index)
        call("DeleteItem", Key={"pk": item["pk"], "sk": item["sk"]})
    for index in range(100, 103):
        call("PutItem", Item=datagen.make_item(index))
    call("PutItem", Item={**datagen.make_item(200), "code": {"S": "not a number"}})


def test_catch_up_then_replicate_through_the_cli(local_stack, migrated, capsys):
    config, path, wire = migrated
    exported_at = open_export(config.source).summary.export_time
    assert exported_at is not None
    _change_source(config, wire)
    time.sleep(1.1)
    until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()

    assert main(["catch-up", "--config", path, "--from", exported_at, "--to", until]) == 1  # one dead letter
    report = json.loads(capsys.readouterr().out)
    # DynamoDB Local's stream clock has whole minutes: records up to a minute before --from may
    # be in the export too (harmless: a line is the item's state at the end of the window)
    assert 12 <= report["items_read"] <= 72 and report["reconciled"]
    assert (report["items_written"], report["items_dead_lettered"]) == (report["items_read"] - 1, 1)
    source_items = _by_key(tables.scan_items(config.account("source"), config.source_table))
    target_items = _by_key(tables.scan_items(config.account("target"), config.target_table))
    bad = ("customer#0200", "200")
    assert target_items == {k: _expected(v) for k, v in source_items.items() if k != bad}

    # the export AWS would write: summary, files manifest, data lines with Keys / images / micros
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    (letters_key,) = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=store.bucket, Prefix=f"{store.prefix}catch-up/")["Contents"]
        if "/dead-letters/" in o["Key"]
    ]
    export_id = letters_key.split("/catch-up/")[1].split("/")[0]
    (letter,) = [json.loads(x) for x in s3.get_object(Bucket=store.bucket, Key=letters_key)["Body"].read().splitlines()]
    assert letter["stage"] == "mapping" and "mapping.cast.code" in letter["reason"]
    assert letter["item"]["NewImage"]["code"] == {"S": "not a number"}
    manifest = f"s3://{config.export.bucket}/{config.export.prefix}/AWSDynamoDB/{export_id}/manifest-summary.json"
    export = load_export(config.account("target"), manifest)
    summary = export.summary.raw
    assert (summary["version"], summary["exportType"], summary["outputView"]) == (
        "2023-08-01",
        "INCREMENTAL_EXPORT",
        "NEW_AND_OLD_IMAGES",
    )
    assert export.checksums_verified and all("/AWSDynamoDB/data/" in f.key for f in export.files)
    lines = []
    for entry in export.files:
        body = s3.get_object(Bucket=export.bucket, Key=entry.key)["Body"].read()
        lines += [json.loads(x) for x in gzip.decompress(body).splitlines()]
    assert len(lines) == report["items_read"]
    assert all(set(x) <= {"Metadata", "Keys", "OldImage", "NewImage"} for x in lines)
    changed = {(x["Keys"]["pk"]["S"], x["Keys"]["sk"]["N"]) for x in lines}
    assert {("customer#0010", "10"), ("customer#0004", "4"), ("customer#0100", "100"), bad} <= changed
    deletes = sorted(x["Keys"]["sk"]["N"] for x in lines if "NewImage" not in x)
    assert deletes == ["10", "11", "12"]
    assert all(int(x["Metadata"]["WriteTimestampMicros"]["N"]) > 0 for x in lines)

    # a rerun of the same export skips its finished files and changes nothing
    assert main(["catch-up", "--config", path, "--manifest", manifest]) == 1
    rerun = json.loads(capsys.readouterr().out)
    assert rerun["files_skipped"] == rerun["files_total"] == len(export.files)
    assert _by_key(tables.scan_items(config.account("target"), config.target_table)) == target_items

    # replication replays the whole stream over the catch-up: same result, the bad item dead-lettered
    assert main(["replicate", "--config", path]) == 1
    stats = json.loads(capsys.readouterr().out)
    assert stats["dead"] == 1 and stats["changes"] == 60 + 12
    assert _by_key(tables.scan_items(config.account("target"), config.target_table)) == target_items


def test_cutover_asks_before_anything_and_stops_when_not_told_yes(migrated, tmp_path):
    config, _path, _wire = migrated
    said: list[str] = []
    verdict = cutover(config, tmp_path / "v", ask=lambda _q: "not yet", say=said.append)
    assert not verdict.go and verdict.checks == {"writes to the source stopped": False}
    assert said[0].startswith("1. no replication checkpoints yet")
    assert said[-1] == "cutover abandoned: the source table stays the live one"
