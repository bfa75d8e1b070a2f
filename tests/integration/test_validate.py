"""Validation on the real local stack: a clean migration passes; each kind of damage is named.

One source table is exported once and migrated twice: target A stays clean, target B is then
damaged by writing to it directly (one kind of damage per item). One validation of B checks
every kind at once; the modes and the export path reuse the same tables.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import runpy
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobs.aws import tables
from jobs.aws.wire import DynamoWire
from jobs.config import JobConfig
from jobs.core.canonical import key_digest, key_text, sampled
from jobs.ledger import LedgerStore
from jobs.local import datagen, demo
from jobs.run.migrate import run_migration
from jobs.sink.writer import put_items
from jobs.source.export import request_export
from jobs.validate.validation import ValidationOptions, validate

from .conftest import make_config, s3

ROOT = Path(__file__).resolve().parents[2]
BULK = 300
_stamp = itertools.count()


def victim(n: int) -> dict[str, Any]:
    """A hand-made item with every kind of value the damage cases touch."""
    return {
        "pk": {"S": "victim"},
        "sk": {"N": str(n)},
        "name": {"S": f"victim {n}"},
        "big": {"N": "1234567890123456789012345678901234567.8"},  # 38 significant digits
        "tags": {"SS": ["red", "green", "blue"]},
        "scores": {"NS": ["1.5", "100", "-3"]},
        "blobs": {"BS": ["AAE=", "/w==", "3q0="]},
        "profile": {
            "M": {
                "address": {"M": {"geo": {"M": {"cell": {"B": "3q2+7w=="}, "lat": {"N": "51.5"}}}}},
                "note": {"S": "x"},
            }
        },
        "history": {"L": [{"S": "first"}, {"N": "2"}, {"B": "AAE="}, {"M": {"k": {"S": "v"}}}]},
    }


VICTIMS = {n: victim(n) for n in range(1, 9)}
KEYS = ("pk", "sk")


def key_of(item: dict[str, Any]) -> dict[str, Any]:
    return json.loads(key_text(item, KEYS))


@dataclass
class Migrated:
    clean: JobConfig  # target A: exactly what the pipeline wrote
    damaged: JobConfig  # target B: the same migration, then damaged
    source_items: list[dict[str, Any]]
    damage: dict[str, dict[str, Any]]  # case -> the item (or key) it was applied to


def _put(wire: DynamoWire, table: str, item: dict[str, Any]) -> None:
    wire.call("PutItem", json.dumps({"TableName": table, "Item": item}))


def _damage(config: JobConfig, account: Any) -> dict[str, dict[str, Any]]:
    """Write the damage straight into the target table, one case per victim item."""
    wire, table = DynamoWire(account), config.target_table
    cases: dict[str, dict[str, Any]] = {}
    wire.call("DeleteItem", json.dumps({"TableName": table, "Key": key_of(VICTIMS[1])}))
    cases["deleted"] = VICTIMS[1]
    extra = {**victim(999), "name": {"S": "not in the source"}}
    _put(wire, table, extra)
    cases["added"] = extra
    changes = {
        "string": (2, lambda i: i.update(name={"S": "victim 2 (edited)"})),
        "number_38th_digit": (3, lambda i: i.update(big={"N": "1234567890123456789012345678901234567.9"})),
        "string_set_element": (4, lambda i: i.update(tags={"SS": ["red", "green", "cyan"]})),
        "nested_binary": (5, lambda i: i["profile"]["M"]["address"]["M"]["geo"]["M"].update(cell={"B": "3q2+7A=="})),
        "list_order": (6, lambda i: i.update(history={"L": list(reversed(i["history"]["L"]))})),
    }
    for case, (n, change) in changes.items():
        item = json.loads(json.dumps(VICTIMS[n]))
        change(item)
        _put(wire, table, item)
        cases[case] = item
    # Not damage: the same item with attributes and set elements in another order, N respelled.
    same = VICTIMS[7]
    reordered = {name: same[name] for name in reversed(list(same))}
    reordered.update(
        tags={"SS": ["blue", "red", "green"]},
        scores={"NS": ["-3", "1E+2", "1.50"]},
        blobs={"BS": ["3q0=", "/w==", "AAE="]},
    )
    _put(wire, table, reordered)
    cases["reordered_only"] = reordered
    wire.close()
    return cases


@pytest.fixture(scope="module")
def migrated(local_stack, buckets, spark):
    stamp = f"{int(time.time() * 1000) % 10**8}-{next(_stamp)}"
    source, target_a, target_b = f"vsrc-{stamp}", f"vtgt-a-{stamp}", f"vtgt-b-{stamp}"
    items = [*datagen.make_items(BULK), *VICTIMS.values()]
    tables.create_table(local_stack.account("source"), source, datagen.key_schema())
    put_items(local_stack.account("source"), source, items)
    clean = make_config(local_stack, source, target_a, f"vrun-a-{stamp}")
    manifest = request_export(clean.source, lambda _m: None).manifest_uri
    damaged = make_config(local_stack, source, target_b, f"vrun-b-{stamp}", source={"export": {"manifest": manifest}})
    for config in (clean, damaged):
        tables.create_table(local_stack.account("target"), config.target_table, datagen.key_schema())
        report = run_migration(config, spark)
        assert report.success, report.errors
    cases = _damage(damaged, local_stack.account("target"))
    yield Migrated(clean, damaged, items, cases)
    tables.delete_table(local_stack.account("source"), source)
    for config in (clean, damaged):
        tables.delete_table(local_stack.account("target"), config.target_table)


@pytest.fixture(scope="module")
def damaged_report(migrated, spark, tmp_path_factory):
    report_dir = tmp_path_factory.mktemp("validation-damaged")
    result = validate(migrated.damaged, report_dir, spark=spark)
    return result, report_dir


def _read(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "validation.json").read_text())


def test_clean_migration_passes_through_the_glue_entry_point(migrated, local_stack, monkeypatch):
    """Glue style: the workflow's run id, and the report uploaded beside the run's ledger."""
    config = migrated.clean
    doc = demo.demo_config(local_stack, config.source_table, config.target_table, "placeholder")
    del doc["run_id"]
    doc["source"]["export"] = {"manifest": migrated.damaged.export.manifest_uri}
    client = s3(local_stack)
    client.put_object(Bucket=demo.ARTIFACT_BUCKET, Key=f"config/{config.run_id}.yaml", Body=yaml.safe_dump(doc))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", local_stack.moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "target")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    glue_args = [
        "--JOB_ID",
        "j_1",
        "--JOB_RUN_ID",
        "jr_1",
        "--TempDir",
        "s3://tmp/",
        "--run-id",
        "",
        "--WORKFLOW_RUN_ID",
        config.run_id,
        "--max-samples",
        "5",
    ]
    config_uri = f"s3://{demo.ARTIFACT_BUCKET}/config/{config.run_id}.yaml"
    monkeypatch.setattr(sys, "argv", ["validate_table.py", *glue_args, "--config", config_uri])
    with pytest.raises(SystemExit) as finished:
        runpy.run_path(str(ROOT / "glue_scripts" / "validate_table.py"), run_name="__main__")
    bucket, prefix = config.run_prefix
    report = json.loads(client.get_object(Bucket=bucket, Key=f"{prefix}validation/validation.json")["Body"].read())
    assert finished.value.code == 0, report["expectations"]
    assert report["run_id"] == config.run_id
    assert report["data_docs"] == f"s3://{bucket}/{prefix}validation/index.html"
    index = client.get_object(Bucket=bucket, Key=f"{prefix}validation/index.html")
    assert index["ContentType"] == "text/html" and b"ddb-migrate validation passed" in index["Body"].read()
    assert report["success"] and report["mode"] == "full"
    total = len(migrated.source_items)
    assert report["counts"] == {
        "match": total,
        "missing_in_target": 0,
        "unexpected_in_target": 0,
        "content_mismatch": 0,
        "unreadable_file": 0,
    }
    assert report["expected_rows"] == report["target_rows"] == total
    assert report["ledger"]["status"] == "reconciled" and report["ledger"]["read"] == total
    assert len(report["expectations"]) == 8 and all(e["success"] for e in report["expectations"])
    assert report["samples"] == {}


def test_each_damage_is_caught_and_named(damaged_report, migrated):
    result, report_dir = damaged_report
    report = _read(report_dir)
    assert result.success is False and report["success"] is False
    total = len(migrated.source_items)
    assert report["counts"] == {
        "match": total - 6,
        "missing_in_target": 1,
        "unexpected_in_target": 1,
        "content_mismatch": 5,
        "unreadable_file": 0,
    }
    assert (report["expected_rows"], report["target_rows"]) == (total, total)  # one deleted, one added
    samples = report["samples"]
    assert [s["key"] for s in samples["missing_in_target"]] == [key_of(migrated.damage["deleted"])]
    assert [s["key"] for s in samples["unexpected_in_target"]] == [key_of(migrated.damage["added"])]
    mismatches = {json.dumps(s["key"], sort_keys=True): s for s in samples["content_mismatch"]}
    expected_names = {
        "string": "name",
        "number_38th_digit": "big",
        "string_set_element": "tags",
        "nested_binary": "profile",
        "list_order": "history",
    }
    for case, attribute in expected_names.items():
        sample = mismatches[json.dumps(key_of(migrated.damage[case]), sort_keys=True)]
        assert sample["attributes"] == [attribute], case
        assert {d["attribute"] for d in sample["differences"]} == {attribute}, case
    by_case = {
        case: mismatches[json.dumps(key_of(migrated.damage[case]), sort_keys=True)]["differences"]
        for case in expected_names
    }
    assert by_case["number_38th_digit"][0]["expected"] == '{"N":"1234567890123456789012345678901234567.8"}'
    assert by_case["number_38th_digit"][0]["actual"] == '{"N":"1234567890123456789012345678901234567.9"}'
    tags = by_case["string_set_element"][0]
    assert (tags["only_in_expected"], tags["only_in_actual"]) == (["blue"], ["cyan"])
    assert by_case["nested_binary"][0]["path"] == "profile.address.geo.cell"
    assert "different order" in by_case["list_order"][0]["note"]
    assert report["mismatched_attributes"] == {"big": 1, "history": 1, "name": 1, "profile": 1, "tags": 1}
    # rewriting an item with its attributes and set elements reordered is not a difference
    reordered = json.dumps(key_of(migrated.damage["reordered_only"]), sort_keys=True)
    assert all(json.dumps(s["key"], sort_keys=True) != reordered for rows in samples.values() for s in rows)
    failed = {e["expectation"] for e in report["expectations"] if not e["success"]}
    assert failed == {
        "Nothing is missing: every expected key is in the target",
        "Nothing is unexpected: every target key is expected",
        "Every content hash matches: expected and target items are equal",
    }
    assert report["ledger"]["status"] == "reconciled"
    assert report["notes"][0] == "expected: digests stored by the run for every finished unit"


def test_re_reading_the_source_finds_exactly_the_same_damage(damaged_report, migrated, spark, tmp_path):
    """The expected side from the source itself (``--recompute-expected``) agrees with the
    digests the load stored, class by class and key by key; and the attributes that differ,
    named from a second scan of the target (more mismatches than it fetches by key), agree with
    those named from the items fetched by key."""
    stored = _read(damaged_report[1])
    options = ValidationOptions(recompute_expected=True, differing_by_key=0)
    result = validate(migrated.damaged, tmp_path / "recomputed", options, spark)
    report = _read(tmp_path / "recomputed")
    assert report["notes"][0] == "expected: the source read again and mapped"
    assert not result.success and report["counts"] == stored["counts"]
    assert report["mismatched_attributes"] == stored["mismatched_attributes"]
    for kind in ("missing_in_target", "unexpected_in_target", "content_mismatch"):
        assert sorted(json.dumps(s["key"], sort_keys=True) for s in report["samples"][kind]) == sorted(
            json.dumps(s["key"], sort_keys=True) for s in stored["samples"][kind]
        )
    named = {json.dumps(s["key"], sort_keys=True): s["attributes"] for s in report["samples"]["content_mismatch"]}
    assert named == {
        json.dumps(s["key"], sort_keys=True): s["attributes"] for s in stored["samples"]["content_mismatch"]
    }
    assert report["timings"]["differing_s"] > 0


def _visible_text(dom: str) -> str:
    """The rendered DOM without scripts, styles and tags: roughly what is on the screen."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)))


