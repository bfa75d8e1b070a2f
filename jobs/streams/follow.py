"""Read the source table's stream and apply it with the replicator, outside Lambda.

``ddb-migrate replicate`` drives the same :class:`~jobs.streams.replicator.Replicator` as the Lambda
function from DescribeStream / GetShardIterator / GetRecords (the source account's
``dynamodbstreams`` client: DynamoDB Local's stream locally, the real one on AWS). Shard
positions are checkpointed under ``<run prefix>replication/checkpoints.json`` after every
applied batch, so a restart resumes where it stopped (at least once; replays change nothing).
A child shard is read only once its parent is drained, as Lambda does.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from jobs import aws
from jobs.aws import AccountSpec
from jobs.core.errors import TerminalError
from jobs.streams.changes import from_stream_record
from jobs.streams.replicator import Replicator
from jobs.streams.writer import ChangeResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams.type_defs import RecordTypeDef, ShardTypeDef

log = logging.getLogger(__name__)
CHECKPOINTS = "replication/checkpoints.json"
OnResults = Callable[[list[ChangeResult]], None]


@dataclass
class Checkpoints:
    """Per shard: the last applied sequence number, and whether the shard is drained and closed."""

    stream_arn: str
    shards: dict[str, dict[str, Any]] = field(default_factory=dict)

    def position(self, shard: str) -> str | None:
        return self.shards.get(shard, {}).get("sequence")

    def finished(self, shard: str) -> bool:
        return bool(self.shards.get(shard, {}).get("finished"))

    def to_json(self) -> str:
        return json.dumps({"stream_arn": self.stream_arn, "shards": self.shards, "updated_at": time.time()}, indent=1)


@dataclass(frozen=True)
class CheckpointStore:
    account: AccountSpec
    bucket: str
    key: str

    def load(self, stream_arn: str) -> Checkpoints:
        s3 = aws.client(self.account, "s3")
        try:
            doc = json.loads(s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return Checkpoints(stream_arn)
        if doc["stream_arn"] != stream_arn:
            raise TerminalError(
                f"s3://{self.bucket}/{self.key} follows stream {doc['stream_arn']}, but the source table's stream "
                f"is now {stream_arn}: changes made while the stream was off are not in either",
                hint="re-run the full load with a new run id, or `ddb-migrate catch-up` over the gap first",
            )
        return Checkpoints(stream_arn, doc.get("shards", {}))

    def save(self, checkpoints: Checkpoints) -> None:
        body = checkpoints.to_json().encode("utf-8")
        aws.client(self.account, "s3").put_object(Bucket=self.bucket, Key=self.key, Body=body)


class StreamReader:
    """The stream's shards and records, through the source account's dynamodbstreams client."""

    def __init__(self, account: AccountSpec, stream_arn: str, batch_size: int = 1000) -> None:
        self.client = aws.client(account, "dynamodbstreams")
        self.stream_arn = stream_arn
        self.batch_size = batch_size

    def shards(self) -> list[ShardTypeDef]:
        found: list[ShardTypeDef] = []
        request: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.client.describe_stream(**request)["StreamDescription"]
            found += description.get("Shards", [])
            last = description.get("LastEvaluatedShardId")
            if not last:
                return found
            request["ExclusiveStartShardId"] = last

    def iterator(self, shard: str, after: str | None) -> str:
        request: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard}
        if after:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        else:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        try:
            return str(self.client.get_shard_iterator(**request)["ShardIterator"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TrimmedDataAccessException":
                raise TerminalError(
                    f"shard {shard} of {self.stream_arn} no longer holds the records after {after}: "
                    "the stream keeps 24 hours",
                    hint="apply the gap with `ddb-migrate catch-up --from T0 --to T1`, then replicate again",
                ) from exc
            raise

    def records(self, iterator: str) -> tuple[list[RecordTypeDef], str | None]:
        response = self.client.get_records(ShardIterator=iterator, Limit=self.batch_size)
        return response.get("Records", []), response.get("NextShardIterator")


@dataclass
class _Shard:
    shard_id: str
    parent: str | None
    iterator: str | None = None
    caught_up: bool = False


class Follower:
    """Applies the stream shard by shard until caught up (or, with ``follow``, until stopped)."""

    def __init__(
        self,
        reader: StreamReader,
        replicator: Replicator,
        store: CheckpointStore,
        poll_interval_s: float = 1.0,
        on_results: OnResults | None = None,
        on_caught_up: Callable[[float], None] | None = None,
    ) -> None:
        self.reader, self.replicator, self.store = reader, replicator, store
        self.poll_interval_s = poll_interval_s
        self.on_results = on_results
        self.on_caught_up = on_caught_up
        self.checkpoints = store.load(reader.stream_arn)
        self.shards: dict[str, _Shard] = {}
        self.caught_up_at: float | None = None

    def _refresh(self) -> None:
        for shard in self.reader.shards():
            shard_id = shard["ShardId"]
            if shard_id not in self.shards:
                self.shards[shard_id] = _Shard(shard_id, shard.get("ParentShardId"))

    def _ready(self, shard: _Shard) -> bool:
        if self.checkpoints.finished(shard.shard_id):
            return False
        parent = shard.parent
        return parent is None or parent not in self.shards or self.checkpoints.finished(parent)

    def _poll(self, shard: _Shard) -> bool:
        """Read and apply one batch of a shard; True when it had records."""
        if shard.iterator is None:
            shard.iterator = self.reader.iterator(shard.shard_id, self.checkpoints.position(shard.shard_id))
        try:
            records, following = self.reader.records(shard.iterator)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExpiredIteratorException":
                shard.iterator = None  # re-read from the checkpoint
                return True
            raise
        if records:
            changes = [from_stream_record(r, shard.shard_id) for r in records]
            first, last = changes[0].position, changes[-1].position
            results = self.replicator.apply(changes, f"{shard.shard_id}/{first}-{last}", dead_letter_retries=True)
            entry = self.checkpoints.shards.setdefault(shard.shard_id, {})
            entry["sequence"] = last
            if self.on_results is not None:
                self.on_results(results)
        shard.iterator = following
        shard.caught_up = not records
        if following is None:
            self.checkpoints.shards.setdefault(shard.shard_id, {})["finished"] = True
        if records or following is None:
            self.store.save(self.checkpoints)
        return bool(records)

    def run(self, follow: bool = False, stop: threading.Event | None = None) -> dict[str, Any]:
        """Apply until every shard is caught up (``follow``: until ``stop`` is set)."""
        stop = stop or threading.Event()
        self._refresh()
        while not stop.is_set():
            active = [s for s in self.shards.values() if self._ready(s)]
            progressed = False
            for shard in active:
                progressed = self._poll(shard) or progressed
            if any(self.checkpoints.finished(s.shard_id) for s in active):
                self._refresh()  # a closed shard: its children may be listed now
                continue
            if not progressed and all(s.caught_up for s in active):
                self.caught_up_at = time.time()
                if self.on_caught_up is not None:
                    self.on_caught_up(self.caught_up_at)
                if not follow:
                    break
            if not progressed:
                stop.wait(self.poll_interval_s)
                self._refresh()
        return self.replicator.stats.summary()
