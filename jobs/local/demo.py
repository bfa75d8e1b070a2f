"""`make demo`: a whole cross-account migration on the embedded local stack.

Start the stack, create a 10,000-item source table covering all ten types in the source
account, export it into a bucket owned by the target account, create the target table, run
the Spark job, check the target's count against the manifest, print a summary, stop the stack.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from jobs import aws, tables
from jobs.config import parse_config
from jobs.export import request_export
from jobs.local import datagen, stack
from jobs.manifests import load_export
from jobs.pipeline import run_migration
from jobs.spark import get_spark

EXPORT_BUCKET = "ddb-migrate-demo-exports"
ARTIFACT_BUCKET = "ddb-migrate-demo-artifacts"


def demo_config(running: stack.Stack, source_table: str, target_table: str, run_id: str) -> dict[str, Any]:
    """A job config for the local stack: source table in 'source', bucket and table in 'target'."""
    return {
        "run_id": run_id,
        "accounts": {"source": running.account_config("source"), "target": running.account_config("target")},
        "source": {
            "account": "source",
            "table": source_table,
            "export": {
                "bucket": EXPORT_BUCKET,
                "prefix": f"exports/{source_table}",
                "bucket_owner": stack.TARGET_ACCOUNT_ID,
            },
        },
        "target": {"account": "target", "table": target_table},
        "write": {"concurrency": 8},
        "output": {"uri": f"s3://{ARTIFACT_BUCKET}/runs", "account": "target"},
    }


def prepare_buckets(running: stack.Stack) -> None:
    """The export and artifact buckets, both owned by the target account."""
    s3 = aws.client(running.account("target"), "s3")
    for bucket in (EXPORT_BUCKET, ARTIFACT_BUCKET):
        s3.create_bucket(Bucket=bucket)


def say(message: str) -> None:
    print(f"[demo] {message}", file=sys.stderr, flush=True)


def run_demo(output: Path, items: int = 10_000) -> int:
    output.mkdir(parents=True, exist_ok=True)
    with stack.running() as running:
        say(f"stack up: DynamoDB Local {running.dynamodb_endpoint}, moto {running.moto_endpoint}")
        source, target = running.account("source"), running.account("target")
        say(f"accounts: source={aws.account_id(source)} target={aws.account_id(target)}")
        prepare_buckets(running)
        tables.create_table(source, "demo-orders", datagen.key_schema())
        started = time.monotonic()
        tables.put_items(source, "demo-orders", datagen.make_items(items))
        say(f"source table demo-orders: {items} items written in {time.monotonic() - started:.1f}s")
        config_doc = demo_config(running, "demo-orders", "demo-orders-migrated", f"demo-{int(time.time())}")
        (output / "config.yaml").write_text(yaml.safe_dump(config_doc, sort_keys=False))
        config = parse_config(config_doc, str(output / "config.yaml"))
        result = request_export(config, say)
        say(f"export written: {result.manifest_uri} ({result.item_count} items)")
        tables.create_table(target, "demo-orders-migrated", datagen.key_schema())
        report = run_migration(config, get_spark())
        (output / "run-report.json").write_text(report.to_json())
        manifest = load_export(config.account("target"), result.manifest_uri)
        target_count = tables.count_items(target, "demo-orders-migrated")
        checks = {
            "target count == manifest itemCount": target_count == manifest.summary.item_count,
            "items_read == items_written": report.items_read == report.items_written,
            "no dead letters": report.items_dead_lettered == 0,
            "files_done == files_total": report.files_done == report.files_total,
            "run reconciles": report.reconciled and report.success,
        }
        print(
            json.dumps(
                {
                    "manifest_items": manifest.summary.item_count,
                    "target_items": target_count,
                    "report": json.loads(report.to_json()),
                },
                indent=2,
            )
        )
        print(
            f"\nDemo migration {'SUCCEEDED' if all(checks.values()) else 'FAILED'}: "
            f"{report.items_written} of {report.items_read} items from {report.files_total} export files "
            f"in {report.elapsed_s:.1f}s ({report.items_per_s:.0f} items/s); target holds {target_count} "
            f"items, manifest says {manifest.summary.item_count}."
        )
        for name, ok in checks.items():
            print(f"  [{'ok' if ok else 'FAIL'}] {name}")
        print(f"  report: {output / 'run-report.json'}  config: {output / 'config.yaml'}")
        return 0 if all(checks.values()) else 1
