"""The replicator against DynamoDB Local: records read from a real stream, applied through the
mapping with versioned transactions. Replays change nothing, an older record never overwrites a
newer one, keys that move and filters that flip leave no stale item, and an incremental export's
change never overrides what replication wrote."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from jobs import aws
from jobs.aws import tables
from jobs.aws.wire import DynamoWire
from jobs.local.demo import ARTIFACT_BUCKET
from jobs.local.faults import FaultProxy
from jobs.local.stack import SECRET
from jobs.mapping.item import resolve_access
from jobs.mapping.spec import parse_mapping
from jobs.sink.preflight import PreflightError
from jobs.streams import handler as handler_module
from jobs.streams.changes import Change, export_line, from_export_line, wire_item
from jobs.streams.follow import StreamReader
from jobs.streams.redrive import redrive
from jobs.streams.replicate import VERSION_TABLE, build_plan
from jobs.streams.replicator import DeadLetterSink, ReplicationPlan, Replicator

from .conftest import make_config

SOURCE_KEYS = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ],
}
MOVED_KEYS = {
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
}


def _item(pk: str, sk: int, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
    for name, value in extra.items():
        if isinstance(value, bool):
            item[name] = {"BOOL": value}
        else:
            item[name] = {"N": str(value)} if isinstance(value, int) else {"S": value}
    return item


def _key(pk: str, sk: int) -> str:
    return json.dumps({"pk": {"S": pk}, "sk": {"N": str(sk)}}, sort_keys=True)


class Tables:
    def __init__(self, stack, names, target_keys=SOURCE_KEYS):
        self.source_account, self.target_account = stack.account("source"), stack.account("target")
        self.source, self.target = names("repl-src"), names("repl-dst")
        self.versions = f"{self.target}-replication"
        tables.create_table(self.source_account, self.source, SOURCE_KEYS, stream=True)
        tables.create_table(self.target_account, self.target, target_keys)
        tables.create_table(self.target_account, self.versions, VERSION_TABLE)
        self.wire = DynamoWire(self.source_account)

    def write(self, operation: str, **body: Any) -> None:
        self.wire.call(operation, json.dumps({"TableName": self.source, **body}))

    def records(self) -> list[Change]:
        ddb = aws.client(self.source_account, "dynamodb")
        arn = ddb.describe_table(TableName=self.source)["Table"]["LatestStreamArn"]
        reader = StreamReader(self.source_account, arn)
        from jobs.streams.changes import from_stream_record

        changes = []
        for shard in reader.shards():
            iterator: str | None = reader.iterator(shard["ShardId"], None)
            while iterator:
                records, iterator = reader.records(iterator)
                if not records:
                    break
                changes += [from_stream_record(r, shard["ShardId"]) for r in records]
        return changes

    def replicator(self, mapping: dict[str, Any] | None = None, sample: list[Any] | None = None) -> Replicator:
        spec = parse_mapping(mapping)
        access = resolve_access(spec, sample or []) if mapping else {}
        plan = ReplicationPlan(
            run_id="test",
            source_table=self.source,
            source_key_names=("pk", "sk"),
            target_table=self.target,
            key_schema=tables.key_schema(self.target_account, self.target),
            version_table=self.versions,
            mapping=mapping or {},
            access=tuple(access.items()),
            dead_letter_uri="s3://unused/",
            max_attempts=3,
            concurrency=4,
        )
        return Replicator(plan, self.target_account, None)

    def target_items(self) -> dict[str, Any]:
        items = tables.scan_items(self.target_account, self.target)
        return {json.dumps({k: v for k, v in i.items() if k in ("pk", "sk", "PK")}, sort_keys=True): i for i in items}

    def versions_table(self) -> list[Any]:
        return sorted(tables.scan_items(self.target_account, self.versions), key=lambda i: i["k"]["S"])

    def source_items(self) -> dict[str, Any]:
        items = tables.scan_items(self.source_account, self.source)
        return {json.dumps({k: i[k] for k in ("pk", "sk")}, sort_keys=True): i for i in items}


@pytest.fixture
def repl(local_stack, names):
    return Tables(local_stack, names)


def _history(t: Tables) -> None:
    t.write("PutItem", Item=_item("a", 1, v=1))
    t.write("PutItem", Item=_item("a", 1, v=2, note="second"))
    t.write("PutItem", Item=_item("b", 2, v=1))
    t.write("DeleteItem", Key={"pk": {"S": "b"}, "sk": {"N": "2"}})
    t.write("PutItem", Item=_item("c", 3, v=1))
    t.write(
        "UpdateItem",
        Key={"pk": {"S": "c"}, "sk": {"N": "3"}},
        UpdateExpression="SET v = :v REMOVE note",
        ExpressionAttributeValues={":v": {"N": "7"}},
    )
    t.write("PutItem", Item=_item("b", 2, v=3))


def test_stream_records_reproduce_the_source_and_replaying_them_changes_nothing(repl):
    _history(repl)
    changes = repl.records()
    assert [c.event for c in changes] == ["INSERT", "MODIFY", "INSERT", "REMOVE", "INSERT", "MODIFY", "INSERT"]
    replicator = repl.replicator()
    first = replicator.apply(changes, "first")
    assert [r.outcome for r in first] == ["applied"] * 7
    assert repl.target_items() == repl.source_items()
    target, versions = repl.target_items(), repl.versions_table()
    assert len(versions) == 3 and all(len(v["seq"]["S"]) == 40 for v in versions)

    again = replicator.apply(changes, "again")
    assert [r.outcome for r in again] == ["superseded"] * 7
    assert repl.target_items() == target
    assert repl.versions_table() == versions


def test_an_older_record_applied_after_a_newer_one_does_not_win(repl):
    _history(repl)
    a1, a2, b1, b_removed, c1, c2, b3 = repl.records()
    replicator = repl.replicator()

    assert [r.outcome for r in replicator.apply([a2], "newer")] == ["applied"]
    assert [r.outcome for r in replicator.apply([a1], "older")] == ["superseded"]
    assert repl.target_items()[_key("a", 1)] == _item("a", 1, v=2, note="second")

    # a delete, then the insert it followed arrives late: the item stays deleted
    assert [r.outcome for r in replicator.apply([b_removed, b1], "late insert")] == ["applied", "superseded"]
    assert _key("b", 2) not in repl.target_items()

    # the same key's changes in one batch out of order: the newest still wins
    assert [r.outcome for r in replicator.apply([c2, c1], "reversed")] == ["applied", "superseded"]
    assert repl.target_items()[_key("c", 3)] == _item("c", 3, v=7)

    # and a re-insert after the delete (newer) does win
    assert [r.outcome for r in replicator.apply([b3], "reinsert")] == ["applied"]
    assert repl.target_items() == repl.source_items()


def test_incremental_export_changes_never_override_replication(repl):
    _history(repl)
    changes = repl.records()
    replicator = repl.replicator()
    replicator.apply(changes[:2], "stream")  # key a is replication's now (v=2)
    stale_a = from_export_line(export_line(changes[0], 1), "export-file", 1)  # a as v=1, from an export
    fresh_c = from_export_line(export_line(changes[5], 2), "export-file", 2)  # c, never replicated
    outcomes = [r.outcome for r in replicator.apply([stale_a, fresh_c], "catch-up")]
    assert outcomes == ["superseded", "applied"]
    items = repl.target_items()
    assert items[_key("a", 1)] == _item("a", 1, v=2, note="second")
    assert items[_key("c", 3)] == _item("c", 3, v=7)
    assert repl.versions_table()[0]["seq"]["S"] == changes[1].version  # catch-up wrote no version
    assert len(repl.versions_table()) == 1


def test_a_key_that_moves_and_a_filter_that_flips_leave_no_stale_target_item(local_stack, names):
    """Target key derived from a non-key attribute, and a filter: MODIFY moves or removes the
    target item, as the full load of the new image would have it."""
    t = Tables(local_stack, names, target_keys=MOVED_KEYS)
    mapping = {"key": {"PK": "concat('C#', customer, '#', pk)"}, "filter": "active", "drop": ["pk", "sk"]}
    t.write("PutItem", Item=_item("o1", 1, customer="ann", active=True))
    t.write("PutItem", Item=_item("o1", 1, customer="bob", active=True))  # key moves
    t.write("PutItem", Item=_item("o2", 2, customer="cy", active=True))
    t.write("PutItem", Item=_item("o2", 2, customer="cy", active=False))  # filtered now: remove
    t.write("PutItem", Item=_item("o3", 3, customer="di", active=False))  # filtered from the start
    t.write("PutItem", Item=_item("o3", 3, customer="di", active=True))  # passes now: put
    t.write("DeleteItem", Key={"pk": {"S": "o1"}, "sk": {"N": "1"}})
    sample = [_item("x", 0, customer="s", active=True)]
    replicator = t.replicator(mapping, sample)
    results = replicator.apply(t.records(), "moves")
    outcomes = [r.outcome for r in results]
    assert outcomes == ["applied", "applied", "applied", "filtered", "filtered", "applied", "applied"]
    only = {"PK": {"S": "C#di#o3"}, "customer": {"S": "di"}, "active": {"BOOL": True}}
    assert list(t.target_items().values()) == [only]


def _lambda_event(changes_source: Tables) -> dict[str, Any]:
    """The stream's records as Lambda delivers them: JSON, B as base64, times as epoch seconds."""
    ddb = aws.client(changes_source.source_account, "dynamodb")
    arn = ddb.describe_table(TableName=changes_source.source)["Table"]["LatestStreamArn"]
    reader = StreamReader(changes_source.source_account, arn)
    records = []
    for shard in reader.shards():
        page, _next = reader.records(reader.iterator(shard["ShardId"], None))
        for record in page:
            body: dict[str, Any] = {**record["dynamodb"]}
            body["ApproximateCreationDateTime"] = body["ApproximateCreationDateTime"].timestamp()
            for image in ("Keys", "NewImage", "OldImage"):
                if image in body:
                    body[image] = wire_item(body[image])
            records.append({**record, "dynamodb": body, "eventSourceARN": arn})
    return json.loads(json.dumps({"Records": records}))