def test_data_docs_show_the_failures_in_a_browser(damaged_report, tmp_path):
    _result, report_dir = damaged_report
    subprocess.run([str(ROOT / "scripts" / "install-chromium.sh")], check=True, timeout=900)
    pages = {
        "data-docs": report_dir / "index.html",
        "data-docs-keys": next(report_dir.glob("validations/ddb-migrate-keys/**/*.html")),
    }
    text, rows = {}, {}
    for name, page in pages.items():
        # The CDN assets GX links are unreachable here: resolve no host, so the page renders
        # at once exactly as it does offline.
        browser = [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / name}",
            "--window-size=1400,2000",
        ]
        shot = report_dir / f"{name}.png"
        subprocess.run(
            [*browser, f"--screenshot={shot}", page.resolve().as_uri()], check=True, timeout=120, capture_output=True
        )
        assert shot.stat().st_size > 10_000
        dom = subprocess.run(
            [*browser, "--dump-dom", page.resolve().as_uri()], check=True, timeout=120, capture_output=True, text=True
        ).stdout
        text[name] = _visible_text(dom)
        rows[name] = [
            _visible_text(row) + (" [icon: failed]" if "fa-times" in row else "") for row in re.split(r"<tr\b", dom)[1:]
        ]
    failed = (
        "Nothing is missing: every expected key is in the target",
        "Nothing is unexpected: every target key is expected",
        "Every content hash matches: expected and target items are equal",
    )
    index = text["data-docs"]
    assert "ddb-migrate validation FAILED: 3 of 8 expectations" in index
    for expectation in failed:
        assert f"✗ FAILED {expectation}" in index
    assert '{"pk":{"S":"victim"},"sk":{"N":"1"}}' in index  # the missing key, on the index page
    # GX's own page: each failed expectation's row carries the failed icon (the offline
    # stylesheet writes "✗ FAILED" there) and lists the failing keys
    failed_rows = [row for row in rows["data-docs-keys"] if row.endswith("[icon: failed]")]
    for expectation in failed:
        assert any(expectation in row for row in failed_rows), expectation
    assert not any("Keys are unique in the target" in row for row in failed_rows)
    for attribute in ("name", "big", "tags", "profile", "history"):
        assert f"differs in: {attribute}" in text["data-docs-keys"]


