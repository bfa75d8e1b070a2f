"""End to end on the real local stack: export layout -> Spark job -> target table."""

from __future__ import annotations

import gzip
import json

import pytest

from jobs.aws import tables
from jobs.cli.commands import run_main
from jobs.config import parse_s3_uri
from jobs.ledger import LedgerStore
from jobs.local import datagen
from jobs.run.migrate import run_migration
from jobs.source.export import request_export
from jobs.source.export_format import md5_base64, parse_files_manifest

from .conftest import LOAD_PATHS, by_key, make_config, s3

EDGE_ITEMS = [
    {
        "pk": {"S": "edge"},
        "sk": {"N": "1"},
        "tiny": {"N": "1E-130"},
        "huge": {"N": "9.9999999999999999999999999999999999999E+125"},
        "neg38": {"N": "-0.12345678901234567890123456789012345678"},
        "empty": {"S": ""},
        "astral": {"S": "𝄞😀𠜎"},
        "nested": {"M": {"a": {"M": {"b": {"M": {"c": {"L": [{"B": "AAECAwQ="}, {"BS": ["AA==", "/w=="]}]}}}}}}},
        "ns": {"NS": ["1", "10", "1.5", "-3"]},
        "nullish": {"NULL": True},
        "f": {"BOOL": False},
    },
    {
        "pk": {"S": "edge"},
        "sk": {"N": "2"},
        "bin_list_in_map": {"M": {"l": {"L": [{"B": "3q2+7w=="}]}}},
        "ss": {"SS": ["😀", "a"]},
        "unicode key é": {"S": "value"},
    },
]


def _export_and_run(local_stack, source, target_name, run_id, load_path="auto"):
    config = make_config(local_stack, source, target_name, run_id, write={"path": load_path})
    result = request_export(config.source, lambda _m: None)
    tables.create_table(local_stack.account("target"), target_name, datagen.key_schema())
    return config, result


@LOAD_PATHS
def test_every_item_arrives_exactly_for_all_ten_types(local_stack, buckets, spark, source_table, names, load_path):
    items = list(datagen.make_items(600)) + EDGE_ITEMS
    source = source_table(items)
    target = names("tgt")
    config, result = _export_and_run(local_stack, source, target, names("run"), load_path)
    report = run_migration(config, spark)
    assert report.success, report.errors
    assert report.load_path == load_path
    assert (report.items_read, report.items_written, report.items_dead_lettered) == (602, 602, 0)
    assert report.files_done == report.files_total == 5  # four segments and one empty file
    source_items = by_key(tables.scan_items(local_stack.account("source"), source))
    target_items = by_key(tables.scan_items(local_stack.account("target"), target))
    assert target_items == source_items
    assert target_items[("{'S': 'edge'}", "{'N': '1'}")]["neg38"] == {"N": "-0.12345678901234567890123456789012345678"}
    assert result.item_count == 602


def _damage(local_stack, manifest_uri, damage):
    """Apply ``damage(bytes) -> bytes`` to the largest data file; return its key and item count."""
    client = s3(local_stack)
    bucket, summary_key = parse_s3_uri(manifest_uri)
    files_key = summary_key.replace("manifest-summary.json", "manifest-files.json")
    entries = parse_files_manifest(client.get_object(Bucket=bucket, Key=files_key)["Body"].read(), files_key)
    victim = max(entries, key=lambda e: e.item_count)
    data = client.get_object(Bucket=bucket, Key=victim.key)["Body"].read()
    client.put_object(Bucket=bucket, Key=victim.key, Body=damage(data))
    return client, bucket, files_key, entries, victim


@LOAD_PATHS
def test_md5_mismatch_fails_that_file_whole_and_names_it(local_stack, buckets, spark, source_table, names, load_path):
    source = source_table(list(datagen.make_items(400)))
    target = names("tgt")
    config, result = _export_and_run(local_stack, source, target, names("run"), load_path)

    def flip_one_item(data: bytes) -> bytes:
        lines = gzip.decompress(data).decode().splitlines()
        first = json.loads(lines[0])
        first["Item"]["name"] = {"S": "tampered"}
        return gzip.compress(("\n".join([json.dumps(first), *lines[1:]]) + "\n").encode())

    *_, victim = _damage(local_stack, result.manifest_uri, flip_one_item)
    exit_code = run_main(config)
    assert exit_code == 1
    report = json.loads(
        s3(local_stack)
        .get_object(Bucket=config.run_prefix[0], Key=config.run_prefix[1] + "run-report.json")["Body"]
        .read()
    )
    assert report["files_failed"] == 1 and report["files_done"] == report["files_total"] - 1
    assert report["items_read"] == 400 - victim.item_count == report["items_written"]
    assert len(report["errors"]) == 1
    assert victim.key in report["errors"][0] and "MD5 mismatch" in report["errors"][0]
    assert not report["success"] and report["load_path"] == load_path
    assert tables.count_items(local_stack.account("target"), target) == 400 - victim.item_count


