"""Write items to the target table with concurrent BatchWriteItem calls inside a Spark task.

Items arrive as (attribute name, wire JSON) pairs and are spliced into request bodies as
text. Every item ends as exactly one of: written, or dead-lettered with a reason. Throttles,
5xx and connection errors are retried with full-jitter backoff until the deadline; a batch
rejected as invalid is split until the offending items are isolated.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from jobs.aws import AccountSpec
from jobs.aws.tables import key_names
from jobs.aws.wire import DynamoCaller, DynamoCallError, DynamoWire, as_terminal
from jobs.core.attrvalue import Item
from jobs.core.errors import is_transient
from jobs.core.progress import ProgressAddress, ProgressSink
from jobs.core.rate import TokenBucket
from jobs.core.retry import Backoff, Deadline


@dataclass(frozen=True)
class WriterSettings:
    """What a write task needs; picklable, so it travels in the Spark closure."""

    account: AccountSpec
    table: str
    key_names: tuple[str, ...]
    concurrency: int = 8
    batch_size: int = 25
    max_retry_seconds: float = 900.0
    backoff: Backoff = field(default_factory=Backoff)
    write_units_per_s: float | None = None  # this task's share of the global budget
    progress: ProgressAddress | None = None


@dataclass
class Entry:
    """One item on its way to the table, with where it came from."""

    file_key: str
    line_no: int
    body: str  # the item as wire JSON text
    pairs: list[tuple[str, str]] | None = None

    def key_signature(self, key_names: tuple[str, ...]) -> tuple[str, ...]:
        values = dict(self.pairs) if self.pairs is not None else {}
        if not values:
            parsed = json.loads(self.body)
            return tuple(json.dumps(parsed.get(k), sort_keys=True) for k in key_names)
        return tuple(json.dumps(json.loads(values[k]), sort_keys=True) if k in values else "null" for k in key_names)


@dataclass
class DeadLetter:
    """An item that could not be written, with the reason in words."""

    file_key: str
    line_no: int
    stage: str
    error: str
    reason: str
    item: Any

    def record(self) -> dict[str, Any]:
        return {
            "file": self.file_key,
            "line": self.line_no,
            "stage": self.stage,
            "error": self.error,
            "reason": self.reason,
            "item": self.item,
        }


@dataclass
class BatchOutcome:
    """What became of one batch: written counts per file, dead letters, throttles."""

    written: Counter[str] = field(default_factory=Counter)
    dead: list[DeadLetter] = field(default_factory=list)
    throttles: int = 0
    retries: int = 0
    server_errors: int = 0  # HTTP 5xx answers (retried, so also counted in retries)


_QUOTED: dict[str, str] = {}


def item_body(pairs: list[tuple[str, str]]) -> str:
    """Wire JSON text of an item from (name, AttributeValue JSON text) pairs."""
    parts = []
    for name, value in pairs:
        quoted = _QUOTED.get(name)
        if quoted is None:
            quoted = json.dumps(name, ensure_ascii=False)
            if len(_QUOTED) < 100_000:
                _QUOTED[name] = quoted
        parts.append(f"{quoted}:{value}")
    return "{" + ",".join(parts) + "}"


# Asked for only when a rate budget settles on it: DynamoDB Local then sizes every item again,
# which cost it 101 -> 130-139 us of CPU per 200-byte item and a fifth of its write rate (ADR 0014).
_CAPACITY = ',"ReturnConsumedCapacity":"TOTAL"'


def _batch_body(table_quoted: str, entries: list[Entry], capacity: bool) -> str:
    puts = ",".join('{"PutRequest":{"Item":' + e.body + "}}" for e in entries)
    return '{"RequestItems":{' + table_quoted + ":[" + puts + "]}" + (_CAPACITY if capacity else "") + "}"


UNSENT_CODES = ("RetryDeadlineExceeded", "TargetUnreachable")


class Breaker:
    """Once one batch has given up on an unreachable or failing target, the rest of the task
    stops trying and dead-letters at once instead of each waiting out its own deadline."""

    def __init__(self) -> None:
        self.reason: str | None = None


def _dead(entries: list[Entry], error: str, reason: str) -> list[DeadLetter]:
    return [DeadLetter(e.file_key, e.line_no, "write", error, reason, as_json(e.body)) for e in entries]


def as_json(body: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        return body


class BatchSender:
    """Sends one batch to completion: retries, UnprocessedItems, bad-item isolation."""

    def __init__(
        self,
        settings: WriterSettings,
        wire: DynamoCaller,
        bucket: TokenBucket | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.settings = settings
        self.wire = wire
        self.table_quoted = json.dumps(settings.table)
        self.bucket = bucket
        self.breaker = breaker or Breaker()

    def send(self, entries: list[Entry]) -> BatchOutcome:
        outcome = BatchOutcome()
        self._send(entries, Deadline(self.settings.max_retry_seconds), outcome)
        return outcome

    def _send(self, entries: list[Entry], deadline: Deadline, outcome: BatchOutcome) -> None:
        pending = entries
        attempt = 0
        last_error = ""
        while pending:
            if self.breaker.reason:
                outcome.dead.extend(_dead(pending, "TargetUnreachable", self.breaker.reason))
                return
            if self.bucket is not None:
                self.bucket.acquire(len(pending))
            body = _batch_body(self.table_quoted, pending, capacity=self.bucket is not None)
            try:
                response = self.wire.call("BatchWriteItem", body)
            except DynamoCallError as error:
                if error.code == "ValidationException":
                    self._isolate(pending, error, deadline, outcome)
                    return
                if not is_transient(error):
                    raise as_terminal(
                        error,
                        f"writing to table {self.settings.table}",
                        "check the table exists and the job's role may write to it",
                    ) from error
                outcome.throttles += int(error.throttled)
                outcome.server_errors += int(error.status >= 500)
                last_error = f"{error.code}: {error}"
            else:
                if self.bucket is not None:
                    used = sum(float(c.get("CapacityUnits", 0)) for c in response.get("ConsumedCapacity") or [])
                    self.bucket.settle(max(0.0, used - len(pending)))
                unprocessed = response.get("UnprocessedItems", {}).get(self.settings.table, [])
                pending = self._remaining(pending, unprocessed, outcome)
                if not pending:
                    return
                last_error = "UnprocessedItems: the table kept returning these items unprocessed"
            if deadline.expired:
                reason = (
                    f"not written within write.max_retry_seconds={self.settings.max_retry_seconds:g}s; "
                    f"last error: {last_error}"
                )
                self.breaker.reason = self.breaker.reason or f"an earlier batch of this task gave up: {reason}"
                outcome.dead.extend(_dead(pending, "RetryDeadlineExceeded", reason))
                return
            outcome.retries += 1
            deadline.sleep(self.settings.backoff.delay(attempt))
            attempt += 1

    def _remaining(self, sent: list[Entry], unprocessed: list[dict[str, Any]], outcome: BatchOutcome) -> list[Entry]:
        if not unprocessed:
            outcome.written.update(e.file_key for e in sent)
            return []
        keys = self.settings.key_names
        left: dict[tuple[str, ...], int] = Counter(
            tuple(json.dumps(r["PutRequest"]["Item"].get(k), sort_keys=True) for k in keys) for r in unprocessed
        )
        pending = []
        for entry in sent:
            signature = entry.key_signature(keys)
            if left.get(signature, 0) > 0:
                left[signature] -= 1
                pending.append(entry)
            else:
                outcome.written[entry.file_key] += 1
        return pending

    def _isolate(self, entries: list[Entry], error: DynamoCallError, deadline: Deadline, outcome: BatchOutcome) -> None:
        if len(entries) == 1:
            outcome.dead.extend(_dead(entries, error.code, f"DynamoDB rejected the item: {error}"))
            return
        middle = len(entries) // 2
        for half in (entries[:middle], entries[middle:]):
            self._send(half, deadline, outcome)


class PartitionWriter:
    """Feeds batches of a Spark partition to a thread pool of concurrent BatchWriteItem calls."""

    def __init__(self, settings: WriterSettings) -> None:
        self.settings = settings
        self.wire = DynamoWire(settings.account, pool_size=settings.concurrency)
        bucket = TokenBucket(settings.write_units_per_s) if settings.write_units_per_s else None
        self.sender = BatchSender(settings, self.wire, bucket)
        self.pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="ddb-write")
        self.in_flight: list[Future[BatchOutcome]] = []
        self.buffer: list[Entry] = []
        self.total = BatchOutcome()
        self.progress = ProgressSink(settings.progress)

    def add(self, entry: Entry) -> None:
        self.buffer.append(entry)
        if len(self.buffer) >= self.settings.batch_size:
            self._submit()

    def _submit(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        while len(self.in_flight) >= 2 * self.settings.concurrency:
            self._collect(self.in_flight.pop(0))
        self.in_flight.append(self.pool.submit(self.sender.send, batch))

    def _collect(self, future: Future[BatchOutcome]) -> None:
        outcome = future.result()
        written = sum(outcome.written.values())
        self.progress.add(
            items=written + len(outcome.dead), written=written, throttles=outcome.throttles, dead=len(outcome.dead)
        )
        self.total.written.update(outcome.written)
        self.total.dead.extend(outcome.dead)
        self.total.throttles += outcome.throttles
        self.total.retries += outcome.retries
        self.total.server_errors += outcome.server_errors

    def flush(self) -> None:
        """Send what is buffered and wait until every batch sent so far has finished."""
        self._submit()
        while self.in_flight:
            self._collect(self.in_flight.pop(0))

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.wire.close()
            self.progress.flush()


def put_items(account: AccountSpec, name: str, items: Iterable[Item], concurrency: int = 8) -> int:
    """Write items with the same concurrent batch writer the job uses; return how many were written."""
    writer = PartitionWriter(
        WriterSettings(account=account, table=name, key_names=key_names(account, name), concurrency=concurrency)
    )
    try:
        for number, item in enumerate(items, start=1):
            writer.add(Entry("put_items", number, json.dumps(item, ensure_ascii=False)))
    finally:
        writer.close()
    if writer.total.dead:
        first = writer.total.dead[0]
        raise RuntimeError(f"{len(writer.total.dead)} items were not written; first: {first.reason}")
    return sum(writer.total.written.values())
