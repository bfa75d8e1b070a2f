"""``target.mode: import``: stage the mapped items in S3 and let DynamoDB's ImportTable create
the target table from them (no write capacity used; billed per GB of staged data).

1. The table definition comes from ``target.import`` or, by default, the source table.
2. Collisions are resolved before anything is staged: ImportTable keeps an arbitrary one of
   several items with the same key, so two source items must never map to one key unnoticed.
3. Items are shuffled by a hash of their key into ``files`` staging objects and ordered inside
   each by a second hash, so the import never works through the key space in order (no rolling
   hot partition). Every item read is staged, filtered, or dead-lettered, per source unit.
4. ImportTable runs (idempotently: its ARN is kept under the run's prefix, and a rerun waits for
   the same import), and its processed, imported and error counts go into the run report.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any, cast

import pyarrow as pa
from botocore.exceptions import ClientError
from pyspark import TaskContext
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs import aws
from jobs.aws import AccountSpec, tables
from jobs.config import ImportSettings, SinkSettings
from jobs.core.errors import ConfigError, TerminalError
from jobs.core.item_checks import KeySchema, item_problem
from jobs.core.rows import TRAILER_LINE
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.sink.load import LOAD_COLUMNS, RESULT_SCHEMA, SPARK_RESULT_SCHEMA, dead_record
from jobs.sink.writer import DeadLetter, as_json, item_body

log = logging.getLogger(__name__)
IMPORT_POINTER = "import.json"
_DONE = ("COMPLETED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class TableDefinition:
    """ImportTable's TableCreationParameters, and the key schema the pipeline checks items against."""

    key_schema: KeySchema
    parameters: dict[str, Any]


def table_definition(sink: SinkSettings, touched: set[str]) -> TableDefinition:
    """The new table: ``target.import``'s key schema and billing, the source's key and GSIs by default.

    ``touched``: the attributes the mapping changes; a source key or index on them cannot be copied.
    """
    settings = import_settings(sink)
    source = tables.describe(sink.source.account, sink.source.name)
    key_schema = settings.key_schema or tables.table_key_schema(source)
    if not settings.key_schema and touched & {n for n, _t in key_schema}:
        raise ConfigError(
            f"the mapping changes key attribute(s) {sorted(touched & {n for n, _t in key_schema})} of the source key",
            hint="give the new table's key as target.import.key_schema: [{name: ..., type: S|N|B}, ...]",
        )
    types = dict(key_schema)
    indexes: list[dict[str, Any]] = []
    if settings.indexes == "source":
        source_types = {a["AttributeName"]: a["AttributeType"] for a in source["AttributeDefinitions"]}
        for index in source.get("GlobalSecondaryIndexes", []):
            names = [k["AttributeName"] for k in index["KeySchema"]]
            if touched & set(names):
                raise ConfigError(
                    f"GSI {index['IndexName']} of the source is keyed on {names}, which the mapping changes",
                    hint="set target.import.indexes: none and create the index after the import",
                )
            types.update({n: source_types[n] for n in names})
            entry = {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
            if settings.billing_mode == "PROVISIONED":
                entry["ProvisionedThroughput"] = _throughput(settings)
            indexes.append(entry)
    parameters: dict[str, Any] = {
        "TableName": sink.table.name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(types.items())],
        "KeySchema": [
            {"AttributeName": name, "KeyType": kind}
            for (name, _t), kind in zip(key_schema, ("HASH", "RANGE")[: len(key_schema)], strict=True)
        ],
        "BillingMode": settings.billing_mode,
    }
    if settings.billing_mode == "PROVISIONED":
        parameters["ProvisionedThroughput"] = _throughput(settings)
    if indexes:
        parameters["GlobalSecondaryIndexes"] = indexes
    return TableDefinition(tuple(key_schema), parameters)


def import_settings(sink: SinkSettings) -> ImportSettings:
    if sink.import_settings is None:
        raise ConfigError("target.mode is not import")
    return sink.import_settings


def _throughput(settings: ImportSettings) -> dict[str, int]:
    return {"ReadCapacityUnits": settings.read_units or 1, "WriteCapacityUnits": settings.write_units or 1}


