"""Retry policy as pure functions: exponential backoff with full jitter, and a deadline.

There is no attempt cap that drops data: a caller retries until its deadline, then hands
what is left to the dead-letter output and fails the run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """``delay(n)`` is uniform in [0, min(cap, base * 2**n)] ("full jitter")."""

    base_s: float = 0.05
    cap_s: float = 5.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempt, 30)))
        return (rng or random).uniform(0.0, ceiling)


@dataclass
class Deadline:
    """A point in monotonic time after which retrying stops."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    @property
    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    @property
    def expired(self) -> bool:
        return self.remaining <= 0

    def sleep(self, delay: float) -> None:
        """Sleep for ``delay`` seconds, but never past the deadline."""
        time.sleep(max(0.0, min(delay, self.remaining)))
