"""One run per run id: a lease object under the run prefix, taken with S3's conditional writes.

``lease.json`` is created with ``If-None-Match: *`` (only if no lease exists), renewed by a
heartbeat thread with ``If-Match: <its ETag>`` (only if nobody replaced it), and deleted when
the run ends. A second run of the same id finds a live lease and refuses, naming the holder and
since when. A lease whose holder stopped renewing (kill -9, a lost host) expires ``ttl_s`` after
its last renewal and is taken over, again with ``If-Match``, so of two runs that find the same
expired lease only one wins. Expiry is judged by the clock of the run that finds the lease;
the TTL is far longer than any clock skew between hosts that keep NTP time. A holder on the
same host (same boot) whose process is gone is known dead at once: its lease is taken over
without waiting for the TTL, which is what a rerun after kill -9 on one machine needs. ADR 0013.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from botocore.exceptions import ClientError

from jobs import aws
from jobs.core.errors import TerminalError
from jobs.ledger import LedgerStore

log = logging.getLogger(__name__)
LEASE_NAME = "lease.json"
DEFAULT_TTL_S = 60.0
# S3 answers 412 when the condition fails, 409 when a concurrent conditional write is in flight.
_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict"}


class LeaseHeldError(TerminalError):
    """Another run holds this run id's lease."""


@dataclass(frozen=True)
class Lease:
    """The lease object's content."""

    run_id: str
    holder: str
    since: str  # ISO 8601, UTC: when the holder took the lease
    renewed_at: float  # epoch seconds of the last renewal
    ttl_s: float
    process: str = ""  # "<boot id>:<pid>:<start ticks>" of the holder, for the same-host check

    @property
    def expires_at(self) -> float:
        return self.renewed_at + self.ttl_s

    def holder_gone(self) -> bool:
        """True only when the holder ran on this host, in this boot, and its process has ended."""
        boot, _, rest = self.process.partition(":")
        pid, _, ticks = rest.partition(":")
        if not boot or boot != _boot_id() or not pid.isdigit():
            return False  # another host (or an older lease): only the TTL can tell
        return _start_ticks(int(pid)) != ticks  # no such process, or the pid now names another one

    def body(self) -> bytes:
        return json.dumps(asdict(self), indent=2).encode("utf-8")


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""  # not Linux: the same-host check is off, the TTL still applies


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot ('' when there is no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[1].split()  # counted after the command name: state is field 3
    return "" if fields[0] == "Z" else fields[19]  # a zombie has ended; field 22 is the start time


def this_process() -> str:
    boot = _boot_id()
    return f"{boot}:{os.getpid()}:{_start_ticks(os.getpid())}" if boot else ""


def default_holder() -> str:
    return f"{socket.gethostname()} pid {os.getpid()} ({uuid.uuid4().hex[:8]})"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class RunLease:
    """``with RunLease(store, run_id):`` hold the run id for the block, or raise :class:`LeaseHeldError`."""

    def __init__(
        self,
        store: LedgerStore,
        run_id: str,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
        holder: str | None = None,
    ) -> None:
        self.store, self.run_id, self.ttl_s, self.clock = store, run_id, ttl_s, clock
        self.holder = holder or default_holder()
        self.key = store.prefix + LEASE_NAME
        self.uri = f"s3://{store.bucket}/{self.key}"
        self.since = ""
        self.etag: str | None = None
        self.lost: str | None = None  # why the lease was lost while the run went on
        self.took_over: Lease | None = None  # the expired lease this run replaced
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._s3: Any = aws.client(store.account, "s3")

    def _put(self, lease: Lease, **condition: str) -> str:
        response = self._s3.put_object(Bucket=self.store.bucket, Key=self.key, Body=lease.body(), **condition)
        return str(response["ETag"])

    def _current(self) -> tuple[Lease, str] | None:
        try:
            response = self._s3.get_object(Bucket=self.store.bucket, Key=self.key)
        except self._s3.exceptions.NoSuchKey:
            return None
        return Lease(**json.loads(response["Body"].read())), str(response["ETag"])

    def _mine(self, now: float) -> Lease:
        return Lease(self.run_id, self.holder, self.since or _stamp(now), now, self.ttl_s, this_process())

    def acquire(self) -> None:
        """Take the lease, or take over an expired one; refuse when another run holds it."""
        for _attempt in range(3):
            now = self.clock()
            self.since = _stamp(now)
            try:
                self.etag = self._put(self._mine(now), IfNoneMatch="*")
                log.info("lease: run %s held by %s (%s)", self.run_id, self.holder, self.uri)
                return
            except ClientError as error:
                if _code(error) not in _LOST_RACE:
                    raise
            found = self._current()
            if found is None:
                continue  # released between our two calls: try again
            lease, etag = found
            gone = lease.holder_gone()
            if now < lease.expires_at and not gone:
                raise LeaseHeldError(
                    f"run {self.run_id} is already running: its lease is held by {lease.holder} since "
                    f"{lease.since} (renewed {now - lease.renewed_at:.0f}s ago, {self.uri})",
                    hint="wait for that run to end; if it ran on another host and is gone (kill -9, a lost host), "
                    f"rerun after {_stamp(lease.expires_at)}, when its lease expires and this run takes it over",
                )
            try:
                self.etag = self._put(self._mine(now), IfMatch=etag)
            except ClientError as error:
                if _code(error) not in _LOST_RACE:
                    raise
                continue  # another run took it over first: look again
            self.took_over = lease
            log.warning(
                "lease: took over run %s from %s (held since %s, %s)",
                self.run_id,
                lease.holder,
                lease.since,
                "its process on this host is gone" if gone else f"expired {_stamp(lease.expires_at)} without renewal",
            )
            return
        raise LeaseHeldError(f"run {self.run_id}: could not take its lease ({self.uri}); another run keeps taking it")

    def renew(self) -> bool:
        """Extend the lease; False (and ``lost`` set) when another run replaced it."""
        try:
            self.etag = self._put(self._mine(self.clock()), IfMatch=str(self.etag))
        except ClientError as error:
            if _code(error) not in _LOST_RACE:
                log.warning("lease: renewal failed (%s); trying again", _code(error) or error)
                return True
            found = self._current()
            self.lost = (
                f"the lease of run {self.run_id} was taken over by {found[0].holder} while this run went on"
                if found
                else f"the lease of run {self.run_id} was deleted while this run went on"
            )
            log.error("lease: %s", self.lost)
            return False
        return True

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            if not self.renew():
                return

    def release(self) -> None:
        """Stop renewing and delete the lease, if it is still this run's."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        found = self._current()
        if self.lost is None and found is not None and found[0].holder == self.holder:
            self._s3.delete_object(Bucket=self.store.bucket, Key=self.key)

    def __enter__(self) -> RunLease:
        self.acquire()
        self._thread = threading.Thread(target=self._heartbeat, name="run-lease", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
