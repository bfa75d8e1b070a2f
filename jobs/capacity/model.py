"""A table's capacity as DescribeTable reports it, reduced to what this tool changes and restores.

Pure data: parsed from a DescribeTable answer, stored as JSON in the run's capacity record,
and compared to decide whether a table is back to its original settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

PROVISIONED = "PROVISIONED"
ON_DEMAND = "PAY_PER_REQUEST"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Resource:
    """The base table or one global secondary index."""

    name: str  # the table name, or the index name
    read: int = 0  # provisioned RCU; 0 when the table is on-demand
    write: int = 0  # provisioned WCU; 0 when the table is on-demand
    warm_read: int | None = None  # WarmThroughput, when DescribeTable reports it
    warm_write: int | None = None
    max_read: int | None = None  # OnDemandThroughput maximums; None = no maximum
    max_write: int | None = None
    decreases_today: int = 0  # NumberOfDecreasesToday (UTC day)
    last_decrease: datetime | None = None
    status: str = "ACTIVE"


@dataclass(frozen=True)
class TableCapacity:
    """Billing mode and throughput of a table and its GSIs, plus the counters AWS's rules use."""

    table: str
    billing_mode: str
    base: Resource
    indexes: tuple[Resource, ...] = ()
    last_switch_to_on_demand: datetime | None = None
    warm_reported: bool = False  # DescribeTable carried WarmThroughput (AWS does; DynamoDB Local does not)

    @property
    def on_demand(self) -> bool:
        return self.billing_mode == ON_DEMAND

    @property
    def resources(self) -> tuple[Resource, ...]:
        return (self.base, *self.indexes)

    def index(self, name: str) -> Resource | None:
        return next((i for i in self.indexes if i.name == name), None)

    @property
    def active(self) -> bool:
        return all(r.status == "ACTIVE" for r in self.resources)

    def settings(self) -> tuple[Any, ...]:
        """What a restore brings back: billing mode and, when provisioned, RCU/WCU per resource."""
        if self.on_demand:
            return (self.billing_mode, tuple(sorted(i.name for i in self.indexes)))
        return (
            self.billing_mode,
            (self.base.read, self.base.write),
            tuple(sorted((i.name, i.read, i.write) for i in self.indexes)),
        )

    def describe(self) -> str:
        """One line in words, e.g. ``PROVISIONED 5 RCU / 100 WCU; GSI by_name 5 RCU / 100 WCU``."""
        if self.on_demand:
            parts = ["on-demand"]
            if self.base.warm_write is not None:
                parts.append(f"warm {self.base.warm_write:,} WCU/s")
            names = ", ".join(i.name for i in self.indexes)
            return " ".join(parts) + (f"; GSIs {names}" if names else "")
        text = f"provisioned {self.base.read:,} RCU / {self.base.write:,} WCU"
        for index in self.indexes:
            text += f"; GSI {index.name} {index.read:,} RCU / {index.write:,} WCU"
        return text

    def with_resources(self, base: Resource, indexes: tuple[Resource, ...]) -> TableCapacity:
        return replace(self, base=base, indexes=indexes)


def _time(value: Any) -> datetime | None:
    """A DescribeTable timestamp (datetime from boto3, ISO text from a record); the epoch means never."""
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return None if when <= _EPOCH else when.astimezone(UTC)


def _optional_units(value: Any) -> int | None:
    return None if value is None or int(value) < 0 else int(value)


def _resource(name: str, doc: dict[str, Any], status: str, on_demand: bool) -> Resource:
    provisioned = doc.get("ProvisionedThroughput") or {}
    warm = doc.get("WarmThroughput") or {}
    maximum = doc.get("OnDemandThroughput") or {}
    return Resource(
        name=name,
        # DynamoDB Local keeps stale GSI values after a switch to on-demand; AWS reports 0.
        read=0 if on_demand else int(provisioned.get("ReadCapacityUnits") or 0),
        write=0 if on_demand else int(provisioned.get("WriteCapacityUnits") or 0),
        warm_read=_optional_units(warm.get("ReadUnitsPerSecond")),
        warm_write=_optional_units(warm.get("WriteUnitsPerSecond")),
        max_read=_optional_units(maximum.get("MaxReadRequestUnits")),
        max_write=_optional_units(maximum.get("MaxWriteRequestUnits")),
        decreases_today=int(provisioned.get("NumberOfDecreasesToday") or 0),
        last_decrease=_time(provisioned.get("LastDecreaseDateTime")),
        status=status,
    )


def from_description(table: dict[str, Any]) -> TableCapacity:
    """A :class:`TableCapacity` from DescribeTable's ``Table`` (a missing BillingModeSummary means provisioned)."""
    summary = table.get("BillingModeSummary") or {}
    billing_mode = summary.get("BillingMode", PROVISIONED)
    on_demand = billing_mode == ON_DEMAND
    indexes = tuple(
        _resource(gsi["IndexName"], gsi, gsi.get("IndexStatus", "ACTIVE"), on_demand)
        for gsi in sorted(table.get("GlobalSecondaryIndexes") or [], key=lambda g: str(g["IndexName"]))
    )
    return TableCapacity(
        table=table["TableName"],
        billing_mode=billing_mode,
        base=_resource(table["TableName"], table, table.get("TableStatus", "ACTIVE"), on_demand),
        indexes=indexes,
        last_switch_to_on_demand=_time(summary.get("LastUpdateToPayPerRequestDateTime")),
        warm_reported="WarmThroughput" in table,
    )


def _resource_doc(resource: Resource) -> dict[str, Any]:
    doc = asdict(resource)
    doc["last_decrease"] = resource.last_decrease.isoformat() if resource.last_decrease else None
    return doc


def to_doc(capacity: TableCapacity) -> dict[str, Any]:
    """JSON-ready form for the capacity record."""
    return {
        "table": capacity.table,
        "billing_mode": capacity.billing_mode,
        "base": _resource_doc(capacity.base),
        "indexes": [_resource_doc(i) for i in capacity.indexes],
        "last_switch_to_on_demand": (
            capacity.last_switch_to_on_demand.isoformat() if capacity.last_switch_to_on_demand else None
        ),
        "warm_reported": capacity.warm_reported,
        "summary": capacity.describe(),
    }


def _resource_from_doc(doc: dict[str, Any]) -> Resource:
    return Resource(**{**doc, "last_decrease": _time(doc.get("last_decrease"))})


def from_doc(doc: dict[str, Any]) -> TableCapacity:
    return TableCapacity(
        table=doc["table"],
        billing_mode=doc["billing_mode"],
        base=_resource_from_doc(doc["base"]),
        indexes=tuple(_resource_from_doc(i) for i in doc.get("indexes", [])),
        last_switch_to_on_demand=_time(doc.get("last_switch_to_on_demand")),
        warm_reported=bool(doc.get("warm_reported")),
    )
