"""AWS's rules for changing a table's capacity, as pure functions of what DescribeTable and
DescribeLimits report. DynamoDB Local enforces none of the time-based rules, so this module is
where they are tested (ADR 0008).

- Decreases of provisioned RCU/WCU, per table and per GSI: up to 4 at any time in a UTC day,
  then one more whenever the resource had no decrease in the preceding hour (at most 27 a day).
- Switching to on-demand: AWS's 2025 guide allows up to four switches from provisioned to
  on-demand in a rolling 24-hour window (older guides: once per 24 hours); on-demand back to
  provisioned is allowed at any time. DescribeTable shows only the latest switch.
- Throughput quotas (DescribeLimits): per table, the table and its GSIs together; per account
  and Region, all provisioned tables together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobs.capacity.model import ON_DEMAND, PROVISIONED, Resource, TableCapacity

DECREASES_AT_ANY_TIME = 4
DECREASES_PER_DAY = 27  # 4 in the first hour + 1 in each of the other 23 hours
DECREASE_SPACING = timedelta(hours=1)
SWITCH_WINDOW = timedelta(hours=24)

# Provisioned capacity, us-east-1 list prices as of 2025 (USD per unit-hour, standard table class).
PRICE_PER_WCU_HOUR = 0.00065
PRICE_PER_RCU_HOUR = 0.00013


def next_midnight(now: datetime) -> datetime:
    """The next UTC day boundary, when NumberOfDecreasesToday starts again from 0."""
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def decreases_so_far(resource: Resource, now: datetime) -> int:
    """Decreases counted for today; a count whose last decrease was on an earlier day is stale."""
    if resource.last_decrease is None or resource.last_decrease.date() != now.date():
        return 0
    return resource.decreases_today


def earliest_decrease(resource: Resource, now: datetime) -> datetime:
    """The first moment, from ``now`` on, at which AWS accepts a decrease of this resource."""
    done = decreases_so_far(resource, now)
    if done < DECREASES_AT_ANY_TIME:
        return now
    if done >= DECREASES_PER_DAY or resource.last_decrease is None:
        return next_midnight(now)
    return max(now, min(resource.last_decrease + DECREASE_SPACING, next_midnight(now)))


def decreased_resources(original: TableCapacity, current: TableCapacity) -> list[Resource]:
    """Resources (as now described) whose restore to ``original`` is a decrease of RCU or WCU.

    Going back from on-demand to provisioned is a mode switch, not a decrease.
    """
    if current.billing_mode != PROVISIONED or original.billing_mode != PROVISIONED:
        return []
    found = []
    for now_res in current.resources:
        before = original.base if now_res.name == current.table else original.index(now_res.name)
        if before is not None and (before.read < now_res.read or before.write < now_res.write):
            found.append(now_res)
    return found


@dataclass(frozen=True)
class RestoreWindow:
    """When a restore to the original settings can run, and why not earlier."""

    earliest: datetime
    reasons: tuple[str, ...] = ()

    def blocked_at(self, when: datetime) -> bool:
        return self.earliest > when

    def today(self, now: datetime) -> bool:
        return self.earliest < next_midnight(now)


def restore_window(
    original: TableCapacity, raised: TableCapacity, counters: TableCapacity, now: datetime
) -> RestoreWindow:
    """When restoring ``raised`` to ``original`` is allowed, given the decrease counters in ``counters``
    (the table as described now; raising never counts as a decrease)."""
    earliest = now
    reasons = []
    by_name = {r.name: r for r in counters.resources}
    for resource in decreased_resources(original, raised):
        counted = by_name.get(resource.name, resource)
        when = earliest_decrease(counted, now)
        if when > now:
            done = decreases_so_far(counted, now)
            last = counted.last_decrease.strftime("%H:%M UTC") if counted.last_decrease else "unknown"
            reasons.append(
                f"{_label(counters, resource)} already had {done} capacity decreases today (last at {last}); "
                f"AWS allows {DECREASES_AT_ANY_TIME} at any time, then one per hour without a decrease, "
                f"{DECREASES_PER_DAY} a day: the next is allowed at {when:%Y-%m-%d %H:%M} UTC"
            )
        earliest = max(earliest, when)
    return RestoreWindow(earliest, tuple(reasons))


def _label(capacity: TableCapacity, resource: Resource) -> str:
    return f"table {capacity.table}" if resource.name == capacity.table else f"GSI {resource.name} of {capacity.table}"


def switch_to_on_demand_warning(current: TableCapacity, now: datetime) -> str | None:
    """A warning when a switch to on-demand may be refused (a switch in the last 24 hours)."""
    last = current.last_switch_to_on_demand
    if current.billing_mode == ON_DEMAND or last is None or now - last >= SWITCH_WINDOW:
        return None
    return (
        f"table {current.table} was switched to on-demand at {last:%Y-%m-%d %H:%M} UTC, less than 24 h ago; "
        "AWS limits switches from provisioned to on-demand in a rolling 24 h window (up to four per the 2025 "
        "guide, once per 24 h before) and DescribeTable shows only the latest, so the switch may be refused"
    )


@dataclass(frozen=True)
class Limits:
    """DescribeLimits: the account's throughput quotas in this Region."""

    account_read: int
    account_write: int
    table_read: int
    table_write: int


def provisioned_units(capacity: TableCapacity) -> tuple[int, int]:
    """(RCU, WCU) provisioned for the table and its GSIs together; (0, 0) when on-demand."""
    if capacity.on_demand:
        return 0, 0
    return sum(r.read for r in capacity.resources), sum(r.write for r in capacity.resources)


def quota_problems(
    current: TableCapacity, raised: TableCapacity, limits: Limits, account_usage: tuple[int, int] | None
) -> list[str]:
    """Why AWS would refuse the raise: table quota, account quota (when the account's usage is known),
    or warm throughput above the table quota."""
    problems = []
    read, write = provisioned_units(raised)
    if read > limits.table_read or write > limits.table_write:
        problems.append(
            f"table {raised.table} would have {read:,} RCU / {write:,} WCU with its GSIs; the account's "
            f"per-table quota is {limits.table_read:,} RCU / {limits.table_write:,} WCU (DescribeLimits)"
        )
    if account_usage is not None:
        before_read, before_write = provisioned_units(current)
        total_read = account_usage[0] - before_read + read
        total_write = account_usage[1] - before_write + write
        if total_read > limits.account_read or total_write > limits.account_write:
            problems.append(
                f"the account's provisioned tables would total {total_read:,} RCU / {total_write:,} WCU; its "
                f"quota in this Region is {limits.account_read:,} RCU / {limits.account_write:,} WCU (DescribeLimits)"
            )
    for resource in raised.resources:
        if resource.warm_write is not None and resource.warm_write > limits.table_write:
            problems.append(
                f"warm throughput {resource.warm_write:,} WCU/s on {_label(raised, resource)} is above the "
                f"per-table quota of {limits.table_write:,}"
            )
    return problems


def hourly_cost(capacity: TableCapacity) -> float:
    """USD per hour of the table's provisioned capacity (table + GSIs) at list prices; 0 on-demand."""
    read, write = provisioned_units(capacity)
    return read * PRICE_PER_RCU_HOUR + write * PRICE_PER_WCU_HOUR


def raise_cost(original: TableCapacity, raised: TableCapacity, seconds: float | None) -> float | None:
    """Extra provisioned cost of the raise for a run of ``seconds`` (billed per started hour)."""
    if seconds is None:
        return None
    extra = max(0.0, hourly_cost(raised) - hourly_cost(original))
    return extra * max(1, math.ceil(seconds / 3600))
