"""The same table exported as ION and as DYNAMODB_JSON migrates to identical targets."""

from __future__ import annotations

import gzip

from jobs.aws import tables
from jobs.config import parse_config
from jobs.local import datagen, demo
from jobs.run.migrate import run_migration
from jobs.source.export import request_export
from jobs.source.manifests import load_export

from .conftest import by_key, s3
from .test_migration import EDGE_ITEMS


def test_ion_and_json_exports_migrate_to_identical_targets(local_stack, buckets, spark, source_table, names):
    source = source_table(list(datagen.make_items(300)) + EDGE_ITEMS)
    targets = {}
    for fmt in ("ION", "DYNAMODB_JSON"):
        target = names(f"tgt-{fmt.lower().replace('_', '-')}")
        doc = demo.demo_config(local_stack, source, target, names(f"run-{fmt.lower().replace('_', '-')}"))
        doc["source"]["export"]["format"] = fmt
        doc["source"]["export"]["prefix"] = f"exports/{source}-{fmt.lower()}"
        config = parse_config(doc)
        result = request_export(config.source, lambda _m: None)
        export = load_export(config.account("target"), result.manifest_uri)
        assert export.summary.output_format == fmt
        first = next(f for f in export.files if f.item_count)
        body = gzip.decompress(s3(local_stack).get_object(Bucket=export.bucket, Key=first.key)["Body"].read())
        assert body.startswith(b"$ion_1_0 {Item:{") == (fmt == "ION")
        tables.create_table(local_stack.account("target"), target, datagen.key_schema())
        report = run_migration(config, spark)
        assert report.success and report.items_written == 302, report.errors
        targets[fmt] = by_key(tables.scan_items(local_stack.account("target"), target))
    assert (
        targets["ION"] == targets["DYNAMODB_JSON"] == by_key(tables.scan_items(local_stack.account("source"), source))
    )
