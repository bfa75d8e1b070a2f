"""Table helpers: describe, key schema, create, delete, count, scan and get one item.

Scans go through the wire client so items come back in wire form, byte for byte.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from jobs import aws
from jobs.aws import AccountSpec
from jobs.aws.wire import DynamoWire
from jobs.core.attrvalue import Item
from jobs.core.errors import TerminalError
from jobs.core.item_checks import KeySchema


def create_table(account: AccountSpec, name: str, definition: dict[str, Any], stream: bool = False) -> None:
    """Create an on-demand table (idempotent: an existing table is left as it is) and wait for it."""
    ddb = aws.client(account, "dynamodb")
    request: dict[str, Any] = {"TableName": name, "BillingMode": "PAY_PER_REQUEST", **definition}
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    with contextlib.suppress(ddb.exceptions.ResourceInUseException):
        ddb.create_table(**request)
    # botocore sleeps a fractional Delay as it is; the stubs declare it int
    waiter_config: Any = {"Delay": 0.2, "MaxAttempts": 100}
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig=waiter_config)


def delete_table(account: AccountSpec, name: str) -> None:
    ddb = aws.client(account, "dynamodb")
    try:
        ddb.delete_table(TableName=name)
    except ddb.exceptions.ResourceNotFoundException:
        return


def describe(account: AccountSpec, name: str) -> dict[str, Any]:
    """DescribeTable's ``Table``; a clear error when the table is missing."""
    ddb = aws.client(account, "dynamodb")
    try:
        table = cast("dict[str, Any]", ddb.describe_table(TableName=name)["Table"])
    except ddb.exceptions.ResourceNotFoundException:
        raise TerminalError(
            f"table {name!r} does not exist in account '{account.name}'",
            hint="create it first (the Terraform target module does), or check the name",
        ) from None
    return table


def table_names(account: AccountSpec) -> list[str]:
    """Every table of the account in its region (ListTables, all pages)."""
    pages = aws.client(account, "dynamodb").get_paginator("list_tables").paginate()
    return [name for page in pages for name in page.get("TableNames", [])]


def exists(account: AccountSpec, name: str) -> bool:
    ddb = aws.client(account, "dynamodb")
    try:
        ddb.describe_table(TableName=name)
    except ddb.exceptions.ResourceNotFoundException:
        return False
    return True


def table_key_schema(table: dict[str, Any]) -> KeySchema:
    """((name, S|N|B), ...) of a described table's key, HASH first."""
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    ordered = sorted(table["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
    return tuple((k["AttributeName"], types[k["AttributeName"]]) for k in ordered)


def key_schema(account: AccountSpec, name: str) -> KeySchema:
    """((name, S|N|B), ...) of a table's key, HASH first; a clear error when the table is missing."""
    return table_key_schema(describe(account, name))


def key_names(account: AccountSpec, name: str) -> tuple[str, ...]:
    return tuple(n for n, _t in key_schema(account, name))


def has_items(account: AccountSpec, name: str) -> bool:
    """Whether the table holds any item: one Scan call of at most one item (strongly consistent)."""
    page = aws.client(account, "dynamodb").scan(TableName=name, Limit=1, Select="COUNT", ConsistentRead=True)
    return bool(page.get("Count") or page.get("LastEvaluatedKey"))


def sample_items(account: AccountSpec, name: str, limit: int = 200) -> list[Item]:
    """Up to ``limit`` items of a table in wire form: one Scan page (a preflight's sample)."""
    wire = DynamoWire(account, pool_size=1)
    try:
        page = wire.call("Scan", json.dumps({"TableName": name, "Limit": limit}))
    finally:
        wire.close()
    return list(page.get("Items", []))


def get_item(account: AccountSpec, name: str, key: Item) -> Item | None:
    """The item with this key in wire form (a strongly consistent GetItem), or None when there is none."""
    wire = DynamoWire(account, pool_size=1)
    try:
        response = wire.call("GetItem", json.dumps({"TableName": name, "Key": key, "ConsistentRead": True}))
    finally:
        wire.close()
    item = response.get("Item")
    return cast("Item", item) if item is not None else None


def _scan_segment(wire: DynamoWire, name: str, segment: int, segments: int, select: str | None) -> Iterator[Any]:
    request: dict[str, Any] = {"TableName": name, "Segment": segment, "TotalSegments": segments, "Limit": 1000}
    if select:
        request["Select"] = select
    while True:
        page = wire.call("Scan", json.dumps(request))
        yield page
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_items(account: AccountSpec, name: str, segments: int = 4) -> list[Item]:
    """Every item of a table in wire form (parallel segments; for tests and small tables)."""
    wire = DynamoWire(account, pool_size=segments)
    with ThreadPoolExecutor(segments) as pool:
        parts = pool.map(
            lambda s: [i for p in _scan_segment(wire, name, s, segments, None) for i in p["Items"]], range(segments)
        )
        return [item for part in parts for item in part]


def count_items(account: AccountSpec, name: str, segments: int = 4) -> int:
    """Exact item count by a parallel COUNT scan (DescribeTable's count is only refreshed every 6h)."""
    wire = DynamoWire(account, pool_size=segments)
    with ThreadPoolExecutor(segments) as pool:
        return sum(
            pool.map(
                lambda s: sum(p["Count"] for p in _scan_segment(wire, name, s, segments, "COUNT")), range(segments)
            )
        )


def wait_deleted(account: AccountSpec, name: str, timeout_s: float = 30) -> None:
    ddb = aws.client(account, "dynamodb")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            ddb.describe_table(TableName=name)
        except ddb.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.2)
