"""What a person reads: the one-line summaries of a run, and messages on standard error."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from jobs.aws.failures import classify
from jobs.config import JobConfig, MoveConfig
from jobs.core.errors import MigrationError
from jobs.ledger import RunReport

USAGE_EXIT = 2  # a usage, config, connection, credential or permission problem: nothing ran


def say(message: str) -> None:
    """A message for the person at the terminal (standard error, so stdout stays machine-readable)."""
    print(message, file=sys.stderr, flush=True)


def summarize(report: RunReport) -> str:
    state = "INTERRUPTED" if report.interrupted else "succeeded" if report.success else "FAILED"
    lines = [*report.notes]
    if report.existing_items:  # context before the verdict; what to act on (dead letters, errors) after it
        found = {True: "held items", False: "was empty", None: "was not checked"}[report.target_had_items]
        lines.append(f"target.existing_items: {report.existing_items} (the target {found} at the run's first start)")
    lines += [
        f"run {report.run_id} {state}: read {report.items_read}, written {report.items_written}, "
        f"filtered {report.items_filtered}, dead-lettered {report.items_dead_lettered}; "
        f"files {report.files_done}/{report.files_total} ({report.files_skipped} already done); "
        f"{report.elapsed_s:.1f}s, {report.items_per_s:.0f} items/s over {report.items_processed} items read now, "
        f"{report.throttles} throttles, {report.server_errors} server errors",
    ]
    if report.items_dead_lettered:
        lines.append(f"dead letters: {report.dead_letter_uri}")
    lines.extend(f"error: {e}" for e in report.errors)
    return "\n".join(lines)


def each_table(move: MoveConfig, action: Callable[[JobConfig], int]) -> int:
    """Act on every table of a ``tables:`` config in order, each under its heading; the worst exit code."""
    codes = []
    for job in move.jobs:
        say(f"== table {job.source_table} -> {job.target_table} ({job.run_prefix[1]})")
        codes.append(action(job))
    return max(codes)


def report_failure(error: BaseException, verbosity: int = 0) -> int:
    """One line for a failure that ended a command, the traceback only with ``-v``; the exit code.

    Our own errors and connection, credential or permission failures exit 2 (fix the setup and
    rerun); anything else exits 1.
    """
    if verbosity:
        traceback.print_exception(error, file=sys.stderr)
    if isinstance(error, MigrationError):
        say(f"error: {error}")
        return USAGE_EXIT
    failure = classify(error)
    if failure is not None:
        say(f"error: {failure.line()}")
        return USAGE_EXIT
    first = str(error).strip().splitlines()
    say(f"error: {type(error).__name__}: {first[0] if first else ''}".rstrip(": "))
    if not verbosity:
        say("(rerun with -v for the traceback)")
    return 1
