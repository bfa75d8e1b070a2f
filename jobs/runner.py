"""Run the migration and report on it: shared by the CLI, spark-submit and the Glue script."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

import boto3

from jobs.config import JobConfig, parse_s3_uri
from jobs.ledger import RunReport

log = logging.getLogger(__name__)


def s3_text_reader(uri: str) -> str:
    """Read a small text object (the job config) with the job's own credentials.

    On Glue that is the job role; elsewhere the default chain. ``AWS_ENDPOINT_URL_S3`` points
    it at an emulator.
    """
    bucket, key = parse_s3_uri(uri)
    body: bytes = boto3.Session().client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return body.decode("utf-8")


def summarize(report: RunReport) -> str:
    state = "succeeded" if report.success else "FAILED"
    lines = [
        f"run {report.run_id} {state}: read {report.items_read}, written {report.items_written}, "
        f"filtered {report.items_filtered}, dead-lettered {report.items_dead_lettered}; "
        f"files {report.files_done}/{report.files_total} ({report.files_skipped} already done); "
        f"{report.elapsed_s:.1f}s, {report.items_per_s:.0f} items/s, {report.throttles} throttles",
    ]
    if report.items_dead_lettered:
        lines.append(f"dead letters: {report.dead_letter_uri}")
    lines.extend(f"error: {e}" for e in report.errors)
    return "\n".join(lines)


def run_and_report(config: JobConfig, report_path: str | None = None) -> int:
    """Run the job inside the capacity guard; print the summary and the report.

    Exit 0 only when everything reconciles and any capacity raised for the run is restored.
    """
    from jobs.capacity.guard import CapacityGuard
    from jobs.run.migrate import run_migration
    from jobs.spark import get_spark

    spark = get_spark()
    guard = CapacityGuard(config)
    with guard:
        try:
            report = run_migration(config, spark)
        except BaseException:
            with contextlib.suppress(Exception):  # stop the writers before capacity is lowered
                spark.sparkContext.cancelAllJobs()
            raise
    if report_path:
        Path(report_path).parent.mkdir(parents=True, exist_ok=True)
        Path(report_path).write_text(report.to_json())
    print(summarize(report), file=sys.stderr)
    outcome = guard.outcome
    restored = outcome is None or outcome.complete
    if outcome is not None and not outcome.complete:
        print("capacity NOT restored: " + "; ".join(outcome.lines), file=sys.stderr)
        # A restore that only waits for AWS's decrease limit was accepted with allow_delayed_restore.
        restored = outcome.blocked_only and config.capacity.allow_delayed_restore
    print(report.to_json())
    return 0 if report.success and restored else 1
