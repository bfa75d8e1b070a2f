"""Pure pieces of replication: what the per-item mapping refuses, stream records and export
lines as changes, what a change does to the target, the transaction that guards it, and the
ordering checks against the full load."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import cast

import pytest

from jobs.aws.wire import DynamoCallError
from jobs.config import JobConfig
from jobs.core.errors import ConfigError, InvalidItemError
from jobs.mapping.expr_compile import compile_expression
from jobs.mapping.expr_nodes import referenced_names
from jobs.mapping.expr_parse import parse_expression
from jobs.mapping.item import ItemMapper, cast_attribute, resolve_access
from jobs.mapping.spec import parse_mapping
from jobs.streams.changes import export_line, from_export_line, from_stream_record, padded
from jobs.streams.target import target_write, transaction
from jobs.streams.writer import cancellation_reasons

KEYS = (("PK", "S"),)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CAST(x AS DOUBLE)", "CAST to 'DOUBLE' is not supported"),
        ("x / 2", "'/' on integers yields DOUBLE"),
        ("1e3 + x", "DOUBLE literal"),
        ("regexp_replace(s, 'a', 'b')", "function regexp_replace() is not supported"),
        ("s = 1", "compares string with int"),
        ("CASE WHEN s = 'a' THEN 1 ELSE 'b' END", "branches of types int, string differ"),
        ("s.field", "a field of a struct"),
        ("concat(s, ", "unexpected 'end of expression'"),
    ],
)
def test_expressions_outside_the_subset_are_refused_with_the_reason(sql, message):
    with pytest.raises(ConfigError, match=r"^mapping\.derive\.d: ") as error:
        compile_expression(sql, _types(), "mapping.derive.d")
    assert message in str(error.value)


def _types():
    from jobs.mapping.expr_eval import INT, STRING

    return {"x": INT, "s": STRING}


def test_references_are_listed_in_the_order_the_spark_parser_walks_them():
    # a stack walk: pop a node, push its children; the last child is visited first
    assert referenced_names(parse_expression("concat(a, b, lpad(c, 2, d))", "t")) == ["d", "c", "b", "a"]


def test_an_attribute_read_as_json_is_refused_by_the_item_mapper():
    spec = parse_mapping({"derive": {"n": "size(tags)"}})
    with pytest.raises(ConfigError, match="read as json"):
        ItemMapper(spec, resolve_access(spec, [{"tags": {"SS": ["a"]}}]))


@pytest.mark.parametrize(
    ("value", "to", "expected"),
    [
        ({"S": " 12.5 "}, "N", {"N": "12.5"}),
        ({"S": "abc"}, "N", None),
        ({"N": "0.00"}, "BOOL", {"BOOL": False}),
        ({"N": "1.0"}, "BOOL", {"BOOL": True}),
        ({"N": "2"}, "BOOL", None),
        ({"B": "/w=="}, "S", None),  # not UTF-8
        ({"L": [{"S": "a"}, {"S": "a"}]}, "SS", None),  # a set cannot hold duplicates
        ({"L": []}, "SS", None),
        ({"NS": ["1", "2"]}, "L", {"L": [{"N": "1"}, {"N": "2"}]}),
    ],
)
def test_casts_of_one_attribute(value, to, expected):
    assert cast_attribute(value, to) == expected


def _record(event, sequence, new=None, old=None):
    body = {"Keys": {"pk": {"S": "a"}}, "SequenceNumber": sequence, "ApproximateCreationDateTime": 1_700_000_000}
    if new is not None:
        body["NewImage"] = new
    if old is not None:
        body["OldImage"] = old
    return {"eventName": event, "dynamodb": body}


def test_stream_records_become_changes_with_padded_versions():
    change = from_stream_record(_record("MODIFY", "123", new={"pk": {"S": "a"}}, old={"pk": {"S": "a"}}), "shard-1")
    assert change.version == "0" * 37 + "123" and change.created_at == 1_700_000_000
    assert padded("9" * 21) > padded("1" * 20)  # text order is numeric order
    removed = from_stream_record(_record("REMOVE", "124", old={"pk": {"S": "a"}}), "shard-1")
    assert removed.removed and removed.new_image is None
    with pytest.raises(InvalidItemError, match="NEW_AND_OLD_IMAGES"):
        from_stream_record(_record("INSERT", "125"), "shard-1")


def test_export_lines_round_trip_and_carry_no_version():
    change = from_stream_record(_record("MODIFY", "7", new={"pk": {"S": "a"}, "v": {"N": "2"}}), "s")
    line = export_line(change, 1_700_000_000_123_456)
    assert json.loads(line)["Metadata"] == {"WriteTimestampMicros": {"N": "1700000000123456"}}
    back = from_export_line(line, "file", 3)
    assert (back.new_image, back.version, back.position, back.created_at) == (
        change.new_image,
        None,
        "3",
        1_700_000_000.123456,
    )


def _mapper(mapping):
    spec = parse_mapping(mapping)
    return ItemMapper(spec, resolve_access(spec, [{"pk": {"S": "x"}, "owner": {"S": "y"}, "live": {"BOOL": True}}]))


def test_a_change_that_moves_the_target_key_deletes_the_old_one():
    mapper = _mapper({"key": {"PK": "concat(owner, '#', pk)"}, "filter": "live"})
    old = {"pk": {"S": "a"}, "owner": {"S": "ann"}, "live": {"BOOL": True}}
    new = {**old, "owner": {"S": "bob"}}
    change = from_stream_record(_record("MODIFY", "9", new=new, old=old), "s")
    write = target_write(change, mapper, KEYS)
    assert write.put is not None and write.put["PK"] == {"S": "bob#a"}
    assert write.deletes == ({"PK": {"S": "ann#a"}},)
    unchanged = target_write(from_stream_record(_record("MODIFY", "10", new=old, old=old), "s"), mapper, KEYS)
    assert unchanged.deletes == ()
    hidden = target_write(
        from_stream_record(_record("MODIFY", "11", new={**old, "live": {"BOOL": False}}, old=old), "s"), mapper, KEYS
    )
    assert (hidden.put, hidden.filtered, hidden.deletes) == (None, True, ({"PK": {"S": "ann#a"}},))


def test_a_remove_without_old_image_needs_a_key_from_the_source_key():
    mapper = _mapper({"key": {"PK": "concat(owner, '#', pk)"}})
    write = target_write(from_stream_record(_record("REMOVE", "12"), "s"), mapper, KEYS)
    assert write.dead is not None and write.dead[1] == "NoOldImage"
    by_key = _mapper({"key": {"PK": "concat('K#', pk)"}})
    assert target_write(from_stream_record(_record("REMOVE", "13"), "s"), by_key, KEYS).deletes == (
        {"PK": {"S": "K#a"}},
    )


def test_the_transaction_guards_the_target_writes_with_the_version():
    mapper = _mapper({"key": {"PK": "concat('K#', pk)"}})
    change = from_stream_record(_record("INSERT", "14", new={"pk": {"S": "a"}}), "s")
    body = transaction(change, target_write(change, mapper, KEYS), "target", "versions", ("pk",))
    assert body is not None
    guard, put = body["TransactItems"]
    assert guard["Put"]["TableName"] == "versions"
    assert guard["Put"]["ConditionExpression"] == "attribute_not_exists(#k) OR #v < :v"
    assert guard["Put"]["ExpressionAttributeValues"][":v"] == {"S": change.version}
    assert put == {"Put": {"TableName": "target", "Item": {"pk": {"S": "a"}, "PK": {"S": "K#a"}}}}
    base = from_export_line(export_line(change, 1), "f", 1)
    base_body = transaction(base, target_write(base, mapper, KEYS), "target", "versions", ("pk",))
    assert base_body is not None
    guard, _put = base_body["TransactItems"]
    assert guard["ConditionCheck"]["ConditionExpression"] == "attribute_not_exists(#k)"


def test_cancellation_reasons_are_read_in_request_order():
    error = DynamoCallError(
        "TransactWriteItems",
        400,
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]",
    )
    assert cancellation_reasons(error) == ["None", "ValidationError"]


_NO_CONFIG = cast(JobConfig, None)  # the checks patched below never read the config


def test_replication_refuses_a_stream_that_cannot_reach_back_to_the_export(monkeypatch):
    from jobs.core.errors import TerminalError
    from jobs.streams import replicate

    exported = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(replicate, "require_full_load", lambda _c: None)
    monkeypatch.setattr(replicate, "covered_until", lambda _c: exported)
    late = replicate.SourceStream("arn", "NEW_AND_OLD_IMAGES", datetime(2026, 6, 1, 12, 5, tzinfo=UTC))
    with pytest.raises(TerminalError, match="catch-up --from 2026-06-01T12:00:00"):
        replicate.check_order(_NO_CONFIG, late, now=datetime(2026, 6, 1, 13, 0, tzinfo=UTC))
    early = replicate.SourceStream("arn", "NEW_AND_OLD_IMAGES", datetime(2026, 5, 1, tzinfo=UTC))
    replicate.check_order(_NO_CONFIG, early, now=datetime(2026, 6, 1, 22, 0, tzinfo=UTC))
    with pytest.raises(TerminalError, match="the stream keeps 24 h"):
        replicate.check_order(_NO_CONFIG, early, now=datetime(2026, 6, 2, 11, 30, tzinfo=UTC))
