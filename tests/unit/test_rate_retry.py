import random

import pytest

from jobs.core.rate import TokenBucket, per_task_rate
from jobs.core.retry import Backoff, Deadline
from jobs.sink.writer import Entry, item_body


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_token_bucket_holds_the_rate_over_time():
    clock = FakeClock()
    bucket = TokenBucket(100.0, burst=25.0, clock=clock, sleep=clock.sleep)
    for _ in range(40):  # 40 batches of 25 units = 1000 units
        bucket.acquire(25)
    # the first 25 came from the burst; the other 975 at 100/s
    assert clock.now == pytest.approx(9.75, rel=1e-6)


def test_consumed_capacity_is_settled_as_debt():
    clock = FakeClock()
    bucket = TokenBucket(10.0, burst=10.0, clock=clock, sleep=clock.sleep)
    bucket.acquire(10)
    bucket.settle(20)  # the items were 3 KB each: 30 units used, 10 charged
    bucket.acquire(10)
    assert clock.now == pytest.approx(3.0)


def test_global_budget_is_split_over_concurrent_tasks():
    assert per_task_rate(1000.0, 4) == 250.0
    assert per_task_rate(None, 4) is None
    assert per_task_rate(100.0, 0) == 100.0


def test_full_jitter_backoff_is_bounded_and_capped():
    backoff = Backoff(base_s=0.05, cap_s=2.0)
    rng = random.Random(1)
    delays = [backoff.delay(n, rng) for n in range(20)]
    assert all(0 <= d <= min(2.0, 0.05 * 2**n) for n, d in enumerate(delays))
    assert max(delays[10:]) > 1.0  # it does grow to the cap


def test_deadline():
    assert Deadline(-1).expired and not Deadline(60).expired


def test_item_body_splices_wire_json_without_decoding():
    pairs = [("n", '{"N":"12345678901234567890123456789012345678"}'), ("é", '{"B":"AAE="}')]
    assert item_body(pairs) == '{"n":{"N":"12345678901234567890123456789012345678"},"é":{"B":"AAE="}}'
    entry = Entry("f", 1, item_body(pairs), pairs)
    assert entry.key_signature(("n",)) == ('{"N": "12345678901234567890123456789012345678"}',)
