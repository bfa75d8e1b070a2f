"""A migration run: open the source -> read -> map -> check collisions -> load (batch writes or
ImportTable) -> ledger -> report, inside the capacity guard."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import SparkSession

from jobs import aws
from jobs.aws import tables
from jobs.capacity.budget import write_budget_now
from jobs.capacity.guard import CapacityGuard
from jobs.config import JobConfig
from jobs.core.item_checks import KeySchema
from jobs.core.phases import phase
from jobs.core.progress import ProgressMonitor, cloudwatch_publisher
from jobs.core.signals import signals_as_interrupts, signals_deferred
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.mapping.compile import CompiledMapping
from jobs.run.import_run import run_import
from jobs.run.lease import DEFAULT_TTL_S, RunLease
from jobs.run.shape import target_items
from jobs.sink.direct import DIRECT, copy_export, load_path
from jobs.sink.existing_items import START_NAME, decide_existing_items
from jobs.sink.load import load_items
from jobs.sink.preflight import check_target_keys
from jobs.source.items import compiled_mapping, mapped_sample
from jobs.source.sources import ExportSource, Source, open_source
from jobs.spark import off_main_thread, spark_errors

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


@dataclass
class PreparedRun:
    """What a run knows before it loads: its units, what the ledger says is finished, the
    checked mapping and the start record (the decision on a non-empty target)."""

    items_from: Source
    store: LedgerStore
    finished: dict[str, FileResult]
    todo: list[Any]
    started: float
    key_schema: KeySchema = ()
    mapping: CompiledMapping | None = None
    start: dict[str, Any] = field(default_factory=dict)

    def report(self, config: JobConfig, results: list[FileResult]) -> RunReport:
        """The run report: this invocation's ``results`` plus the files finished before."""
        report = RunReport.from_files(
            config.run_id,
            len(self.items_from.files),
            results,
            time.monotonic() - self.started,
            manifest_item_count=self.items_from.item_count,
            skipped=len(self.items_from.files) - len(self.todo),
            previous=self.finished.values(),
        )
        report.existing_items = self.start.get("existing_items")
        report.target_had_items = self.start.get("target_had_items")
        if not self.todo:
            report.notes.append(f"nothing to do: {len(self.finished)} files already finished")
        return report


def prepare_run(config: JobConfig, spark: SparkSession) -> PreparedRun:
    """Everything before the first read of the data: the units still to do, the preflight of the
    target's key against the mapped sample, the decision on a non-empty target. Writes nothing to
    the target; a no-op rerun (every unit finished) stops after the ledger."""
    started = time.monotonic()
    sink = config.sink
    with phase("reading the source's manifests" if config.source_mode == "export" else "describing the source table"):
        items_from = open_source(config.source)
    store = LedgerStore.at(sink.run)
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
    prepared = PreparedRun(items_from, store, finished, todo, started, start=store.get_json(START_NAME) or {})
    if not todo:
        return prepared
    with phase("sampling the source and checking the mapping"):
        prepared.key_schema = tables.key_schema(sink.table.account, sink.table.name)
        sample = items_from.sample()
        prepared.mapping = compiled_mapping(spark, config.mapping, items_from, prepared.key_schema, sample)
    check_target_keys(prepared.key_schema, mapped_sample(spark, prepared.mapping, sample), sink.table.name)
    prepared.start = decide_existing_items(store, sink, resumed=bool(finished))
    return prepared


def load_prepared(config: JobConfig, spark: SparkSession, prepared: PreparedRun) -> RunReport:
    """Load the units still to do and write the run report."""
    budget = write_budget_now(config)
    log.info("write budget: %s units/s (%s)", budget.units_per_s or "no limit", budget.source)
    results: list[FileResult] = []
    key_schema, items_from, todo, mapping = prepared.key_schema, prepared.items_from, prepared.todo, prepared.mapping
    if mapping is None:
        raise ValueError("load_prepared needs a run that prepare_run found work for")
    sink = config.sink
    path = load_path(sink, config.mapping, items_from, key_schema)
    log.info("load path: %s", path)
    with (
        spark_errors(),
        phase(f"loading {len(todo)} units into {sink.table.name} ({path} path)", heartbeat=False),
        progress_monitor(spark, config, todo, items_from.approximate_items(todo)) as monitor,
    ):
        if path == DIRECT and isinstance(items_from, ExportSource):  # direct is for exports only
            results = copy_export(
                spark, sink, items_from, todo, key_schema, budget.units_per_s, monitor.address, config.partitions
            )
        else:
            with target_items(spark, config, items_from, todo, mapping, key_schema) as items:
                results = load_items(items, sink, key_schema, budget.units_per_s, monitor.address)
    report = prepared.report(config, results)
    report.write_units_per_s, report.write_budget_source = budget.units_per_s, budget.source
    report.load_path = path
    prepared.store.write_report(report)
    return report


