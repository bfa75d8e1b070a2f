"""`run`, `validate` and `plan` over a config that lists many tables: each table as the
single-table command would do it, then one summary (a short table, and JSON under the run
prefix). Exit 0 only when every table succeeded; the summary names the others."""

from __future__ import annotations

import json
import signal
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from jobs.cli.commands import started_spark
from jobs.cli.summary import say, summarize
from jobs.config import JobConfig, MoveConfig
from jobs.config.job import TABLES_FOLDER
from jobs.core.errors import ConfigError
from jobs.core.signals import signals_as_interrupts
from jobs.run.migrate import run_guarded
from jobs.run.plan import make_plan, render
from jobs.run.tables import (
    FAILED,
    SUCCEEDED,
    MoveSummary,
    TableOutcome,
    names,
    report_outcome,
    run_tables,
    write_summary,
)
from jobs.validate.validation import REPORT_NAME, ValidationOptions, validate

VALIDATION_SUMMARY = "validation-summary.json"


def _stop_spark() -> None:
    started_spark().sparkContext.cancelAllJobs()


def _heading(job: JobConfig) -> None:
    source, target = names(job)
    say(f"== table {source} -> {target} (run {job.run_id}, {TABLES_FOLDER}/{job.table_scope}/)")


def run_move_main(move: MoveConfig, report_path: str | None = None, as_json: bool = False) -> int:
    """Run every table's migration; print each one's summary, then the move's."""

    def run_one(job: JobConfig) -> TableOutcome:
        _heading(job)
        started = time.monotonic()
        guarded = run_guarded(job, started_spark)
        say(f"[{names(job)[0]}] " + summarize(guarded.report).replace("\n", f"\n[{names(job)[0]}] "))
        outcome = report_outcome(job, guarded.report, guarded.success, time.monotonic() - started)
        if guarded.capacity_problems:
            outcome.errors.append("capacity NOT restored: " + "; ".join(guarded.capacity_problems))
        return outcome

    with signals_as_interrupts((signal.SIGINT, signal.SIGTERM)):  # SIGTERM too, between and around tables
        outcomes = run_tables(move.jobs, run_one, move.concurrency, _stop_spark)
    summary = MoveSummary(move.run_id, "run", outcomes, move.concurrency)
    where = write_summary(move, summary)
    if report_path:
        Path(report_path).parent.mkdir(parents=True, exist_ok=True)
        Path(report_path).write_text(summary.to_json())
    if as_json:
        print(summary.to_json())
    return _finish(summary, where)


def validate_move_main(move: MoveConfig, report_dir: str, **options: Any) -> int:
    """Validate every table into ``<report_dir>/tables/<source table>/``."""
    if options.get("target_export"):
        raise ConfigError(
            "--target-export is the export of one target table", hint="add --table NAME to validate that table"
        )

    def validate_one(job: JobConfig) -> TableOutcome:
        _heading(job)
        started = time.monotonic()
        folder = f"{str(report_dir).rstrip('/')}/{TABLES_FOLDER}/{job.table_scope}"
        result = validate(job, folder, ValidationOptions(**options))
        say(f"[{names(job)[0]}] {result.summary_line()}")
        counts = {"expected": result.expected_rows, "target": result.target_rows, **result.counts}
        state = SUCCEEDED if result.success else FAILED
        elapsed = round(time.monotonic() - started, 1)
        failed = result.failed_expectations
        return TableOutcome(*names(job), state, counts, failed, elapsed, f"{folder}/{REPORT_NAME}")

    summary = MoveSummary(move.run_id, "validate", run_tables(move.jobs, validate_one), 1)
    return _finish(summary, write_summary(move, summary, VALIDATION_SUMMARY))


def plan_move_main(move: MoveConfig, as_json: bool = False) -> int:
    """Plan every table (one after the other); writes nothing."""
    plans: dict[str, Any] = {}

    def plan_one(job: JobConfig) -> TableOutcome:
        if not as_json:
            _heading(job)
        plan = make_plan(job, started_spark())
        plans[names(job)[0]] = asdict(plan)
        if not as_json:
            print(render(plan))
        return TableOutcome(*names(job), SUCCEEDED)

    summary = MoveSummary(move.run_id, "plan", run_tables(move.jobs, plan_one), 1)
    if as_json:
        print(json.dumps({"tables": plans, "failed": summary.failed}, indent=2, default=str))
    return _finish(summary, None)


def _finish(summary: MoveSummary, where: str | None) -> int:
    say(render_summary(summary))
    if where:
        say(f"summary: {where}")
    if summary.interrupted:
        say("interrupted")
        return 130
    if not summary.success:
        say(
            f"{summary.command} FAILED for {len(summary.failed)} of {len(summary.tables)} tables: "
            + ", ".join(summary.failed)
        )
        return 1
    return 0


def render_summary(summary: MoveSummary) -> str:
    """A short table: one line per table with its outcome, counts and first error."""
    columns = list(dict.fromkeys(key for t in summary.tables for key in t.counts))
    header = ["table", "target", "outcome", *columns, "time"]
    rows = [
        [t.source_table, t.target_table, t.state, *(str(t.counts.get(c, "")) for c in columns), f"{t.elapsed_s:.1f}s"]
        for t in summary.tables
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [f"{summary.command} {summary.run_id}: {len(summary.tables)} tables"]
    lines += [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
    ]
    lines += [f"  {t.source_table}: {t.errors[0]}" for t in summary.tables if t.errors and not t.ok]
    return "\n".join(lines)