@pytest.fixture
def lambda_env(local_stack, buckets, monkeypatch):
    """The function's environment, pointed at the local stack (static keys stand in for its role)."""

    def configure(repl: Tables, dynamodb_endpoint: str, max_attempts: int = 3) -> None:
        plan = repl.replicator().plan
        plan = ReplicationPlan(**{**plan.__dict__, "max_attempts": max_attempts})
        plan = ReplicationPlan(**{**plan.__dict__, "dead_letter_uri": f"s3://{ARTIFACT_BUCKET}/lambda/{repl.target}/"})
        key = f"lambda/{repl.target}/plan.json"
        aws.client(local_stack.account("target"), "s3").put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=plan.to_json())
        monkeypatch.setenv("REPLICATION_PLAN_URI", f"s3://{ARTIFACT_BUCKET}/{key}")
        monkeypatch.setenv("TARGET_REGION", "us-east-1")
        endpoints = {"default": local_stack.moto_endpoint, "dynamodb": dynamodb_endpoint}
        monkeypatch.setenv("TARGET_ENDPOINTS", json.dumps(endpoints))
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "target")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        monkeypatch.setattr(handler_module, "_RUNTIME", None)

    return configure


def test_lambda_handler_applies_a_batch_and_a_second_delivery_changes_nothing(repl, local_stack, lambda_env):
    repl.write("PutItem", Item={**_item("bin", 9, v=1), "raw": {"B": "AP8Q"}, "blobs": {"BS": ["AQ==", "Ag=="]}})
    _history(repl)
    lambda_env(repl, local_stack.dynamodb_endpoint)
    event = _lambda_event(repl)
    assert handler_module.handler(event, None) == {"batchItemFailures": []}
    assert repl.target_items() == repl.source_items()
    assert repl.target_items()[_key("bin", 9)]["raw"] == {"B": "AP8Q"}
    snapshot = repl.target_items()
    assert handler_module.handler(event, None) == {"batchItemFailures": []}  # Lambda delivers at least once
    assert repl.target_items() == snapshot
    assert handler_module._RUNTIME is not None
    assert handler_module._RUNTIME.stats.outcomes == {"applied": 8, "superseded": 8}


