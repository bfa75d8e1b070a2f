"""The comparison in Spark: classes from key and content digests, then the attributes that differ,
named from attribute digests made for the mismatched keys alone (ADR 0005, last addendum)."""

from __future__ import annotations

from typing import Any

from jobs.core.canonical import attribute_digests, canonical_item, digest_item
from jobs.sink.digests import SPARK_ATTRIBUTES_SCHEMA, SPARK_DIGEST_SCHEMA
from jobs.spark import uncompressed_cache_when_local
from jobs.validate import compare
from jobs.validate.compare import MATCH, MISMATCH, MISSING, UNEXPECTED

KEYS = ("pk",)


def _item(pk: str, **attributes: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, **{name: {"S": value} for name, value in attributes.items()}}


def _digest_rows(spark: Any, items: list[dict[str, Any]], file_key: str) -> Any:
    rows = []
    for line, item in enumerate(items, start=1):
        digest = digest_item(item, KEYS)
        assert digest is not None
        rows.append((file_key, line, digest.key, digest.key_hash, digest.content, None))
    return spark.createDataFrame(rows, SPARK_DIGEST_SCHEMA)


def _attribute_rows(spark: Any, items: list[dict[str, Any]]) -> Any:
    rows = []
    for item in items:
        digest = digest_item(item, KEYS)
        assert digest is not None
        rows.append((digest.key_hash, attribute_digests(canonical_item(item))))
    return spark.createDataFrame(rows, SPARK_ATTRIBUTES_SCHEMA)


def test_classes_then_the_differing_attributes_of_the_mismatched_keys_alone(spark):
    expected = [_item("same", a="1"), _item("changed", a="1", b="2", c="3"), _item("gone", a="1")]
    actual = [_item("same", a="1"), _item("changed", a="1", b="two"), _item("extra", a="1")]
    compared = compare.compare_digests(
        _digest_rows(spark, expected, "data/x.json.gz"), _digest_rows(spark, actual, "segment-0"), keys_only=False
    )
    summary = compare.count_classes(compared)
    assert summary.counts == {MATCH: 1, MISSING: 1, UNEXPECTED: 1, MISMATCH: 1, "unreadable_file": 0}
    assert summary.mismatched_attributes == {} and summary.samples == {}

    changed = [i for i in expected if i["pk"]["S"] == "changed"]
    changed_now = [i for i in actual if i["pk"]["S"] == "changed"]
    names = (
        compare.mismatched(compared)
        .select("key_hash")
        .join(_attribute_rows(spark, changed).withColumnRenamed("attributes", "e"), "key_hash", "left")
        .join(_attribute_rows(spark, changed_now).withColumnRenamed("attributes", "a"), "key_hash", "left")
        .selectExpr("key_hash", "e", "a")
    )
    differing = names.select("key_hash", compare.differing(names["e"], names["a"]).alias("differing"))
    result = compare.with_differing(compared, differing)
    summary = compare.describe(result, summary, max_samples=5)
    assert summary.mismatched_attributes == {"b": 1, "c": 1}
    (sample,) = summary.samples[MISMATCH]
    assert sample["key"] == '{"pk":{"S":"changed"}}' and sample["differing"] == ["b", "c"]
    assert (sample["expected_file"], sample["expected_line"]) == ("data/x.json.gz", 2)
    rows = {r["class"]: r["differing"] for r in result.collect()}
    assert rows == {MATCH: None, MISSING: None, UNEXPECTED: None, MISMATCH: ["b", "c"]}


def test_a_mismatch_whose_attributes_were_not_named_still_fails_the_suite_column(spark):
    """Without a row of differing names (an item not found again), the mismatch keeps its failure text."""
    compared = compare.compare_digests(
        _digest_rows(spark, [_item("k", a="1")], "f"), _digest_rows(spark, [_item("k", a="2")], "g"), keys_only=False
    )
    none_named = spark.createDataFrame([], "key_hash binary, differing array<string>")
    result = compare.with_differing(compared, none_named)
    (column,) = compare.failure_columns(result, keys_only=False).select(MISMATCH).collect()
    assert column[MISMATCH] == '{"pk":{"S":"k"}} differs in: (not named)'


def test_validation_caches_uncompressed_on_one_machine_and_puts_the_setting_back(spark):
    name = "spark.sql.inMemoryColumnarStorage.compressed"
    before = spark.conf.get(name)
    with uncompressed_cache_when_local(spark):
        assert spark.conf.get(name) == "false"
    assert spark.conf.get(name) == before
