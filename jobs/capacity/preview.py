"""What ``plan`` says about capacity: what the run would set, what that costs per hour, and
whether AWS would let the run restore it at the end. Reads DescribeTable and DescribeLimits;
changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jobs.capacity import table_capacity
from jobs.capacity.model import TableCapacity
from jobs.capacity.record import load_record
from jobs.capacity.rules import hourly_cost, raise_cost
from jobs.capacity.table_checks import TableCheck, check_table, managed_tables
from jobs.config import JobConfig
from jobs.core.errors import MigrationError
from jobs.ledger import LedgerStore


@dataclass
class TablePreview:
    role: str
    table: str
    now: str
    during: str
    cost_per_hour_now: float
    cost_per_hour_during: float
    raise_cost_usd: float | None = None  # extra provisioned cost for the estimated run (started hours)
    requests: list[dict[str, Any]] = field(default_factory=list)
    restore: str = ""
    restore_blocked: bool = False
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class CapacityPreview:
    tables: list[TablePreview] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    target_during: TableCapacity | None = None  # the target's capacity during the run, for the budget
    checks: list[TableCheck] = field(default_factory=list, repr=False)


def _restore_line(check: TableCheck, run_ends: datetime, now: datetime) -> tuple[str, bool]:
    if check.original.settings() == check.raised.settings():
        return "nothing to restore", False
    if not check.window.blocked_at(run_ends):
        return f"back to {check.original.describe()} at the end of the run (AWS allows it)", False
    when = f"{check.window.earliest:%Y-%m-%d %H:%M} UTC"
    if not check.window.today(now):
        return f"NOT possible today: AWS's decrease limit allows it at {when} at the earliest", True
    return f"delayed: AWS's decrease limit allows it at {when}, after the run would end", True


def preview_capacity(config: JobConfig, now: datetime) -> CapacityPreview:
    """The capacity checks for ``plan``; the target's capacity is described even with no capacity section."""
    result = CapacityPreview()
    managed, result.notes = managed_tables(config)
    kept: dict[str, Any] = {}
    try:
        record = load_record(LedgerStore.for_run(config))
    except Exception:  # plan keeps going without the output bucket
        record = None
    if record is not None and record.state != "restored":
        kept = {t.role: t.original for t in record.tables}
        result.notes.append(
            f"run {config.run_id} has a capacity record in state {record.state}: its originals are what a "
            "restore brings back"
        )
    for table in managed:
        account = config.account(table.account)
        try:
            current = table_capacity.describe(account, table.table)
            limits = table_capacity.limits(account)
        except MigrationError as error:
            result.notes.append(f"capacity of {table.table} unknown: {error}")
            continue
        usage = table_capacity.account_usage(account)
        check = check_table(table, kept.get(table.role, current), current, limits, usage, now)
        result.checks.append(check)
        if table.role == "target":
            result.target_during = check.raised
    if result.target_during is None:
        try:
            result.target_during = table_capacity.describe(config.account(config.target_account), config.target_table)
        except MigrationError as error:
            result.notes.append(f"capacity of the target unknown: {error}")
    return result


def finish_preview(preview: CapacityPreview, now: datetime, seconds: float | None) -> None:
    """Fill in, for a run of ``seconds`` (None: unknown), the costs and whether the restore can run."""
    run_ends = now + timedelta(seconds=seconds or 0)
    for check in preview.checks:
        restore, blocked = _restore_line(check, run_ends, now)
        preview.tables.append(
            TablePreview(
                role=check.managed.role,
                table=check.managed.table,
                now=check.current.describe(),
                during=check.raised.describe(),
                cost_per_hour_now=round(hourly_cost(check.current), 5),
                cost_per_hour_during=round(hourly_cost(check.raised), 5),
                raise_cost_usd=_rounded(raise_cost(check.original, check.raised, seconds)),
                requests=list(check.plan.requests),
                restore=restore,
                restore_blocked=blocked,
                warnings=list(check.warnings),
                problems=list(check.problems),
            )
        )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def render_capacity(preview: CapacityPreview) -> list[str]:
    lines = []
    for table in preview.tables:
        lines += [
            f"  capacity of {table.role} table {table.table}:",
            f"    now:            {table.now} (${table.cost_per_hour_now:,.5f}/h provisioned)",
            f"    during the run: {table.during} (${table.cost_per_hour_during:,.5f}/h provisioned)",
        ]
        if table.raise_cost_usd is not None:
            lines.append(f"    extra provisioned cost for the run: ~${table.raise_cost_usd:,.2f} (started hours)")
        lines.append(f"    restore: {table.restore}")
        lines += [f"    PROBLEM: {p}" for p in table.problems]
        lines += [f"    warning: {w}" for w in table.warnings]
    lines += [f"  capacity note: {n}" for n in preview.notes]
    return lines
