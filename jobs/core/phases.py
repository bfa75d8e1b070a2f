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
from typing import TextIO

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_S = 30.0
_heartbeat_s = DEFAULT_HEARTBEAT_S


def set_heartbeat(seconds: float) -> None:
    """How often a running phase says it is still at work (the CLI: shorter on a terminal)."""
    global _heartbeat_s
    _heartbeat_s = max(0.1, float(seconds))


def heartbeat_s() -> float:
    return _heartbeat_s


_live: TextIO | None = None


def set_live(stream: TextIO | None) -> None:
    """Where a phase with ``progress`` redraws its bar once a second (the CLI: standard error on
    a terminal); None, the default: heartbeat lines only, as on Glue and in logs."""
    global _live
    _live = stream


def bar(name: str, done: int, total: int, elapsed_s: float) -> str:
    """One phase's live line: its name, then tqdm's meter over ``done`` of ``total``."""
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is pinned, but progress must never fail a run
        return f"{name}: {done}/{total}"
    return f"{name}: " + str(tqdm.format_meter(done, total or None, elapsed_s, ncols=70, unit=" tasks"))


@contextmanager
def phase(
    name: str,
    *,
    heartbeat: bool = True,
    detail: Callable[[], str] | None = None,
    progress: Callable[[], tuple[int, int] | None] | None = None,
) -> Iterator[None]:
    """Announce ``name``, keep saying it is at work, and say how it ended and after how long.

    ``detail`` adds what is known of the phase's progress to each heartbeat (e.g. Spark tasks done).
    ``progress`` gives (done, total) of the work under way, or None when none is; with a live
    stream set (:func:`set_live`) the phase redraws a bar from it once a second instead of
    heartbeat lines, and clears it before its last line.
    """
    started = time.monotonic()
    log.info("%s ...", name)
    stop = threading.Event()
    beat: threading.Thread | None = None
    live = _live if progress is not None else None
    if live is not None and progress is not None:
        report = progress

        def draw() -> None:
            while not stop.wait(1.0):
                try:
                    now = report()
                except Exception as exc:  # progress is advisory: a failed look never fails the phase
                    log.debug("%s: no progress to show (%s)", name, exc)
                    continue
                if now is not None:
                    live.write("\r\033[K" + bar(name, now[0], now[1], time.monotonic() - started))
                    live.flush()

        beat = threading.Thread(target=draw, name=f"phase {name}", daemon=True)
        beat.start()
    elif heartbeat:
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
            beat.join(timeout=2)
        if live is not None:
            live.write("\r\033[K")  # the bar gives way to the phase's last line
            live.flush()
    log.info("%s: done in %.1f s", name, time.monotonic() - started)
