"""What a user would run instead of ddb-migrate, measured by the bench on the same items.

* raw ceiling: 16 threads of boto3 ``batch_write_item``, request bodies prepared beforehand;
* one put per item: the usual hand-written script, ``put_item`` per item (time-boxed);
* dynamodump restore: ``dynamodump -m restore --dataOnly`` from a dump of the same items
  (a bench-only dependency in its own venv, never in the project's);
* awswrangler: read the same export from S3, deserialize, ``wr.dynamodb.put_items``.

Every peer writes into a table of its own and returns how many items it wrote.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from jobs import aws
from jobs.aws import AccountSpec, tables
from jobs.local import stack
from jobs.source.manifests import load_export

DUMP_ITEMS_PER_FILE = 3000  # about 1 MB of ~330-byte items, as dynamodump's own dumps hold


def target_client(running: stack.Stack) -> Any:
    return boto3.Session(
        aws_access_key_id="target", aws_secret_access_key=stack.SECRET, region_name=stack.REGION
    ).client("dynamodb", endpoint_url=running.dynamodb_endpoint)


def export_items(account: AccountSpec, manifest_uri: str) -> list[dict[str, Any]]:
    """The export's items in wire form (what the peers are given; read before any timing)."""
    return list(_read_export(account, manifest_uri))


def _read_export(account: AccountSpec, manifest_uri: str) -> Any:
    export = load_export(account, manifest_uri)
    s3 = aws.client(account, "s3")
    for data_file in export.files:
        data = gzip.decompress(s3.get_object(Bucket=export.bucket, Key=data_file.key)["Body"].read())
        for line in data.decode("utf-8").splitlines():
            yield json.loads(line)["Item"]


def raw_ceiling(running: stack.Stack, table: str, items: list[dict[str, Any]], threads: int = 16) -> int:
    """Concurrent BatchWriteItem with bodies prepared beforehand: the client's floor of work."""
    client = target_client(running)
    batches = [[{"PutRequest": {"Item": i}} for i in items[s : s + 25]] for s in range(0, len(items), 25)]

    def write(batch: list[dict[str, Any]]) -> int:
        request: Any = {table: batch}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        return len(batch)

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(write, batches))


def put_one_by_one(running: stack.Stack, table: str, items: list[dict[str, Any]], limit_s: float) -> int:
    """``put_item`` per item, for at most ``limit_s`` seconds; returns the items written."""
    client = target_client(running)
    started = time.monotonic()
    done = 0
    for item in items:
        client.put_item(TableName=table, Item=item)
        done += 1
        if time.monotonic() - started > limit_s:
            break
    return done


def write_dump(folder: Path, source: str, describe: dict[str, Any], items: list[dict[str, Any]]) -> Path:
    """dynamodump's layout: ``folder/<table>/schema.json`` and ``data/NNNN.json`` of ``{"Items": [...]}``."""
    table_dir = folder / source
    shutil.rmtree(table_dir, ignore_errors=True)
    (table_dir / "data").mkdir(parents=True)
    (table_dir / "schema.json").write_text(json.dumps(describe, default=str))
    for number, start in enumerate(range(0, len(items), DUMP_ITEMS_PER_FILE), start=1):
        chunk = {"Items": items[start : start + DUMP_ITEMS_PER_FILE]}
        (table_dir / "data" / f"{number:04d}.json").write_text(json.dumps(chunk, ensure_ascii=False))
    return folder


def dynamodump_restore(running: stack.Stack, executable: str, dump: Path, source: str, table: str) -> None:
    """``dynamodump -m restore --dataOnly`` into ``table`` (which must exist)."""
    command = [
        executable,
        "-m",
        "restore",
        "--host",
        "127.0.0.1",
        "--port",
        str(running.dynamodb_port),
        "--region",
        stack.REGION,
        "--accessKey",
        "target",
        "--secretKey",
        stack.SECRET,
        "-s",
        source,
        "-d",
        table,
        "--dataOnly",
        "--noConfirm",
        "--skipThroughputUpdate",
        "--dumpPath",
        str(dump),
        "--log",
        "warning",
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=3600)


def awswrangler_put(running: stack.Stack, manifest_uri: str, table: str) -> int:
    """Read the export from S3, turn wire items into Python values, ``wr.dynamodb.put_items``."""
    import awswrangler as wr
    from boto3.dynamodb.types import TypeDeserializer

    wr.config.dynamodb_endpoint_url = running.dynamodb_endpoint
    deserialize = TypeDeserializer().deserialize
    items = [
        {name: deserialize(value) for name, value in item.items()}
        for item in _read_export(running.account("target"), manifest_uri)
    ]
    session = boto3.Session(aws_access_key_id="target", aws_secret_access_key=stack.SECRET, region_name=stack.REGION)
    wr.dynamodb.put_items(items=items, table_name=table, boto3_session=session, use_threads=True)
    return len(items)


def dynamodump_executable() -> str | None:
    """The bench venv's dynamodump (``make bench`` installs it into .venv-bench), if any."""
    named = os.environ.get("BENCH_DYNAMODUMP")
    if named and Path(named).exists():
        return named
    return shutil.which("dynamodump")


def count(running: stack.Stack, table: str) -> int:
    return tables.count_items(running.account("target"), table)
