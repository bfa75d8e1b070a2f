"""Named phases, so no part of a run is silent: each says when it starts, how long it took, and
while it lasts, that it is still at work.

    with phase("reading manifests"):
        ...

logs ``reading manifests ...``, then ``reading manifests: done in 1.2 s`` (or ``failed after``),
and every ``heartbeat_s`` in between ``reading manifests: still at it (30 s)``. A phase that
shows its own progress (the load's bar) passes ``heartbeat=False``. The lines go to the
``jobs.phases`` logger: the CLI shows them on the terminal, Glue keeps them in its log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_S = 30.0
_heartbeat_s = DEFAULT_HEARTBEAT_S


def set_heartbeat(seconds: float) -> None:
    """How often a running phase says it is still at work (the CLI: shorter on a terminal)."""
    global _heartbeat_s
    _heartbeat_s = max(0.1, float(seconds))


def heartbeat_s() -> float:
    return _heartbeat_s


@contextmanager
def phase(name: str, *, heartbeat: bool = True, detail: Callable[[], str] | None = None) -> Iterator[None]:
    """Announce ``name``, keep saying it is at work, and say how it ended and after how long.

    ``detail`` adds what is known of the phase's progress to each heartbeat (e.g. Spark tasks done).
    """
    started = time.monotonic()
    log.info("%s ...", name)
    stop = threading.Event()
    beat: threading.Thread | None = None
    if heartbeat:
        interval = _heartbeat_s

        def still() -> None:
            while not stop.wait(interval):
                known = f"; {detail()}" if detail is not None else ""
                log.info("%s: still at it (%.0f s%s)", name, time.monotonic() - started, known)

        beat = threading.Thread(target=still, name=f"phase {name}", daemon=True)
        beat.start()
    try:
        yield
    except BaseException:
        log.info("%s: failed after %.1f s", name, time.monotonic() - started)
        raise
    finally:
        stop.set()
        if beat is not None:
            beat.join(timeout=1)
    log.info("%s: done in %.1f s", name, time.monotonic() - started)
