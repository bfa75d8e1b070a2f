"""The batch sender against a fake DynamoDB behind the wire's call interface.

The fake answers BatchWriteItem as the service does: it validates the whole request first (a
single invalid item fails the batch with a ValidationException), stores what it accepts, and
otherwise follows a script of throttles, 5xx, lost connections and UnprocessedItems. Its
answers are HTTP statuses and JSON bodies, read by the wire's own ``read_response``. The
sender's sleeps are real and short.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from jobs.aws import AccountSpec
from jobs.aws.wire import DynamoCallError, read_response
from jobs.core.errors import TerminalError
from jobs.core.rate import TokenBucket
from jobs.core.retry import Backoff
from jobs.sink.writer import BatchOutcome, BatchSender, DeadLetter, Entry, WriterSettings, item_body
from tests.unit.test_rate_retry import FakeClock

TABLE = "orders"
KEY_SCHEMA = (("pk", "S"), ("sk", "N"))
KEY_NAMES = tuple(name for name, _kind in KEY_SCHEMA)
DYNAMODB = "com.amazonaws.dynamodb.v20120810#"

THROTTLED = (
    400,
    {
        "__type": DYNAMODB + "ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    },
)
SERVER_ERROR = (500, {"__type": DYNAMODB + "InternalServerError", "message": "Internal server error"})
ACCESS_DENIED = (
    400,
    {
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "Message": "User: arn:aws:sts::222222222222:assumed-role/ddb-migrate/job is not authorized to perform: "
        "dynamodb:BatchWriteItem on resource: arn:aws:dynamodb:eu-west-1:222222222222:table/orders",
    },
)
CONNECTION_LOST = "connection lost"
EMPTY_STRING_SET = "One or more parameter values were invalid: An string set  may not be empty"
EMPTY_NUMBER_SET = "One or more parameter values were invalid: An number set  may not be empty"


@dataclass(frozen=True)
class Partial:
    """Write the first ``written`` puts of the request and return the rest as UnprocessedItems."""

    written: int


Step = tuple[int, dict[str, str]] | str | Partial | None  # None: write everything


class FakeDynamoDB:
    """BatchWriteItem on one table, as DynamoWire.call sees it; thread-safe."""

    def __init__(self, script: Iterable[Step] = (), then: Step = None) -> None:
        self.script = list(script)
        self.then = then  # the answer once the script has run out
        self.table: dict[tuple[str, ...], dict[str, Any]] = {}
        self.requests: list[list[tuple[str, ...]]] = []  # the keys of every call, in order
        self.capacity_asked: list[bool] = []  # whether each call asked for ConsumedCapacity
        self.times: list[float] = []
        self._lock = threading.Lock()

    def call(self, operation: str, body: str) -> dict[str, Any]:
        assert operation == "BatchWriteItem"
        request = json.loads(body)
        capacity_asked = request.pop("ReturnConsumedCapacity", "NONE") == "TOTAL"
        (table, puts), *others = request.pop("RequestItems").items()
        assert table == TABLE and not others and 1 <= len(puts) <= 25 and not request
        items = [put["PutRequest"]["Item"] for put in puts]
        with self._lock:
            self.requests.append([key(item) for item in items])
            self.capacity_asked.append(capacity_asked)
            self.times.append(time.monotonic())
            problem = _invalid(items)
            if problem:
                return _answer(400, {"__type": DYNAMODB + "ValidationException", "message": problem})
            step = self.script.pop(0) if self.script else self.then
            if step == CONNECTION_LOST:
                raise DynamoCallError(operation, 0, "ConnectionError", "ProtocolError: Connection aborted.")
            if isinstance(step, tuple):
                return _answer(*step)
            written = step.written if isinstance(step, Partial) else len(items)
            if written == 0:  # DynamoDB throttles a batch of which it can write nothing
                return _answer(*THROTTLED)
            for item in items[:written]:
                self.table[key(item)] = item
        unprocessed = {TABLE: puts[written:]} if puts[written:] else {}
        answer: dict[str, Any] = {"UnprocessedItems": unprocessed}
        if capacity_asked:  # DynamoDB reports capacity only when asked; these items are 2 units each
            answer["ConsumedCapacity"] = [{"TableName": TABLE, "CapacityUnits": 2.0 * min(written, len(items))}]
        return _answer(200, answer)


def _answer(status: int, doc: dict[str, Any]) -> dict[str, Any]:
    return read_response("BatchWriteItem", status, json.dumps(doc).encode("utf-8"))


def _invalid(items: list[dict[str, Any]]) -> str | None:
    """DynamoDB's ValidationException message for the first invalid item of a request."""
    for item in items:
        for name, kind in KEY_SCHEMA:
            if name not in item:
                return f"One or more parameter values were invalid: Missing the key {name} in the item"
            (found, value), *_ = item[name].items()
            if found != kind:
                return (
                    "One or more parameter values were invalid: "
                    f"Type mismatch for key {name} expected: {kind} actual: {found}"
                )
            if value == "":
                return (
                    "One or more parameter values are not valid. The AttributeValue for a key attribute "
                    f"cannot contain an empty string value. Key: {name}"
                )
        for value in item.values():
            (kind, inner), *_ = value.items()
            if kind in ("SS", "NS", "BS") and not inner:
                noun = {"SS": "string", "NS": "number", "BS": "binary"}[kind]
                return f"One or more parameter values were invalid: An {noun} set  may not be empty"
    keys = [key(item) for item in items]
    if len(set(keys)) != len(keys):
        return "Provided list of item keys contains duplicates"
    return None


