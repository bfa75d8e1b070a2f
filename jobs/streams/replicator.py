"""The replication plan: everything a replicator needs, in one JSON document, and the runtime
built from it.

``ddb-migrate replicate`` writes the plan to ``<run prefix>replication/plan.json``; the Lambda
function reads it from there at cold start, so the CLI, the Lambda function and catch-up apply
the *same* mapping with the *same* typed access (resolved once, from the full load's export
sample). The plan holds no credentials: each runtime brings its own way to reach the target.
Nothing here imports Spark or YAML (the Lambda runtime has neither).
"""

from __future__ import annotations

import json
import statistics
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from jobs import aws
from jobs.aws import AccountSpec
from jobs.aws.wire import DynamoWire
from jobs.core.errors import ConfigError
from jobs.core.item_checks import KeySchema
from jobs.core.s3uri import parse_s3_uri
from jobs.mapping.item import ItemMapper
from jobs.mapping.spec import parse_mapping
from jobs.streams.changes import Change
from jobs.streams.writer import (
    APPLIED,
    DEAD,
    FILTERED,
    RETRY,
    SUPERSEDED,
    ChangeResult,
    ChangeWriter,
    ReplicationTarget,
)

PLAN_VERSION = 1


@dataclass(frozen=True)
class ReplicationPlan:
    run_id: str
    source_table: str
    source_key_names: tuple[str, ...]
    target_table: str
    key_schema: KeySchema
    version_table: str
    mapping: dict[str, Any]
    access: tuple[tuple[str, str], ...]
    dead_letter_uri: str  # s3://bucket/<run prefix>replication/dead-letters/
    max_attempts: int = 5
    concurrency: int = 8

    def to_json(self) -> str:
        return json.dumps({"version": PLAN_VERSION, **asdict(self)}, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes, where: str) -> ReplicationPlan:
        try:
            doc = json.loads(text)
            if doc.pop("version", None) != PLAN_VERSION:
                raise ValueError(f"plan version must be {PLAN_VERSION}")
            doc["source_key_names"] = tuple(doc["source_key_names"])
            doc["key_schema"] = tuple(tuple(k) for k in doc["key_schema"])
            doc["access"] = tuple(tuple(a) for a in doc["access"])
            return cls(**doc)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{where}: not a replication plan ({exc})",
                hint="write it with `ddb-migrate replicate --config FILE --write-plan`",
            ) from exc

    def target(self) -> ReplicationTarget:
        return ReplicationTarget(
            self.target_table, self.key_schema, self.version_table, self.source_key_names, self.max_attempts
        )

    def mapper(self) -> ItemMapper:
        return ItemMapper(parse_mapping(self.mapping or None), dict(self.access))


class DeadLetterSink:
    """JSON Lines of dead changes under the plan's dead-letter prefix, one object per batch."""

    def __init__(self, account: AccountSpec, uri: str) -> None:
        self.account = account
        self.bucket, self.prefix = parse_s3_uri(uri)

    def record(self, name: str, results: list[ChangeResult]) -> str | None:
        if not results:
            return None
        key = f"{self.prefix.rstrip('/')}/{name}.jsonl".lstrip("/")
        lines = "\n".join(json.dumps(r.dead_letter(), ensure_ascii=False, separators=(",", ":")) for r in results)
        aws.client(self.account, "s3").put_object(Bucket=self.bucket, Key=key, Body=(lines + "\n").encode("utf-8"))
        return f"s3://{self.bucket}/{key}"


@dataclass
class ReplicationStats:
    """Counts per outcome and the observed lag (seconds from change to application)."""

    read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    lags: list[float] = field(default_factory=list)
    dead_letters: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, results: list[ChangeResult]) -> None:
        with self._lock:
            self.read += len(results)
            self.outcomes.update(r.outcome for r in results)
            self.lags += [lag for r in results if (lag := r.lag_s) is not None]
            del self.lags[:-100_000]

    def summary(self) -> dict[str, Any]:
        lags = sorted(self.lags)
        return {
            "changes": self.read,
            **{name: self.outcomes.get(name, 0) for name in (APPLIED, FILTERED, SUPERSEDED, DEAD, RETRY)},
            "lag_s": {
                "p50": round(statistics.median(lags), 3) if lags else None,
                "p95": round(lags[int(0.95 * (len(lags) - 1))], 3) if lags else None,
                "max": round(lags[-1], 3) if lags else None,
            },
            "dead_letters": list(self.dead_letters),
        }


class Replicator:
    """Applies batches of changes through the plan's mapping; dead changes go to the sink."""

    def __init__(self, plan: ReplicationPlan, target: AccountSpec, sink: DeadLetterSink | None) -> None:
        self.plan = plan
        self.wire = DynamoWire(target, pool_size=max(2, plan.concurrency))
        self.writer = ChangeWriter(plan.target(), plan.mapper(), self.wire)
        self.sink = sink
        self.stats = ReplicationStats()

    def apply(self, changes: list[Change], batch_name: str, dead_letter_retries: bool = False) -> list[ChangeResult]:
        """Apply ``changes``; record dead ones (and, with ``dead_letter_retries``, those that kept
        failing) in the sink. Returns every result in input order."""
        results = self.writer.apply_all(changes, self.plan.concurrency)
        wanted = {DEAD, RETRY} if dead_letter_retries else {DEAD}
        dead = [r for r in results if r.outcome in wanted]
        if dead and self.sink is not None:
            uri = self.sink.record(batch_name, dead)
            if uri:
                self.stats.dead_letters.append(uri)
        self.stats.add(results)
        return results

    def close(self) -> None:
        self.wire.close()
