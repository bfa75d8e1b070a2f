"""Which UpdateTable requests raise a table for the run, and which one restores it: pure functions.

A request is the keyword arguments of UpdateTable without ``TableName``. Raising never lowers
anything; restoring sends only what differs from the original (AWS refuses an UpdateTable
that changes nothing). Warm throughput cannot be lowered by AWS, so it is never restored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from jobs.capacity.model import ON_DEMAND, PROVISIONED, Resource, TableCapacity

Request = dict[str, Any]


@dataclass(frozen=True)
class Wanted:
    """What the run wants of one table."""

    write_units: int | None = None
    index_write_units: int | None = None
    read_units: int | None = None
    on_demand: bool = False
    warm_write_units_per_s: int | None = None


@dataclass(frozen=True)
class RaisePlan:
    """The requests that raise a table, in order, and notes on what was left alone and why."""

    requests: tuple[Request, ...]
    notes: tuple[str, ...]


def _throughput(read: int, write: int) -> dict[str, int]:
    return {"ReadCapacityUnits": max(1, read), "WriteCapacityUnits": max(1, write)}


def _provisioned_raise(current: TableCapacity, wanted: Wanted, notes: list[str]) -> Request:
    request: Request = {}
    base = current.base
    read = max(base.read, wanted.read_units or 0)
    write = max(base.write, wanted.write_units or 0)
    for asked, now, unit in ((wanted.read_units, base.read, "RCU"), (wanted.write_units, base.write, "WCU")):
        if asked and asked <= now:
            notes.append(f"table {current.table} already has {now:,} {unit} (asked for {asked:,}); left as is")
    if (read, write) != (base.read, base.write):
        request["ProvisionedThroughput"] = _throughput(read, write)
    index_write = wanted.index_write_units or wanted.write_units
    updates = []
    for index in current.indexes:
        if index_write and index_write > index.write:
            updates.append(
                {"Update": {"IndexName": index.name, "ProvisionedThroughput": _throughput(index.read, index_write)}}
            )
        elif index_write:
            notes.append(f"GSI {index.name} already has {index.write:,} WCU (asked for {index_write:,}); left as is")
    if updates:
        request["GlobalSecondaryIndexUpdates"] = updates
    return request


def _warm_requests(current: TableCapacity, units: int, notes: list[str]) -> list[Request]:
    if not current.warm_reported:
        notes.append(
            f"table {current.table}: DescribeTable reports no warm throughput (DynamoDB Local does not implement "
            "it), so capacity.target.warm_write_units_per_s was not set"
        )
        return []
    requests: list[Request] = []
    if (current.base.warm_write or 0) < units:
        requests.append({"WarmThroughput": {"WriteUnitsPerSecond": units}})
    for index in current.indexes:
        if (index.warm_write or 0) < units:
            requests.append(
                {
                    "GlobalSecondaryIndexUpdates": [
                        {"Update": {"IndexName": index.name, "WarmThroughput": {"WriteUnitsPerSecond": units}}}
                    ]
                }
            )
    if not requests:
        notes.append(f"table {current.table} is already warm for {units:,} WCU/s; left as is")
    return requests


def raise_plan(current: TableCapacity, wanted: Wanted) -> RaisePlan:
    """UpdateTable requests that give ``current`` what ``wanted`` asks for, never lowering anything."""
    notes: list[str] = []
    requests: list[Request] = []
    on_demand = current.on_demand
    if wanted.on_demand and not on_demand:
        requests.append({"BillingMode": ON_DEMAND})
        on_demand = True
    elif wanted.on_demand:
        notes.append(f"table {current.table} is already on-demand; left as is")
    if wanted.write_units or wanted.index_write_units or wanted.read_units:
        if on_demand:
            notes.append(f"table {current.table} is on-demand: provisioned units do not apply; left as is")
        else:
            request = _provisioned_raise(current, wanted, notes)
            if request:
                requests.append(request)
    if wanted.warm_write_units_per_s:
        if on_demand:
            requests.extend(_warm_requests(current, wanted.warm_write_units_per_s, notes))
        else:
            notes.append(f"table {current.table} is provisioned: warm throughput is only set on on-demand tables here")
    return RaisePlan(tuple(requests), tuple(notes))


def restore_request(original: TableCapacity, current: TableCapacity) -> Request | None:
    """The one UpdateTable request that brings ``current`` back to ``original``, or None if nothing differs.

    GSIs created or deleted since the original was recorded are left alone.
    """
    if original.settings() == current.settings():
        return None
    if original.billing_mode == ON_DEMAND:
        return {"BillingMode": ON_DEMAND} if not current.on_demand else None
    request: Request = {}
    switching = current.on_demand
    if switching:
        request["BillingMode"] = PROVISIONED
    if switching or (original.base.read, original.base.write) != (current.base.read, current.base.write):
        request["ProvisionedThroughput"] = _throughput(original.base.read, original.base.write)
    updates = []
    for before in original.indexes:
        now = current.index(before.name)
        if now is None:
            continue
        if switching or (before.read, before.write) != (now.read, now.write):
            updates.append(
                {"Update": {"IndexName": before.name, "ProvisionedThroughput": _throughput(before.read, before.write)}}
            )
    if updates:
        request["GlobalSecondaryIndexUpdates"] = updates
    return request or None


def without_reported_values(request: Request, reported: dict[str, tuple[int, int]]) -> Request:
    """``request`` without GSI throughput updates equal to what DescribeTable reports for the index.

    DynamoDB Local keeps a GSI's old provisioned values after a switch to on-demand and refuses a
    switch back that sets the same values ("equals the current value"). AWS reports 0 for
    on-demand GSIs, so nothing is dropped there.
    """
    updates = [
        u
        for u in request.get("GlobalSecondaryIndexUpdates", [])
        if "ProvisionedThroughput" not in u["Update"]
        or reported.get(u["Update"]["IndexName"])
        != (
            u["Update"]["ProvisionedThroughput"]["ReadCapacityUnits"],
            u["Update"]["ProvisionedThroughput"]["WriteCapacityUnits"],
        )
    ]
    trimmed = {k: v for k, v in request.items() if k != "GlobalSecondaryIndexUpdates"}
    return {**trimmed, "GlobalSecondaryIndexUpdates": updates} if updates else trimmed


def _set_throughput(resource: Resource, throughput: dict[str, int] | None, warm: dict[str, int] | None) -> Resource:
    if throughput:
        resource = replace(resource, read=throughput["ReadCapacityUnits"], write=throughput["WriteCapacityUnits"])
    if warm:
        resource = replace(resource, warm_write=max(resource.warm_write or 0, warm["WriteUnitsPerSecond"]))
    return resource


def apply_request(current: TableCapacity, request: Request) -> TableCapacity:
    """What ``current`` looks like once AWS has applied ``request`` (for plan's projection and tests)."""
    mode = request.get("BillingMode", current.billing_mode)
    base = _set_throughput(current.base, request.get("ProvisionedThroughput"), request.get("WarmThroughput"))
    updates = {u["Update"]["IndexName"]: u["Update"] for u in request.get("GlobalSecondaryIndexUpdates", [])}
    indexes = []
    for index in current.indexes:
        update = updates.get(index.name, {})
        indexes.append(_set_throughput(index, update.get("ProvisionedThroughput"), update.get("WarmThroughput")))
    if mode == ON_DEMAND:  # on-demand tables report no provisioned units; warm throughput stays
        base = replace(base, read=0, write=0)
        indexes = [replace(i, read=0, write=0) for i in indexes]
    return replace(current, billing_mode=mode, base=base, indexes=tuple(indexes))


def projected(current: TableCapacity, wanted: Wanted) -> TableCapacity:
    """``current`` after every request of :func:`raise_plan`."""
    result = current
    for request in raise_plan(current, wanted).requests:
        result = apply_request(result, request)
    return result