@LOAD_PATHS
def test_truncated_gzip_is_reported_with_the_file_name(local_stack, buckets, spark, source_table, names, load_path):
    source = source_table(list(datagen.make_items(300)))
    target = names("tgt")
    config, result = _export_and_run(local_stack, source, target, names("run"), load_path)
    client, bucket, files_key, entries, victim = _damage(local_stack, result.manifest_uri, lambda d: d[: len(d) // 2])
    _manifest_agrees(client, bucket, files_key, entries, victim)  # so only the gzip check can catch it
    report = run_migration(config, spark)
    assert not report.success and report.load_path == load_path
    assert report.files_failed == 1
    assert victim.key in report.errors[0] and "truncated" in report.errors[0]
    assert report.items_read == report.items_written == 300 - victim.item_count
    assert tables.count_items(local_stack.account("target"), target) == 300 - victim.item_count


def _manifest_agrees(client, bucket, files_key, entries, victim):
    """Rewrite manifest-files.json (and its checksum) so it agrees with the victim object as it is now."""
    changed = client.get_object(Bucket=bucket, Key=victim.key)["Body"].read()
    lines = []
    for entry in entries:
        md5 = md5_base64(changed) if entry.key == victim.key else entry.md5
        lines.append(
            json.dumps({"itemCount": entry.item_count, "md5Checksum": md5, "etag": None, "dataFileS3Key": entry.key})
        )
    text = ("\n".join(lines) + "\n").encode()
    client.put_object(Bucket=bucket, Key=files_key, Body=text)
    client.put_object(Bucket=bucket, Key=files_key.replace(".json", ".checksum"), Body=md5_base64(text).encode())


def _dead_letters(config) -> list[dict]:
    return [r for _key, records in LedgerStore.for_run(config).dead_letter_files() for r in records]


@LOAD_PATHS
def test_damaged_lines_are_dead_lettered_with_reasons_and_the_rest_written(
    local_stack, buckets, spark, source_table, names, load_path
):
    source = source_table(list(datagen.make_items(200)))
    target = names("tgt")
    config, result = _export_and_run(local_stack, source, target, names("run"), load_path)

    def damage_four_lines(data: bytes) -> bytes:  # same line count, so itemCount still agrees
        lines = gzip.decompress(data).decode().splitlines()
        no_sort_key = json.loads(lines[2])
        del no_sort_key["Item"]["sk"]
        text_sort_key = json.loads(lines[3])
        text_sort_key["Item"]["sk"] = {"S": "7"}
        lines[:4] = ["not json at all", '{"Item":{}}', json.dumps(no_sort_key), json.dumps(text_sort_key)]
        return gzip.compress(("\n".join(lines) + "\n").encode())

    client, bucket, files_key, entries, victim = _damage(local_stack, result.manifest_uri, damage_four_lines)
    _manifest_agrees(client, bucket, files_key, entries, victim)
    report = run_migration(config, spark)
    assert report.load_path == load_path
    assert (report.items_read, report.items_written, report.items_dead_lettered) == (200, 196, 4)
    assert report.reconciled and report.files_done == report.files_total and not report.success
    dead = sorted(_dead_letters(config), key=lambda d: d["line"])
    assert [(d["file"], d["line"], d["error"]) for d in dead] == [
        (victim.key, 1, "InvalidExportLine"),
        (victim.key, 2, "InvalidExportLine"),
        (victim.key, 3, "MissingKey"),
        (victim.key, 4, "KeyTypeMismatch"),
    ]
    assert "is not a DynamoDB JSON export record" in dead[0]["reason"] and dead[0]["item"] == "not json at all"
    assert "'sk'" in dead[2]["reason"] and "type S" in dead[3]["reason"]
    assert tables.count_items(local_stack.account("target"), target) == 196


def test_tampered_files_manifest_is_caught_by_its_checksum(local_stack, buckets, spark, source_table, names):
    source = source_table(list(datagen.make_items(50)))
    config, result = _export_and_run(local_stack, source, names("tgt"), names("run"))
    client = s3(local_stack)
    bucket, summary_key = parse_s3_uri(result.manifest_uri)
    files_key = summary_key.replace("manifest-summary.json", "manifest-files.json")
    body = client.get_object(Bucket=bucket, Key=files_key)["Body"].read()
    client.put_object(Bucket=bucket, Key=files_key, Body=body.replace(b'"itemCount":', b'"itemCount": '))
    from jobs.core.errors import ExportFormatError

    with pytest.raises(ExportFormatError, match=r"manifest-files.json: does not match its checksum file"):
        run_migration(config, spark)


@LOAD_PATHS
def test_rerun_with_the_same_run_id_skips_finished_files(local_stack, buckets, spark, source_table, names, load_path):
    source = source_table(list(datagen.make_items(120)))
    target = names("tgt")
    config, _ = _export_and_run(local_stack, source, target, names("run"), load_path)
    first = run_migration(config, spark)
    second = run_migration(config, spark)
    assert first.success and second.success and first.load_path == load_path
    assert second.files_skipped == second.files_total == first.files_total
    assert second.items_read == first.items_read == 120
    assert second.items_written == 120
