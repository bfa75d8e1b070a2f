"""Progress for the people watching: tasks send small UDP datagrams, the driver adds them up.

Best effort by design: a lost datagram only makes the display lag; the ledger, not the
progress display, is the record of what was written. Locally the driver draws a one-line
progress bar; on Glue (no terminal) it logs a line every ``log_every_s`` and can publish
CloudWatch metrics.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProgressAddress:
    host: str
    port: int


class ProgressSink:
    """Task side: cumulative counters, sent at most every ``interval_s``."""

    def __init__(self, address: ProgressAddress | None, interval_s: float = 0.5) -> None:
        self.address = address
        self.interval_s = interval_s
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if address else None
        self._pending: dict[str, int] = {}
        self._last = 0.0
        self._lock = threading.Lock()

    def add(self, **counts: int) -> None:
        if self._socket is None:
            return
        with self._lock:
            for name, value in counts.items():
                self._pending[name] = self._pending.get(name, 0) + value
            if time.monotonic() - self._last >= self.interval_s:
                self._send()

    def _send(self) -> None:
        if not self._pending or self._socket is None or self.address is None:
            return
        with contextlib.suppress(OSError):  # progress is advisory
            self._socket.sendto(json.dumps(self._pending).encode(), (self.address.host, self.address.port))
        self._pending = {}
        self._last = time.monotonic()

    def flush(self) -> None:
        with self._lock:
            self._send()


class ProgressMonitor:
    """Driver side: receive, add up, and show progress until stopped."""

    def __init__(
        self,
        total_items: int,
        total_files: int,
        bind_host: str = "127.0.0.1",
        advertise_host: str | None = None,
        log_every_s: float = 30.0,
        metrics: Any = None,
    ) -> None:
        self.totals = {"items": total_items, "files": total_files}
        self.counts: dict[str, int] = {}
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((bind_host, 0))
        self._socket.settimeout(0.2)
        self.address = ProgressAddress(advertise_host or bind_host, self._socket.getsockname()[1])
        self.log_every_s = log_every_s
        self.metrics = metrics
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
        self._started = time.monotonic()
        self._tty = sys.stderr.isatty()

    def __enter__(self) -> ProgressMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.setblocking(False)  # what the tasks sent last is waiting in the socket: count it
        while self._receive():
            pass
        self._socket.close()
        self._render(final=True)

    def _receive(self) -> bool:
        """Add one datagram's counts; False when none came."""
        try:
            data, _ = self._socket.recvfrom(65536)
        except (TimeoutError, OSError):
            return False
        try:
            for name, value in json.loads(data).items():
                self.counts[name] = self.counts.get(name, 0) + int(value)
        except (ValueError, AttributeError):
            pass  # not ours: progress is advisory
        return True

    def _run(self) -> None:
        last_render = last_log = time.monotonic()
        while not self._stop.is_set():
            self._receive()
            now = time.monotonic()
            if self._tty and now - last_render >= 1.0:
                self._render()
                last_render = now
            if not self._tty and now - last_log >= self.log_every_s:
                log.info(self.line())
                if self.metrics is not None:
                    self.metrics(dict(self.counts))
                last_log = now

    def line(self) -> str:
        elapsed = max(1e-6, time.monotonic() - self._started)
        done = self.counts.get("items", 0)
        rate = done / elapsed
        left = max(0, self.totals["items"] - done)
        eta = f"{left / rate:,.0f}s" if rate > 0 else "?"
        return (
            f"files {self.counts.get('files', 0)}/{self.totals['files']} | items {done:,}/{self.totals['items']:,}"
            f" | {rate:,.0f} items/s | throttles {self.counts.get('throttles', 0):,}"
            f" | dead {self.counts.get('dead', 0):,} | ETA {eta}"
        )

    def bar(self) -> str:
        """The terminal's live line: a tqdm bar over the items, then the same counters as :meth:`line`."""
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is pinned, but progress must never fail a run
            return self.line()
        done = self.counts.get("items", 0)
        meter = tqdm.format_meter(
            done, self.totals["items"] or None, time.monotonic() - self._started, ncols=70, unit=" items"
        )
        return (
            f"{meter} | files {self.counts.get('files', 0)}/{self.totals['files']}"
            f" | throttles {self.counts.get('throttles', 0):,} | dead {self.counts.get('dead', 0):,}"
        )

    def _render(self, final: bool = False) -> None:
        if self._tty:
            sys.stderr.write("\r\033[K" + self.bar() + ("\n" if final else ""))
            sys.stderr.flush()
        elif final:
            log.info(self.line())


def cloudwatch_publisher(client: Any, namespace: str, run_id: str) -> Any:
    """A callback that publishes the running totals as CloudWatch metrics."""
    previous: dict[str, int] = {}

    def publish(counts: dict[str, int]) -> None:
        data = []
        for name, metric in (("items", "ItemsWritten"), ("throttles", "Throttles"), ("dead", "DeadLetters")):
            delta = counts.get(name, 0) - previous.get(name, 0)
            data.append(
                {
                    "MetricName": metric,
                    "Value": float(delta),
                    "Unit": "Count",
                    "Dimensions": [{"Name": "RunId", "Value": run_id}],
                }
            )
        previous.update(counts)
        try:
            client.put_metric_data(Namespace=namespace, MetricData=data)
        except Exception as exc:  # metrics must never fail the run
            log.warning("could not publish CloudWatch metrics: %s", exc)

    return publish