def key(item: dict[str, Any]) -> tuple[str, ...]:
    return tuple(json.dumps(item.get(name), sort_keys=True) for name in KEY_NAMES)


@dataclass(frozen=True)
class FixedBackoff(Backoff):
    """The same short delay every time; remembers which attempts asked for one."""

    asked: list[int] = field(default_factory=list, compare=False)

    def delay(self, attempt: int, rng: Any = None) -> float:
        self.asked.append(attempt)
        return self.base_s


def sender(
    fake: FakeDynamoDB, max_retry_seconds: float = 30.0, delay_s: float = 0.02, bucket: TokenBucket | None = None
) -> BatchSender:
    settings = WriterSettings(
        account=AccountSpec(name="target", region="eu-west-1"),
        table=TABLE,
        key_names=KEY_NAMES,
        max_retry_seconds=max_retry_seconds,
        backoff=FixedBackoff(base_s=delay_s),
    )
    return BatchSender(settings, fake, bucket)


def asked(batch_sender: BatchSender) -> list[int]:
    backoff = batch_sender.settings.backoff
    assert isinstance(backoff, FixedBackoff)
    return backoff.asked


def entry(number: int, file_key: str = "AWSDynamoDB/data/a.json.gz", **extra: dict[str, Any]) -> Entry:
    """An order item as the load stage hands it over: wire JSON text, with its attribute pairs."""
    values: dict[str, Any] = {"pk": {"S": f"order#{number:03d}"}, "sk": {"N": str(number)}, "total": {"N": "12.50"}}
    pairs = [(name, json.dumps(value)) for name, value in {**values, **extra}.items()]
    return Entry(file_key, number, item_body(pairs), pairs)


def replayed(number: int, file_key: str = "dead-letters/b.jsonl") -> Entry:
    """An item as a dead-letter replay hands it over: the body only, no pairs."""
    return Entry(file_key, number, json.dumps({"pk": {"S": f"order#{number:03d}"}, "sk": {"N": str(number)}}))


def keys_of(entries: Iterable[Entry]) -> list[tuple[str, ...]]:
    return [key(json.loads(e.body)) for e in entries]


def stored(entries: Iterable[Entry]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {key(json.loads(e.body)): json.loads(e.body) for e in entries}


def dead(entries: Iterable[Entry], error: str, reason: str) -> list[DeadLetter]:
    return [DeadLetter(e.file_key, e.line_no, "write", error, reason, json.loads(e.body)) for e in entries]


def test_throttles_5xx_and_lost_connections_are_retried_until_the_batch_is_written() -> None:
    fake = FakeDynamoDB([THROTTLED, THROTTLED, SERVER_ERROR, CONNECTION_LOST])
    batch = [entry(n) for n in range(1, 6)]
    writer = sender(fake)

    outcome = writer.send(batch)

    assert outcome == BatchOutcome(
        written=Counter({"AWSDynamoDB/data/a.json.gz": 5}), throttles=2, retries=4, server_errors=1
    )
    assert fake.requests == [keys_of(batch)] * 5  # the whole batch each time
    assert fake.table == stored(batch)
    assert asked(writer) == [0, 1, 2, 3]  # backoff grows with each attempt


def test_consumed_capacity_is_asked_for_only_when_a_rate_budget_settles_on_it() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, burst=10.0, clock=clock, sleep=clock.sleep)
    unlimited, limited = FakeDynamoDB(), FakeDynamoDB()
    batch = [entry(n) for n in range(1, 11)]

    sender(unlimited).send(batch)
    sender(limited, bucket=bucket).send(batch)
    bucket.acquire(10)  # the next request waits out the debt of the reported units

    assert unlimited.capacity_asked == [False] and unlimited.table == stored(batch)
    assert limited.capacity_asked == [True] and limited.table == stored(batch)
    assert clock.now == pytest.approx(2.0)  # 10 taken, 20 used: 10 units of debt, then 10 more at 10/s


