"""`make demo`: a whole cross-account migration on the embedded local stack.

Start the stack, create a 10,000-item source table covering all ten types in the source
account, export it into a bucket owned by the target account, create the target table, run
the Spark job, check the target's count against the manifest, print a summary, stop the stack.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import yaml

from jobs import aws
from jobs.aws import tables
from jobs.config import parse_config
from jobs.local import datagen, stack
from jobs.run.migrate import run_migration
from jobs.sink.writer import put_items
from jobs.source.export import manifest_uri, request_export
from jobs.source.manifests import load_export
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


# The remapped migration: a key redesign, a rename (also nested), a derive, a cast, a filter.
DEMO_MAPPING = {
    "filter": "NOT (active = false AND sk % 10 = 3)",  # drop inactive orders ending in 3: "dead rows"
    "rename": {"name": "title", "profile.address.city": "profile.address.town"},
    "drop": ["note"],
    "cast": {"amount": "S"},  # keep the exact digits as text
    "derive": {"customer": "concat('CUST#', pk)"},
    "key": {"PK": "concat('CUST#', pk)", "SK": "concat('ORDER#', lpad(CAST(sk AS STRING), 8, '0'))"},
    "set": {"migrated_by": {"S": "ddb-migrate"}},
}
REMAPPED_KEYS = {
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "S"},
    ],
}


def _migrate(
    running: stack.Stack, doc: dict[str, Any], definition: dict[str, Any], output: Path, expect_exact_copy: bool
) -> bool:
    config = parse_config(doc, str(output / "config.yaml"))
    output.mkdir(parents=True, exist_ok=True)
    (output / "config.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    tables.create_table(running.account("target"), config.target_table, definition)
    report = run_migration(config, get_spark())
    (output / "run-report.json").write_text(report.to_json())
    manifest = load_export(config.account("target"), manifest_uri(config.source))
    target_count = tables.count_items(running.account("target"), config.target_table)
    checks = {
        "run reconciles: read == written + filtered + dead-lettered": report.reconciled,
        "items read == manifest itemCount": report.items_read == manifest.summary.item_count,
        "target count == items written": target_count == report.items_written,
        "no dead letters": report.items_dead_lettered == 0,
        "files_done == files_total": report.files_done == report.files_total,
    }
    if expect_exact_copy:
        checks["target count == manifest itemCount"] = target_count == manifest.summary.item_count
        checks["items_read == items_written"] = report.items_read == report.items_written
    print(
        f"\n{config.source_table} -> {config.target_table}: {report.items_written} written, "
        f"{report.items_filtered} filtered, {report.items_dead_lettered} dead-lettered of {report.items_read} read "
        f"from {report.files_total} export files in {report.elapsed_s:.1f}s ({report.items_per_s:.0f} items/s); "
        f"target holds {target_count}, manifest says {manifest.summary.item_count}."
    )
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    print(f"  report: {output / 'run-report.json'}  config: {output / 'config.yaml'}")
    return all(checks.values())


def run_demo(output: Path, items: int = 10_000) -> int:
    """Copy the table as it is (demo-output/), then migrate it remapped (demo-output/remapped/)."""
    output.mkdir(parents=True, exist_ok=True)
    with stack.running() as running:
        say(f"stack up: DynamoDB Local {running.dynamodb_endpoint}, moto {running.moto_endpoint}")
        source = running.account("source")
        say(f"accounts: source={aws.account_id(source)} target={aws.account_id(running.account('target'))}")
        prepare_buckets(running)
        tables.create_table(source, "demo-orders", datagen.key_schema())
        started = time.monotonic()
        put_items(source, "demo-orders", datagen.make_items(items))
        say(f"source table demo-orders: {items} items written in {time.monotonic() - started:.1f}s")
        run_id = f"demo-{int(time.time())}"
        copy = demo_config(running, "demo-orders", "demo-orders-copy", run_id)
        result = request_export(parse_config(copy).source, say)
        say(f"export written: {result.manifest_uri} ({result.item_count} items)")
        copy["source"]["export"]["manifest"] = result.manifest_uri
        copied = _migrate(running, copy, datagen.key_schema(), output, expect_exact_copy=True)
        remap = demo_config(running, "demo-orders", "demo-orders-v2", f"{run_id}-remapped")
        remap["source"]["export"]["manifest"] = result.manifest_uri
        remap["mapping"] = DEMO_MAPPING
        remapped = _migrate(running, remap, REMAPPED_KEYS, output / "remapped", expect_exact_copy=False)
        ok = copied and remapped
        print(f"\nDemo {'SUCCEEDED' if ok else 'FAILED'}")
        return 0 if ok else 1
