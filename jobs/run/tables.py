"""A move of many tables (ADR 0015): each table's job runs as a single-table run would, in the
order of ``tables:``, ``tables_concurrency`` at a time. One table failing, even with an error,
does not stop the others; an interrupt stops starting new ones. The outcome of every table goes
into one summary, ``<output.uri>/<run_id>/summary.json`` for a run."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any

from jobs.config import JobConfig, MoveConfig
from jobs.config.tables import table_name
from jobs.ledger import LedgerStore, RunReport

log = logging.getLogger(__name__)

SUCCEEDED, FAILED, ERROR, INTERRUPTED, NOT_STARTED = "succeeded", "FAILED", "ERROR", "INTERRUPTED", "not started"
SUMMARY_NAME = "summary.json"
REPORT_COUNTS = ("items_read", "items_written", "items_filtered", "items_dead_lettered", "files_done", "files_total")


@dataclass
class TableOutcome:
    """What became of one table: its state, its counts, its errors, where its own report is."""

    source_table: str
    target_table: str
    state: str  # succeeded | FAILED (ran, not good) | ERROR (raised) | INTERRUPTED | not started
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    report: str | None = None  # the table's own report (run-report.json, validation.json)

    @property
    def ok(self) -> bool:
        return self.state == SUCCEEDED


@dataclass
class MoveSummary:
    """Every table's outcome, in the order of ``tables:``."""

    run_id: str
    command: str  # run | validate | plan
    tables: list[TableOutcome]
    concurrency: int = 1

    @property
    def success(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def failed(self) -> list[str]:
        return [t.source_table for t in self.tables if not t.ok]

    @property
    def interrupted(self) -> bool:
        return any(t.state == INTERRUPTED for t in self.tables)

    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "run_id": self.run_id,
            "command": self.command,
            "success": self.success,
            "failed": self.failed,
            "concurrency": self.concurrency,
            "tables": [asdict(t) for t in self.tables],
        }
        return json.dumps(doc, indent=2)


def names(job: JobConfig) -> tuple[str, str]:
    return table_name(job.source_table), job.target_table


def report_outcome(job: JobConfig, report: RunReport, good: bool, elapsed_s: float) -> TableOutcome:
    """A table's outcome from its run report (``good``: the run's own verdict, capacity included)."""
    store = LedgerStore.at(job.run_place)
    state = INTERRUPTED if report.interrupted else SUCCEEDED if good else FAILED
    counts = {name: int(getattr(report, name)) for name in REPORT_COUNTS}
    where = f"s3://{store.bucket}/{store.prefix}run-report.json"
    return TableOutcome(*names(job), state, counts, list(report.errors), round(elapsed_s, 1), where)


def run_tables(
    jobs: Sequence[JobConfig],
    run_one: Callable[[JobConfig], TableOutcome],
    concurrency: int = 1,
    stop_all: Callable[[], None] = lambda: None,
) -> list[TableOutcome]:
    """Run ``run_one`` for each job, in order, ``concurrency`` at a time; an error raised by one
    becomes its outcome (state ERROR). After an interrupt (Ctrl-C, or a table that reports
    INTERRUPTED) no further table starts; with concurrency, ``stop_all`` is called (cancel the
    Spark jobs) and the running tables are waited for."""
    outcomes: dict[int, TableOutcome] = {}
    if concurrency <= 1:
        for index, job in enumerate(jobs):
            try:
                outcomes[index] = _guarded(job, run_one)
            except KeyboardInterrupt:
                outcomes[index] = TableOutcome(*names(job), INTERRUPTED, errors=["interrupted"])
            if outcomes[index].state == INTERRUPTED:
                break
    else:
        _run_concurrently(jobs, run_one, concurrency, stop_all, outcomes)
    return [outcomes.get(i) or TableOutcome(*names(job), NOT_STARTED) for i, job in enumerate(jobs)]


def _guarded(job: JobConfig, run_one: Callable[[JobConfig], TableOutcome]) -> TableOutcome:
    started = time.monotonic()
    try:
        return run_one(job)
    except Exception as error:  # one table's failure is its outcome; the others go on
        log.warning("table %s: %s: %s", job.source_table, type(error).__name__, error)
        line = f"{type(error).__name__}: {error}".splitlines()[0]
        return TableOutcome(*names(job), ERROR, errors=[line], elapsed_s=round(time.monotonic() - started, 1))


def _run_concurrently(
    jobs: Sequence[JobConfig],
    run_one: Callable[[JobConfig], TableOutcome],
    concurrency: int,
    stop_all: Callable[[], None],
    outcomes: dict[int, TableOutcome],
) -> None:
    """Start a table only when one of ``concurrency`` slots is free and nothing was interrupted."""
    running: dict[Future[TableOutcome], int] = {}
    waiting = list(enumerate(jobs))
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="table") as pool:
        try:
            while waiting or running:
                while waiting and len(running) < concurrency:
                    index, job = waiting.pop(0)
                    running[pool.submit(_guarded, job, run_one)] = index
                done, _ = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
                for future in done:
                    outcomes[running.pop(future)] = future.result()
                if any(o.state == INTERRUPTED for o in outcomes.values()):
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            stop_all()
            for future, index in running.items():
                outcomes[index] = future.result()
                if outcomes[index].state == ERROR:  # its Spark job was cancelled
                    outcomes[index].state = INTERRUPTED


def write_summary(move: MoveConfig, summary: MoveSummary, name: str = SUMMARY_NAME) -> str:
    """``<output.uri>/<run_id>/<name>``: every table's outcome; returns its URI."""
    return LedgerStore.at(move.place).put_text(name, summary.to_json())