def test_data_docs_index_tells_the_story_offline(damaged_report, migrated):
    """The index page states what was compared, the counts, what the row-count check checks,
    and examples of each failure with expected and actual values; no page loads anything from
    the network."""
    result, report_dir = damaged_report
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r"(src|href)=[\"']https?:", page)
    text = _visible_text(page)
    damaged, total = migrated.damaged, len(migrated.source_items)
    assert f"ddb-migrate validation FAILED: 3 of 8 expectations run id {damaged.run_id} " in text
    assert f"source table {damaged.source_table} , export {damaged.export.manifest_uri} " in text
    assert f"target table {damaged.target_table} , read by parallel scan mode full " in text
    assert f"validated at {result.validated_at} " in text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", result.validated_at or "")
    assert f"took {result.timings['total_s']:.1f} s " in text
    assert (
        "expected items items in the target match missing in the target unexpected in the target different "
        f"unreadable export files {total} {total} {total - 6} 1 1 5 0 "
    ) in text
    assert (
        "✓ passed Row counts only: the target holds as many items as expected (keys are checked below) 0 "
        f"compared {total} expected with {total} in the target; equal counts, yet 1 missing and 1 unexpected: "
        "see the key checks"
    ) in text
    assert "✗ FAILED Nothing is missing: every expected key is in the target 1 " in text
    assert (
        "Missing in the target: expected, not found (1 of 1) key expected from (export file, line) "
        '{"pk":{"S":"victim"},"sk":{"N":"1"}} '
    ) in text
    assert 'Unexpected in the target: found, not expected (1 of 1) key {"pk":{"S":"victim"},"sk":{"N":"999"}} ' in text
    bucket, prefix = damaged.run_prefix
    assert (
        f"run report s3://{bucket}/{prefix}run-report.json : "
        f"read {total}, written {total}, filtered 0, dead-lettered 0; reconciled. "
    ) in text
    assert "Different: the same key, other values (5 of 5) key where expected actual note " in text
    assert (
        '{"pk":{"S":"victim"},"sk":{"N":"3"}} big {"N":"1234567890123456789012345678901234567.8"} '
        '{"N":"1234567890123456789012345678901234567.9"} '
    ) in text
    assert (
        '{"pk":{"S":"victim"},"sk":{"N":"4"}} tags {"SS":["blue","green","red"]} {"SS":["cyan","green","red"]} '
        "only expected: ['blue']; only in the target: ['cyan']"
    ) in text
    for gx_page in report_dir.glob("validations/**/*.html"):
        html_text = gx_page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link)\b[^>]*(src|href)=[\"']https?:", html_text), gx_page


