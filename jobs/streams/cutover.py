"""`ddb-migrate cutover`: lag, stop the writers, drain, validate, go/no-go.

1. report the replication lag: records of the stream not applied yet (read ahead of the
   checkpoints, without applying) and the age of the oldest one;
2. ask the operator to stop every writer of the source table (``--yes``: already done);
3. drain: apply what is left until every shard is caught up, then check nothing is pending;
4. validate: export the source as it now is (writes have stopped) and compare the target with
   the mapping of that export (``jobs.validate.validation.validate``);
5. print GO only if nothing is pending, no change was dead-lettered and validation passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobs import aws
from jobs.config import JobConfig
from jobs.ledger import LedgerStore
from jobs.source.export import exporter_for
from jobs.streams.follow import CHECKPOINTS, CheckpointStore, StreamReader
from jobs.streams.replicate import run_replication, source_stream
from jobs.validate.validation import ValidationOptions, validate

log = logging.getLogger(__name__)

PENDING_CAP = 10_000


@dataclass(frozen=True)
class Lag:
    pending: int  # records after the checkpoints (at most PENDING_CAP are counted per shard)
    capped: bool
    oldest_age_s: float | None  # from the stream's ApproximateCreationDateTime (seconds on AWS)
    shards: int
    checkpointed: bool

    def describe(self) -> str:
        if not self.checkpointed:
            return "no replication checkpoints yet: every record of the stream is pending"
        if not self.pending:
            return f"replication lag: 0 records pending on {self.shards} shard(s)"
        count = f"{'at least ' if self.capped else ''}{self.pending}"
        age = f"; the oldest is about {self.oldest_age_s:.0f} s old" if self.oldest_age_s is not None else ""
        return f"replication lag: {count} records pending on {self.shards} shard(s){age}"


def measure_lag(config: JobConfig) -> Lag:
    """Read the stream after each shard's checkpoint (without applying anything)."""
    stream = source_stream(config)
    store = LedgerStore.for_run(config)
    checkpoints = CheckpointStore(store.account, store.bucket, store.prefix + CHECKPOINTS).load(stream.arn)
    reader = StreamReader(config.account(config.source_account), stream.arn, config.replication.batch_size)
    pending, capped, oldest = 0, False, None
    shards = [s for s in reader.shards() if not checkpoints.finished(s["ShardId"])]
    for shard in shards:
        iterator: str | None = reader.iterator(shard["ShardId"], checkpoints.position(shard["ShardId"]))
        counted = 0
        while iterator and counted < PENDING_CAP:
            records, iterator = reader.records(iterator)
            if not records:
                break
            counted += len(records)
            created = records[0].get("dynamodb", {}).get("ApproximateCreationDateTime")
            if counted == len(records) and isinstance(created, datetime):
                age = (datetime.now(UTC) - created).total_seconds()
                oldest = age if oldest is None else max(oldest, age)
        pending += counted
        capped = capped or counted >= PENDING_CAP
    return Lag(pending, capped, oldest, len(shards), bool(checkpoints.shards))


def _dead_letter_count(config: JobConfig) -> int:
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    count = 0
    prefix = f"{store.prefix}replication/dead-letters/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=store.bucket, Key=obj["Key"])["Body"].read()
            count += sum(1 for line in body.splitlines() if line.strip())
    return count


def source_snapshot(config: JobConfig, say: Callable[[str], None]) -> JobConfig:
    """The config pointed at a new export of the source as it is now (writes have stopped)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    exporting = replace(config, run_id=f"{config.run_id}-cutover-{stamp}")  # its own client token and prefix
    result = exporter_for(exporting.source).export(say)
    say(f"source exported for validation: {result.manifest_uri} ({result.item_count} items)")
    return replace(config, export=replace(config.export, manifest_uri=result.manifest_uri))


@dataclass
class Verdict:
    checks: dict[str, bool]
    details: dict[str, Any]

    @property
    def go(self) -> bool:
        return all(self.checks.values())

    def render(self) -> str:
        lines = [f"  [{'ok' if ok else 'FAIL'}] {name}" for name, ok in self.checks.items()]
        head = "GO: point the applications at the target table" if self.go else "NO-GO: keep the source table live"
        return "\n".join([head, *lines])


def cutover(
    config: JobConfig,
    report_dir: str | Path,
    yes: bool = False,
    drain: bool = True,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = log.info,
    spark: Any = None,
) -> Verdict:
    before = measure_lag(config)
    say(f"1. {before.describe()}")
    if yes:
        say(f"2. --yes: writes to {config.source_table} are taken as stopped")
    else:
        answer = ask(f"2. Stop every writer of {config.source_table} now, then type 'stopped': ")
        if answer.strip().lower() != "stopped":
            say("cutover abandoned: the source table stays the live one")
            return Verdict({"writes to the source stopped": False}, {})
    started = time.monotonic()
    drained: dict[str, Any] = {}
    if drain:
        drained = run_replication(config)
        say(f"3. drained in {time.monotonic() - started:.1f}s: {drained['applied']} applied, {drained['dead']} dead")
    else:
        say("3. --no-drain: the Lambda function applies the stream (check its IteratorAge is back to 0)")
    after = measure_lag(config) if drain else before
    say(f"   {after.describe()}")
    dead = _dead_letter_count(config)
    outcome = validate(source_snapshot(config, say), report_dir, ValidationOptions(), spark)
    say(f"4. validation: {outcome.summary_line()}")
    checks = {
        "nothing pending on the stream": (after.pending == 0 and after.checkpointed) or not drain,
        "no change dead-lettered by replication": dead == 0,
        "validation passed (target == mapping of the source now)": outcome.success,
    }
    details = {"lag_before": before.__dict__, "lag_after": after.__dict__, "drain": drained, "dead_letters": dead}
    details["validation"] = {"counts": outcome.counts, "report": str(report_dir)}
    return Verdict(checks, details)
