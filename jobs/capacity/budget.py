"""The writer's global rate budget, from the capacity actually in force: one function for the
job (after capacity was raised) and for ``plan`` (on the capacity the run would set).

Provisioned: the lowest WCU of the table and its GSIs (a GSI that cannot keep up throttles
writes to the table). On-demand: the lowest warm throughput or on-demand maximum that
DescribeTable reports. Either is multiplied by ``write.capacity_fraction``; an explicit
``write.max_write_units_per_s`` caps the result. Nothing is assumed when nothing is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs.capacity import table_capacity
from jobs.capacity.model import TableCapacity
from jobs.config import JobConfig, WriteSettings
from jobs.core.errors import MigrationError


@dataclass(frozen=True)
class WriteBudget:
    """Write units per second for all tasks together (None: no limit), and where it comes from."""

    units_per_s: float | None
    source: str


def capacity_in_force(capacity: TableCapacity) -> tuple[int | None, str]:
    """(write units per second the table sustains now, what that figure is), or (None, why unknown)."""
    candidates: list[tuple[int, str]] = []
    for resource in capacity.resources:
        where = f"table {capacity.table}" if resource is capacity.base else f"GSI {resource.name}"
        if not capacity.on_demand:
            candidates.append((resource.write, f"provisioned WCU of {where}"))
            continue
        if resource.warm_write:
            candidates.append((resource.warm_write, f"warm throughput of {where}"))
        if resource.max_write:
            candidates.append((resource.max_write, f"on-demand maximum of {where}"))
    if not candidates:
        return None, f"on-demand table {capacity.table} reports neither warm throughput nor a maximum"
    units, what = min(candidates, key=lambda c: c[0])  # the table first when tied
    return units, what


def write_budget(write: WriteSettings, capacity: TableCapacity | None) -> WriteBudget:
    """The global write budget for ``capacity`` (None when the table could not be described)."""
    if capacity is None:
        in_force, what = None, "the target table could not be described"
    else:
        in_force, what = capacity_in_force(capacity)
    fraction = write.capacity_fraction
    share = in_force * fraction if in_force else None
    explicit = write.max_write_units_per_s
    if share is not None:
        label = f"{fraction:g} x {what} ({in_force:,})"
        if explicit is not None and explicit < share:
            return WriteBudget(explicit, f"write.max_write_units_per_s (below {label})")
        return WriteBudget(share, label if explicit is None else f"{label}, below write.max_write_units_per_s")
    if explicit is not None:
        return WriteBudget(explicit, f"write.max_write_units_per_s ({what})")
    return WriteBudget(None, f"no limit: {what}; throttles are retried with backoff (set write.max_write_units_per_s)")


def write_budget_now(config: JobConfig) -> WriteBudget:
    """The writer's global budget from the target's capacity in force now (after any raise)."""
    try:
        capacity = table_capacity.describe(config.account(config.target_account), config.target_table)
    except MigrationError:
        capacity = None
    return write_budget(config.write, capacity)
