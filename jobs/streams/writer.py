"""Apply changes to the target: one TransactWriteItems per change, versioned per source key.

Outcomes of one change:

* ``applied``: the mapped image was put and/or the old mapped key deleted;
* ``filtered``: the mapping filters the new image (the old target item, if any, was deleted);
* ``superseded``: the key's stored version is as new or newer (a replay, or an older record
  arriving late), or replication already owns the key (an incremental export's change): nothing
  was written;
* ``dead``: the new image cannot be written (mapping failure, invalid item); the old target item
  was removed and the change must be dead-lettered with the reason;
* ``retry``: transient failures outlasted ``max_attempts``; the caller reports it back (Lambda's
  batch item failures) or dead-letters it.

Changes of one source key are applied in order; different keys run concurrently.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from jobs.aws.wire import DynamoCallError, DynamoWire, as_terminal
from jobs.core.attrvalue import Item
from jobs.core.canonical import key_text
from jobs.core.errors import InvalidItemError, is_transient, is_transient_code
from jobs.core.item_checks import KeySchema
from jobs.core.retry import Backoff
from jobs.mapping.item import ItemMapper
from jobs.streams.changes import Change
from jobs.streams.target import TargetWrite, target_write, transaction

log = logging.getLogger(__name__)
APPLIED, FILTERED, SUPERSEDED, DEAD, RETRY = "applied", "filtered", "superseded", "dead", "retry"
_REASONS = re.compile(r"\[([A-Za-z, ]+)\]\s*$")


@dataclass
class ChangeResult:
    change: Change
    outcome: str
    stage: str | None = None
    error: str | None = None
    reason: str | None = None
    attempts: int = 1
    applied_at: float = field(default_factory=time.time)

    @property
    def lag_s(self) -> float | None:
        """Seconds from the source change (the stream's approximate time) to its application."""
        created = self.change.created_at
        return None if created is None else max(0.0, self.applied_at - created)

    def dead_letter(self) -> dict[str, object]:
        """The run's dead-letter record shape (``jobs.sink.writer.DeadLetter.record``)."""
        return {
            "file": self.change.origin,
            "line": self.change.position,
            "stage": self.stage or "replicate",
            "error": self.error,
            "reason": self.reason,
            "item": self.change.record(),
        }


def cancellation_reasons(error: DynamoCallError) -> list[str]:
    """The per-action codes of a TransactionCanceledException, in request order."""
    match = _REASONS.search(str(error))
    return [code.strip() for code in match.group(1).split(",")] if match else []


@dataclass(frozen=True)
class ReplicationTarget:
    """Where and how changes are written."""

    target_table: str
    key_schema: KeySchema
    version_table: str
    source_key_names: tuple[str, ...]
    max_attempts: int = 5
    backoff: Backoff = field(default_factory=Backoff)


class ChangeWriter:
    """Maps and writes changes; thread-safe (one signed HTTP pool)."""

    def __init__(self, target: ReplicationTarget, mapper: ItemMapper, wire: DynamoWire) -> None:
        self.target, self.mapper, self.wire = target, mapper, wire

    def apply(self, change: Change) -> ChangeResult:
        try:
            write = target_write(change, self.mapper, self.target.key_schema)
        except InvalidItemError as exc:
            return ChangeResult(change, DEAD, "mapping", "InvalidItem", str(exc))
        body = transaction(
            change, write, self.target.target_table, self.target.version_table, self.target.source_key_names
        )
        if body is None:
            return self._settled(change, write, attempts=0)
        return self._send(change, write, body)

    def _send(self, change: Change, write: TargetWrite, body: dict[str, object]) -> ChangeResult:
        text = json.dumps(body, ensure_ascii=False)
        last = ""
        for attempt in range(1, self.target.max_attempts + 1):
            try:
                self.wire.call("TransactWriteItems", text)
                return self._settled(change, write, attempt)
            except DynamoCallError as error:
                reasons = cancellation_reasons(error) if error.code == "TransactionCanceledException" else []
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return ChangeResult(change, SUPERSEDED, attempts=attempt)
                if "ValidationError" in reasons or error.code == "ValidationException":
                    if write.put is not None:
                        return self._rejected(change, write, write.put, f"DynamoDB rejected the mapped item: {error}")
                    return ChangeResult(change, DEAD, "write", "ValidationException", f"DynamoDB rejected it: {error}")
                if not (is_transient(error) or any(is_transient_code(reason) for reason in reasons)):
                    raise as_terminal(
                        error,
                        f"applying {change.event} {change.position} of {change.origin}",
                        f"check that tables {self.target.target_table} and {self.target.version_table} exist "
                        "and the replicator's role may write to them",
                    ) from error
                last = f"{error.code}: {error}"
            if attempt < self.target.max_attempts:
                time.sleep(self.target.backoff.delay(attempt))
        reason = f"not applied after {self.target.max_attempts} attempts; last error: {last}"
        return ChangeResult(change, RETRY, "replicate", "RetriesExhausted", reason, self.target.max_attempts)

    def _rejected(self, change: Change, write: TargetWrite, put: Item, reason: str) -> ChangeResult:
        """The new image is invalid for DynamoDB: still record the version and remove the stale
        target item, then report the change as dead."""
        names = tuple(n for n, _t in self.target.key_schema)
        stale = {n: put[n] for n in names if n in put}
        deletes = write.deletes if len(stale) != len(names) else (*write.deletes, stale)
        dead = TargetWrite(deletes=deletes, dead=("write", "ValidationException", reason))
        target = self.target
        body = transaction(change, dead, target.target_table, target.version_table, target.source_key_names)
        return self._settled(change, dead, 0) if body is None else self._send(change, dead, body)

    def _settled(self, change: Change, write: TargetWrite, attempts: int) -> ChangeResult:
        if write.dead is not None:
            stage, code, reason = write.dead
            return ChangeResult(change, DEAD, stage, code, reason, attempts)
        if write.filtered:
            return ChangeResult(change, FILTERED, attempts=attempts)
        return ChangeResult(change, APPLIED if not write.empty or change.removed else FILTERED, attempts=attempts)

    def apply_all(self, changes: Iterable[Change], concurrency: int) -> list[ChangeResult]:
        """Apply changes: those of one source key in order, different keys concurrently."""
        ordered = list(changes)
        groups: dict[str, list[int]] = {}
        for index, change in enumerate(ordered):
            groups.setdefault(key_text(change.keys, self.target.source_key_names), []).append(index)
        results: list[ChangeResult | None] = [None] * len(ordered)

        def run(indexes: list[int]) -> None:
            for index in indexes:
                results[index] = self.apply(ordered[index])

        run_groups(run, list(groups.values()), concurrency)
        return [r for r in results if r is not None]


def run_groups(run: Callable[[list[int]], None], groups: list[list[int]], concurrency: int) -> None:
    if len(groups) <= 1 or concurrency <= 1:
        for group in groups:
            run(group)
        return
    with ThreadPoolExecutor(max_workers=min(concurrency, len(groups)), thread_name_prefix="replicate") as pool:
        for future in [pool.submit(run, g) for g in groups]:
            future.result()
