"""Raise capacity for a run and restore it however the run ends: success, failure, Ctrl-C or SIGTERM.

``CapacityGuard`` records the original settings in the run's S3 prefix before the first
UpdateTable, raises, and restores on exit. A SIGTERM (Glue stopping a job, a container
stopping) becomes an interrupt, so the restore runs; during the restore, further signals are
logged and ignored. A SIGKILL cannot be caught: ``ddb-migrate capacity restore --run-id``
restores from the record. A rerun of the same run id keeps the recorded originals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from jobs.capacity import table_capacity
from jobs.capacity.changes import restore_request
from jobs.capacity.record import CapacityRecord, TableRecord, load_record, save_record
from jobs.capacity.rules import restore_window
from jobs.capacity.table_checks import TableCheck, check_table, managed_tables
from jobs.config import JobConfig
from jobs.core.errors import TerminalError
from jobs.core.signals import Terminated, signals_as_interrupts, signals_deferred
from jobs.ledger import LedgerStore

__all__ = ["CapacityGuard", "Terminated", "raise_capacity", "restore_capacity", "signals_as_interrupts"]
log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RestoreOutcome:
    """What the restore did, table by table, in words; ``complete`` when every table is back,
    ``blocked_only`` when what is left waits only for AWS's decrease limit."""

    complete: bool = True
    lines: list[str] = field(default_factory=list)
    blocked_only: bool = True


def _originals(record: CapacityRecord | None) -> dict[str, TableRecord]:
    if record is None or record.state == "restored":
        return {}
    return {t.role: t for t in record.tables}


def raise_capacity(config: JobConfig, store: LedgerStore, clock: Clock = utc_now) -> CapacityRecord | None:
    """Check, record, then raise every managed table; None when the config asks for nothing."""
    managed, notes = managed_tables(config)
    for note in notes:
        log.warning(note)
    if not managed:
        return None
    kept = _originals(load_record(store))
    now = clock()
    checks: list[TableCheck] = []
    for table in managed:
        account = config.account(table.account)
        current = table_capacity.describe(account, table.table)
        original = kept[table.role].original if table.role in kept else current
        limits, usage = table_capacity.limits(account), table_capacity.account_usage(account)
        checks.append(check_table(table, original, current, limits, usage, now))
    _refuse_if_unsafe(config, checks, now)
    record = CapacityRecord(
        config.run_id,
        "raising",
        [TableRecord(c.managed.role, c.managed.account, c.managed.table, c.original) for c in checks],
    )
    if kept:
        roles = {c.managed.role for c in checks}
        record.tables += [entry for role, entry in kept.items() if role not in roles]  # still to restore
        record.event("rerun of a run whose capacity was not restored: the originals recorded then are kept")
    record.event(
        "original settings recorded: " + "; ".join(f"{c.managed.table}: {c.original.describe()}" for c in checks)
    )
    uri = save_record(store, record)  # before any change, so `capacity restore` can always undo it
    log.info("capacity: originals recorded in %s", uri)
    for check, entry in zip(checks, record.tables, strict=False):
        entry.notes = list(check.warnings)
        applied = check.current
        for request in check.plan.requests:
            applied = table_capacity.update(
                config.account(check.managed.account), check.managed.table, request, config.capacity.wait_timeout_s
            )
        entry.applied = applied
        record.event(f"{check.managed.table} during the run: {applied.describe()}")
        log.info("capacity: %s during the run: %s", check.managed.table, applied.describe())
        for warning in check.warnings:
            log.warning("capacity: %s", warning)
    record.state = "raised"
    save_record(store, record)
    return record


def _refuse_if_unsafe(config: JobConfig, checks: list[TableCheck], now: datetime) -> None:
    problems = [p for c in checks for p in c.problems]
    if problems:
        raise TerminalError(
            "capacity was not changed: " + "; ".join(problems),
            hint="lower the capacity section's units, or ask AWS for a higher quota",
        )
    blocked = [c for c in checks if c.window.blocked_at(now)]
    if blocked and not config.capacity.allow_delayed_restore:
        raise TerminalError(
            "capacity was not changed, because it could not be restored right away: "
            + "; ".join(r for c in blocked for r in c.window.reasons),
            hint="run later, switch to on-demand instead (going back is not a decrease), "
            "or set capacity.allow_delayed_restore: true and run `ddb-migrate capacity restore` afterwards",
        )


def restore_capacity(
    config: JobConfig, store: LedgerStore, clock: Clock = utc_now, force: bool = False
) -> RestoreOutcome:
    """Bring every table of the run's record back to its original settings, within AWS's rules."""
    record = load_record(store)
    outcome = RestoreOutcome()
    if record is None:
        outcome.lines.append(f"run {config.run_id} has no capacity record: nothing was changed")
        return outcome
    if record.state == "restored" and not force:
        outcome.lines.append(f"run {config.run_id}: capacity already restored ({record.history[-1]})")
        return outcome
    for entry in record.tables:
        account = config.account(entry.account)
        current = table_capacity.describe(account, entry.table)
        request = restore_request(entry.original, current)
        if request is None:
            outcome.lines.append(f"{entry.table}: as originally ({entry.original.describe()})")
            continue
        now = clock()
        window = restore_window(entry.original, current, current, now)
        if window.blocked_at(now):
            outcome.complete = False
            outcome.lines.append(
                f"{entry.table}: NOT restored yet: "
                + "; ".join(window.reasons)
                + f"; run `ddb-migrate capacity restore --config ... --run-id {config.run_id}` "
                f"after {window.earliest:%Y-%m-%d %H:%M} UTC"
            )
            continue
        restored = table_capacity.update(account, entry.table, request, config.capacity.wait_timeout_s)
        if restored.settings() != entry.original.settings():
            outcome.complete = outcome.blocked_only = False
            outcome.lines.append(f"{entry.table}: restore sent, but DescribeTable shows {restored.describe()}")
            continue
        outcome.lines.append(f"{entry.table}: restored to {restored.describe()}")
    record.state = "restored" if outcome.complete else "restore_pending"
    record.event("; ".join(outcome.lines))
    save_record(store, record)
    return outcome


class CapacityGuard:
    """``with CapacityGuard(config) as guard:`` raise for the block, restore after it, however it ends."""

    def __init__(self, config: JobConfig, clock: Clock = utc_now) -> None:
        self.config = config
        self.clock = clock
        self.store = LedgerStore.for_run(config)
        self.record: CapacityRecord | None = None
        self.outcome: RestoreOutcome | None = None
        self._signals: Any = None

    @property
    def active(self) -> bool:
        return bool(managed_tables(self.config)[0])

    def __enter__(self) -> CapacityGuard:
        if not self.active:
            return self
        self._signals = signals_as_interrupts()
        self._signals.__enter__()
        try:
            self.record = raise_capacity(self.config, self.store, self.clock)
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.active:
            self._restore()

    def _restore(self) -> None:
        try:
            with signals_deferred():
                self.outcome = restore_capacity(self.config, self.store, self.clock)
        except Exception as failure:  # never hide the run's own error behind a restore error
            self.outcome = RestoreOutcome(False, [f"capacity restore failed: {failure}"], blocked_only=False)
        finally:
            if self._signals is not None:
                self._signals.__exit__(None, None, None)
                self._signals = None
        for line in self.outcome.lines:
            (log.info if self.outcome.complete else log.error)("capacity: %s", line)
