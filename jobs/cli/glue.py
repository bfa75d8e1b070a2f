"""The Glue entry points: read Glue's job arguments, load the config, run a step.

Glue passes every job and run argument as ``--key value`` together with its own (``--JOB_ID``,
``--TempDir``, ``--conf``, ...). They are read by whole name only (``glue_arguments``), so no
other argument can be taken for ``--config`` (ADR 0010). No ``awsglue`` import is needed, so
tests drive this exact path. In a Glue workflow the three steps share one run id per workflow
run (``jobs.run.workflow_run``), which wins over ``--run-id`` and the config's ``run_id``, so a
scheduled run never reuses the previous one's ledger.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from jobs.aws import clients
from jobs.cli.commands import run_main, validate_main
from jobs.cli.glue_arguments import read_glue_arguments
from jobs.cli.summary import say
from jobs.config import JobConfig, load_config, s3_text_reader
from jobs.core.errors import ConfigError, MigrationError
from jobs.run.workflow_run import workflow_run_id
from jobs.source.export import request_export
from jobs.validate.validation import DEFAULT_READ_UNITS_PER_S, default_report_dir

_COMMON = ("config", "run-id", "report", "WORKFLOW_NAME", "WORKFLOW_RUN_ID")
_VALIDATE = ("report-dir", "sample", "target-export", "max-samples", "max-read-units")
_VALIDATE_FLAGS = ("keys-only", "recompute-expected")
_ALIASES = {
    "run_id": "run-id",
    "report_dir": "report-dir",
    "keys_only": "keys-only",
    "target_export": "target-export",
    "max_samples": "max-samples",
    "max_read_units": "max-read-units",
    "recompute_expected": "recompute-expected",
}


def parse_glue_args(argv: Sequence[str]) -> argparse.Namespace:
    """``--config`` (required), ``--run-id`` (``auto`` or empty: none), ``--report`` and the
    workflow's ``--WORKFLOW_NAME`` / ``--WORKFLOW_RUN_ID``; every other argument is Glue's."""
    found = read_glue_arguments(argv, _COMMON, _ALIASES)
    if not found.get("config"):
        raise ConfigError("job argument --config is required: the s3:// URI of the job config")
    run_id = found.get("run-id")
    return argparse.Namespace(
        config=found["config"],
        run_id=None if run_id in (None, "", "auto") else run_id,
        report=found.get("report"),
        workflow_name=found.get("WORKFLOW_NAME"),
        workflow_run_id=found.get("WORKFLOW_RUN_ID"),
    )


def _flag(text: str) -> bool:
    return text.strip().lower() in ("", "1", "true", "yes", "on")


def _number(found: dict[str, str], name: str, kind: type[float] | type[int], default: float | None) -> float | None:
    if name not in found:
        return default
    try:
        return kind(found[name])
    except ValueError as exc:
        raise ConfigError(f"job argument --{name} must be a number, not {found[name]!r}") from exc


def parse_validate_args(argv: Sequence[str]) -> argparse.Namespace:
    """The common arguments plus validation's (``--report-dir``, ``--sample``, ``--keys-only``,
    ``--target-export``, ``--max-samples``, ``--max-read-units``, ``--recompute-expected``)."""
    args = parse_glue_args(argv)
    found = read_glue_arguments(argv, _VALIDATE, _ALIASES, flags=_VALIDATE_FLAGS)
    args.report_dir = found.get("report-dir")
    args.sample = _number(found, "sample", float, None)
    args.keys_only = _flag(found.get("keys-only", "false"))
    args.target_export = found.get("target-export")
    args.max_samples = int(_number(found, "max-samples", int, 20) or 20)
    args.read_units = _number(found, "max-read-units", float, DEFAULT_READ_UNITS_PER_S)
    args.recompute_expected = _flag(found.get("recompute-expected", "false"))
    return args


def load_glue_config(args: argparse.Namespace, *, starts_run: bool = False) -> JobConfig:
    """The job config named by ``--config``, with the run id: in a workflow run the workflow
    run's (``starts_run`` for the export job, which begins a run), which wins over ``--run-id``
    and the config's ``run_id`` (a job default or a pinned id would make every scheduled run
    reuse the first one's ledger); outside a workflow ``--run-id``, else the config's."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.workflow_name and args.workflow_run_id:
        config = load_config(args.config, reader=s3_text_reader)
        glue = clients.client(config.account(config.target_account), "glue")
        run_id = workflow_run_id(
            glue, args.workflow_name, args.workflow_run_id, config.target_table, starts_run=starts_run
        )
        say(f"workflow run {args.workflow_run_id}: run id {run_id}")
        return load_config(args.config, run_id=run_id, reader=s3_text_reader)
    if args.run_id:
        return load_config(args.config, run_id=args.run_id, reader=s3_text_reader)
    # A bare --WORKFLOW_RUN_ID (no workflow name to read its runs with) is the run id unless
    # the config names one.
    return load_config(args.config, reader=s3_text_reader, default_run_id=args.workflow_run_id)


def export_main(argv: Sequence[str]) -> int:
    """Entry point of glue_scripts/export_table.py: export the source at a fresh point in time
    and record it under the run id (the first step of a workflow run)."""
    try:
        config = load_glue_config(parse_glue_args(argv), starts_run=True)
        result = request_export(config.source, say)
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    say(f"run {config.run_id}: export recorded, {result.manifest_uri}")
    return 0


def migrate_main(argv: Sequence[str]) -> int:
    """Entry point of glue_scripts/migrate_table.py."""
    try:
        args = parse_glue_args(argv)
        return run_main(load_glue_config(args), report_path=args.report)
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:  # SIGTERM from Glue, after the capacity was restored
        print(f"interrupted: {interrupt}", file=sys.stderr)
        return 130


def validate_glue_main(argv: Sequence[str]) -> int:
    """Entry point of glue_scripts/validate_table.py: 0 passed, 1 failed, 2 usage or config error."""
    try:
        args = parse_validate_args(argv)
        config = load_glue_config(args)
        return validate_main(
            config,
            args.report_dir or default_report_dir(config),
            args.sample,
            args.keys_only,
            args.target_export,
            args.max_samples,
            read_units_per_s=args.read_units,
            recompute_expected=args.recompute_expected,
        )
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
