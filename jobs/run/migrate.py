"""A migration run: open the source -> read -> map -> check collisions -> load (batch writes or
ImportTable) -> ledger -> report, inside the capacity guard."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession

from jobs import aws
from jobs.aws import tables
from jobs.capacity.budget import write_budget_now
from jobs.capacity.guard import CapacityGuard
from jobs.config import JobConfig
from jobs.core.phases import phase
from jobs.core.progress import ProgressMonitor, cloudwatch_publisher
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.run.import_run import run_import
from jobs.run.shape import target_items
from jobs.sink.load import load_items
from jobs.source.items import compiled_mapping
from jobs.source.sources import open_source
from jobs.spark import spark_errors

log = logging.getLogger(__name__)


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
    sink = config.sink
    with phase("reading the source's manifests" if config.source_mode == "export" else "describing the source table"):
        items_from = open_source(config.source)
    store = LedgerStore.at(sink.run)
    if sink.mode == "import":
        return run_import(config, spark, items_from, store)
    with phase("sampling the source and checking the mapping"):
        key_schema = tables.key_schema(sink.table.account, sink.table.name)
        mapping = compiled_mapping(spark, config.mapping, items_from, key_schema)
    with phase("reading the run's ledger"):
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
        with spark_errors():
            items = target_items(spark, config, items_from, todo, mapping, key_schema)
            with (
                phase(f"loading {len(todo)} units into {sink.table.name}", heartbeat=False),
                progress_monitor(spark, config, todo, items_from.approximate_items(todo)) as monitor,
            ):
                results = load_items(items, sink, key_schema, budget.units_per_s, monitor.address)
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


@dataclass
class GuardedRun:
    """A run's report and whether the capacity raised for it was restored."""

    report: RunReport
    capacity_restored: bool
    capacity_problems: list[str]

    @property
    def success(self) -> bool:
        return self.report.success and self.capacity_restored


def run_guarded(config: JobConfig, spark: SparkSession) -> GuardedRun:
    """Run the job inside the capacity guard.

    Successful only when everything reconciles and any capacity raised for the run is restored
    (or, with ``capacity.allow_delayed_restore``, waits only for AWS's decrease limit).
    """
    guard = CapacityGuard(config)
    with guard:
        try:
            report = run_migration(config, spark)
        except BaseException:
            with contextlib.suppress(Exception):  # stop the writers before capacity is lowered
                spark.sparkContext.cancelAllJobs()
            raise
    outcome = guard.outcome
    if outcome is None or outcome.complete:
        return GuardedRun(report, True, [])
    restored = outcome.blocked_only and config.capacity.allow_delayed_restore
    return GuardedRun(report, restored, list(outcome.lines))
