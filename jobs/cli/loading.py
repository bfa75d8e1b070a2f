"""The config a command acts on: one table, or the move of a ``tables:`` file, and the run id rule."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from jobs.core.errors import ConfigError

if TYPE_CHECKING:
    from jobs.config import JobConfig, MoveConfig

log = logging.getLogger(__name__)


def load_move_args(args: argparse.Namespace, *, existing_run: bool = False) -> MoveConfig:
    """The config, one table or many; ``existing_run``: the command acts on a run that exists, so
    its id must be given (``--run-id``) or set in the config, never the fresh default."""
    from jobs.config import load_move, s3_text_reader

    move = load_move(args.config, run_id=args.run_id, reader=s3_text_reader)
    if existing_run and not move.run_id_given:
        raise ConfigError(
            f"{args.config}: which run? the config sets no run_id",
            hint="pass --run-id ID, or set run_id in the config (the run id `ddb-migrate run` printed)",
        )
    return move


def load_one(args: argparse.Namespace, *, existing_run: bool = False) -> JobConfig:
    """The config of one table: the file's only table, or the one ``--table`` names in a ``tables:`` file."""
    move = load_move_args(args, existing_run=existing_run)
    table = getattr(args, "table", None)
    if table:
        return move.job(table)
    if move.many:
        listed = ", ".join(job.source_table for job in move.jobs)
        raise ConfigError(
            f"{args.config}: this config lists {len(move.jobs)} tables; this command takes one",
            hint=f"pass --table NAME, one of: {listed}",
        )
    return move.jobs[0]


def many_tables(args: argparse.Namespace, verb: str, *, existing_run: bool = False) -> MoveConfig | None:
    """A ``tables:`` config without ``--table``: the move, named at once; else None."""
    if getattr(args, "table", None):
        return None
    move = load_move_args(args, existing_run=existing_run)
    if not move.many:
        return None
    log.info("%s %s: %d tables", verb, move.run_id, len(move.jobs))
    return move


def begin(args: argparse.Namespace, verb: str) -> JobConfig:
    """Load the config and say at once what the command is about to do (before the slow imports)."""
    config = load_one(args)
    log.info("%s %s: %s -> %s", verb, config.run_id, config.source_table, config.target_table)
    return config
