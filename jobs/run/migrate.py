"""The migration job: manifests -> read -> map -> collision check -> load -> ledger -> report."""

from __future__ import annotations

import logging
import re
import socket
import time
from functools import partial
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import aws
from jobs.target import collisions
from jobs.source import sources as source
from jobs.aws import tables
from jobs.capacity import table_capacity as capacity_tables
from jobs.capacity.budget import WriteBudget, write_budget
from jobs.core.item_checks import KeySchema
from jobs.config import JobConfig
from jobs.core.errors import ConfigError, MigrationError, TerminalError
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.target.load import SPARK_RESULT_SCHEMA, LoadSettings, load_rows
from jobs.source.manifests import LoadedExport, load_export
from jobs.mapping.compile import CompiledMapping, compile_mapping
from jobs.core.progress import ProgressAddress, ProgressMonitor, cloudwatch_publisher
from jobs.core.rate import per_task_rate
from jobs.source.read import TRAILER_LINE
from jobs.source.sources import Source
from jobs.target.digests import DigestSettings
from jobs.target.writer import WriterSettings

log = logging.getLogger(__name__)
ITEM_SCHEMA = "Item map<string,string>"
EXPORT_POINTER = "export.json"


def ledger_store(config: JobConfig) -> LedgerStore:
    return LedgerStore.for_run(config)


def manifest_uri(config: JobConfig) -> str:
    """The export to migrate: the configured manifest, else the one `ddb-migrate export` recorded."""
    if config.export.manifest_uri:
        return config.export.manifest_uri
    store = ledger_store(config)
    pointer = store.get_json(EXPORT_POINTER)
    if pointer is None:
        raise ConfigError(
            f"source.export.manifest is not set and run {config.run_id} has no recorded export "
            f"(s3://{store.bucket}/{store.prefix}{EXPORT_POINTER})",
            hint="run `ddb-migrate export --config ...` with the same run_id, or set source.export.manifest",
        )
    return str(pointer["manifest"])


def open_export(config: JobConfig) -> LoadedExport:
    export = load_export(config.account(config.export.read_account), manifest_uri(config))
    if export.summary.export_type != "FULL_EXPORT":
        raise TerminalError(
            f"{export.uri} is an {export.summary.export_type}",
            hint="`ddb-migrate run` loads full exports; use `ddb-migrate catch-up` for incremental",
        )
    return export


def open_source(config: JobConfig) -> Source:
    """The configured source of items: the export (``source.mode: export``) or the table (``scan``)."""
    return source.open_source(config, open_export)


def read_items(spark: SparkSession, items_from: Source, config: JobConfig, files: list[Any]) -> DataFrame:
    """Source lines as rows: file_key, line_no, item (map of name -> AttributeValue JSON), ..."""
    return parse_lines(items_from.lines(spark, files, config.partitions))


def parse_lines(lines: DataFrame) -> DataFrame:
    """(file_key, line_no, line, error) -> item rows, parsed in the JVM; trailers pass through."""
    item = F.from_json("line", ITEM_SCHEMA).getField("Item")
    trailer = F.col("line_no") == F.lit(TRAILER_LINE)
    bad_line = F.concat(
        F.lit("line "), F.col("line_no").cast("string"), F.lit(' is not a DynamoDB JSON export record {"Item": {...}}')
    )
    dead_reason: Column = F.when(trailer | F.col("error").isNotNull(), F.col("error")).when(
        item.isNull() | (F.size(item) == 0), bad_line
    )
    return lines.select(
        "file_key",
        "line_no",
        item.alias("item"),
        dead_reason.alias("dead_reason"),
        F.lit("read").alias("dead_stage"),
        F.lit(False).alias("filtered"),
        F.when(dead_reason.isNotNull() & ~trailer, F.col("line")).alias("line"),
    )


def compiled_mapping(
    spark: SparkSession, config: JobConfig, items_from: Source, key_schema: KeySchema = ()
) -> CompiledMapping:
    """The config's mapping, checked against a sample of the source before any job runs."""
    if config.mapping.empty:
        return compile_mapping(spark, config.mapping, [])
    return compile_mapping(spark, config.mapping, items_from.sample(), key_schema)


def mapped_items(
    spark: SparkSession,
    config: JobConfig,
    items_from: Source,
    files: list[Any],
    mapping: CompiledMapping | None = None,
) -> DataFrame:
    """Item rows in the target's shape: the mapping applied to what the source holds."""
    mapping = mapping or compiled_mapping(spark, config, items_from)
    return mapping.transform(read_items(spark, items_from, config, files))


def collisions_possible(config: JobConfig, target_keys: KeySchema) -> bool:
    """False only when the key is copied untouched from a source with the same key schema."""
    if config.mapping.touched() & {name for name, _t in target_keys}:
        return True
    try:
        return tables.key_schema(config.account(config.source_account), config.source_table) != target_keys
    except Exception:  # no access to the source table: check rather than assume
        return True