def test_unprocessed_items_are_sent_again_with_backoff_until_written() -> None:
    fake = FakeDynamoDB([Partial(6), Partial(2)])
    batch = [entry(n) for n in range(1, 7)] + [replayed(n) for n in range(7, 11)]
    writer = sender(fake, delay_s=0.03)

    outcome = writer.send(batch)

    written = Counter({"AWSDynamoDB/data/a.json.gz": 6, "dead-letters/b.jsonl": 4})
    assert outcome == BatchOutcome(written=written, throttles=0, retries=2)
    assert fake.requests == [keys_of(batch), keys_of(batch[6:]), keys_of(batch[8:])]
    assert fake.table == stored(batch)
    assert asked(writer) == [0, 1]
    first, second, third = fake.times
    assert second - first >= 0.03 and third - second >= 0.03  # waited before each resend


def test_a_rejected_batch_is_bisected_down_to_the_one_bad_item() -> None:
    batch = [entry(n) for n in range(1, 9)]
    batch[5] = entry(6, tags={"SS": []})
    fake = FakeDynamoDB()

    outcome = sender(fake).send(batch)

    reason = f"DynamoDB rejected the item: BatchWriteItem failed: HTTP 400 ValidationException: {EMPTY_STRING_SET}"
    assert outcome.dead == dead([batch[5]], "ValidationException", reason)
    assert outcome.dead[0].record()["item"]["tags"] == {"SS": []}
    assert outcome.written == Counter({"AWSDynamoDB/data/a.json.gz": 7})
    assert fake.table == stored(batch[:5] + batch[6:])
    halves = [batch, batch[:4], batch[4:], batch[4:6], batch[4:5], batch[5:6], batch[6:]]
    assert fake.requests == [keys_of(half) for half in halves]
    assert (outcome.throttles, outcome.retries) == (0, 0)


@pytest.mark.parametrize("bad", [0, 12, 24])
def test_the_bad_item_is_found_wherever_it_sits_in_a_full_batch(bad: int) -> None:
    batch = [entry(n) for n in range(25)]
    batch[bad] = entry(bad, scores={"NS": []})
    fake = FakeDynamoDB()

    outcome = sender(fake).send(batch)

    reason = f"DynamoDB rejected the item: BatchWriteItem failed: HTTP 400 ValidationException: {EMPTY_NUMBER_SET}"
    assert outcome.dead == dead([batch[bad]], "ValidationException", reason)
    assert fake.table == stored(batch[:bad] + batch[bad + 1 :])
    assert sum(outcome.written.values()) == 24
    assert len(fake.requests) <= 2 * 5 + 1  # two halves per level, five levels


def test_two_bad_items_are_each_dead_lettered_with_their_own_reason() -> None:
    batch = [entry(n) for n in range(20)]
    batch[3] = entry(3, tags={"SS": []})
    batch[17] = Entry("AWSDynamoDB/data/a.json.gz", 17, json.dumps({"pk": {"S": "order#017"}, "sk": {"S": "17"}}))
    fake = FakeDynamoDB()

    outcome = sender(fake).send(batch)

    rejected = "DynamoDB rejected the item: BatchWriteItem failed: HTTP 400 ValidationException: "
    mismatch = "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"
    assert outcome.dead == [
        *dead([batch[3]], "ValidationException", rejected + EMPTY_STRING_SET),
        *dead([batch[17]], "ValidationException", rejected + mismatch),
    ]
    assert fake.table == stored(batch[:3] + batch[4:17] + batch[18:])


def test_items_with_the_same_key_in_one_batch_are_split_apart_and_both_written() -> None:
    first, again = entry(1), entry(1, total={"N": "99"})
    fake = FakeDynamoDB()

    outcome = sender(fake).send([first, again])

    assert outcome.dead == []
    assert outcome.written == Counter({"AWSDynamoDB/data/a.json.gz": 2})
    assert fake.requests == [keys_of([first, again]), keys_of([first]), keys_of([again])]
    assert fake.table == stored([again])  # the later line wins, as it would in the source


