"""Dead letters: an oversize item and a bad key are isolated with reasons while the rest are
written; a fixed mapping replays mapping dead letters and the report reconciles again."""

from __future__ import annotations

import json

from jobs.aws import tables
from jobs.cli.commands import cleanup_main
from jobs.config import parse_config
from jobs.ledger import LedgerStore
from jobs.local import datagen, demo
from jobs.run.migrate import run_migration
from jobs.run.replay import replay
from jobs.source.export import request_export

from .conftest import s3

PK_ONLY = {
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
}


def _dead_letters(config) -> list[dict]:
    return [r for _key, records in LedgerStore.for_run(config).dead_letter_files() for r in records]


def _setup(local_stack, source_table, names, items, mapping):
    source = source_table(items)
    target = names("tgt")
    doc = demo.demo_config(local_stack, source, target, names("run"))
    doc["mapping"] = mapping
    config = parse_config(doc)
    request_export(config.source, lambda _m: None)
    tables.create_table(local_stack.account("target"), target, PK_ONLY)
    return doc, config


def test_oversize_item_and_bad_key_are_dead_lettered_and_the_rest_written(
    local_stack, buckets, spark, source_table, names
):
    items = [{**datagen.make_item(i), "code": {"S": f"c{i}"}} for i in range(80)]
    items[10]["big"] = {"S": "x" * 250_000}  # fits the source; 500 KB once the mapping doubles it
    del items[20]["code"]  # no key after the mapping
    _doc, config = _setup(
        local_stack,
        source_table,
        names,
        items,
        {
            "key": {"PK": "concat('K#', code)"},
            "derive": {"big": "concat(big, big)"},
        },
    )
    report = run_migration(config, spark)
    assert not report.success and report.reconciled
    assert (report.items_written, report.items_dead_lettered) == (78, 2)
    dead = {d["item"].get("code", {}).get("S", "-"): d for d in _dead_letters(config)}
    assert dead["c10"]["error"] == "ItemTooLarge" and "bytes after mapping" in dead["c10"]["reason"]
    assert dead["-"]["error"] == "MissingKey" and "'PK'" in dead["-"]["reason"]
    assert all(d["stage"] == "write" and d["file"].endswith(".json.gz") and d["line"] > 0 for d in dead.values())
    assert tables.count_items(local_stack.account("target"), config.target_table) == 78


def test_replay_after_fixing_the_mapping(local_stack, buckets, spark, source_table, names):
    items = [{**datagen.make_item(i), "code": {"S": f"c{i}"}} for i in range(40)]
    for i in (3, 7, 11):
        items[i]["qty"] = {"S": "three"}
    for i in set(range(40)) - {3, 7, 11}:
        items[i]["qty"] = {"S": str(i)}
    doc, config = _setup(
        local_stack, source_table, names, items, {"key": {"PK": "concat('K#', code)"}, "cast": {"qty": "N"}}
    )
    first = run_migration(config, spark)
    assert (first.items_written, first.items_dead_lettered) == (37, 3)
    first_dead = _dead_letters(config)
    assert {d["stage"] for d in first_dead} == {"mapping"}
    doc["mapping"] = {"key": {"PK": "concat('K#', code)"}}  # the fix: keep qty as text
    outcome = replay(parse_config(doc), spark)
    assert (outcome.records, outcome.written, outcome.still_dead) == (3, 3, 0)
    assert outcome.report is not None
    assert outcome.report.success and outcome.report.items_written == 40 and outcome.report.items_dead_lettered == 0
    assert _dead_letters(config) == []
    replayed = {i["PK"]["S"]: i for i in tables.scan_items(local_stack.account("target"), config.target_table)}
    assert replayed["K#c7"]["qty"] == {"S": "three"} and replayed["K#c8"]["qty"] == {"N": "8"}

    # the dead letters as they were stay for audit until cleanup, which then removes them alone
    store, client = LedgerStore.for_run(config), s3(local_stack)
    archive = store.prefix + "dead-letters-replayed/"
    kept = client.list_objects_v2(Bucket=store.bucket, Prefix=archive).get("Contents", [])
    lines = [
        json.loads(line)
        for o in kept
        for line in client.get_object(Bucket=store.bucket, Key=o["Key"])["Body"].read().decode().splitlines()
    ]
    assert sorted(r["line"] for r in lines) == sorted(d["line"] for d in first_dead)
    assert cleanup_main(config, roles=[], yes=True) == 0
    assert client.list_objects_v2(Bucket=store.bucket, Prefix=archive).get("KeyCount") == 0
    assert client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + "ledger/").get("KeyCount") > 0
