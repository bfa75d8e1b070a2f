"""An incremental export in AWS's documented layout, written from the stream's records.

DynamoDB Local cannot export, so for ``ddb-migrate catch-up`` locally this reads the source
table's stream from TRIM_HORIZON, keeps the records of the window, compacts them to one line
per item (the old image before the window's first change, the new image after its last; no
new image: a delete) and writes what ``ExportTableToPointInTime`` with ``INCREMENTAL_EXPORT``
writes: ``AWSDynamoDB/<ExportId>/manifest-summary.json`` (version 2023-08-01, exportType,
exportFromTime, exportToTime, outputView), ``manifest-files.json``, their checksum files,
``_started``, and data files under the shared ``AWSDynamoDB/data/``.

The stream's clock is coarse (``ApproximateCreationDateTime``: whole seconds on AWS, whole
minutes in DynamoDB Local), so the window is widened to whole minutes at its start and kept at
its end; records near the edges may be included. That is safe: the lines are compacted to a
state the item really had, and replication (which reaches back before the window's end)
applies every later change over it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import uuid
from datetime import datetime
from typing import Any

from jobs import aws
from jobs.config import JobConfig
from jobs.core.canonical import key_text
from jobs.source.export import ExportResult, Progress, export_bucket, now_iso, partial_put, table_arn
from jobs.source.export_format import (
    SUMMARY_NAME,
    DataFile,
    checksum_keys,
    files_manifest_line,
    md5_base64,
    summary_document,
)
from jobs.streams.changes import Change, export_line, from_stream_record
from jobs.streams.follow import StreamReader

CLOCK_SLACK_S = 60.0


def window_changes(reader: StreamReader, start: datetime, end: datetime) -> list[Change]:
    """Every record of the stream that may lie in [start, end), ordered by sequence number."""
    selected: list[Change] = []
    low, high = start.timestamp() - CLOCK_SLACK_S, end.timestamp()
    for shard in reader.shards():
        iterator: str | None = reader.iterator(shard["ShardId"], None)
        while iterator:
            records, iterator = reader.records(iterator)
            if not records:
                break
            for record in records:
                change = from_stream_record(record, shard["ShardId"])
                created = change.created_at
                if created is None or low < created < high:
                    selected.append(change)
    return sorted(selected, key=lambda c: c.version or "")


def compact(changes: list[Change], key_names: tuple[str, ...]) -> list[Change]:
    """One change per item: the image before the first change and after the last."""
    first: dict[str, Change] = {}
    last: dict[str, Change] = {}
    for change in changes:
        key = key_text(change.keys, key_names)
        first.setdefault(key, change)
        last[key] = change
    return [
        Change(
            keys=final.keys,
            new_image=final.new_image,
            old_image=first[key].old_image,
            version=None,
            origin=final.origin,
            position=final.position,
            created_at=final.created_at,
            event="PUT" if final.new_image is not None else "DELETE",
        )
        for key, final in last.items()
    ]


def _gzip_lines(lines: list[str]) -> bytes:
    return gzip.compress(("".join(line + "\n" for line in lines)).encode("utf-8"), mtime=0)


class LocalIncrementalExporter:
    """Writes an incremental export of [start, end) from the source table's stream."""

    def __init__(self, config: JobConfig, stream_arn: str, key_names: tuple[str, ...], files: int = 2) -> None:
        self.config, self.stream_arn, self.key_names, self.files = config, stream_arn, key_names, files

    def export(self, start: datetime, end: datetime, progress: Progress) -> ExportResult:
        config = self.config
        source = config.account(config.source_account)
        bucket = export_bucket(config.source)
        reader = StreamReader(source, self.stream_arn, config.replication.batch_size)
        lines = [
            (key_text(c.keys, self.key_names), export_line(c, int((c.created_at or end.timestamp()) * 1_000_000)))
            for c in compact(window_changes(reader, start, end), self.key_names)
        ]
        export_id = f"{int(time.time() * 1000):014d}-{uuid.uuid4().hex[:8]}"
        prefix = config.export.prefix or None
        root = f"{prefix}/AWSDynamoDB" if prefix else "AWSDynamoDB"
        folder = f"{root}/{export_id}"
        s3 = aws.client(source, "s3")
        put = partial_put(
            s3, bucket, {"ExpectedBucketOwner": config.export.bucket_owner} if config.export.bucket_owner else {}
        )
        started = now_iso()
        put(f"{folder}/_started", b"")
        parts: list[list[str]] = [[] for _ in range(self.files)]
        for key, line in lines:
            parts[int(hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest(), 16) % self.files].append(line)
        entries = []
        for part in [*parts, []]:  # and one empty file, as a real export may hold
            data = _gzip_lines(part)
            key = f"{root}/data/{uuid.uuid4().hex[:26]}.json.gz"
            put(key, data)
            entries.append(DataFile(key=key, item_count=len(part), md5=md5_base64(data), etag=None))
        progress(f"incremental export {export_id}: {len(lines)} changed items in {len(entries)} files")
        files_text = ("\n".join(files_manifest_line(e) for e in entries) + "\n").encode("utf-8")
        put(f"{folder}/manifest-files.json", files_text)
        put(checksum_keys(f"{folder}/manifest-files.json")[0], md5_base64(files_text).encode("ascii"))
        summary: dict[str, Any] = summary_document(
            bucket=bucket,
            prefix=prefix,
            export_id=export_id,
            table_arn=table_arn(source, config.source_table),
            export_time=end.isoformat(),
            start_time=started,
            end_time=now_iso(),
            item_count=len(lines),
            billed_size_bytes=sum(len(line) for _k, line in lines),
        )
        summary.update(
            version="2023-08-01",
            exportType="INCREMENTAL_EXPORT",
            outputView="NEW_AND_OLD_IMAGES",
            exportFromTime=start.isoformat(),
            exportToTime=end.isoformat(),
        )
        summary_text = json.dumps(summary, indent=2).encode("utf-8")
        put(f"{folder}/{SUMMARY_NAME}", summary_text)
        put(checksum_keys(f"{folder}/{SUMMARY_NAME}")[0], md5_base64(summary_text).encode("ascii"))
        return ExportResult(f"s3://{bucket}/{folder}/{SUMMARY_NAME}", len(lines), summary["exportArn"])
