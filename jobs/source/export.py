"""Get a full export of the source table into S3, behind one interface.

* :class:`AwsExporter` asks DynamoDB for ExportTableToPointInTime and waits for it.
* :class:`LocalExporter` stands in where the service cannot export (DynamoDB Local): it
  scans the table in parallel segments and writes the documented layout itself.

Either way the result is the s3:// URI of a manifest-summary.json, recorded under the run's
prefix so that ``ddb-migrate run`` with the same run id finds it.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from jobs import aws
from jobs.aws import AccountSpec
from jobs.aws.wire import DynamoWire
from jobs.config import SourceSettings
from jobs.core.errors import ConfigError, TerminalError
from jobs.ledger import LedgerStore
from jobs.source.export_format import (
    SUMMARY_NAME,
    DataFile,
    checksum_keys,
    export_line,
    files_manifest_line,
    md5_base64,
    summary_document,
)
from jobs.source.ion_format import item_to_line
from jobs.source.manifests import LoadedExport, load_export

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ExportResult:
    manifest_uri: str
    item_count: int
    export_arn: str


class Exporter(Protocol):
    def export(self, progress: Progress) -> ExportResult: ...


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def table_arn(account: AccountSpec, table: str) -> str:
    ddb = aws.client(account, "dynamodb")
    try:
        return str(ddb.describe_table(TableName=table)["Table"]["TableArn"])
    except ddb.exceptions.ResourceNotFoundException:
        raise TerminalError(f"source table {table!r} does not exist in account '{account.name}'") from None


class AwsExporter:
    """ExportTableToPointInTime, with S3BucketOwner for a bucket in another account.

    With ``window`` (from, to) it requests an incremental export of the changes in [from, to)
    with new and old images (``ddb-migrate catch-up``).
    """

    def __init__(
        self, source: SourceSettings, poll_s: float = 15.0, window: tuple[datetime, datetime] | None = None
    ) -> None:
        self.source = source
        self.poll_s = poll_s
        self.window = window

    def export(self, progress: Progress) -> ExportResult:
        settings, table, run_id = self.source.export, self.source.table, self.source.run.token
        ddb = aws.client(table.account, "dynamodb")
        request: dict[str, Any] = {
            "TableArn": table_arn(table.account, table.name),
            "S3Bucket": export_bucket(self.source),
            "S3Prefix": settings.prefix or run_id,
            "ExportFormat": settings.output_format,
            "ExportType": "FULL_EXPORT",
            "ClientToken": f"ddb-migrate-{run_id}"[:64],
        }
        if self.window is not None:
            start, end = self.window
            request["ExportType"] = "INCREMENTAL_EXPORT"
            request["IncrementalExportSpecification"] = {
                "ExportFromTime": start,
                "ExportToTime": end,
                "ExportViewType": "NEW_AND_OLD_IMAGES",
            }
            request["ClientToken"] = f"ddb-migrate-{int(start.timestamp())}-{int(end.timestamp())}-{run_id}"[:64]
        if settings.bucket_owner:
            request["S3BucketOwner"] = settings.bucket_owner
        if settings.kms_key_arn:
            request.update(S3SseAlgorithm="KMS", S3SseKmsKeyId=settings.kms_key_arn)
        try:
            description = ddb.export_table_to_point_in_time(**request)["ExportDescription"]
        except ddb.exceptions.PointInTimeRecoveryUnavailableException:
            raise TerminalError(
                f"table {table.name} has no point-in-time recovery",
                hint="enable PITR on the source table (the source Terraform module does), "
                "or migrate with source.mode: scan",
            ) from None
        started = time.monotonic()
        while description["ExportStatus"] == "IN_PROGRESS":
            progress(
                f"export {description['ExportArn'].rsplit('/', 1)[-1]}: in progress, "
                f"{time.monotonic() - started:.0f}s elapsed"
            )
            time.sleep(self.poll_s)
            description = ddb.describe_export(ExportArn=description["ExportArn"])["ExportDescription"]
        if description["ExportStatus"] != "COMPLETED":
            raise TerminalError(
                f"export {description['ExportArn']} ended {description['ExportStatus']}: "
                f"{description.get('FailureCode')} {description.get('FailureMessage')}"
            )
        return ExportResult(
            f"s3://{settings.bucket}/{description['ExportManifest']}",
            int(description.get("ItemCount", 0)),
            description["ExportArn"],
        )


class LocalExporter:
    """Writes the documented export layout from a parallel scan, for emulators that cannot export."""

    def __init__(self, source: SourceSettings, segments: int = 4, page_limit: int = 1000) -> None:
        self.source = source
        self.segments = segments
        self.ion = source.export.output_format == "ION"
        self.page_limit = page_limit

    def _scan_segment(self, wire: DynamoWire, segment: int) -> tuple[bytes, int, int]:
        buffer = io.BytesIO()
        count = size = 0
        request: dict[str, Any] = {
            "TableName": self.source.table.name,
            "Segment": segment,
            "TotalSegments": self.segments,
            "Limit": self.page_limit,
        }
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as stream:
            while True:
                page = wire.call("Scan", json.dumps(request))
                for item in page.get("Items", []):
                    line = (item_to_line(item) if self.ion else export_line(item)).encode("utf-8")
                    stream.write(line + b"\n")
                    count += 1
                    size += len(line)
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return buffer.getvalue(), count, size

    def export(self, progress: Progress) -> ExportResult:
        settings = self.source.export
        bucket = export_bucket(self.source)
        source = self.source.table.account
        arn = table_arn(source, self.source.table.name)
        export_id = f"{int(time.time() * 1000):014d}-{uuid.uuid4().hex[:8]}"
        prefix = settings.prefix or None
        folder = f"{prefix}/AWSDynamoDB/{export_id}" if prefix else f"AWSDynamoDB/{export_id}"
        s3 = aws.client(source, "s3")
        owner = {"ExpectedBucketOwner": settings.bucket_owner} if settings.bucket_owner else {}
        put = partial_put(s3, bucket, owner)
        start = now_iso()
        put(f"{folder}/_started", b"")
        wire = DynamoWire(source, pool_size=self.segments)
        with ThreadPoolExecutor(self.segments) as pool:
            scanned = list(pool.map(lambda s: self._scan_segment(wire, s), range(self.segments)))
        # A real export writes at least one file per partition, empty ones included.
        scanned.append((gzip.compress(b"", mtime=0), 0, 0))
        entries = []
        for data, count, _size in scanned:
            key = f"{folder}/data/{uuid.uuid4().hex[:26]}.json.gz"
            put(key, data)
            entries.append(DataFile(key=key, item_count=count, md5=md5_base64(data), etag=None))
            progress(f"wrote s3://{bucket}/{key} ({count} items)")
        files_text = ("\n".join(files_manifest_line(e) for e in entries) + "\n").encode("utf-8")
        files_key = f"{folder}/manifest-files.json"
        put(files_key, files_text)
        put(checksum_keys(files_key)[0], md5_base64(files_text).encode("ascii"))
        total = sum(e.item_count for e in entries)
        summary = summary_document(
            bucket=bucket,
            prefix=prefix,
            export_id=export_id,
            table_arn=arn,
            export_time=start,
            start_time=start,
            end_time=now_iso(),
            item_count=total,
            billed_size_bytes=sum(size for _d, _c, size in scanned),
            output_format=settings.output_format,
        )
        summary_text = json.dumps(summary, indent=2).encode("utf-8")
        summary_key = f"{folder}/{SUMMARY_NAME}"
        put(summary_key, summary_text)
        put(checksum_keys(summary_key)[0], md5_base64(summary_text).encode("ascii"))
        return ExportResult(f"s3://{bucket}/{summary_key}", total, summary["exportArn"])


def partial_put(s3: Any, bucket: str, extra: dict[str, str]) -> Callable[[str, bytes], None]:
    def put(key: str, body: bytes) -> None:
        s3.put_object(Bucket=bucket, Key=key, Body=body, **extra)

    return put


def exporter_for(source: SourceSettings) -> Exporter:
    """The AWS exporter, or the local one when asked or when the source DynamoDB is emulated."""
    method = source.export.method
    if method == "auto":
        method = "local" if source.table.account.emulated_dynamodb else "aws"
    if method == "local":
        return LocalExporter(source, segments=source.export.local_segments)
    return AwsExporter(source)


def export_bucket(source: SourceSettings) -> str:
    if not source.export.bucket:
        raise TerminalError("source.export.bucket is not set", hint="say where the export should be written")
    return source.export.bucket


def request_export(source: SourceSettings, progress: Progress) -> ExportResult:
    """Export the source table and record the manifest URI for this run id."""
    export_bucket(source)
    result = exporter_for(source).export(progress)
    LedgerStore.at(source.run).put_json(
        EXPORT_POINTER,
        {"manifest": result.manifest_uri, "item_count": result.item_count, "export_arn": result.export_arn},
    )
    return result


EXPORT_POINTER = "export.json"


def manifest_uri(source: SourceSettings) -> str:
    """The export to migrate: the configured manifest, else the one `ddb-migrate export` recorded."""
    if source.export.manifest_uri:
        return source.export.manifest_uri
    store = LedgerStore.at(source.run)
    pointer = store.get_json(EXPORT_POINTER)
    if pointer is None:
        raise ConfigError(
            f"source.export.manifest is not set and run {source.run.run_id} has no recorded export "
            f"(s3://{store.bucket}/{store.prefix}{EXPORT_POINTER})",
            hint="run `ddb-migrate export --config ...` with the same run_id, or set source.export.manifest",
        )
    return str(pointer["manifest"])


def open_export(source: SourceSettings) -> LoadedExport:
    export = load_export(source.export_reader, manifest_uri(source))
    if export.summary.export_type != "FULL_EXPORT":
        raise TerminalError(
            f"{export.uri} is an {export.summary.export_type}",
            hint="`ddb-migrate run` loads full exports; use `ddb-migrate catch-up` for incremental",
        )
    return export
