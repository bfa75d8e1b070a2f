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
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import aws
from jobs.aws import tables
from jobs.config import ImportSettings, JobConfig
from jobs.core.errors import ConfigError, TerminalError
from jobs.core.item_checks import KeySchema, item_problem
from jobs.core.rows import TRAILER_LINE
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.sink.collisions import collisions_possible, resolve_collisions
from jobs.sink.load import LOAD_COLUMNS, RESULT_SCHEMA, SPARK_RESULT_SCHEMA, dead_record
from jobs.sink.preflight import check_target_keys
from jobs.sink.writer import DeadLetter, as_json, item_body
from jobs.source.items import compiled_mapping, mapped_items, mapped_sample
from jobs.spark import spark_failure

log = logging.getLogger(__name__)
IMPORT_POINTER = "import.json"
_DONE = ("COMPLETED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class TableDefinition:
    """ImportTable's TableCreationParameters, and the key schema the pipeline checks items against."""

    key_schema: KeySchema
    parameters: dict[str, Any]


def table_definition(config: JobConfig) -> TableDefinition:
    """The new table: ``target.import``'s key schema and billing, the source's key and GSIs by default."""
    settings = _settings(config)
    source = tables.describe(config.account(config.source_account), config.source_table)
    touched = config.mapping.touched()
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
        "TableName": config.target_table,
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


def _settings(config: JobConfig) -> ImportSettings:
    if config.import_settings is None:
        raise ConfigError("target.mode is not import")
    return config.import_settings


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


def staging_prefix(config: JobConfig) -> tuple[str, str]:
    settings = _settings(config)
    return settings.bucket, f"{settings.prefix}/{config.run_id}/data/".lstrip("/")


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
    items: DataFrame, config: JobConfig, key_schema: KeySchema, ledger: LedgerStore, files: int
) -> list[FileResult]:
    """Stage every writable item; return the counts per source unit (summed over staging tasks)."""
    settings = _settings(config)
    bucket, data_prefix = staging_prefix(config)
    s3 = aws.client(config.account(settings.account), "s3")
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=data_prefix):
            for obj in page.get("Contents", []):  # an earlier attempt's files: the prefix must hold only this one's
                s3.delete_object(Bucket=bucket, Key=obj["Key"])
    except ClientError as exc:
        raise TerminalError(
            f"s3://{bucket}/{data_prefix}: cannot prepare the staging prefix ({exc})",
            hint="check target.import.bucket exists in the target account and the job's role may write to it",
        ) from exc
    stage = StageSettings(config.account(settings.account), bucket, data_prefix, ledger, key_schema)
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


def _client_token(config: JobConfig) -> str:
    return hashlib.sha256(f"{config.run_id}/{config.target_table}".encode()).hexdigest()[:36]


def start_import(config: JobConfig, definition: TableDefinition, ledger: LedgerStore) -> str:
    """Call ImportTable (once per run id) and record its ARN under the run's prefix."""
    settings = _settings(config)
    bucket, data_prefix = staging_prefix(config)
    owner = aws.account_id(config.account(settings.account))
    request: dict[str, Any] = {
        "ClientToken": _client_token(config),
        "S3BucketSource": {"S3Bucket": bucket, "S3KeyPrefix": data_prefix},
        "InputFormat": "DYNAMODB_JSON",
        "InputCompressionType": "GZIP",
        "TableCreationParameters": definition.parameters,
    }
    if owner and settings.account != config.target_account:
        request["S3BucketSource"]["S3BucketOwner"] = owner
    ddb = aws.client(config.account(config.target_account), "dynamodb")
    arn = str(ddb.import_table(**request)["ImportTableDescription"]["ImportArn"])
    ledger.put_json(
        IMPORT_POINTER, {"import_arn": arn, "started_at": time.time(), "data": f"s3://{bucket}/{data_prefix}"}
    )
    return arn


def wait_import(config: JobConfig, arn: str, poll_s: float = 2.0) -> dict[str, Any]:
    """DescribeImport until the import ends or ``target.import.wait_timeout_s`` passes."""
    ddb = aws.client(config.account(config.target_account), "dynamodb")
    deadline = time.monotonic() + _settings(config).wait_timeout_s
    while True:
        description = cast("dict[str, Any]", ddb.describe_import(ImportArn=arn)["ImportTableDescription"])
        status = description.get("ImportStatus")
        if status in _DONE:
            return description
        if time.monotonic() > deadline:
            raise TerminalError(
                f"import {arn} is still {status} after {_settings(config).wait_timeout_s:g}s",
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


def run_import(config: JobConfig, spark: SparkSession, items_from: Any, ledger: LedgerStore) -> RunReport:
    """The whole import path; ``items_from`` is the run's :class:`~jobs.source.sources.Source`."""

    started = time.monotonic()
    definition = table_definition(config)
    previous = ledger.get_json(IMPORT_POINTER)
    results: list[FileResult] = []
    if previous is None:
        if tables.exists(config.account(config.target_account), config.target_table):
            raise TerminalError(
                f"target.mode import creates table {config.target_table!r}, but it already exists",
                hint="use target.mode: write to load an existing table, or delete it first",
            )
        mapping = compiled_mapping(spark, config, items_from, definition.key_schema)
        check_target_keys(
            definition.key_schema, mapped_sample(spark, mapping, items_from.sample()), config.target_table
        )
        try:
            items = mapped_items(spark, config, items_from, items_from.files, mapping)
            if collisions_possible(config, definition.key_schema):
                items = resolve_collisions(items, config, definition.key_schema)
            files = _settings(config).files or max(2 * spark.sparkContext.defaultParallelism, len(items_from.files))
            results = stage_items(items, config, definition.key_schema, ledger, files)
        except TerminalError:
            raise
        except Exception as exc:
            raise spark_failure(exc) from exc
        ledger.put_json("import-staging.json", {"results": [asdict(r) for r in results]})
        staged_ok = all(r.done for r in results) and sum(r.dead_lettered for r in results) == 0
        if not staged_ok:
            report = _report(config, items_from, results, started)
            report.errors.append("nothing was imported: fix the dead letters or unreadable units and rerun")
            report.success = False
            ledger.write_report(report)
            return report
        arn = start_import(config, definition, ledger)
    else:
        arn = str(previous["import_arn"])
        log.info("run %s already started import %s; waiting for it", config.run_id, arn)
        staging = ledger.get_json("import-staging.json") or {"results": []}
        results = [FileResult(**r) for r in staging["results"]]
    report = reconcile_import(_report(config, items_from, results, started), import_summary(wait_import(config, arn)))
    ledger.write_report(report)
    return report


def _report(config: JobConfig, items_from: Any, results: list[FileResult], started: float) -> RunReport:
    return RunReport.from_files(
        config.run_id,
        len(items_from.files),
        results,
        time.monotonic() - started,
        manifest_item_count=items_from.item_count,
    )
