"""The plain copy's load path (ADR 0014): export files straight to BatchWriteItem, one Spark task per file.

With no mapping and the key unchanged there is nothing for the JVM to do: each task reads its
files whole and checked (MD5, gzip, UTF-8, itemCount: :func:`jobs.source.read.verified_lines`),
parses each line once in Python (to check it is an export record and its key fits the
target), and sends the item's own wire text, cut from the line, in the batch body. Dead
letters, the file's ledger row, the stored digests and the result row are the Spark path's
own (:mod:`jobs.sink.load`), so resume and reconciliation cannot tell the paths apart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import pyarrow as pa
from pyspark import Broadcast
from pyspark.sql import SparkSession

from jobs.config import SinkSettings
from jobs.core.attrvalue import validate_item
from jobs.core.canonical import canonical_value, checked_canonical
from jobs.core.errors import ConfigError, ExportFormatError, InvalidItemError
from jobs.core.fastjson import loads
from jobs.core.item_checks import KeySchema
from jobs.core.progress import ProgressAddress
from jobs.core.signals import stop_requested
from jobs.ledger import FileResult
from jobs.mapping.spec import MappingSpec
from jobs.sink.collisions import collisions_possible
from jobs.sink.load import (
    RESULT_SCHEMA,
    SPARK_RESULT_SCHEMA,
    FileAccount,
    LoadSettings,
    finish_file,
    load_settings,
    take_item,
)
from jobs.sink.writer import DeadLetter, Entry, PartitionWriter, as_json
from jobs.source.export_format import DataFile
from jobs.source.ion_format import line_to_json
from jobs.source.read import ReadSettings, exact_reason, files_at, verified_lines
from jobs.source.sources import ExportSource, Source, files_frame

log = logging.getLogger(__name__)

DIRECT, SPARK = "direct", "spark"
_RECORD_START = '{"Item":'


@dataclass(frozen=True)
class DirectSettings:
    """What a direct-copy task needs; picklable."""

    read: ReadSettings
    load: LoadSettings
    files: Broadcast[tuple[DataFile, ...]]  # looked up by the frame's positions (jobs.source.read.files_at)


def load_path(sink: SinkSettings, mapping: MappingSpec, items_from: Source, key_schema: KeySchema) -> str:
    """``direct`` for a plain copy of an export (no mapping, key unchanged), else ``spark``.

    ``write.path`` forces one: ``spark`` always can; ``direct`` fails when the run is not a plain copy.
    """
    wanted = sink.write.path
    if wanted == SPARK:
        return SPARK
    why_not = _not_plain_copy(sink, mapping, items_from, key_schema)
    if why_not is None:
        return DIRECT
    if wanted == DIRECT:
        raise ConfigError(f"write.path is 'direct' but {why_not}", hint="remove write.path (auto) or set it to 'spark'")
    log.info("load path: spark (%s)", why_not)
    return SPARK


def _not_plain_copy(sink: SinkSettings, mapping: MappingSpec, items_from: Source, key_schema: KeySchema) -> str | None:
    if not isinstance(items_from, ExportSource):
        return "the source is not an export"
    if not mapping.empty:
        return "the job has a mapping"
    if collisions_possible(mapping, sink.source, key_schema):
        return "the source's key schema is not known to equal the target's, so keys could collide"
    return None


def record_item(line: str) -> tuple[dict[str, Any], str] | None:
    """The item of an export line ``{"Item": {...}}`` and its wire text, or None when the line is
    not such a record. The text is cut from the line as it came (no value re-encoded) when the
    line is exactly ``{"Item":<item>}``, else it is the parsed item written back as compact JSON."""
    try:
        record = loads(line)
    except ValueError:
        return None
    item = record.get("Item") if isinstance(record, dict) else None
    if not isinstance(item, dict) or not item:
        return None
    if len(record) == 1 and line.startswith(_RECORD_START) and line.endswith("}") and line.count('"Item"') == 1:
        return item, line[len(_RECORD_START) : -1]
    return item, json.dumps(item, ensure_ascii=False, separators=(",", ":"))


def checked_texts(item: dict[str, Any], key_names: tuple[str, ...], every_attribute: bool) -> dict[str, str]:
    """The item checked as DynamoDB would check it, and the canonical texts of its attributes:
    every one (the digests need them all) or only the key's (for the key check)."""
    if every_attribute:
        return checked_canonical(item, parsed=True)  # checks and writes each value in one pass
    validate_item(item)
    return {name: canonical_value(item[name], name) for name in key_names if name in item}


