"""Where a migration's items come from: an export in S3, or a paced parallel Scan of the table.

Both kinds of source hand the pipeline the same things: a list of units of work (export data
files, or scan segments) that the ledger records one by one, a DataFrame of export-style lines
``(file_key, line_no, line, error)`` closed per unit by a trailer row, and a small sample for
checking the mapping. Everything after that (mapping, collision check, writer, ledger,
validation) cannot tell them apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Generic, Protocol

import pyarrow as pa
from pyspark import Broadcast
from pyspark.sql import DataFrame, SparkSession

from jobs import aws
from jobs.aws import AccountSpec
from jobs.aws.wire import DynamoWire
from jobs.config import SourceSettings
from jobs.core.errors import MigrationError
from jobs.core.rows import TRAILER_LINE
from jobs.source.export import open_export
from jobs.source.export_format import DataFile
from jobs.source.manifests import LoadedExport
from jobs.source.read import LINES_SCHEMA, SPARK_LINES_SCHEMA, ReadSettings, Unit, files_at, read_files
from jobs.source.sample import sample_items
from jobs.source.scan import ScanSettings, scan_pages

_EMIT_ROWS = 4096


@dataclass(frozen=True)
class FilesFrame(Generic[Unit]):
    """Units of work for Spark tasks: ``positions`` (one ``position`` row per data file, scan
    segment or stored digests object, spread over the partitions) and the units themselves,
    broadcast, for the tasks to look up (:func:`jobs.source.read.files_at`)."""

    positions: DataFrame
    files: Broadcast[tuple[Unit, ...]]


def files_frame(spark: SparkSession, files: list[Unit], partitions: int | None) -> FilesFrame[Unit]:
    """An export's data files, a scan's segments or stored digest objects, as Spark rows in order:
    one partition per unit by default, else ``partitions`` runs of consecutive units of near-equal
    length.

    The rows are positions made in the JVM (``spark.range``); each task looks its files up in a
    broadcast list (:func:`jobs.source.read.files_at`). A frame of the files themselves took two
    more Spark jobs per run, for a broadcast join of rows the JVM unpickled from a Python list:
    about 0.7 s of the JVM's CPU each time; an RDD of Python rows started a second Python worker in
    every task (ADR 0014, seventh addendum)."""
    slices = max(1, min(len(files), partitions or len(files)))
    positions = spark.range(0, len(files), 1, numPartitions=slices).withColumnRenamed("id", "position")
    return FilesFrame(positions, spark.sparkContext.broadcast(tuple(files)))


class Source(Protocol):
    """What the pipeline needs of a source of items."""

    @property
    def uri(self) -> str: ...

    @property
    def files(self) -> list[DataFile]: ...

    @property
    def item_count(self) -> int | None: ...

    def lines(self, spark: SparkSession, files: list[DataFile], partitions: int | None) -> DataFrame: ...

    def sample(self, limit: int = 1000) -> list[dict[str, Any]]: ...

    def approximate_items(self, files: list[DataFile]) -> int: ...


@dataclass(frozen=True)
class ExportSource:
    """A DynamoDB export (DYNAMODB_JSON or ION): data files are the units of work."""

    export: LoadedExport
    read_settings: ReadSettings

    @property
    def uri(self) -> str:
        return self.export.uri

    @property
    def files(self) -> list[DataFile]:
        return self.export.files

    @property
    def item_count(self) -> int | None:
        return self.export.summary.item_count

    def lines(self, spark: SparkSession, files: list[DataFile], partitions: int | None) -> DataFrame:
        listed = files_frame(spark, files, partitions)
        read = partial(read_files, settings=self.read_settings, files=listed.files)
        return listed.positions.mapInArrow(read, SPARK_LINES_SCHEMA)

    def sample(self, limit: int = 1000) -> list[dict[str, Any]]:
        return sample_items(self.read_settings.account, self.export, limit)

    def approximate_items(self, files: list[DataFile]) -> int:
        return sum(f.item_count for f in files)


def segment_key(segment: int, segments: int) -> str:
    """The ledger's name for one scan segment (sorts in segment order)."""
    return f"scan-segment-{segment:05d}-of-{segments:05d}"


def segment_of(key: str) -> int:
    return int(key.split("-")[2])