def test_keys_only_and_sample_modes(migrated, spark, tmp_path):
    keys_only = validate(migrated.damaged, tmp_path / "keys", ValidationOptions(keys_only=True), spark=spark)
    assert keys_only.mode == "keys-only" and not keys_only.success
    assert (keys_only.counts["missing_in_target"], keys_only.counts["unexpected_in_target"]) == (1, 1)
    assert keys_only.counts["content_mismatch"] == 0
    assert "Every content hash matches: expected and target items are equal" not in {
        e["expectation"] for e in keys_only.expectations
    }

    fraction = 0.5
    sample = validate(migrated.damaged, tmp_path / "sample", ValidationOptions(sample=fraction), spark=spark)
    chosen = [i for i in migrated.source_items if sampled(key_digest(key_text(i, KEYS)), fraction)]
    assert 0 < len(chosen) < len(migrated.source_items)
    assert sample.expected_rows == len(chosen) and sample.mode == "sample"
    damaged_keys = {case: sampled(key_digest(key_text(item, KEYS)), fraction) for case, item in migrated.damage.items()}
    assert sample.counts["missing_in_target"] == int(damaged_keys["deleted"])
    assert sample.counts["unexpected_in_target"] == int(damaged_keys["added"])
    mismatched = sum(
        damaged_keys[c] for c in ("string", "number_38th_digit", "string_set_element", "nested_binary", "list_order")
    )
    assert sample.counts["content_mismatch"] == mismatched
    assert sample.counts["match"] == len(chosen) - mismatched - int(damaged_keys["deleted"])


