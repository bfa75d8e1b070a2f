"""Glue's side of the entry points: parse Glue-style job arguments, then run the job.

Glue passes ``--config s3://...`` and ``--run-id X`` (or ``--run_id``) among its own
arguments (``--JOB_ID``, ``--TempDir``, ...), which are ignored. No ``awsglue`` import is
needed, so tests drive this exact path.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.config import JobConfig

from jobs.core.errors import MigrationError


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
    from jobs.config import load_config
    from jobs.runner import s3_text_reader

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return load_config(args.config, run_id=args.run_id, reader=s3_text_reader, default_run_id=args.workflow_run_id)


def migrate_main(argv: Sequence[str]) -> int:
    """Entry point of glue_scripts/migrate_table.py."""
    from jobs.runner import run_and_report

    args = parse_glue_args(argv)
    try:
        return run_and_report(load_glue_config(args), report_path=args.report)
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:  # SIGTERM from Glue, after the capacity was restored
        print(f"interrupted: {interrupt}", file=sys.stderr)
        return 130
