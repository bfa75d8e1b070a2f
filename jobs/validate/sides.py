"""The two sides of a validation, as digest rows.

*Expected* is the source (its export, or a scan of it) as the migration writes it: the mapping applied, items that
were filtered or dead-lettered (at read, mapping or write, per the run's dead letters) left
out, and with ``keep_latest`` the superseded versions of a key left out. *Actual* is the target
table now (a paced parallel scan) or an export of it (read by the same reader as the source).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import aws
from jobs.config import JobConfig
from jobs.core.canonical import attribute_digests, canonical_value, key_text
from jobs.core.item_checks import KeySchema
from jobs.core.rows import TRAILER_LINE
from jobs.ledger import LedgerStore
from jobs.sink.collisions import resolve_collisions
from jobs.sink.digests import (
    SPARK_ATTRIBUTES_SCHEMA,
    SPARK_DIGEST_SCHEMA,
    DigestSettings,
    StoredDigests,
    attribute_rows,
    digest_rows,
    read_stored,
)
from jobs.source.items import compiled_mapping, mapped_items, read_items
from jobs.source.scan import ScanSettings, get_items
from jobs.source.sources import Source, files_frame
from jobs.validate.compare import differing
from jobs.validate.target_scan import scan_attributes, scan_digests

Place = tuple[str, int]  # (export data file key, line number)


@dataclass(frozen=True)
class Sides:
    """Everything needed to produce both sides' digests (and to fetch sample items again)."""

    config: JobConfig
    source: Source
    key_schema: KeySchema
    digest: DigestSettings
    scan: ScanSettings
    target_export: Source | None = None
    recompute_expected: bool = False  # re-read the source even when the run stored its digests


def expected_items(spark: SparkSession, config: JobConfig, items_from: Source, files: list[Any]) -> DataFrame:
    """Item rows in the target's shape: the ONE place validation applies the mapping."""
    mapping = compiled_mapping(spark, config.mapping, items_from)
    return mapped_items(spark, items_from, files, mapping, config.partitions)


def dead_lettered(config: JobConfig) -> list[Place]:
    """(file, line) of every item the run dead-lettered, from its ``dead-letters/`` objects."""
    records = (r for _key, file_records in LedgerStore.for_run(config).dead_letter_files() for r in file_records)
    return [(r["file"], int(r["line"])) for r in records if r.get("line", -1) > 0]


def _digest_input(items: DataFrame, dead_lines_are_errors: bool) -> DataFrame:
    """(file_key, line_no, item, error): items to hash, and the errors that make a file unreadable."""
    trailer = F.col("line_no") == F.lit(TRAILER_LINE)
    dead = F.col("dead_reason").isNotNull()
    item_ok = ~trailer & ~dead & ~F.coalesce(F.col("filtered"), F.lit(False))
    errors = (trailer | F.lit(dead_lines_are_errors)) & dead
    return items.where(item_ok | errors).select(
        "file_key",
        "line_no",
        F.when(item_ok, F.col("item")).alias("item"),
        F.when(errors, F.col("dead_reason")).alias("error"),
    )


def _digests(items: DataFrame, settings: DigestSettings) -> DataFrame:
    return items.mapInArrow(partial(digest_rows, settings=settings), SPARK_DIGEST_SCHEMA)


def _without(items: DataFrame, places: list[Place]) -> DataFrame:
    if not places:
        return items
    table = items.sparkSession.createDataFrame(places, "file_key string, line_no long")
    return items.join(F.broadcast(table), ["file_key", "line_no"], "left_anti")


DIGESTS_STALE = "digests-stale.json"  # written by `dlq replay`: items were written after the load


