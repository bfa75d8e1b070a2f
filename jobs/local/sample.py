"""A sample migration on the local stack: buckets, a filled source table, its export, an
empty target table and the job config that ties them together.

`make demo` and `ddb-migrate local init` both build on it; the stack stays up afterwards, so
the config's endpoints keep working until `ddb-migrate local down`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from jobs import aws
from jobs.aws import AccountSpec, tables
from jobs.config import JobConfig, parse_config
from jobs.local import datagen, stack
from jobs.sink.writer import put_items
from jobs.source.export import request_export

EXPORT_BUCKET = "ddb-migrate-demo-exports"
ARTIFACT_BUCKET = "ddb-migrate-demo-artifacts"


def job_doc(running: stack.Stack, source_table: str, target_table: str, run_id: str) -> dict[str, Any]:
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
    """The export and artifact buckets, both owned by the target account (kept if they exist)."""
    s3 = aws.client(running.account("target"), "s3")
    for bucket in (EXPORT_BUCKET, ARTIFACT_BUCKET):
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
            s3.create_bucket(Bucket=bucket)


def fresh_table(account: AccountSpec, name: str, definition: dict[str, Any]) -> None:
    """An empty table: one left by an earlier demo or init on this stack is dropped first."""
    ddb = aws.client(account, "dynamodb")
    with contextlib.suppress(ddb.exceptions.ResourceNotFoundException):
        ddb.delete_table(TableName=name)
        waiter_config: Any = {"Delay": 0.2, "MaxAttempts": 100}
        ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=waiter_config)
    tables.create_table(account, name, definition)


def fill_source(running: stack.Stack, table: str, items: int) -> float:
    """A fresh source table of ``items`` generated items (every DynamoDB type); seconds taken."""
    started = time.monotonic()
    fresh_table(running.account("source"), table, datagen.key_schema())
    put_items(running.account("source"), table, datagen.make_items(items))
    return time.monotonic() - started


def export_into(doc: dict[str, Any], progress: Callable[[str], None]) -> int:
    """Export the config's source table; the manifest goes into ``doc``; the item count back."""
    result = request_export(parse_config(doc).source, progress)
    doc["source"]["export"]["manifest"] = result.manifest_uri
    return result.item_count


def write_config(doc: dict[str, Any], path: Path) -> JobConfig:
    """Check the config and write it as YAML to ``path``."""
    config = parse_config(doc, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return config


def next_commands(config_path: Path, report_dir: Path, *, before_run: bool = False) -> list[str]:
    """What a person can paste next against a config this module wrote: after a run, check it
    and look around; ``before_run``: plan and run it first."""
    config = _shown(config_path)
    check = [
        f"ddb-migrate validate --config {config} --report-dir {_shown(report_dir)}",
        f"ddb-migrate dlq list --config {config}",
    ]
    if before_run:
        return [f"ddb-migrate plan --config {config}", f"ddb-migrate run --config {config}", *check]
    return [*check, f"ddb-migrate plan --config {config}"]


def _shown(path: Path) -> str:
    """A path as short as it can be: relative to the current folder when it is inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path.resolve())


def stop_hint(running: stack.Stack) -> str:
    home = Path(running.home)
    default = home == stack.default_home()
    prefix = "" if default else f"DDB_MIGRATE_HOME={home} "
    return (
        "the local stack keeps running (the config's endpoints are its ports); "
        f"stop it with: {prefix}ddb-migrate local down"
    )


def init_sample(running: stack.Stack, folder: Path, items: int) -> Path:
    """`ddb-migrate local init`: source table, its export, an empty target and ``folder/job.yaml``."""
    prepare_buckets(running)
    seconds = fill_source(running, "sample-orders", items)
    print(f"source table sample-orders (account source): {items} items in {seconds:.1f}s")
    doc = job_doc(running, "sample-orders", "sample-orders-copy", f"sample-{int(time.time())}")
    exported = export_into(doc, lambda message: print(f"  {message}"))
    print(f"export: {doc['source']['export']['manifest']} ({exported} items)")
    fresh_table(running.account("target"), "sample-orders-copy", datagen.key_schema())
    print("target table sample-orders-copy (account target): empty")
    path = folder / "job.yaml"
    write_config(doc, path)
    print(f"config: {path.resolve()}")
    return path