def run_migration(config: JobConfig, spark: SparkSession) -> RunReport:
    """Migrate every unit (export data file or scan segment) not yet finished under this run id."""
    if config.sink.mode == "import":
        return run_import(config, spark, open_source(config.source), LedgerStore.at(config.sink.run))
    prepared = prepare_run(config, spark)
    if not prepared.todo:
        report = prepared.report(config, [])
        prepared.store.write_report(report)
        return report
    return load_prepared(config, spark, prepared)


@dataclass
class GuardedRun:
    """A run's report and whether the capacity raised for it was restored."""

    report: RunReport
    capacity_restored: bool
    capacity_problems: list[str]
    interrupted: bool = False

    @property
    def success(self) -> bool:
        return self.report.success and self.capacity_restored and not self.interrupted


# Spark kills a Python worker this long after its task was cancelled (spark.python.task.killTimeout)
PYTHON_KILL_TIMEOUT_S = 2.0


def _wait_for_tasks(spark: SparkSession, timeout_s: float = 60.0) -> None:
    """After a cancel: until no stage is active, then until a worker still finishing its file (and
    writing its ledger row) has been killed, so the partial report and the restore come after the
    last write."""
    deadline = time.monotonic() + timeout_s
    with contextlib.suppress(Exception):  # the gateway is gone when the JVM was killed with the group
        tracker = spark.sparkContext.statusTracker()
        while tracker.getActiveStageIds() and time.monotonic() < deadline:
            time.sleep(0.2)
    time.sleep(PYTHON_KILL_TIMEOUT_S + 1.0)


def _interrupted_report(config: JobConfig, prepared: PreparedRun) -> RunReport:
    """The partial report after Ctrl-C or SIGTERM: the files the ledger shows finished so far."""
    now_finished = prepared.store.finished_files()
    results = [r for key, r in now_finished.items() if key not in prepared.finished]
    report = prepared.report(config, results)
    report.interrupted, report.success = True, False
    report.errors.append(
        f"interrupted: {report.files_done} of {report.files_total} files done; "
        f"rerun with --run-id {config.run_id} to resume"
    )
    prepared.store.write_report(report)
    return report


def run_guarded(
    config: JobConfig, spark: SparkSession | Callable[[], SparkSession], lease_ttl_s: float = DEFAULT_TTL_S
) -> GuardedRun:
    """Run the job under the run id's lease and inside the capacity guard.

    Successful only when everything reconciles and any capacity raised for the run is restored
    (or, with ``capacity.allow_delayed_restore``, waits only for AWS's decrease limit). A run
    with nothing left to do changes no capacity. Ctrl-C or SIGTERM ends it with a partial
    report marked ``interrupted``, after the capacity is restored. ``spark`` is a session or a
    function that starts one: the CLI passes the function, so the lease is taken (or refused)
    before Spark's few seconds of start-up.
    """
    with (
        signals_as_interrupts((signal.SIGINT, signal.SIGTERM)),
        RunLease(LedgerStore.at(config.sink.run), config.run_id, lease_ttl_s) as lease,
    ):
        session = spark if isinstance(spark, SparkSession) else spark()
        if config.sink.mode == "import":
            return _guarded_load(config, session, None, lease)
        prepared = off_main_thread(lambda: prepare_run(config, session))
        if not prepared.todo:
            report = prepared.report(config, [])
            prepared.store.write_report(report)
            return GuardedRun(report, True, [])
        return _guarded_load(config, session, prepared, lease)


def _guarded_load(config: JobConfig, spark: SparkSession, prepared: PreparedRun | None, lease: RunLease) -> GuardedRun:
    guard = CapacityGuard(config)
    interrupted = False
    try:
        with guard:
            try:
                if prepared is None:
                    report = off_main_thread(
                        lambda: run_import(config, spark, open_source(config.source), LedgerStore.at(config.sink.run))
                    )
                else:
                    report = off_main_thread(lambda: load_prepared(config, spark, prepared))
            except BaseException as stopped:
                with contextlib.suppress(Exception):  # stop the writers before capacity is lowered
                    spark.sparkContext.cancelAllJobs()
                if isinstance(stopped, KeyboardInterrupt):
                    _wait_for_tasks(spark)
                raise
    except KeyboardInterrupt:
        if prepared is None:
            raise
        with signals_deferred():
            report = _interrupted_report(config, prepared)
        interrupted = True
    if lease.lost:
        report.errors.append(lease.lost)
        report.success = False
    outcome = guard.outcome
    if outcome is None or outcome.complete:
        return GuardedRun(report, True, [], interrupted)
    restored = outcome.blocked_only and config.capacity.allow_delayed_restore
    return GuardedRun(report, restored, list(outcome.lines), interrupted)