def _given(canonical: dict[str, str]) -> dict[str, str]:
    return canonical


def _bad_line(file_key: str, line_no: int, reason: str, line: str) -> DeadLetter:
    return DeadLetter(file_key, line_no, "read", "InvalidExportLine", reason, as_json(line))


def copy_file(writer: PartitionWriter, settings: DirectSettings, data_file: DataFile) -> FileResult | None:
    """Read one data file whole and checked, hand its items to the writer, and close its ledger row.

    None when Ctrl-C asked the task to stop (ADR 0013): the file is left without a ledger row, so
    the rerun copies it again (the items already sent are put again, with the same values).
    """
    load = settings.load
    account = FileAccount(data_file.key, load.digests)
    key_names = load.writer.key_names
    ion = settings.read.output_format == "ION"
    error: str | None = None
    try:
        for line_no, text in verified_lines(settings.read, data_file.key, data_file.item_count, data_file.md5):
            if stop_requested():
                return None
            account.result.read += 1
            line = text
            if ion:
                try:
                    line = line_to_json(text, f"{data_file.key} line {line_no}")
                except InvalidItemError as exc:
                    account.dead.append(_bad_line(data_file.key, line_no, str(exc), text))
                    continue
            parsed = record_item(line)
            if parsed is None:
                reason = f'line {line_no} is not a DynamoDB JSON export record {{"Item": {{...}}}}'
                account.dead.append(_bad_line(data_file.key, line_no, reason, line))
                continue
            item, body = parsed
            try:  # the Spark path's read-time check (jobs.source.read), same reason
                canonical = checked_texts(item, key_names, account.digests is not None)
            except InvalidItemError as exc:
                reason = f"{data_file.key} line {line_no}: {exact_reason(line, exc)}"
                account.dead.append(_bad_line(data_file.key, line_no, reason, line))
                continue
            keys = {name: canonical[name] for name in key_names if name in canonical}
            entry = Entry(data_file.key, line_no, body)
            take_item(writer, account, load.key_schema, entry, keys, partial(_given, canonical))
    except ExportFormatError as exc:
        error = str(exc)  # raised before the first line: nothing of the file was counted or sent
    return finish_file(writer, load.ledger, account, error)


def copy_rows(batches: Iterator[pa.RecordBatch], settings: DirectSettings) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: data file positions in, one ledger row per file out."""
    writer = PartitionWriter(settings.load.writer)
    finished: list[FileResult] = []
    try:
        for data_file in files_at(batches, settings.files):
            result = copy_file(writer, settings, data_file)
            if result is None:  # Ctrl-C: end the partition with the files finished so far
                break
            finished.append(result)
    finally:
        writer.close()
    yield pa.RecordBatch.from_pylist([asdict(r) for r in finished], schema=RESULT_SCHEMA)


def copy_export(
    spark: SparkSession,
    sink: SinkSettings,
    items_from: ExportSource,
    files: list[DataFile],
    key_schema: KeySchema,
    write_units_per_s: float | None,
    progress: ProgressAddress | None = None,
    partitions: int | None = None,
) -> list[FileResult]:
    """Copy the export's ``files`` to the target, one Spark task per file (or per slice of files)."""
    listed = files_frame(spark, files, partitions)
    concurrent_tasks = min(listed.positions.rdd.getNumPartitions(), spark.sparkContext.defaultParallelism)
    settings = DirectSettings(
        items_from.read_settings,
        load_settings(sink, key_schema, write_units_per_s, concurrent_tasks, progress),
        listed.files,
    )
    results = listed.positions.mapInArrow(partial(copy_rows, settings=settings), SPARK_RESULT_SCHEMA).collect()
    return [FileResult(**row.asDict()) for row in results]
