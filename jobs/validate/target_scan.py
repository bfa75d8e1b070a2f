"""The target side by a paced parallel scan: digest rows of every item in the table, one Spark
partition per scan segment."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

from jobs.aws.wire import DynamoWire
from jobs.sink.digests import SPARK_DIGEST_SCHEMA, DigestBuilder, DigestSettings
from jobs.source.scan import ScanSettings, scan_pages


def scan_segments(
    batches: Iterator[pa.RecordBatch], scan: ScanSettings, digest: DigestSettings
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: segment numbers in, digest rows of their items out (a batch per page)."""
    wire = DynamoWire(scan.account, pool_size=1)
    try:
        for batch in batches:
            for segment in batch.column("segment").to_pylist():
                line = 0
                for page in scan_pages(wire, scan, segment):
                    builder = DigestBuilder(digest)
                    for item in page.get("Items", []):
                        line += 1
                        builder.add_item(f"segment-{segment}", line, item)
                    if len(builder):
                        yield builder.batch()
    finally:
        wire.close()


def scan_digests(spark: SparkSession, scan: ScanSettings, digest: DigestSettings) -> DataFrame:
    """Digest rows of the whole table; Spark partition i scans segment i."""
    # Segment numbers made in the JVM: an RDD of Python rows started a second Python worker in every
    # scan task (ADR 0014, seventh addendum).
    segments = spark.range(0, scan.segments, 1, numPartitions=scan.segments).withColumnRenamed("id", "segment")
    return segments.mapInArrow(partial(scan_segments, scan=scan, digest=digest), SPARK_DIGEST_SCHEMA)
