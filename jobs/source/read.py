"""Read export data files inside Spark tasks: download, verify, decompress, emit lines.

Each file is checked whole before any of its lines is emitted — its MD5 against the
manifest, its gzip stream to the end, its line count against ``itemCount`` — so a damaged
file contributes nothing but a trailer row naming the problem, and is never half-counted.
Objects are fetched with boto3 inside the task (not ``s3a://``) so the same code runs on
Glue, on any Spark cluster and locally.
"""

from __future__ import annotations

import base64
import codecs
import gzip
import hashlib
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from jobs import aws
from jobs.aws import AccountSpec
from jobs.core.attrvalue import validate_item
from jobs.core.errors import ExportFormatError, InvalidItemError
from jobs.core.fastjson import loads, stdlib_loads
from jobs.core.rows import TRAILER_LINE
from jobs.source.export_format import DataFile
from jobs.source.ion_format import line_to_json

if TYPE_CHECKING:
    from pyspark import Broadcast

LINES_SCHEMA = pa.schema(
    [
        ("file_key", pa.string()),
        ("line_no", pa.int64()),
        ("line", pa.string()),
        ("error", pa.string()),
    ]
)
SPARK_LINES_SCHEMA = "file_key string, line_no long, line string, error string"
Unit = TypeVar("Unit")  # what a FilesFrame's positions stand for: data files, segments, ...
_CHUNK = 1 << 20
_EMIT_ROWS = 8192


@dataclass(frozen=True)
class ReadSettings:
    """What a read task needs: the account that reads the bucket, and the bucket."""

    account: AccountSpec
    bucket: str
    output_format: str = "DYNAMODB_JSON"  # or ION: lines are converted to DynamoDB JSON here


