"""A whole-account move on the local stack: one config with `tables:` (a glob and entries), schema
copy of every table, one export each, one run over all of them, validation of all of them.
Three tables with different key schemas (a GSI, an LSI, a hash key with TTL) arrive item for
item; the fourth's export is damaged on purpose, so its failure is reported by name and the
others still succeed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobs import aws
from jobs.aws import tables
from jobs.cli.main import main
from jobs.config import load_move, parse_s3_uri
from jobs.local import datagen, demo
from jobs.local.stack import Stack
from jobs.sink.schema.diff import parts
from jobs.sink.schema.facts import read_facts
from jobs.sink.schema.spec import described
from jobs.sink.writer import put_items
from jobs.source.export_format import parse_files_manifest

from .conftest import by_key, s3

KEY = datagen.key_schema()
WITH_GSI = {
    **KEY,
    "AttributeDefinitions": [*KEY["AttributeDefinitions"], {"AttributeName": "sparse", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "bySparse",
            "KeySchema": [{"AttributeName": "sparse", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
WITH_LSI = {
    **KEY,
    "AttributeDefinitions": [*KEY["AttributeDefinitions"], {"AttributeName": "name", "AttributeType": "S"}],
    "LocalSecondaryIndexes": [
        {
            "IndexName": "byName",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "name", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
HASH_ONLY = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}
SESSIONS = [
    {"id": {"S": f"session-{n:04d}"}, "user": {"S": f"u{n % 17}"}, "expires_at": {"N": str(1_900_000_000 + n)}}
    for n in range(120)
]


def _flip_one_item(local_stack: Stack, manifest_uri: str) -> int:
    """Change one item in the largest data file of an export (its MD5 no longer matches); return
    that file's item count."""
    client = s3(local_stack)
    bucket, summary_key = parse_s3_uri(manifest_uri)
    files_key = summary_key.replace("manifest-summary.json", "manifest-files.json")
    entries = parse_files_manifest(client.get_object(Bucket=bucket, Key=files_key)["Body"].read(), files_key)
    victim = max(entries, key=lambda e: e.item_count)
    lines = gzip.decompress(client.get_object(Bucket=bucket, Key=victim.key)["Body"].read()).decode().splitlines()
    first = json.loads(lines[0])
    first["Item"]["name"] = {"S": "tampered"}
    body = gzip.compress(("\n".join([json.dumps(first), *lines[1:]]) + "\n").encode())
    client.put_object(Bucket=bucket, Key=victim.key, Body=body)
    return victim.item_count


