"""A non-empty target is a decision: ``target.existing_items: refuse | overwrite`` (default refuse).

At the first start of a run id the target is probed for any item. When it holds some and the
config says ``refuse``, the run stops before any read or write (exit 2). The decision is stored
under the run prefix (``start.json``), so a resume of the same run id, whose own items are in
the target by then, is not a non-empty target; and each run report records the decision. ADR 0013.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from jobs.aws import tables
from jobs.config import SinkSettings
from jobs.core.errors import TerminalError
from jobs.ledger import LedgerStore

log = logging.getLogger(__name__)
START_NAME = "start.json"
EXISTING_ITEMS = ("refuse", "overwrite")


class NonEmptyTargetError(TerminalError):
    """The target already holds items at the first start of a run id, and the config says refuse."""


def decide_existing_items(store: LedgerStore, sink: SinkSettings, resumed: bool) -> dict[str, Any]:
    """The run id's start record: the recorded one on a resume, else a new one after the check.

    ``resumed``: the run id already has finished units in its ledger (a run started before the
    start record existed); its target is not probed.
    """
    table, choice, run_id = sink.table.name, sink.existing_items, sink.run.run_id
    recorded = store.get_json(START_NAME)
    if recorded is not None:
        return recorded
    had_items: bool | None = None
    if not resumed:
        had_items = tables.has_items(sink.table.account, table)
        if had_items and choice == "refuse":
            raise NonEmptyTargetError(
                f"target table {table!r} already holds items, and this is the first start of run {run_id}; "
                "nothing was read or written",
                hint="set target.existing_items: overwrite to write over them (items with the same key are "
                "replaced, the others stay), or point target.table at an empty table",
            )
        if had_items:
            log.warning(
                "target %s already holds items: target.existing_items is overwrite, so they may be replaced", table
            )
    start = {"run_id": run_id, "existing_items": choice, "target_had_items": had_items, "started_at": time.time()}
    store.put_json(START_NAME, start)
    return start
