"""Which tables a run manages, and what AWS would say about raising and restoring each one.

Pure: the inputs are DescribeTable/DescribeLimits results and the clock. ``plan`` renders the
outcome; the run refuses to change anything when a check fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobs.capacity.changes import RaisePlan, Wanted, apply_request, raise_plan
from jobs.capacity.model import TableCapacity
from jobs.capacity.rules import (
    Limits,
    RestoreWindow,
    quota_problems,
    restore_window,
    switch_to_on_demand_warning,
)
from jobs.config import JobConfig


@dataclass(frozen=True)
class Managed:
    """A table whose capacity the run changes."""

    role: str  # "target" or "source"
    account: str
    table: str
    wanted: Wanted


def managed_tables(config: JobConfig) -> tuple[list[Managed], list[str]]:
    """The tables the config asks to raise, and notes on settings that do not apply to this run."""
    settings = config.capacity
    managed = []
    notes = []
    if settings.changes_target:
        wanted = Wanted(
            write_units=settings.write_units,
            index_write_units=settings.index_write_units,
            on_demand=settings.on_demand,
            warm_write_units_per_s=settings.warm_write_units_per_s,
        )
        managed.append(Managed("target", config.target_account, config.target_table, wanted))
    if settings.source_read_units:
        if config.source_mode == "scan":
            wanted = Wanted(read_units=settings.source_read_units)
            managed.append(Managed("source", config.source_account, config.source_table, wanted))
        else:
            notes.append(
                "capacity.source.read_units is ignored: the source is read from an export, which uses no read "
                "capacity (it applies to source.mode: scan)"
            )
    return managed, notes


@dataclass(frozen=True)
class TableCheck:
    """One managed table: its raise, the capacity during the run, and when it can be restored."""

    managed: Managed
    original: TableCapacity
    current: TableCapacity
    plan: RaisePlan
    raised: TableCapacity
    window: RestoreWindow
    problems: tuple[str, ...]  # AWS would refuse the raise
    warnings: tuple[str, ...]


def check_table(
    managed: Managed,
    original: TableCapacity,
    current: TableCapacity,
    limits: Limits | None,
    usage: tuple[int, int] | None,
    now: datetime,
) -> TableCheck:
    """Check raising ``current`` as ``managed`` asks, and restoring it to ``original`` afterwards."""
    plan = raise_plan(current, managed.wanted)
    raised = current
    for request in plan.requests:
        raised = apply_request(raised, request)
    problems = quota_problems(current, raised, limits, usage) if limits else []
    warnings = list(plan.notes)
    if any("BillingMode" in r for r in plan.requests):
        switch = switch_to_on_demand_warning(current, now)
        warnings += [switch] if switch else []
    if any("WarmThroughput" in str(r) for r in plan.requests):
        warnings.append(
            f"warm throughput on {current.table} cannot be lowered again: it stays after the restore "
            "(AWS bills each pre-warming once; see its pricing page)"
        )
    window = restore_window(original, raised, current, now)
    warnings += window.reasons
    return TableCheck(managed, original, current, plan, raised, window, tuple(problems), tuple(warnings))
