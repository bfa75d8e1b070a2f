"""DynamoDB control-plane calls for capacity: DescribeTable, UpdateTable (waiting until ACTIVE),
DescribeLimits and the account's provisioned total. Thin: the decisions live in the pure modules."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from botocore.exceptions import ClientError

from jobs import aws
from jobs.aws import AccountSpec
from jobs.aws.tables import describe as table_description
from jobs.capacity.changes import Request, without_reported_values
from jobs.capacity.model import TableCapacity, from_description
from jobs.capacity.rules import Limits, provisioned_units
from jobs.core.errors import TerminalError, TransientError

log = logging.getLogger(__name__)


def describe(account: AccountSpec, table: str) -> TableCapacity:
    return from_description(table_description(account, table))


def _reported_index_units(table: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {
        g["IndexName"]: (
            int(g.get("ProvisionedThroughput", {}).get("ReadCapacityUnits") or 0),
            int(g.get("ProvisionedThroughput", {}).get("WriteCapacityUnits") or 0),
        )
        for g in table.get("GlobalSecondaryIndexes") or []
    }


def wait_active(account: AccountSpec, table: str, timeout_s: float, poll_s: float = 5.0) -> TableCapacity:
    """Poll DescribeTable until the table and every GSI are ACTIVE (an update has taken effect)."""
    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while True:
        capacity = describe(account, table)
        if capacity.active:
            return capacity
        if time.monotonic() > deadline:
            raise TransientError(
                f"table {table} is still updating after {timeout_s:g}s",
                hint="raise capacity.wait_timeout_s, or check the table in the console",
            )
        time.sleep(delay)
        delay = min(poll_s, delay * 2)


def update(account: AccountSpec, table: str, request: Request, timeout_s: float) -> TableCapacity:
    """Send one UpdateTable request and wait until it has taken effect."""
    wait_active(account, table, timeout_s)
    request = without_reported_values(request, _reported_index_units(table_description(account, table)))
    if not request:
        return describe(account, table)
    try:
        aws.client(account, "dynamodb").update_table(TableName=table, **request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        raise TerminalError(
            f"UpdateTable on {table} in account '{account.name}' was refused ({code}: {message}); request: {request}",
            hint="see the README's 'Capacity during a run' for AWS's limits; the table was left as DescribeTable shows",
        ) from error
    log.info("UpdateTable %s: %s", table, request)
    return wait_active(account, table, timeout_s)


def limits(account: AccountSpec) -> Limits:
    answer = aws.client(account, "dynamodb").describe_limits()
    return Limits(
        account_read=int(answer["AccountMaxReadCapacityUnits"]),
        account_write=int(answer["AccountMaxWriteCapacityUnits"]),
        table_read=int(answer["TableMaxReadCapacityUnits"]),
        table_write=int(answer["TableMaxWriteCapacityUnits"]),
    )


def account_usage(account: AccountSpec) -> tuple[int, int] | None:
    """(RCU, WCU) provisioned over all tables of the account and Region, or None without ListTables."""
    ddb = aws.client(account, "dynamodb")
    read = write = 0
    try:
        for page in ddb.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                table = cast("dict[str, Any]", ddb.describe_table(TableName=name)["Table"])
                units = provisioned_units(from_description(table))
                read, write = read + units[0], write + units[1]
    except ClientError as error:
        log.info("account usage unknown: %s", error)
        return None
    return read, write
