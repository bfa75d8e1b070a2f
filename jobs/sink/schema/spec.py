"""A table's definition as schema copy compares and creates it: :class:`TableSpec`.

:func:`described` reads one from a table's facts. Unknown parts (an API the endpoint lacks) are
named in ``unknown`` and never compared or created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobs.core.item_checks import KeySchema
from jobs.sink.schema import policy
from jobs.sink.schema.facts import TableFacts

OWNED_KEY = "AWS owned key"
MANAGED_KEY = "AWS managed key"


@dataclass(frozen=True)
class IndexSpec:
    """A GSI or LSI: its key, projection and (provisioned GSIs) capacity."""

    name: str
    key: KeySchema
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    non_key: tuple[str, ...] = ()
    throughput: tuple[int, int] | None = None  # (read, write) units of a provisioned GSI


@dataclass(frozen=True)
class TableSpec:
    """Everything schema copy creates. ``sse`` is :data:`OWNED_KEY`, :data:`MANAGED_KEY` or a key ARN;
    ``resource_policy`` is normalised (:mod:`jobs.sink.schema.policy`)."""

    name: str
    key: KeySchema
    billing_mode: str  # PAY_PER_REQUEST | PROVISIONED
    throughput: tuple[int, int] | None = None  # (read, write) units when PROVISIONED
    warm_throughput: tuple[int, int] | None = None  # (reads/s, writes/s) of an on-demand table
    gsis: tuple[IndexSpec, ...] = ()
    lsis: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None
    stream_view: str | None = None  # None: no stream
    pitr: bool = False
    pitr_days: int | None = None
    deletion_protection: bool = False
    sse: str = OWNED_KEY
    tags: tuple[tuple[str, str], ...] = ()
    resource_policy: str | None = None
    unknown: tuple[tuple[str, str], ...] = ()  # (part, why it is not known)


def _key(elements: list[dict[str, Any]], types: dict[str, str]) -> KeySchema:
    ordered = sorted(elements, key=lambda k: k["KeyType"] != "HASH")
    return tuple((k["AttributeName"], types[k["AttributeName"]]) for k in ordered)


def _units(throughput: dict[str, Any] | None) -> tuple[int, int] | None:
    if not throughput or not throughput.get("ReadCapacityUnits"):
        return None
    return int(throughput["ReadCapacityUnits"]), int(throughput["WriteCapacityUnits"])


def _index(entry: dict[str, Any], types: dict[str, str], provisioned: bool) -> IndexSpec:
    projection = entry.get("Projection", {})
    return IndexSpec(
        name=entry["IndexName"],
        key=_key(entry["KeySchema"], types),
        projection=projection.get("ProjectionType", "ALL"),
        non_key=tuple(sorted(projection.get("NonKeyAttributes", []))),
        throughput=_units(entry.get("ProvisionedThroughput")) if provisioned else None,
    )


def billing_mode(table: dict[str, Any]) -> str:
    """BillingModeSummary's mode; a table created provisioned may not carry the summary (DynamoDB Local)."""
    mode = table.get("BillingModeSummary", {}).get("BillingMode")
    if mode:
        return str(mode)
    return "PROVISIONED" if _units(table.get("ProvisionedThroughput")) else "PAY_PER_REQUEST"


def _warm(table: dict[str, Any], mode: str) -> tuple[int, int] | None:
    warm = table.get("WarmThroughput") or {}
    if mode != "PAY_PER_REQUEST" or not warm.get("WriteUnitsPerSecond"):
        return None
    return int(warm.get("ReadUnitsPerSecond") or 0), int(warm["WriteUnitsPerSecond"])


def _sse(table: dict[str, Any]) -> str:
    sse = table.get("SSEDescription") or {}
    if sse.get("Status") in ("ENABLED", "UPDATING") and sse.get("SSEType") == "KMS":
        return str(sse.get("KMSMasterKeyArn") or MANAGED_KEY)
    return OWNED_KEY


def _pitr(backups: dict[str, Any] | None) -> tuple[bool, int | None]:
    recovery = (backups or {}).get("PointInTimeRecoveryDescription", {})
    on = recovery.get("PointInTimeRecoveryStatus") == "ENABLED"
    days = recovery.get("RecoveryPeriodInDays")
    return on, int(days) if on and days else None


def described(facts: TableFacts) -> TableSpec:
    """The table as it is."""
    table = facts.table
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    mode = billing_mode(table)
    stream = table.get("StreamSpecification") or {}
    ttl = facts.ttl
    pitr, days = _pitr(facts.backups)
    return TableSpec(
        name=table["TableName"],
        key=_key(table["KeySchema"], types),
        billing_mode=mode,
        throughput=_units(table.get("ProvisionedThroughput")) if mode == "PROVISIONED" else None,
        warm_throughput=_warm(table, mode),
        gsis=tuple(_index(e, types, mode == "PROVISIONED") for e in table.get("GlobalSecondaryIndexes", [])),
        lsis=tuple(_index(e, types, False) for e in table.get("LocalSecondaryIndexes", [])),
        ttl_attribute=ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None,
        stream_view=stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        pitr=pitr,
        pitr_days=days,
        deletion_protection=bool(table.get("DeletionProtectionEnabled")),
        sse=_sse(table),
        tags=tuple(sorted((k, v) for k, v in facts.tags if not k.startswith("aws:"))),
        resource_policy=policy.normalised(facts.policy, facts.arn) if facts.policy else None,
        unknown=facts.unknown,
    )