def test_lambda_handler_reports_changes_it_could_not_apply_as_batch_item_failures(repl, local_stack, lambda_env):
    _history(repl)
    event = _lambda_event(repl)
    sequences = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
    with FaultProxy(local_stack.dynamodb_endpoint, throttle=1.0, only_operations=("TransactWriteItems",)) as proxy:
        lambda_env(repl, proxy.url, max_attempts=2)
        response = handler_module.handler(event, None)
    assert sorted(f["itemIdentifier"] for f in response["batchItemFailures"]) == sorted(sequences)
    assert proxy.counts["throttled"] == 2 * len(sequences)
    assert repl.target_items() == {}
    # Lambda retries the batch: now it goes through
    lambda_env(repl, local_stack.dynamodb_endpoint)
    assert handler_module.handler(event, None) == {"batchItemFailures": []}
    assert repl.target_items() == repl.source_items()


def test_lambda_handler_dead_letters_what_no_retry_can_fix(repl, local_stack, lambda_env):
    """A change the mapping cannot map is written to the dead-letter prefix and not retried."""
    repl.write("PutItem", Item=_item("ok", 1, v=5))
    repl.write("PutItem", Item=_item("bad", 2, v="five"))
    lambda_env(repl, local_stack.dynamodb_endpoint)
    plan = handler_module.load_runtime(os.environ).plan  # the plan the function reads ...
    mapped = ReplicationPlan(**{**plan.__dict__, "mapping": {"cast": {"v": "N"}}})  # ... with a cast
    runtime = Replicator(
        mapped,
        handler_module.target_account(os.environ),
        DeadLetterSink(local_stack.account("target"), mapped.dead_letter_uri),
    )
    response = handler_module.handle(_lambda_event(repl), runtime)
    assert response == {"batchItemFailures": []}
    assert list(repl.target_items()) == [_key("ok", 1)]
    (uri,) = runtime.stats.dead_letters
    bucket, key = uri[5:].split("/", 1)
    body = aws.client(local_stack.account("target"), "s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    (letter,) = [json.loads(line) for line in body.splitlines()]
    assert letter["stage"] == "mapping" and letter["error"] == "MappingFailed"
    assert letter["reason"] == 'mapping.cast.v: cannot cast {"S":"five"} to N'
    assert letter["item"]["NewImage"] == _item("bad", 2, v="five")


def test_redrive_applies_the_batches_the_function_gave_up_on(repl, local_stack, buckets, names):
    """An on-failure message (the batch's description, as Lambda sends it) is read back from the
    stream and applied; a message that is not one stays in the queue."""
    _history(repl)
    changes = repl.records()
    arn = aws.client(repl.source_account, "dynamodb").describe_table(TableName=repl.source)["Table"]["LatestStreamArn"]
    sqs = aws.client(local_stack.account("source"), "sqs")
    queue = sqs.create_queue(QueueName=names("replicator-dlq"))["QueueUrl"]
    info = {
        "shardId": changes[0].origin,
        "startSequenceNumber": changes[0].position,
        "endSequenceNumber": changes[3].position,  # a, a, b, b removed
        "streamArn": arn,
        "batchSize": 4,
    }
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"requestContext": {}, "DDBStreamBatchInfo": info}))
    sqs.send_message(QueueUrl=queue, MessageBody="something else")
    config = make_config(local_stack, repl.source, repl.target, names("redrive"))
    summary = redrive(config, queue, repl.replicator())
    assert (summary["batches"], summary["applied"], summary["not_batch_descriptions"]) == (1, 4, 1)
    assert list(repl.target_items()) == [_key("a", 1)]
    assert repl.target_items()[_key("a", 1)] == _item("a", 1, v=2, note="second")
    left = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert left["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"  # only the foreign one


def test_replication_refuses_a_target_whose_key_no_source_item_fits_before_any_change(local_stack, names):
    """The run path's preflight holds for replication too: the plan (the replicator's and the
    Lambda function's) is refused with both key schemas shown, before any stream record is read."""
    wrong = Tables(local_stack, names, target_keys=MOVED_KEYS)  # target keyed on PK; items carry pk, sk
    wrong.write("PutItem", Item=_item("o1", 1, customer="ann"))
    with pytest.raises(PreflightError) as refused:
        build_plan(make_config(local_stack, wrong.source, wrong.target, names("run")))
    text = str(refused.value)
    assert f"no sampled item fits the key of target table {wrong.target!r}" in text
    assert "target key:    PK S (HASH)" in text and "pk" in text.split("mapped sample:")[1]

    right = Tables(local_stack, lambda base: names(f"{base}-ok"))  # keyed as the items are: the plan is made
    right.write("PutItem", Item=_item("o1", 1, customer="ann"))
    plan = build_plan(make_config(local_stack, right.source, right.target, names("run")))
    assert plan.key_schema == (("pk", "S"), ("sk", "N")) and plan.source_key_names == ("pk", "sk")
