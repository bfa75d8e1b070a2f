"""The target side by a paced parallel scan: digest rows of every item in the table, one Spark
partition per scan segment."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

from jobs.aws.wire import DynamoWire
from jobs.core.canonical import canonical_value, key_digest, key_text
from jobs.sink.digests import (
    SPARK_ATTRIBUTES_SCHEMA,
    SPARK_DIGEST_SCHEMA,
    DigestBuilder,
    DigestSettings,
    attributes_batch,
)
from jobs.source.scan import ScanSettings, scan_pages


def _pages(batches: Iterator[pa.RecordBatch], scan: ScanSettings) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(segment, the items of one page) for every page of the segments this task was given."""
    wire = DynamoWire(scan.account, pool_size=1)
    try:
        for batch in batches:
            for segment in batch.column("segment").to_pylist():
                for page in scan_pages(wire, scan, segment):
                    yield segment, page.get("Items", [])
    finally:
        wire.close()


def scan_segments(
    batches: Iterator[pa.RecordBatch], scan: ScanSettings, digest: DigestSettings
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: segment numbers in, digest rows of their items out (a batch per page)."""
    lines: dict[int, int] = {}
    for segment, items in _pages(batches, scan):
        builder = DigestBuilder(digest)
        for line, item in enumerate(items, start=lines.get(segment, 0) + 1):
            builder.add_item(f"segment-{segment}", line, item)
        lines[segment] = lines.get(segment, 0) + len(items)
        if len(builder):
            yield builder.batch()


def scan_attribute_rows(
    batches: Iterator[pa.RecordBatch], scan: ScanSettings, key_names: tuple[str, ...]
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: segment numbers in, the attribute digests of their items out, by key digest."""
    for _segment, items in _pages(batches, scan):
        rows = [
            (key_digest(key_text(item, key_names)), {n: canonical_value(v, n) for n, v in item.items()})
            for item in items
        ]
        if rows:
            yield attributes_batch(rows)


def _segments(spark: SparkSession, scan: ScanSettings) -> DataFrame:
    # Segment numbers made in the JVM: an RDD of Python rows started a second Python worker in every
    # scan task (ADR 0014, seventh addendum). Spark partition i scans segment i.
    return spark.range(0, scan.segments, 1, numPartitions=scan.segments).withColumnRenamed("id", "segment")


def scan_digests(spark: SparkSession, scan: ScanSettings, digest: DigestSettings) -> DataFrame:
    """Digest rows of the whole table."""
    return _segments(spark, scan).mapInArrow(partial(scan_segments, scan=scan, digest=digest), SPARK_DIGEST_SCHEMA)


def scan_attributes(spark: SparkSession, scan: ScanSettings, key_names: tuple[str, ...]) -> DataFrame:
    """(key_hash, attributes) of every item in the table: a second scan, for many mismatched keys."""
    return _segments(spark, scan).mapInArrow(
        partial(scan_attribute_rows, scan=scan, key_names=key_names), SPARK_ATTRIBUTES_SCHEMA
    )