@dataclass(frozen=True)
class StageSettings:
    """What a staging task needs; picklable."""

    account: Any  # AccountSpec of the staging bucket's owner
    bucket: str
    data_prefix: str  # ends with '/'; holds nothing but staged data files
    ledger: LedgerStore
    key_schema: KeySchema


def staging_prefix(sink: SinkSettings) -> tuple[str, str]:
    settings = import_settings(sink)
    return settings.bucket, f"{settings.prefix}/{sink.run.token}/data/".lstrip("/")


def _staging_account(sink: SinkSettings) -> AccountSpec:
    if sink.import_account is None:
        raise ConfigError("target.mode is not import")
    return sink.import_account


def _accounting(counts: dict[str, FileResult]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([asdict(r) for r in counts.values()], schema=RESULT_SCHEMA)


def stage_rows(batches: Iterator[pa.RecordBatch], settings: StageSettings) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: one gzip DYNAMODB_JSON staging file per partition, plus per-unit counts."""
    context = TaskContext.get()
    part = context.partitionId() if context else 0
    counts: dict[str, FileResult] = {}
    dead: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with tempfile.NamedTemporaryFile(prefix="ddb-import-", suffix=".json.gz") as spool:
        with gzip.GzipFile(fileobj=spool, mode="wb", compresslevel=6) as out:
            for batch in batches:
                columns = {name: batch.column(name).to_pylist() for name in LOAD_COLUMNS}
                for index, file_key in enumerate(columns["file_key"]):
                    result = counts.setdefault(file_key, FileResult(file_key=file_key))
                    row = {name: columns[name][index] for name in LOAD_COLUMNS}
                    if row["line_no"] == TRAILER_LINE:
                        result.error = result.error or row["dead_reason"]
                        continue
                    result.read += 1
                    if row["dead_reason"] is not None:
                        dead[file_key].append(dead_record(row).record())
                    elif row["filtered"]:
                        result.filtered += 1
                    else:
                        body = item_body(row["item"])
                        problem = item_problem(dict(row["item"]), body, settings.key_schema)
                        if problem is None:
                            out.write(b'{"Item":' + body.encode("utf-8") + b"}\n")
                            result.written += 1
                        else:
                            letter = DeadLetter(file_key, row["line_no"], "write", *problem, as_json(body))
                            dead[file_key].append(letter.record())
        staged = sum(r.written for r in counts.values())
        key = f"{settings.data_prefix}part-{part:05d}.json.gz"
        s3 = aws.client(settings.account, "s3")
        if staged:
            spool.seek(0)
            s3.upload_fileobj(spool, settings.bucket, key)
        else:  # a retried task that staged nothing now must not leave an older file behind
            s3.delete_object(Bucket=settings.bucket, Key=key)
    for file_key, records in dead.items():
        counts[file_key].dead_lettered = len(records)
        settings.ledger.record_dead_letters(file_key, records, part=f"import-{part:05d}")
    yield _accounting(counts)


def shuffled(items: DataFrame, key_schema: KeySchema, files: int) -> DataFrame:
    """Items spread over ``files`` partitions by a key hash, ordered within each by another."""
    key = [F.col("item")[name] for name, _t in key_schema]
    return items.repartition(files, F.xxhash64(*key)).sortWithinPartitions(F.xxhash64(F.lit("order"), *key))


def stage_items(
    items: DataFrame, sink: SinkSettings, key_schema: KeySchema, ledger: LedgerStore, files: int
) -> list[FileResult]:
    """Stage every writable item; return the counts per source unit (summed over staging tasks)."""
    bucket, data_prefix = staging_prefix(sink)
    s3 = aws.client(_staging_account(sink), "s3")
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=data_prefix):
            for obj in page.get("Contents", []):  # an earlier attempt's files: the prefix must hold only this one's
                s3.delete_object(Bucket=bucket, Key=obj["Key"])
    except ClientError as exc:
        raise TerminalError(
            f"s3://{bucket}/{data_prefix}: cannot prepare the staging prefix ({exc})",
            hint="check target.import.bucket exists in the target account and the job's role may write to it",
        ) from exc
    stage = StageSettings(_staging_account(sink), bucket, data_prefix, ledger, key_schema)
    rows = shuffled(items, key_schema, files).mapInArrow(partial(stage_rows, settings=stage), SPARK_RESULT_SCHEMA)
    merged: dict[str, FileResult] = {}
    for row in rows.collect():
        part = FileResult(**row.asDict())
        total = merged.setdefault(part.file_key, FileResult(file_key=part.file_key))
        total.read += part.read
        total.written += part.written
        total.filtered += part.filtered
        total.dead_lettered += part.dead_lettered
        total.error = total.error or part.error
    return list(merged.values())


def _client_token(sink: SinkSettings) -> str:
    return hashlib.sha256(f"{sink.run.run_id}/{sink.table.name}".encode()).hexdigest()[:36]


def start_import(sink: SinkSettings, definition: TableDefinition, ledger: LedgerStore) -> str:
    """Call ImportTable (once per run id) and record its ARN under the run's prefix."""
    bucket, data_prefix = staging_prefix(sink)
    staging = _staging_account(sink)
    owner = aws.account_id(staging)
    request: dict[str, Any] = {
        "ClientToken": _client_token(sink),
        "S3BucketSource": {"S3Bucket": bucket, "S3KeyPrefix": data_prefix},
        "InputFormat": "DYNAMODB_JSON",
        "InputCompressionType": "GZIP",
        "TableCreationParameters": definition.parameters,
    }
    if owner and staging.name != sink.table.account.name:
        request["S3BucketSource"]["S3BucketOwner"] = owner
    ddb = aws.client(sink.table.account, "dynamodb")
    arn = str(ddb.import_table(**request)["ImportTableDescription"]["ImportArn"])
    ledger.put_json(
        IMPORT_POINTER, {"import_arn": arn, "started_at": time.time(), "data": f"s3://{bucket}/{data_prefix}"}
    )
    return arn


def wait_import(sink: SinkSettings, arn: str, poll_s: float = 2.0) -> dict[str, Any]:
    """DescribeImport until the import ends or ``target.import.wait_timeout_s`` passes."""
    ddb = aws.client(sink.table.account, "dynamodb")
    timeout_s = import_settings(sink).wait_timeout_s
    deadline = time.monotonic() + timeout_s
    while True:
        description = cast("dict[str, Any]", ddb.describe_import(ImportArn=arn)["ImportTableDescription"])
        status = description.get("ImportStatus")
        if status in _DONE:
            return description
        if time.monotonic() > deadline:
            raise TerminalError(
                f"import {arn} is still {status} after {timeout_s:g}s",
                hint="rerun with the same run id to keep waiting for it (it is not started twice)",
            )
        log.info("import %s: %s, %s items processed", arn, status, description.get("ProcessedItemCount", 0))
        time.sleep(poll_s)
        poll_s = min(30.0, poll_s * 1.5)


def import_summary(description: dict[str, Any]) -> dict[str, Any]:
    return {
        "import_arn": description.get("ImportArn"),
        "status": description.get("ImportStatus"),
        "processed_items": int(description.get("ProcessedItemCount", 0)),
        "imported_items": int(description.get("ImportedItemCount", 0)),
        "errors": int(description.get("ErrorCount", 0)),
        "processed_bytes": int(description.get("ProcessedSizeBytes", 0)),
        "failure": description.get("FailureMessage"),
    }


def reconcile_import(report: RunReport, summary: dict[str, Any]) -> RunReport:
    """The run succeeds only if ImportTable took every staged item, without errors."""
    report.target_import = summary
    if summary["status"] != "COMPLETED":
        report.errors.append(f"import {summary['import_arn']} ended {summary['status']}: {summary['failure']}")
    if summary["imported_items"] != report.items_written or summary["errors"]:
        report.errors.append(
            f"the import took {summary['imported_items']} of {report.items_written} staged items, with "
            f"{summary['errors']} errors; the rejected items are in CloudWatch Logs (/aws-dynamodb/imports)"
        )
    report.success = report.success and not report.errors
    return report
