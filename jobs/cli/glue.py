"""The Glue entry points: parse Glue-style job arguments, then run the job or the validation.

Glue passes ``--config s3://...`` and ``--run-id X`` (or ``--run_id``) among its own
arguments (``--JOB_ID``, ``--TempDir``, ...), which are ignored. No ``awsglue`` import is
needed, so tests drive this exact path.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from jobs.cli.commands import run_main, validate_main
from jobs.config import JobConfig, load_config, s3_text_reader
from jobs.core.errors import MigrationError
from jobs.validate.validation import DEFAULT_READ_UNITS_PER_S, default_report_dir


def parse_glue_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="glue-job", add_help=False)
    parser.add_argument("--config", required=True)
    parser.add_argument("--run-id", "--run_id", dest="run_id", default=None)
    parser.add_argument("--report", default=None)
    parser.add_argument("--WORKFLOW_RUN_ID", dest="workflow_run_id", default=None)
    args, _glue_own = parser.parse_known_args(list(argv))
    if args.run_id in ("", "auto"):
        args.run_id = None
    return args


def load_glue_config(args: argparse.Namespace) -> JobConfig:
    """The job config named by ``--config``; in a Glue workflow, migrate and validate share the
    workflow's run id unless ``--run-id`` or the config gives one."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return load_config(args.config, run_id=args.run_id, reader=s3_text_reader, default_run_id=args.workflow_run_id)


def migrate_main(argv: Sequence[str]) -> int:
    """Entry point of glue_scripts/migrate_table.py."""
    args = parse_glue_args(argv)
    try:
        return run_main(load_glue_config(args), report_path=args.report)
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:  # SIGTERM from Glue, after the capacity was restored
        print(f"interrupted: {interrupt}", file=sys.stderr)
        return 130


def _flag(text: str) -> bool:
    return text.strip().lower() in ("", "1", "true", "yes", "on")


def parse_validate_args(argv: Sequence[str]) -> argparse.Namespace:
    """Glue-style arguments (``--name value``): the migrate job's own (``--config``, ``--run-id``,
    ``--WORKFLOW_RUN_ID``) plus validation's. Glue's own arguments are ignored."""
    parser = argparse.ArgumentParser(prog="validate-table", add_help=False)
    parser.add_argument("--report-dir", "--report_dir", dest="report_dir", default=None)
    parser.add_argument("--sample", type=float, default=None)
    parser.add_argument("--keys-only", "--keys_only", dest="keys_only", nargs="?", const="true", default="false")
    parser.add_argument("--target-export", "--target_export", dest="target_export", default=None)
    parser.add_argument("--max-samples", "--max_samples", dest="max_samples", type=int, default=20)
    parser.add_argument(
        "--max-read-units", "--max_read_units", dest="read_units", type=float, default=DEFAULT_READ_UNITS_PER_S
    )
    parser.add_argument(
        "--recompute-expected",
        "--recompute_expected",
        dest="recompute_expected",
        nargs="?",
        const="true",
        default="false",
    )
    args, _others = parser.parse_known_args(list(argv))
    args.keys_only = _flag(args.keys_only)
    args.recompute_expected = _flag(args.recompute_expected)
    common = parse_glue_args(argv)
    args.config, args.run_id, args.workflow_run_id = common.config, common.run_id, common.workflow_run_id
    return args


def validate_glue_main(argv: Sequence[str]) -> int:
    """Entry point of glue_scripts/validate_table.py: 0 passed, 1 failed, 2 usage or config error."""
    args = parse_validate_args(argv)
    try:
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
