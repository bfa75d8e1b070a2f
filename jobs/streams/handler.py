"""AWS Lambda entry point: apply a batch of DynamoDB Streams records to the target table.

The event source mapping (terraform/modules/stream_replicator) delivers records of the source
table's stream in order per shard, with ``ReportBatchItemFailures``. Each record goes through
the same mapping as the full load (``jobs.streams.replicator``) and is written with a versioned
transaction, so replays change nothing and an older record never overwrites a newer one.

* A change that cannot be written (mapping failure, an item DynamoDB rejects) is dead-lettered
  to ``<run prefix>replication/dead-letters/`` with the record and the reason, and counts as
  handled: retrying cannot help.
* A change that kept failing for a transient reason is returned in ``batchItemFailures``;
  Lambda retries from it, and after the mapping's ``maximum_retry_attempts`` sends the batch's
  description to the on-failure destination (SQS). ``ddb-migrate replicate --redrive-dlq``
  reads those messages and applies the records again from the stream.

Environment: ``REPLICATION_PLAN_URI`` (s3:// of plan.json), ``TARGET_REGION``, and
``TARGET_ROLE_ARN`` + ``TARGET_EXTERNAL_ID`` (the writer role in the target account).
``TARGET_ENDPOINTS`` (JSON) points at emulators in tests only.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from jobs import aws
from jobs.aws import AccountSpec
from jobs.core.errors import InvalidItemError
from jobs.core.s3uri import parse_s3_uri
from jobs.streams.changes import Change, from_stream_record
from jobs.streams.replicator import DeadLetterSink, ReplicationPlan, Replicator
from jobs.streams.writer import DEAD, RETRY, ChangeResult

log = logging.getLogger("ddb_migrate.replicator")
log.setLevel(logging.INFO)
_RUNTIME: Replicator | None = None


def target_account(env: Mapping[str, str]) -> AccountSpec:
    """The target account as the function reaches it: its own role, then the writer role."""
    endpoints = json.loads(env.get("TARGET_ENDPOINTS") or "{}")
    return AccountSpec(
        name="target",
        region=env["TARGET_REGION"],
        role_arn=env.get("TARGET_ROLE_ARN") or None,
        external_id=env.get("TARGET_EXTERNAL_ID") or None,
        endpoints=tuple(sorted(endpoints.items())),
        session_name="ddb-migrate-replicator",
    )


def load_runtime(env: Mapping[str, str]) -> Replicator:
    """Read the plan (with the writer role) and build the replicator; once per cold start."""
    account = target_account(env)
    uri = env["REPLICATION_PLAN_URI"]
    bucket, key = parse_s3_uri(uri)
    text = aws.client(account, "s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    plan = ReplicationPlan.from_json(text, uri)
    return Replicator(plan, account, DeadLetterSink(account, plan.dead_letter_uri))


def _unreadable(record: dict[str, Any], error: InvalidItemError) -> ChangeResult:
    body = record.get("dynamodb") or {}
    change = Change(
        keys=body.get("Keys") or {},
        new_image=None,
        old_image=None,
        version=None,
        origin=str(record.get("eventSourceARN", "stream")),
        position=str(body.get("SequenceNumber", record.get("eventID", "?"))),
        event=str(record.get("eventName", "")),
    )
    return ChangeResult(change, DEAD, "read", "InvalidRecord", str(error))


def handle(event: Mapping[str, Any], runtime: Replicator) -> dict[str, list[dict[str, str]]]:
    """Apply one Lambda batch; the response names the records Lambda must retry."""
    records = list(event.get("Records") or [])
    changes: list[Change] = []
    unreadable: list[ChangeResult] = []
    for record in records:
        try:
            changes.append(from_stream_record(record, str(record.get("eventSourceARN", "stream"))))
        except InvalidItemError as error:
            unreadable.append(_unreadable(record, error))
    if not records:
        return {"batchItemFailures": []}
    first, last = (str((r.get("dynamodb") or {}).get("SequenceNumber", "")) for r in (records[0], records[-1]))
    name = f"lambda/{first}-{last}"
    retry: list[str] = []
    if unreadable and runtime.sink is not None:
        runtime.sink.record(f"{name}-unreadable", unreadable)
    results = runtime.apply(changes, name)
    retry += [r.change.position for r in results if r.outcome == RETRY]
    summary = runtime.stats.summary()
    log.info(
        json.dumps(
            {
                "records": len(records),
                "outcomes": {o: sum(1 for r in results if r.outcome == o) for o in {r.outcome for r in results}},
                "unreadable": len(unreadable),
                "max_lag_s": max((lag for r in results if (lag := r.lag_s) is not None), default=None),
                "retry": retry,
                "dead_letters": summary["dead_letters"][-1:],
            }
        )
    )
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in retry]}


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """The function's handler (``jobs.streams.handler.handler``)."""
    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = load_runtime(os.environ)
    return handle(event, _RUNTIME)