def resolve_collisions(items: DataFrame, config: JobConfig, key_schema: KeySchema) -> DataFrame:
    """Fail before any write, or keep the latest version per key, as the mapping says."""
    names = tuple(n for n, _t in key_schema)
    found = collisions.find_collisions(items, names)
    if not found.colliding_keys:
        return items
    if config.mapping.collision_policy != "keep_latest":
        raise collisions.CollisionError(
            f"nothing was written: {found.describe()}",
            hint="fix the key mapping, or set mapping.collisions: {policy: keep_latest, latest_by: <attribute>}",
        )
    log.warning("%s; keeping the latest by %s", found.describe(), config.mapping.latest_by)
    return collisions.mark_superseded(items, collisions.superseded(items, names))


def write_budget_now(config: JobConfig) -> WriteBudget:
    """The writer's global budget from the target's capacity in force now (after any raise)."""
    try:
        capacity = capacity_tables.describe(config.account(config.target_account), config.target_table)
    except MigrationError:
        capacity = None
    return write_budget(config.write, capacity)


def load_items(
    items: DataFrame,
    config: JobConfig,
    key_schema: KeySchema,
    budget: WriteBudget,
    progress: ProgressAddress | None = None,
) -> list[FileResult]:
    """Write the items within ``budget``; return one result per file (collected to the driver: small)."""
    write = config.write
    concurrent_tasks = min(items.rdd.getNumPartitions(), items.sparkSession.sparkContext.defaultParallelism)
    settings = LoadSettings(
        writer=WriterSettings(
            account=config.account(config.target_account),
            table=config.target_table,
            key_names=tuple(n for n, _t in key_schema),
            concurrency=write.concurrency,
            batch_size=write.batch_size,
            max_retry_seconds=write.max_retry_seconds,
            write_units_per_s=per_task_rate(budget.units_per_s, concurrent_tasks),
            progress=progress,
        ),
        ledger=ledger_store(config),
        key_schema=key_schema,
        digests=DigestSettings(tuple(n for n, _t in key_schema)),
    )
    results = items.mapInArrow(partial(load_rows, settings=settings), SPARK_RESULT_SCHEMA).collect()
    return [FileResult(**row.asDict()) for row in results]


def progress_monitor(
    spark: SparkSession, config: JobConfig, files: list[Any], total_items: int | None = None
) -> ProgressMonitor:
    """The driver's progress display; tasks on other hosts reach it at the driver's address."""
    local = (spark.sparkContext.master or "local").startswith("local")
    host = "127.0.0.1" if local else spark.conf.get("spark.driver.host", socket.gethostname())
    metrics = None
    if config.progress.cloudwatch_namespace:
        metrics = cloudwatch_publisher(
            aws.client(config.account(config.target_account), "cloudwatch"),
            config.progress.cloudwatch_namespace,
            config.run_id,
        )
    return ProgressMonitor(
        total_items if total_items is not None else sum(f.item_count for f in files),
        len(files),
        bind_host="127.0.0.1" if local else "0.0.0.0",  # noqa: S104 - executors must reach it
        advertise_host=host,
        log_every_s=config.progress.log_every_s,
        metrics=metrics,
    )


def run_migration(config: JobConfig, spark: SparkSession) -> RunReport:
    """Migrate every unit (export data file or scan segment) not yet finished under this run id."""
    started = time.monotonic()
    items_from = open_source(config)
    if config.target_mode == "import":
        from jobs.target.import_table import run_import

        return run_import(config, spark, items_from, ledger_store(config))
    key_schema = tables.key_schema(config.account(config.target_account), config.target_table)
    mapping = compiled_mapping(spark, config, items_from, key_schema)
    store = ledger_store(config)
    finished = store.finished_files()
    todo = [f for f in items_from.files if f.key not in finished]
    log.info(
        "run %s: %d units of %s, %d already finished, %d to load",
        config.run_id,
        len(items_from.files),
        items_from.uri,
        len(items_from.files) - len(todo),
        len(todo),
    )
    budget = write_budget_now(config)
    log.info("write budget: %s units/s (%s)", budget.units_per_s or "no limit", budget.source)
    results: list[FileResult] = []
    if todo:
        try:
            items = mapped_items(spark, config, items_from, todo, mapping)
            if collisions_possible(config, key_schema):
                items = resolve_collisions(items, config, key_schema)
            with progress_monitor(spark, config, todo, items_from.approximate_items(todo)) as monitor:
                results = load_items(items, config, key_schema, budget, monitor.address)
        except MigrationError:
            raise
        except Exception as exc:  # Spark wraps task failures; surface our own message
            raise spark_failure(exc) from exc
    report = RunReport.from_files(
        config.run_id,
        len(items_from.files),
        [*finished.values(), *results],
        time.monotonic() - started,
        manifest_item_count=items_from.item_count,
        skipped=len(items_from.files) - len(todo),
    )
    report.write_units_per_s, report.write_budget_source = budget.units_per_s, budget.source
    store.write_report(report)
    return report


_ERROR_LINE = re.compile(r"jobs\.[\w.]+\.(\w+Error): (.+)")


def spark_failure(exc: Exception) -> MigrationError:
    """Turn a Spark job failure into our error, keeping the task's own message."""
    matches = _ERROR_LINE.findall(str(exc))
    if matches:
        name, message = matches[-1]
        return TerminalError(f"a Spark task failed with {name}: {message}")
    text = str(exc).strip().splitlines()
    return TerminalError(
        f"the Spark job failed: {text[0] if text else type(exc).__name__}",
        hint="see the Spark driver log for the task's traceback",
    )