def stored_expected(spark: SparkSession, sides: Sides) -> DataFrame | None:
    """The digests the load stored for every unit it finished, or None when any is missing
    (import mode, an unfinished run, a replay since), and the source must be read again."""
    store = LedgerStore.for_run(sides.config)
    if sides.recompute_expected or store.get_json(DIGESTS_STALE) is not None:
        return None
    wanted = [f.key for f in sides.source.files]
    if not set(wanted) <= set(store.finished_files()):
        return None
    s3 = aws.client(store.account, "s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=f"{store.prefix}digests/")
    present = {obj["Key"] for page in pages for obj in page.get("Contents", [])}
    keys = [store.digest_key(k) for k in wanted]
    if not set(keys) <= present:
        return None
    listed = files_frame(spark, keys, 2 * spark.sparkContext.defaultParallelism)
    stored = StoredDigests(store.account, store.bucket, sides.digest, listed.files)
    return listed.positions.mapInArrow(partial(read_stored, stored=stored), SPARK_DIGEST_SCHEMA)


def expected_digests(spark: SparkSession, sides: Sides) -> tuple[DataFrame, str]:
    """Expected digest rows, and where they came from."""
    config = sides.config
    stored = stored_expected(spark, sides)
    if stored is not None:
        return _without(stored, dead_lettered(config)), "digests stored by the run for every finished unit"
    items = expected_items(spark, config, sides.source, sides.source.files)
    if config.mapping.collision_policy == "keep_latest":
        items = resolve_collisions(items, config.mapping, sides.key_schema)
    digests = _digests(_without(_digest_input(items, False), dead_lettered(config)), sides.digest)
    return digests, "the source read again and mapped"


def actual_digests(spark: SparkSession, sides: Sides) -> DataFrame:
    if sides.target_export is None:
        return scan_digests(spark, sides.scan, sides.digest)
    items = read_items(spark, sides.target_export, sides.target_export.files, sides.config.partitions)
    return _digests(_digest_input(items, True), sides.digest)


def _items_at(items: DataFrame, places: list[Place]) -> dict[Place, dict[str, Any]]:
    wanted = items.sparkSession.createDataFrame(places, "file_key string, line_no long")
    rows = items.join(F.broadcast(wanted), ["file_key", "line_no"]).select("file_key", "line_no", "item").collect()
    return {(r["file_key"], r["line_no"]): {k: json.loads(v) for k, v in r["item"].items()} for r in rows}


def _files_of(items_from: Source, places: list[Place]) -> list[Any]:
    return _files_named(items_from, {file_key for file_key, _line in places})


def _files_named(items_from: Source, keys: set[str]) -> list[Any]:
    return [f for f in items_from.files if f.key in keys]


def expected_items_at(spark: SparkSession, sides: Sides, places: list[Place]) -> dict[Place, dict[str, Any]]:
    """Expected items (name -> AttributeValue) at these places, re-read from their files only."""
    if not places:
        return {}
    return _items_at(expected_items(spark, sides.config, sides.source, _files_of(sides.source, places)), places)


def actual_items(spark: SparkSession, sides: Sides, keys: list[str], places: list[Place]) -> dict[str, dict[str, Any]]:
    """Target items by canonical key text: fetched by key from the table, or re-read from its export."""
    if not keys:
        return {}
    names = tuple(n for n, _t in sides.key_schema)
    if sides.target_export is None:
        return get_items(sides.scan, keys, names)
    export = sides.target_export
    found = _items_at(read_items(spark, export, _files_of(export, places), sides.config.partitions), places)
    return {key_text(item, names): item for item in found.values()}


# --- the attributes that differ, for the mismatched keys alone (ADR 0005 addendum) ----------------


def differing_attributes(spark: SparkSession, sides: Sides, mismatched: DataFrame, by_key_limit: int) -> DataFrame:
    """(key_hash, differing) of every mismatched key: the names of the attributes whose digests
    differ. Each side's items are read again for these keys only: the expected side from the
    source files that hold them (mapped, as the run wrote them), the target by key, or by a
    second paced scan when more than ``by_key_limit`` keys differ (or from its export)."""
    rows = mismatched.select("key_hash", "key", "expected_file", "expected_line", "actual_file", "actual_line")
    expected = _attributes_at(
        rows,
        "expected",
        lambda files: expected_items(spark, sides.config, sides.source, _files_named(sides.source, files)),
    )
    actual = _actual_attributes(spark, sides, rows, by_key_limit)
    # every mismatched key gets a row; a side whose item is not found again counts as no attributes
    joined = (
        rows.select("key_hash")
        .join(expected.withColumnRenamed("attributes", "expected"), "key_hash", "left")
        .join(actual.withColumnRenamed("attributes", "actual"), "key_hash", "left")
    )
    return joined.select("key_hash", differing(F.col("expected"), F.col("actual")).alias("differing"))


def _attributes_at(rows: DataFrame, side: str, items_of: Callable[[set[str]], DataFrame]) -> DataFrame:
    """Attribute digests of the items at this side's (file, line) of each row, read from those files only."""
    places = rows.select(
        F.col(f"{side}_file").alias("file_key"), F.col(f"{side}_line").alias("line_no"), "key_hash"
    ).where(F.col("file_key").isNotNull())
    files = {r["file_key"] for r in places.select("file_key").distinct().collect()}
    items = items_of(files).select("file_key", "line_no", "item")
    at_places = items.join(places, ["file_key", "line_no"]).select("key_hash", "item")
    return at_places.mapInArrow(attribute_rows, SPARK_ATTRIBUTES_SCHEMA)


def _actual_attributes(spark: SparkSession, sides: Sides, rows: DataFrame, by_key_limit: int) -> DataFrame:
    export = sides.target_export
    if export is not None:
        return _attributes_at(
            rows,
            "actual",
            lambda files: read_items(spark, export, _files_named(export, files), sides.config.partitions),
        )
    names = tuple(n for n, _t in sides.key_schema)
    wanted = rows.select("key_hash", "key")
    first = wanted.limit(by_key_limit + 1).collect()  # one job, and never more rows than the limit
    if len(first) > by_key_limit:  # a paced scan of the table reads each item once
        return scan_attributes(spark, sides.scan, names).join(wanted, "key_hash", "left_semi")
    keys = {r["key"]: r["key_hash"] for r in first}
    found = get_items(sides.scan, list(keys), names)
    fetched = [
        (keys[key], attribute_digests({n: canonical_value(v, n) for n, v in item.items()}))
        for key, item in found.items()
    ]
    return spark.createDataFrame(fetched, SPARK_ATTRIBUTES_SCHEMA)
