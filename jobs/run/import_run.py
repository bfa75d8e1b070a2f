"""``target.mode: import``: the same read -> map -> collision check, then the items are staged in
S3 and ImportTable creates the target from them (see :mod:`jobs.sink.import_table`)."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from pyspark.sql import SparkSession

from jobs.aws import tables
from jobs.config import JobConfig
from jobs.core.errors import TerminalError
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.run.shape import target_items
from jobs.sink.import_table import (
    IMPORT_POINTER,
    import_settings,
    import_summary,
    reconcile_import,
    stage_items,
    start_import,
    table_definition,
    wait_import,
)
from jobs.sink.preflight import check_target_keys
from jobs.source.items import compiled_mapping, mapped_sample
from jobs.source.sources import Source
from jobs.spark import spark_errors

log = logging.getLogger(__name__)
STAGING_RESULTS = "import-staging.json"


def run_import(config: JobConfig, spark: SparkSession, items_from: Source, ledger: LedgerStore) -> RunReport:
    """Stage every item once per run id, start ImportTable once, and wait for it (also on a rerun)."""
    started = time.monotonic()
    sink = config.sink
    definition = table_definition(sink, config.mapping.touched())
    previous = ledger.get_json(IMPORT_POINTER)
    results: list[FileResult] = []
    if previous is None:
        if tables.exists(sink.table.account, sink.table.name):
            raise TerminalError(
                f"target.mode import creates table {sink.table.name!r}, but it already exists",
                hint="use target.mode: write to load an existing table, or delete it first",
            )
        sample = items_from.sample()
        mapping = compiled_mapping(spark, config.mapping, items_from, definition.key_schema, sample)
        check_target_keys(definition.key_schema, mapped_sample(spark, mapping, sample), sink.table.name)
        with spark_errors():
            files = import_settings(sink).files or max(2 * spark.sparkContext.defaultParallelism, len(items_from.files))
            with target_items(spark, config, items_from, items_from.files, mapping, definition.key_schema) as items:
                results = stage_items(items, sink, definition.key_schema, ledger, files)
        ledger.put_json(STAGING_RESULTS, {"results": [asdict(r) for r in results]})
        staged_ok = all(r.done for r in results) and sum(r.dead_lettered for r in results) == 0
        if not staged_ok:
            report = _report(config, items_from, results, started)
            report.errors.append("nothing was imported: fix the dead letters or unreadable units and rerun")
            report.success = False
            ledger.write_report(report)
            return report
        arn = start_import(sink, definition, ledger)
    else:
        arn = str(previous["import_arn"])
        log.info("run %s already started import %s; waiting for it", config.run_id, arn)
        staging = ledger.get_json(STAGING_RESULTS) or {"results": []}
        results = [FileResult(**r) for r in staging["results"]]
    summary = import_summary(wait_import(sink, arn))
    report = reconcile_import(_report(config, items_from, results, started), summary)
    ledger.write_report(report)
    return report


def _report(config: JobConfig, items_from: Source, results: list[FileResult], started: float) -> RunReport:
    return RunReport.from_files(
        config.run_id,
        len(items_from.files),
        results,
        time.monotonic() - started,
        manifest_item_count=items_from.item_count,
    )
