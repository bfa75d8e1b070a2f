"""The commands that act on one run: run, plan, validate, dlq replay, finalize, cleanup. Each
calls its stage and prints what a person needs; the stages return values and log."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from jobs.cli.summary import say, summarize
from jobs.config import JobConfig
from jobs.core.phases import phase
from jobs.run.migrate import run_guarded
from jobs.run.plan import make_plan, render
from jobs.run.post import finalize, plan_cleanup, run_cleanup
from jobs.run.replay import replay
from jobs.spark import get_spark
from jobs.validate.docs import link
from jobs.validate.validation import REPORT_NAME, ValidationOptions, validate


def started_spark() -> SparkSession:
    """The Spark session, its start named (2 to 4 s locally, longer on a busy machine)."""
    with phase("starting Spark"):
        return get_spark()


def run_main(config: JobConfig, report_path: str | None = None, as_json: bool = False) -> int:
    """Run the migration; print the summary (and, with ``as_json``, the report JSON on stdout).

    Exit 0 only when everything reconciles and any capacity raised for the run is restored.
    """
    outcome = run_guarded(config, started_spark)  # the lease first, then Spark
    report = outcome.report
    if report_path:
        Path(report_path).parent.mkdir(parents=True, exist_ok=True)
        Path(report_path).write_text(report.to_json())
    say(summarize(report))
    if outcome.capacity_problems:
        say("capacity NOT restored: " + "; ".join(outcome.capacity_problems))
    if as_json:
        print(report.to_json())
    if outcome.interrupted:
        say("interrupted")
        return 130
    return 0 if outcome.success else 1


def plan_main(config: JobConfig, as_json: bool = False) -> int:
    report = make_plan(config, started_spark())
    print(json.dumps(asdict(report), indent=2, default=str) if as_json else render(report))
    return 0


def replay_main(config: JobConfig) -> int:
    outcome = replay(config, started_spark())
    print(
        f"replayed {outcome.records} dead letters: {outcome.written} written, {outcome.filtered} filtered, "
        f"{outcome.still_dead} still dead"
    )
    if outcome.report is not None:
        print(summarize(outcome.report))
    return 0 if outcome.report is not None and outcome.report.success else 1


def finalize_main(config: JobConfig) -> int:
    steps = finalize(config)
    for step in steps:
        print(f"  [{'ok' if step.ok else 'FAIL'}] {step.name}: {step.detail}")
    ok = all(s.ok for s in steps)
    print(f"finalize {config.target_table}: {'done' if ok else 'INCOMPLETE'}")
    return 0 if ok else 1


def cleanup_main(config: JobConfig, roles: list[str], yes: bool) -> int:
    plan = plan_cleanup(config, roles)
    verb = "deleting" if yes else "would delete"
    for kind, objects in plan.objects.items():
        where = f" (s3://{objects[0][0]}/{objects[0][1].rsplit('/', 1)[0]}/...)" if objects else ""
        print(f"  {verb} {len(objects)} {kind} objects{where}")
    for role in plan.roles:
        print(f"  {verb} IAM role {role}")
    for kept in plan.left:
        print(f"  keeping {kept}")
    if not yes:
        print("dry run: nothing was deleted; rerun with --yes to delete the above")
        return 0
    run_cleanup(config, plan)
    print("cleanup done")
    return 0


def validate_main(
    config: JobConfig,
    report_dir: str,
    sample: float | None = None,
    keys_only: bool = False,
    target_export: str | None = None,
    max_samples: int = 20,
    **extra: Any,
) -> int:
    """Run a validation; print its summary; exit 0 when every expectation held, 1 otherwise.

    ``extra`` takes the other :class:`ValidationOptions` (``segments``, ``read_units_per_s``).
    """
    options = ValidationOptions(
        sample=sample, keys_only=keys_only, target_export=target_export, max_samples=max_samples, **extra
    )
    outcome = validate(config, report_dir, options)
    print(outcome.summary_line(), file=sys.stderr)
    docs = link(outcome.data_docs) if outcome.data_docs else "none"
    print(f"report: {str(report_dir).rstrip('/')}/{REPORT_NAME}; Data Docs: {docs}", file=sys.stderr)
    return 0 if outcome.success else 1
