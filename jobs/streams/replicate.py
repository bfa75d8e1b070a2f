"""`ddb-migrate replicate`: check the ordering rules, write the plan, follow the stream.

Ordering (ADR 0009): the full load writes the export's image (time T0) without a version, so
replication must (1) start after the full load finished, and (2) read the stream from a point
at or before T0: TRIM_HORIZON of a stream that existed at T0 and still holds T0 (24 hours).
Replaying from before T0 may briefly write older images over the full load's, but every later
change of the key follows in order, so each key converges to its newest image. When T0 has
left the stream's window, ``catch-up`` applies an incremental export from T0 first; its window
extends the point replication must reach back to.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobs import aws
from jobs.aws import tables
from jobs.config import JobConfig
from jobs.core.errors import TerminalError
from jobs.ledger import LedgerStore
from jobs.mapping.item import resolve_access
from jobs.source.export import open_export
from jobs.source.sample import sample_items
from jobs.streams.follow import CHECKPOINTS, CheckpointStore, Follower, OnResults, StreamReader
from jobs.streams.replicator import DeadLetterSink, ReplicationPlan, Replicator

log = logging.getLogger(__name__)
PLAN = "replication/plan.json"
WINDOWS = "replication/catch-up.json"
STREAM_RETENTION_S = 24 * 3600
SAFETY_MARGIN_S = 3600
VERSION_TABLE = {
    "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
}


@dataclass(frozen=True)
class SourceStream:
    arn: str
    view_type: str
    created_at: datetime


def source_stream(config: JobConfig) -> SourceStream:
    """The source table's stream; a clear error when there is none."""
    account = config.account(config.source_account)
    table = aws.client(account, "dynamodb").describe_table(TableName=config.source_table)["Table"]
    spec: Mapping[str, Any] = table.get("StreamSpecification") or {}
    arn = table.get("LatestStreamArn")
    if not spec.get("StreamEnabled") or not arn:
        raise TerminalError(
            f"source table {config.source_table} has no stream",
            hint="enable it BEFORE the export: aws dynamodb update-table --table-name "
            f"{config.source_table} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES",
        )
    described = aws.client(account, "dynamodbstreams").describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]
    created = described.get("CreationRequestDateTime") or datetime.fromisoformat(str(table["LatestStreamLabel"]))
    return SourceStream(str(arn), str(spec.get("StreamViewType")), _utc(created))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_json(config: JobConfig, name: str) -> Any:
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    try:
        return json.loads(s3.get_object(Bucket=store.bucket, Key=store.prefix + name)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def _write_json(config: JobConfig, name: str, doc: Any) -> str:
    store = LedgerStore.for_run(config)
    body = (doc if isinstance(doc, str) else json.dumps(doc, indent=2)).encode("utf-8")
    aws.client(store.account, "s3").put_object(Bucket=store.bucket, Key=store.prefix + name, Body=body)
    return f"s3://{store.bucket}/{store.prefix}{name}"


def covered_until(config: JobConfig) -> datetime:
    """The time up to which the target holds the source: the export's time, extended by every
    contiguous catch-up window applied since."""
    summary = open_export(config.source).summary
    if not summary.export_time:
        raise TerminalError(f"the export of run {config.run_id} has no exportTime in its manifest")
    covered = _utc(datetime.fromisoformat(summary.export_time))
    for window in sorted(_read_json(config, WINDOWS) or [], key=lambda w: w["from"]):
        if _utc(datetime.fromisoformat(window["from"])) <= covered:
            covered = max(covered, _utc(datetime.fromisoformat(window["to"])))
    return covered


def record_window(config: JobConfig, start: datetime, end: datetime, export_uri: str) -> None:
    """Remember an applied catch-up window (it extends what replication must reach back to)."""
    windows = _read_json(config, WINDOWS) or []
    windows.append({"from": start.isoformat(), "to": end.isoformat(), "export": export_uri})
    _write_json(config, WINDOWS, windows)


def require_full_load(config: JobConfig) -> None:
    """Changes after the export are applied only once the full load has finished: its plain
    BatchWriteItem puts would otherwise overwrite newer images (ADR 0009)."""
    report = _read_json(config, "run-report.json")
    if not report or report.get("files_done") != report.get("files_total"):
        raise TerminalError(
            f"the full load of run {config.run_id} has not finished",
            hint="run `ddb-migrate run` to completion first: changes after the export are applied after it",
        )


def check_order(config: JobConfig, stream: SourceStream, now: datetime | None = None) -> None:
    """Refuse to replicate when the full load is unfinished or the stream cannot reach back to it."""
    require_full_load(config)
    covered = covered_until(config)
    if stream.created_at > covered:
        raise TerminalError(
            f"the source stream was enabled at {stream.created_at.isoformat()}, after {covered.isoformat()}, the "
            "point the target holds: changes in between are in neither",
            hint=f"apply them with `ddb-migrate catch-up --from {covered.isoformat()} --to "
            f"{stream.created_at.isoformat()}`, then replicate",
        )
    age = ((now or datetime.now(UTC)) - covered).total_seconds()
    if age > STREAM_RETENTION_S - SAFETY_MARGIN_S:
        raise TerminalError(
            f"the target holds the source as of {covered.isoformat()}, {age / 3600:.1f} h ago; the stream keeps "
            "24 h, so its oldest records may be newer than that",
            hint=f"apply the gap with `ddb-migrate catch-up --from {covered.isoformat()} --to <now minus 1 h>`",
        )


def build_plan(config: JobConfig) -> ReplicationPlan:
    """The plan from the config: key schemas from the tables, typed access from the export sample."""
    source_keys = tables.key_names(config.account(config.source_account), config.source_table)
    key_schema = tables.key_schema(config.account(config.target_account), config.target_table)
    access: dict[str, str] = {}
    if not config.mapping.empty:
        export = open_export(config.source)
        access = resolve_access(config.mapping, sample_items(config.account(config.export.read_account), export))
    store = LedgerStore.for_run(config)
    plan = ReplicationPlan(
        run_id=config.run_id,
        source_table=config.source_table,
        source_key_names=source_keys,
        target_table=config.target_table,
        key_schema=key_schema,
        version_table=config.version_table,
        mapping=dict(config.mapping.raw or {}),
        access=tuple(access.items()),
        dead_letter_uri=f"s3://{store.bucket}/{store.prefix}replication/dead-letters/",
        max_attempts=config.replication.max_attempts,
        concurrency=config.replication.concurrency,
    )
    plan.mapper()  # refuses, naming the entry, what the per-item path cannot evaluate
    return plan


def write_plan(config: JobConfig, plan: ReplicationPlan) -> str:
    return _write_json(config, PLAN, plan.to_json())


def ensure_version_table(config: JobConfig) -> None:
    """Create the version table on an emulator; on AWS it is Terraform's (replication_target)."""
    account = config.account(config.target_account)
    if account.emulated_dynamodb:
        tables.create_table(account, config.version_table, VERSION_TABLE)
        return
    tables.key_schema(account, config.version_table)  # a clear error when it does not exist


def replicator_for(config: JobConfig, plan: ReplicationPlan) -> Replicator:
    sink = DeadLetterSink(config.account(config.output_account), plan.dead_letter_uri)
    return Replicator(plan, config.account(config.target_account), sink)


def follower_for(
    config: JobConfig,
    replicator: Replicator,
    on_results: OnResults | None = None,
    on_caught_up: Callable[[float], None] | None = None,
) -> Follower:
    stream = source_stream(config)
    store = LedgerStore.for_run(config)
    reader = StreamReader(config.account(config.source_account), stream.arn, config.replication.batch_size)
    checkpoints = CheckpointStore(store.account, store.bucket, store.prefix + CHECKPOINTS)
    return Follower(reader, replicator, checkpoints, config.replication.poll_interval_s, on_results, on_caught_up)


def prepare(config: JobConfig, version_table: bool = True) -> ReplicationPlan:
    """Every check, then the plan written where the Lambda function reads it. The version table
    is checked (or, on an emulator, created) unless it is Terraform's to create next."""
    stream = source_stream(config)
    if stream.view_type != "NEW_AND_OLD_IMAGES":
        raise TerminalError(
            f"the source stream's view type is {stream.view_type}",
            hint="replication needs NEW_AND_OLD_IMAGES (the old image says which target item a change replaces)",
        )
    if _read_json(config, CHECKPOINTS) is None:
        check_order(config, stream)
    plan = build_plan(config)
    if version_table:
        ensure_version_table(config)
    log.info("replication plan: %s", write_plan(config, plan))
    return plan


def run_replication(
    config: JobConfig,
    follow: bool = False,
    stop: threading.Event | None = None,
    on_results: OnResults | None = None,
    on_caught_up: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Apply the stream until caught up (``follow``: until ``stop``); return the statistics.
    ``on_results`` sees every applied batch, ``on_caught_up`` every moment all shards are caught up."""
    plan = prepare(config)
    replicator = replicator_for(config, plan)
    try:
        started = time.monotonic()
        follower = follower_for(config, replicator, on_results, on_caught_up)
        summary = follower.run(follow=follow, stop=stop)
        return {**summary, "elapsed_s": round(time.monotonic() - started, 3)}
    finally:
        replicator.close()