def _stored_json(local_stack: Stack, bucket: str, key: str) -> Any:
    return json.loads(s3(local_stack).get_object(Bucket=bucket, Key=key)["Body"].read())


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_move_of_four_tables_one_broken(local_stack, buckets, spark, names, made, tmp_path, capsys):
    base = names("mt")
    source = local_stack.account("source")
    gsi, lsi = made("source", f"{base}-gsi", WITH_GSI), made("source", f"{base}-lsi", WITH_LSI)
    ttl, broken = (
        made("source", f"{base}-ttl", HASH_ONLY),
        made("source", f"{base}-broken", {**KEY, "BillingMode": "PAY_PER_REQUEST"}),
    )
    aws.client(source, "dynamodb").update_time_to_live(
        TableName=ttl, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    put_items(source, gsi, list(datagen.make_items(300)))
    put_items(source, lsi, list(datagen.make_items(200, seed=11)))
    put_items(source, ttl, SESSIONS)
    put_items(source, broken, list(datagen.make_items(250, seed=13)))
    for name in (gsi, lsi, broken):
        made("target", name)
    made("target", f"{base}-sessions")

    doc = demo.demo_config(local_stack, "unused", "unused", names("move"))
    del doc["source"]["table"], doc["target"]["table"]
    doc["source"]["export"]["prefix"] = f"exports/{base}"
    doc["tables"] = [f"{base}-?si", {"source": ttl, "target": f"{base}-sessions"}, broken]
    doc["tables_concurrency"] = 2
    path = tmp_path / "move.yaml"
    path.write_text(yaml.safe_dump(doc))
    move = load_move(str(path))
    assert [(j.source_table, j.target_table) for j in move.jobs] == [
        (gsi, gsi),
        (lsi, lsi),
        (ttl, f"{base}-sessions"),
        (broken, broken),
    ]

    code, out, _err = _cli(capsys, "schema", "copy", "--config", str(path))
    assert code == 0, out
    target = local_stack.account("target")
    for job in move.jobs:
        copied, original = read_facts(target, job.target_table), read_facts(source, job.source_table)
        assert copied is not None and original is not None
        assert parts(described(copied)) == parts(described(original))
    assert tables.key_schema(target, f"{base}-sessions") == (("id", "S"),)
    assert "  + TTL: expires_at" in out.splitlines()

    code, out, _err = _cli(capsys, "export", "--config", str(path))
    assert code == 0
    manifests = out.splitlines()
    assert len(manifests) == 4 and all(f"/exports/{base}/{j.source_table}/" in m for j, m in zip(move.jobs, manifests))
    lost = _flip_one_item(local_stack, manifests[3])

    code, out, err = _cli(capsys, "plan", "--config", str(path))
    assert code == 0, err
    assert [line for line in err.splitlines() if line.startswith("== table ")] == [
        f"== table {j.source_table} -> {j.target_table} (run {move.run_id}, tables/{j.source_table}/)"
        for j in move.jobs
    ]

    code, _out, err = _cli(capsys, "run", "--config", str(path))
    assert code == 1
    assert f"run FAILED for 1 of 4 tables: {broken}" in err.splitlines()
    summary = _stored_json(local_stack, move.place.bucket, move.place.prefix + "summary.json")
    assert summary["failed"] == [broken] and summary["concurrency"] == 2
    outcomes = {t["source_table"]: t for t in summary["tables"]}
    assert {name: t["state"] for name, t in outcomes.items()} == {
        gsi: "succeeded",
        lsi: "succeeded",
        ttl: "succeeded",
        broken: "FAILED",
    }
    for name, count in ((gsi, 300), (lsi, 200), (ttl, 120)):
        counts = outcomes[name]["counts"]
        assert (counts["items_read"], counts["items_written"], counts["items_dead_lettered"]) == (count, count, 0)
        assert counts["files_done"] == counts["files_total"]
    assert outcomes[broken]["counts"]["items_written"] == 250 - lost
    assert outcomes[broken]["counts"]["files_done"] == outcomes[broken]["counts"]["files_total"] - 1
    assert len(outcomes[broken]["errors"]) == 1 and "MD5 mismatch" in outcomes[broken]["errors"][0]
    for job in move.jobs:  # each table's own report under <run>/tables/<source table>/
        bucket, prefix = job.run_prefix
        assert prefix == f"{move.place.prefix}tables/{job.source_table}/"
        assert outcomes[job.source_table]["report"] == f"s3://{bucket}/{prefix}run-report.json"
        report = _stored_json(local_stack, bucket, prefix + "run-report.json")
        assert report["items_written"] == outcomes[job.source_table]["counts"]["items_written"]

    code, _out, err = _cli(capsys, "run", "--config", str(path), "--table", gsi)  # one table, resumed
    assert code == 0
    assert f"nothing to do: {outcomes[gsi]['counts']['files_total']} files already finished" in err

    for job, keys in ((move.jobs[0], ("pk", "sk")), (move.jobs[1], ("pk", "sk")), (move.jobs[2], ("id",))):
        expected = by_key(tables.scan_items(source, job.source_table), keys)
        assert by_key(tables.scan_items(target, job.target_table), keys) == expected
    assert tables.count_items(target, broken) == 250 - lost

    code, _out, err = _cli(capsys, "validate", "--config", str(path), "--report-dir", str(tmp_path / "validation"))
    assert code == 1
    assert f"validate FAILED for 1 of 4 tables: {broken}" in err.splitlines()
    checked = _stored_json(local_stack, move.place.bucket, move.place.prefix + "validation-summary.json")
    assert [(t["source_table"], t["state"]) for t in checked["tables"]] == [
        (gsi, "succeeded"),
        (lsi, "succeeded"),
        (ttl, "succeeded"),
        (broken, "FAILED"),
    ]
    for t, count in zip(checked["tables"][:3], (300, 200, 120), strict=True):
        assert (t["counts"]["expected"], t["counts"]["target"], t["counts"]["match"]) == (count, count, count)
        assert Path(t["report"]).is_file()
    assert checked["tables"][3]["counts"]["target"] == 250 - lost

    for command in (("capacity", "show"), ("cleanup",)):  # every table, each under its heading
        code, _out, err = _cli(capsys, *command, "--config", str(path))
        assert code == 0, err
        assert [line for line in err.splitlines() if line.startswith("== table ")] == [
            f"== table {j.source_table} -> {j.target_table} ({j.run_prefix[1]})" for j in move.jobs
        ]
