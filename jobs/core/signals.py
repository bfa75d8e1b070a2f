"""Signals as interrupts: SIGINT (Ctrl-C, sent to the whole process group by a terminal) and
SIGTERM (Glue stopping a job, a container stopping) raise :class:`Terminated`, so ``finally``
blocks run (the capacity restore, the partial run report); inside :func:`signals_deferred`
(a restore) they are logged and ignored. Handlers are installed only from the main thread."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType

log = logging.getLogger(__name__)
Handler = Callable[[int, FrameType | None], None]


class Terminated(KeyboardInterrupt):
    """SIGINT or SIGTERM, turned into an interrupt so that ``finally`` blocks run."""


@contextmanager
def _handling(numbers: tuple[signal.Signals, ...], handler: Handler) -> Iterator[None]:
    """Install ``handler`` for ``numbers`` while inside; only the main thread may (a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, handler) for number in numbers}
    try:
        yield
    finally:
        for number, before in previous.items():
            signal.signal(number, before)


_stop = threading.Event()


def request_stop(_signum: int = 0, _frame: FrameType | None = None) -> None:
    """Ask the task running in this process (a Spark Python worker) to stop after its current batch."""
    _stop.set()


def clear_stop() -> None:
    _stop.clear()


def stop_requested() -> bool:
    return _stop.is_set()


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(f"signal {signal.Signals(signum).name}")


def _hold(signum: int, _frame: FrameType | None) -> None:
    log.warning(
        "%s received while finishing up (restoring capacity, writing the report); finishing first",
        signal.Signals(signum).name,
    )


def signals_as_interrupts(
    numbers: tuple[signal.Signals, ...] = (signal.SIGTERM,),
) -> AbstractContextManager[None]:
    """While inside, the given signals (default SIGTERM) raise :class:`Terminated`."""
    return _handling(numbers, _terminate)


def signals_deferred() -> AbstractContextManager[None]:
    """While inside (a restore, the final report), SIGINT and SIGTERM are logged instead of interrupting."""
    return _handling((signal.SIGINT, signal.SIGTERM), _hold)
