"""CreateTable's request for a :class:`~jobs.sink.schema.spec.TableSpec` (TTL, PITR and the resource
policy follow the creation as their own calls: :mod:`jobs.sink.schema.apply`)."""

from __future__ import annotations

from typing import Any

from jobs.core.item_checks import KeySchema
from jobs.sink.schema.spec import MANAGED_KEY, OWNED_KEY, IndexSpec, TableSpec


def key_elements(key: KeySchema) -> list[dict[str, str]]:
    return [{"AttributeName": name, "KeyType": kind} for (name, _t), kind in zip(key, ("HASH", "RANGE"), strict=False)]


def _throughput(units: tuple[int, int]) -> dict[str, int]:
    return {"ReadCapacityUnits": units[0], "WriteCapacityUnits": units[1]}


def _index(index: IndexSpec, provisioned: tuple[int, int] | None) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.projection}
    if index.non_key:
        projection["NonKeyAttributes"] = list(index.non_key)
    entry: dict[str, Any] = {"IndexName": index.name, "KeySchema": key_elements(index.key), "Projection": projection}
    if provisioned is not None:
        entry["ProvisionedThroughput"] = _throughput(index.throughput or provisioned)
    return entry


def create_request(spec: TableSpec) -> dict[str, Any]:
    """Everything CreateTable takes in one call: key, indexes, billing, stream, SSE, tags, protection."""
    types = dict(spec.key)
    for index in (*spec.gsis, *spec.lsis):
        types.update(index.key)
    provisioned = spec.throughput if spec.billing_mode == "PROVISIONED" else None
    request: dict[str, Any] = {
        "TableName": spec.name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(types.items())],
        "KeySchema": key_elements(spec.key),
        "BillingMode": spec.billing_mode,
    }
    if provisioned is not None:
        request["ProvisionedThroughput"] = _throughput(provisioned)
    if spec.gsis:
        request["GlobalSecondaryIndexes"] = [_index(index, provisioned) for index in spec.gsis]
    if spec.lsis:
        request["LocalSecondaryIndexes"] = [_index(index, None) for index in spec.lsis]
    if spec.warm_throughput:
        reads, writes = spec.warm_throughput
        request["WarmThroughput"] = {"ReadUnitsPerSecond": reads, "WriteUnitsPerSecond": writes}
    if spec.stream_view:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream_view}
    if spec.sse != OWNED_KEY:
        sse: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
        if spec.sse != MANAGED_KEY:
            sse["KMSMasterKeyId"] = spec.sse
        request["SSESpecification"] = sse
    if spec.tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in spec.tags]
    if spec.deletion_protection:
        request["DeletionProtectionEnabled"] = True
    return request
