"""Write-rate control: a token bucket in write units per second, one per Spark task.

The global budget (``write.max_write_units_per_s``) is split evenly over the tasks that run at
once. Each request is charged its item count up front (1 WCU per item is the least an item
costs) and corrected with the ConsumedCapacity DynamoDB reports, so larger items are paid for
exactly, without computing sizes on the hot path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Thread-safe token bucket; ``rate`` tokens per second, at most ``burst`` saved up."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(rate, 25.0)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self, amount: float) -> float:
        """Take ``amount`` tokens, waiting as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                # A request larger than the burst goes through once the bucket is full.
                if self._tokens >= min(amount, self.burst):
                    self._tokens -= amount
                    return waited
                delay = (min(amount, self.burst) - self._tokens) / self.rate
            self._sleep(delay)
            waited += delay

    def settle(self, extra: float) -> None:
        """Charge (or refund) the difference between what a request used and what was taken."""
        with self._lock:
            self._tokens -= extra


def per_task_rate(global_rate: float | None, concurrent_tasks: int) -> float | None:
    """A task's share of the global budget."""
    if global_rate is None:
        return None
    return global_rate / max(1, concurrent_tasks)