@dataclass(frozen=True)
class ScanSource:
    """The source table itself, read by a paced parallel Scan: segments are the units of work.

    A segment whose scan fails for good ends with a trailer row naming the error, so the ledger
    leaves it unfinished and a rerun with the same run id scans it again (puts are idempotent).
    """

    settings: ScanSettings
    approximate_items_total: int | None = None

    @property
    def uri(self) -> str:
        return f"dynamodb-scan://{self.settings.account.name}/{self.settings.table}"

    @property
    def files(self) -> list[DataFile]:
        n = self.settings.segments
        return [DataFile(key=segment_key(s, n), item_count=0, md5="") for s in range(n)]

    @property
    def item_count(self) -> int | None:
        return None  # a live table has no fixed count; DescribeTable's is hours old

    def lines(self, spark: SparkSession, files: list[DataFile], partitions: int | None) -> DataFrame:
        listed = files_frame(spark, files, None)  # one segment per task
        scan = partial(scan_lines, settings=self.settings, segments=listed.files)
        return listed.positions.mapInArrow(scan, SPARK_LINES_SCHEMA)

    def sample(self, limit: int = 1000) -> list[dict[str, Any]]:
        wire = DynamoWire(self.settings.account, pool_size=1)
        try:
            first = next(scan_pages(wire, _with_limit(self.settings, limit), 0))
        finally:
            wire.close()
        return list(first.get("Items", []))

    def approximate_items(self, files: list[DataFile]) -> int:
        """DescribeTable's count (refreshed about every six hours), pro rata: for progress only."""
        return (self.approximate_items_total or 0) * len(files) // max(1, self.settings.segments)


def _with_limit(settings: ScanSettings, limit: int) -> ScanSettings:
    return replace(settings, segments=1, page_limit=max(1, limit))


def _lines_batch(rows: list[tuple[str, int, str | None, str | None]]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    return pa.RecordBatch.from_arrays(
        [pa.array(list(c), f.type) for c, f in zip(columns, LINES_SCHEMA, strict=True)], schema=LINES_SCHEMA
    )


def scan_lines(
    batches: Iterator[pa.RecordBatch], settings: ScanSettings, segments: Broadcast[tuple[DataFile, ...]]
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: segment positions in (:func:`files_frame`), one export-style line per
    item out, then a trailer."""
    wire = DynamoWire(settings.account, pool_size=1)
    try:
        for unit in files_at(batches, segments):
            key, segment = unit.key, segment_of(unit.key)
            rows: list[tuple[str, int, str | None, str | None]] = []
            line, error = 0, None
            try:
                for page in scan_pages(wire, settings, segment):
                    for item in page.get("Items", []):
                        line += 1
                        rows.append((key, line, json.dumps({"Item": item}, ensure_ascii=False), None))
                    if len(rows) >= _EMIT_ROWS:
                        yield _lines_batch(rows)
                        rows = []
            except MigrationError as exc:
                error = f"{key}: the scan stopped after {line} items: {exc}"
            rows.append((key, TRAILER_LINE, None, error))
            yield _lines_batch(rows)
    finally:
        wire.close()


def scan_settings(source: SourceSettings) -> ScanSettings:
    scan = source.scan
    return ScanSettings(
        account=source.table.account,
        table=source.table.name,
        segments=scan.segments,
        read_units_per_s=scan.read_units_per_s,
        page_limit=scan.page_limit,
        consistent_read=scan.consistent_read,
        max_retry_seconds=source.max_retry_seconds,
    )


def open_source(source: SourceSettings) -> Source:
    """The configured source of items: the export (``source.mode: export``) or the table (``scan``)."""
    if source.mode == "scan":
        table = aws.client(source.table.account, "dynamodb").describe_table(TableName=source.table.name)["Table"]
        return ScanSource(scan_settings(source), table.get("ItemCount"))
    return export_source(source.export_reader, open_export(source))


def export_source(reader: AccountSpec, export: LoadedExport) -> ExportSource:
    """An export as a source, its files read with ``reader``'s credentials."""
    return ExportSource(
        export,
        ReadSettings(
            account=reader,
            bucket=export.bucket,
            output_format=export.summary.output_format,
        ),
    )