def _download(settings: ReadSettings, key: str, spool: Any) -> str:
    """Stream an object into ``spool``; return the base64 MD5 of what arrived."""
    s3 = aws.client(settings.account, "s3")
    try:
        body = s3.get_object(Bucket=settings.bucket, Key=key)["Body"]
    except Exception as exc:  # botocore ClientError and connection errors alike
        raise ExportFormatError(
            f"s3://{settings.bucket}/{key}: cannot read data file ({exc})",
            hint="check that the export is complete and the job's role may read it",
        ) from exc
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in iter(lambda: body.read(_CHUNK), b""):
        digest.update(chunk)
        spool.write(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def _count_lines(path: str, uri: str) -> int:
    lines = 0
    last = b"\n"
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        with gzip.open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
                utf8.decode(chunk)
            utf8.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise ExportFormatError(
            f"{uri}: not UTF-8 text ({exc})", hint="re-export the table; nothing from this file was written"
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ExportFormatError(
            f"{uri}: gzip stream is damaged or truncated ({exc})",
            hint="re-export the table or restore the object; nothing from this file was written",
        ) from exc
    return lines + (0 if last == b"\n" else 1)


def _verify(settings: ReadSettings, key: str, item_count: int, md5: str, spool: Any) -> None:
    """Download ``key`` into ``spool`` and check MD5, gzip, UTF-8 and line count; raise on any problem."""
    uri = f"s3://{settings.bucket}/{key}"
    actual_md5 = _download(settings, key, spool)
    spool.flush()
    if actual_md5 != md5:
        raise ExportFormatError(
            f"{uri}: MD5 mismatch (manifest says {md5}, object has {actual_md5})",
            hint="the object changed after the export; re-export the table or restore the object",
        )
    lines = _count_lines(spool.name, uri)
    if lines != item_count:
        raise ExportFormatError(
            f"{uri}: holds {lines} lines but the manifest says itemCount {item_count}",
            hint="re-export the table; nothing from this file was written",
        )


def verified_lines(settings: ReadSettings, key: str, item_count: int, md5: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line_no, text)`` of a data file, but only once the whole file has checked out."""
    with tempfile.NamedTemporaryFile(prefix="ddb-export-", suffix=".json.gz") as spool:
        _verify(settings, key, item_count, md5, spool)
        with gzip.open(spool.name, "rt", encoding="utf-8", newline="\n") as text:
            for number, line in enumerate(text, start=1):
                yield number, line.rstrip("\n")


def file_problem(settings: ReadSettings, key: str, item_count: int, md5: str) -> str | None:
    """What is wrong with a data file (MD5, gzip, UTF-8, line count), or None when it checks out."""
    with tempfile.NamedTemporaryFile(prefix="ddb-export-", suffix=".json.gz") as spool:
        try:
            _verify(settings, key, item_count, md5, spool)
        except ExportFormatError as exc:
            return str(exc)
    return None


def _batch(rows: list[tuple[str, int, str | None, str | None]]) -> pa.RecordBatch:
    keys, numbers, lines, errors = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pa.RecordBatch.from_arrays(
        [
            pa.array(keys, pa.string()),
            pa.array(numbers, pa.int64()),
            pa.array(lines, pa.string()),
            pa.array(errors, pa.string()),
        ],
        schema=LINES_SCHEMA,
    )


def _ion_row(key: str, number: int, line: str) -> tuple[str, int, str | None, str | None]:
    try:
        return key, number, line_to_json(line, f"{key} line {number}"), None
    except InvalidItemError as exc:
        return key, number, line, str(exc)  # dead-lettered by the parse step, with this reason


def _json_row(key: str, number: int, line: str) -> tuple[str, int, str | None, str | None]:
    """A DYNAMODB_JSON line, its AttributeValues checked: an unknown type tag, or a malformed N, B
    or set, gets a reason naming the attribute's path and tag (dead-lettered at the read stage).
    A line that is not a JSON ``{"Item": {...}}`` record is left to the parse step, which says so."""
    try:
        record = loads(line)
    except ValueError:
        return key, number, line, None
    item = record.get("Item") if isinstance(record, dict) else None
    if isinstance(item, dict):
        try:
            validate_item(item)
        except InvalidItemError as exc:
            return key, number, line, f"{key} line {number}: {exact_reason(line, exc)}"
    return key, number, line, None


def exact_reason(line: str, error: InvalidItemError) -> str:
    """The check's message for an invalid item, from the line parsed again by the json module:
    :func:`jobs.core.fastjson.loads` may read a bare integer beyond 64 bits as a float, and the
    message quotes the value as the line wrote it."""
    try:
        validate_item(stdlib_loads(line)["Item"])
    except InvalidItemError as exc:
        return str(exc)
    except (ValueError, KeyError, TypeError):  # pragma: no cover - the fast parse read this line
        pass
    return str(error)


def files_at(batches: Iterator[pa.RecordBatch], files: Broadcast[tuple[Unit, ...]]) -> Iterator[Unit]:
    """The units (data files, ...) of a partition of a :class:`jobs.source.sources.FilesFrame`, in order."""
    listed = files.value  # loaded once per Python worker, then kept with the broadcast
    for batch in batches:
        for position in batch.column("position").to_pylist():
            yield listed[position]


def read_files(
    batches: Iterator[pa.RecordBatch], settings: ReadSettings, files: Broadcast[tuple[DataFile, ...]]
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: file positions in (:func:`files_at`), export lines out.

    Every file ends with a trailer row (``line_no == TRAILER_LINE``) whose ``error`` is null
    when the file was read whole, or says what was wrong with it.
    """
    for data_file in files_at(batches, files):
        key, count, md5 = data_file.key, data_file.item_count, data_file.md5
        rows: list[tuple[str, int, str | None, str | None]] = []
        error: str | None = None
        try:
            ion = settings.output_format == "ION"
            for number, line in verified_lines(settings, key, count, md5):
                rows.append(_ion_row(key, number, line) if ion else _json_row(key, number, line))
                if len(rows) >= _EMIT_ROWS:
                    yield _batch(rows)
                    rows = []
        except ExportFormatError as exc:
            error = str(exc)  # raised before the first line is emitted: nothing half-counted
        rows.append((key, TRAILER_LINE, None, error))
        yield _batch(rows)