def test_a_batch_that_gives_up_opens_the_breaker_for_the_rest_of_the_task() -> None:
    fake = FakeDynamoDB(then=SERVER_ERROR)
    writer = sender(fake, max_retry_seconds=0.1)
    batch, later = [entry(n) for n in range(1, 4)], [entry(n, "AWSDynamoDB/data/c.json.gz") for n in range(4, 6)]

    first = writer.send(batch)
    calls = len(fake.requests)
    second = writer.send(later)

    reason = (
        "not written within write.max_retry_seconds=0.1s; last error: "
        "InternalServerError: BatchWriteItem failed: HTTP 500 InternalServerError: Internal server error"
    )
    assert first.dead == dead(batch, "RetryDeadlineExceeded", reason)
    assert first.written == Counter() and first.throttles == 0 and first.retries == calls - 1
    assert calls >= 3  # retried until the deadline, not given up on the first error
    assert second.dead == dead(later, "TargetUnreachable", f"an earlier batch of this task gave up: {reason}")
    assert len(fake.requests) == calls  # the later batch did not wait out a deadline of its own
    assert fake.table == {}


def test_a_batch_still_retrying_stops_once_another_batch_opens_the_breaker() -> None:
    fake = FakeDynamoDB(then=SERVER_ERROR)
    writer = sender(fake, max_retry_seconds=0.4)
    early, late = [entry(n) for n in range(1, 4)], [entry(n, "AWSDynamoDB/data/c.json.gz") for n in range(4, 6)]
    outcomes: dict[str, BatchOutcome] = {}

    def send(name: str, batch: list[Entry]) -> None:
        outcomes[name] = writer.send(batch)

    first = threading.Thread(target=send, args=("early", early))
    first.start()
    while len(fake.requests) < 8:  # the late batch starts well after the early one
        time.sleep(0.005)
    second = threading.Thread(target=send, args=("late", late))
    second.start()
    first.join(10)
    second.join(10)

    assert {d.error for d in outcomes["early"].dead} == {"RetryDeadlineExceeded"}
    gave_up = outcomes["early"].dead[0].reason
    assert outcomes["late"].dead == dead(late, "TargetUnreachable", f"an earlier batch of this task gave up: {gave_up}")
    assert keys_of(late)[0] in {keys[0] for keys in fake.requests}  # it had been trying


def test_items_still_unprocessed_at_the_deadline_are_dead_lettered() -> None:
    fake = FakeDynamoDB(then=Partial(1))  # the table takes one item per call
    batch = [entry(n) for n in range(1, 11)]
    writer = sender(fake, max_retry_seconds=0.12, delay_s=0.03)

    outcome = writer.send(batch)

    calls = len(fake.requests)
    assert 2 <= calls < len(batch)
    reason = (
        "not written within write.max_retry_seconds=0.12s; "
        "last error: UnprocessedItems: the table kept returning these items unprocessed"
    )
    assert fake.table == stored(batch[:calls])
    assert outcome.written == Counter({"AWSDynamoDB/data/a.json.gz": calls})
    assert outcome.dead == dead(batch[calls:], "RetryDeadlineExceeded", reason)
    assert writer.breaker.reason == f"an earlier batch of this task gave up: {reason}"


def test_items_throttled_past_the_deadline_are_dead_lettered_with_the_last_error() -> None:
    fake = FakeDynamoDB([Partial(3)], then=THROTTLED)
    batch = [entry(n) for n in range(1, 8)]

    outcome = sender(fake, max_retry_seconds=0.1).send(batch)

    _status, throttle = THROTTLED
    reason = (
        "not written within write.max_retry_seconds=0.1s; last error: ProvisionedThroughputExceededException: "
        f"BatchWriteItem failed: HTTP 400 ProvisionedThroughputExceededException: {throttle['message']}"
    )
    assert fake.table == stored(batch[:3])
    assert outcome.written == Counter({"AWSDynamoDB/data/a.json.gz": 3})
    assert outcome.dead == dead(batch[3:], "RetryDeadlineExceeded", reason)
    assert outcome.throttles == len(fake.requests) - 1
    assert all(keys == keys_of(batch[3:]) for keys in fake.requests[1:])


def test_a_terminal_error_fails_at_once_and_says_what_to_do() -> None:
    fake = FakeDynamoDB([ACCESS_DENIED])
    writer = sender(fake)

    with pytest.raises(TerminalError) as failure:
        writer.send([entry(1), entry(2)])

    _status, denied = ACCESS_DENIED
    assert str(failure.value) == (
        f"writing to table orders: BatchWriteItem failed: HTTP 400 AccessDeniedException: {denied['Message']}"
        " -> check the table exists and the job's role may write to it"
    )
    assert len(fake.requests) == 1 and asked(writer) == []
    assert writer.breaker.reason is None
