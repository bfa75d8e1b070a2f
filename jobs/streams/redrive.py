"""`ddb-migrate replicate --redrive-dlq QUEUE_URL`: apply again what the Lambda function gave up on.

When the event source mapping exhausts its retries it sends the batch's *description* (not the
records) to the on-failure SQS queue: ``DDBStreamBatchInfo`` with the stream ARN, the shard and
the first and last sequence numbers. The records are still in the stream for 24 hours, so each
message is turned back into changes (GetShardIterator AT_SEQUENCE_NUMBER .. the last one) and
applied with the same replicator; versions make this safe whatever replication did meanwhile.
A message is deleted only once its range has been applied (or dead-lettered with the record);
a message that is not a batch description is left in the queue and counted.
"""

from __future__ import annotations

import json
from typing import Any

from jobs import aws
from jobs.config import JobConfig
from jobs.streams.changes import Change, from_stream_record, padded
from jobs.streams.replicate import prepare, replicator_for
from jobs.streams.replicator import Replicator


def batch_changes(account: Any, info: dict[str, Any], batch_size: int) -> list[Change]:
    """The records a DDBStreamBatchInfo names, read back from the stream."""
    streams = aws.client(account, "dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    last = padded(str(info["endSequenceNumber"]))
    changes: list[Change] = []
    while iterator:
        response = streams.get_records(ShardIterator=iterator, Limit=batch_size)
        records = response.get("Records", [])
        for record in records:
            change = from_stream_record(record, info["shardId"])
            if (change.version or "") > last:
                return changes
            changes.append(change)
        if not records:
            break
        iterator = response.get("NextShardIterator")
    return changes


def redrive(config: JobConfig, queue_url: str, replicator: Replicator | None = None) -> dict[str, Any]:
    """Apply every batch described in the queue; return the statistics."""
    replicator = replicator or replicator_for(config, prepare(config))
    source = config.account(config.source_account)
    sqs = aws.client(source, "sqs")
    batches = foreign = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            try:
                info = json.loads(message["Body"])["DDBStreamBatchInfo"]
            except (ValueError, KeyError, TypeError):
                foreign += 1  # not ours to delete: it stays for a person to look at
                continue
            changes = batch_changes(source, info, config.replication.batch_size)
            name = f"redrive/{info['shardId']}/{info['startSequenceNumber']}-{info['endSequenceNumber']}"
            replicator.apply(changes, name, dead_letter_retries=True)
            batches += 1
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return {**replicator.stats.summary(), "batches": batches, "not_batch_descriptions": foreign}
