"""`make demo`: a whole cross-account migration on the embedded local stack, then a look at it.

Use the running local stack (`ddb-migrate local up`) or start one; create a 10,000-item source
table covering all ten types in the source account, export it into a bucket owned by the target
account, create the target table, run the Spark job, check the target's count against the
manifest, validate the copy (Data Docs), migrate it once more remapped, and print where the
Data Docs are and what to type next. The stack keeps running, so the config the demo leaves
works; `ddb-migrate local down` stops it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from jobs import aws
from jobs.aws import tables
from jobs.config import JobConfig
from jobs.local import datagen, stack
from jobs.local.sample import (
    ARTIFACT_BUCKET,
    EXPORT_BUCKET,
    export_into,
    fill_source,
    fresh_table,
    next_commands,
    prepare_buckets,
    stop_hint,
    write_config,
)
from jobs.local.sample import job_doc as demo_config
from jobs.run.migrate import run_migration
from jobs.source.export import manifest_uri
from jobs.source.manifests import load_export
from jobs.spark import get_spark
from jobs.validate.docs import link
from jobs.validate.validation import validate

__all__ = ["ARTIFACT_BUCKET", "DEMO_MAPPING", "EXPORT_BUCKET", "demo_config", "prepare_buckets", "run_demo"]


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
) -> tuple[bool, JobConfig]:
    config = write_config(doc, output / "config.yaml")
    fresh_table(running.account("target"), config.target_table, definition)
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
    return all(checks.values()), config


def _validate(config: JobConfig, report_dir: Path) -> bool:
    """The validate stage over the copy: every key, every attribute; Data Docs in ``report_dir``."""
    result = validate(config, report_dir, spark=get_spark())
    print(f"\n{result.summary_line()}")
    print(f"  Data Docs: {link(result.data_docs or str(report_dir / 'index.html'))}")
    return result.success


def _stack() -> stack.Stack:
    """The stack `ddb-migrate local up` started (same DDB_MIGRATE_HOME), or a new one left running."""
    running = stack.current()
    if running is not None:
        say(f"using the running local stack in {running.home}")
        return running
    return stack.start()


def run_demo(output: Path, items: int = 10_000) -> int:
    """Copy the table as it is (demo-output/), validate the copy (demo-output/validation/), then
    migrate it remapped (demo-output/remapped/); the stack stays up for the next commands."""
    output.mkdir(parents=True, exist_ok=True)
    running = _stack()
    say(f"stack up: DynamoDB Local {running.dynamodb_endpoint}, moto {running.moto_endpoint}")
    source, target = (aws.account_id(running.account(name)) for name in ("source", "target"))
    say(f"accounts: source={source} target={target}")
    prepare_buckets(running)
    seconds = fill_source(running, "demo-orders", items)
    say(f"source table demo-orders: {items} items written in {seconds:.1f}s")
    run_id = f"demo-{int(time.time())}"
    copy = demo_config(running, "demo-orders", "demo-orders-copy", run_id)
    exported = export_into(copy, say)
    say(f"export written: {copy['source']['export']['manifest']} ({exported} items)")
    copied, config = _migrate(running, copy, datagen.key_schema(), output, expect_exact_copy=True)
    validated = _validate(config, output / "validation")
    remap = demo_config(running, "demo-orders", "demo-orders-v2", f"{run_id}-remapped")
    remap["source"]["export"]["manifest"] = copy["source"]["export"]["manifest"]
    remap["mapping"] = DEMO_MAPPING
    remapped, _ = _migrate(running, remap, REMAPPED_KEYS, output / "remapped", expect_exact_copy=False)
    ok = copied and validated and remapped
    print(f"\nDemo {'SUCCEEDED' if ok else 'FAILED'}")
    print("\nNext, try:")
    for command in next_commands(output / "config.yaml", output / "validation"):
        print(f"  {command}")
    print(f"\n{stop_hint(running)}")
    return 0 if ok else 1