def test_target_export_mode_finds_the_same_and_a_missing_run_report_fails(migrated, local_stack, spark, tmp_path):
    damaged = migrated.damaged
    exporter = make_config(
        local_stack, damaged.target_table, "unused-table", f"{damaged.run_id}-export", source={"account": "target"}
    )
    target_export = request_export(exporter.source, lambda _m: None).manifest_uri
    never_ran = replace(damaged, run_id=f"{damaged.run_id}-never-ran")
    result = validate(never_ran, tmp_path, ValidationOptions(target_export=target_export), spark=spark)
    assert result.target["read"] == "export"
    assert result.counts["missing_in_target"] == 1 and result.counts["unexpected_in_target"] == 1
    assert result.counts["content_mismatch"] == 5
    assert result.mismatched_attributes == {"big": 1, "history": 1, "name": 1, "profile": 1, "tags": 1}
    assert result.ledger["found"] is False and "no run report at s3://" in result.ledger["status"]
    ledger = next(e for e in result.expectations if e["column"] == "run_ledger")
    assert not ledger["success"] and "no run report" in ledger["sample_values"][0]


def test_without_stored_digests_validation_reads_the_source_again(migrated, local_stack, spark, tmp_path):
    """``write.digests: false`` (a plain copy that saves the digests' CPU): nothing stored, and
    validation still passes, from the source read again."""
    config = migrated.clean
    target = f"{config.target_table}-nd"
    plain = make_config(
        local_stack,
        config.source_table,
        target,
        f"{config.run_id}-no-digests",
        source={"export": {"manifest": migrated.damaged.export.manifest_uri}},
        write={"digests": False},
    )
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    try:
        report = run_migration(plain, spark)
        assert report.success and report.load_path == "direct", report.errors
        store = LedgerStore.for_run(plain)
        assert s3(local_stack).list_objects_v2(Bucket=store.bucket, Prefix=f"{store.prefix}digests/")["KeyCount"] == 0
        result = validate(plain, tmp_path / "validated", spark=spark)
        assert result.success
        assert _read(tmp_path / "validated")["notes"][0] == "expected: the source read again and mapped"
    finally:
        tables.delete_table(local_stack.account("target"), target)
