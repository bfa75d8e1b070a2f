"""A paced parallel Scan of a table (the scan source, and validation's target side), and
BatchGetItem of chosen keys.

Each task scans its segment with the wire client (items arrive in wire JSON, nothing is
rounded), ``Limit``-sized pages, consistent reads, and a read-rate limit: the configured
read units per second are split evenly over the segments, and each segment sleeps whenever the
capacity its pages consumed gets ahead of its share. Throttles and 5xx are retried with
backoff until a deadline.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jobs.aws import AccountSpec
from jobs.aws.wire import DynamoCallError, DynamoWire, as_terminal
from jobs.core.canonical import key_text
from jobs.core.errors import TerminalError, is_transient
from jobs.core.retry import Backoff, Deadline

ASSUMED_ITEM_BYTES = 1024  # for pacing only, when a response carries no ConsumedCapacity
_BATCH_GET_KEYS = 100


@dataclass(frozen=True)
class ScanSettings:
    """What a scan task needs; picklable, so it travels in the Spark closure."""

    account: AccountSpec
    table: str
    segments: int
    read_units_per_s: float | None = None  # the whole scan's budget; None: unpaced
    page_limit: int = 1000
    consistent_read: bool = True
    max_retry_seconds: float = 900.0
    backoff: Backoff = field(default_factory=Backoff)

    @property
    def segment_rate(self) -> float | None:
        return self.read_units_per_s / self.segments if self.read_units_per_s else None


class ReadPacer:
    """Holds one segment's consumed read units to ``units_per_s`` on average."""

    def __init__(
        self,
        units_per_s: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = units_per_s
        self.clock, self.sleep = clock, sleep
        self.started = clock()
        self.spent = 0.0

    def spend(self, units: float) -> None:
        """Record ``units`` consumed; sleep until the average rate is back within the budget."""
        if not self.rate:
            return
        self.spent += units
        ahead = self.started + self.spent / self.rate - self.clock()
        if ahead > 0:
            self.sleep(ahead)


def page_units(page: dict[str, Any], consistent_read: bool) -> float:
    """Read units a Scan page consumed: as DynamoDB reports it, else estimated from the count."""
    reported = page.get("ConsumedCapacity", {}).get("CapacityUnits")
    if reported is not None:
        return float(reported)
    scanned = int(page.get("ScannedCount", page.get("Count", 0)))
    units = math.ceil(scanned * ASSUMED_ITEM_BYTES / 4096) or 1
    return float(units if consistent_read else units / 2)


def _call(wire: DynamoWire, settings: ScanSettings, operation: str, body: dict[str, Any], where: str) -> dict[str, Any]:
    deadline = Deadline(settings.max_retry_seconds)
    attempt = 0
    while True:
        try:
            return wire.call(operation, json.dumps(body))
        except DynamoCallError as error:
            if not is_transient(error):
                raise as_terminal(error, where, "check the table exists and the role may read it") from error
            if deadline.expired:
                raise TerminalError(
                    f"{where}: still failing after {settings.max_retry_seconds:g}s: {error}",
                    hint="lower --max-read-units, or raise the table's read capacity",
                ) from error
            deadline.sleep(settings.backoff.delay(attempt))
            attempt += 1


def scan_pages(wire: DynamoWire, settings: ScanSettings, segment: int) -> Iterator[dict[str, Any]]:
    """Every page of one segment, paced to the segment's share of the read budget."""
    request: dict[str, Any] = {
        "TableName": settings.table,
        "Segment": segment,
        "TotalSegments": settings.segments,
        "Limit": settings.page_limit,
        "ConsistentRead": settings.consistent_read,
        "ReturnConsumedCapacity": "TOTAL",
    }
    pacer = ReadPacer(settings.segment_rate)
    where = f"scanning segment {segment}/{settings.segments} of table {settings.table}"
    while True:
        page = _call(wire, settings, "Scan", request, where)
        yield page
        pacer.spend(page_units(page, settings.consistent_read))
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_items(scan: ScanSettings, keys: list[str], key_names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Items by canonical key text (BatchGetItem, consistent); keys not in the table are left out."""
    found: dict[str, dict[str, Any]] = {}
    wire = DynamoWire(scan.account, pool_size=1)
    try:
        for start in range(0, len(keys), _BATCH_GET_KEYS):
            pending: dict[str, Any] = {
                scan.table: {
                    "Keys": [json.loads(k) for k in keys[start : start + _BATCH_GET_KEYS]],
                    "ConsistentRead": True,
                }
            }
            deadline, attempt = Deadline(scan.max_retry_seconds), 0
            while pending:
                where = f"reading sample items from table {scan.table}"
                response = _call(wire, scan, "BatchGetItem", {"RequestItems": pending}, where)
                for item in response.get("Responses", {}).get(scan.table, []):
                    found[key_text(item, key_names)] = item
                pending = response.get("UnprocessedKeys") or {}
                if pending:  # throttled: back off before asking for the rest
                    if deadline.expired:
                        raise TerminalError(f"{where}: keys still unprocessed after {scan.max_retry_seconds:g}s")
                    deadline.sleep(scan.backoff.delay(attempt))
                    attempt += 1
    finally:
        wire.close()
    return found
