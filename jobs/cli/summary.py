"""What a person reads: the one-line summaries of a run, and messages on standard error."""

from __future__ import annotations

import sys

from jobs.ledger import RunReport


def say(message: str) -> None:
    """A message for the person at the terminal (standard error, so stdout stays machine-readable)."""
    print(message, file=sys.stderr, flush=True)


def summarize(report: RunReport) -> str:
    state = "INTERRUPTED" if report.interrupted else "succeeded" if report.success else "FAILED"
    lines = [*report.notes]
    lines += [
        f"run {report.run_id} {state}: read {report.items_read}, written {report.items_written}, "
        f"filtered {report.items_filtered}, dead-lettered {report.items_dead_lettered}; "
        f"files {report.files_done}/{report.files_total} ({report.files_skipped} already done); "
        f"{report.elapsed_s:.1f}s, {report.items_per_s:.0f} items/s over {report.items_processed} items read now, "
        f"{report.throttles} throttles, {report.server_errors} server errors",
    ]
    if report.existing_items:
        found = {True: "held items", False: "was empty", None: "was not checked"}[report.target_had_items]
        lines.append(f"target.existing_items: {report.existing_items} (the target {found} at the run's first start)")
    if report.items_dead_lettered:
        lines.append(f"dead letters: {report.dead_letter_uri}")
    lines.extend(f"error: {e}" for e in report.errors)
    return "\n".join(lines)
