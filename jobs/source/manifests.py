"""Locate an export in S3 and load its manifests, verifying their checksum files.

Data files are found only through manifest-files.json, never by listing a folder: the
documented layout shares ``AWSDynamoDB/data/`` between incremental exports.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from botocore.exceptions import ClientError

from jobs import aws
from jobs.aws import AccountSpec
from jobs.config import parse_s3_uri
from jobs.core.errors import ExportFormatError
from jobs.source.export_format import (
    DataFile,
    ManifestSummary,
    checksum_keys,
    checksum_matches,
    export_folder,
    parse_files_manifest,
    parse_summary,
)

log = logging.getLogger(__name__)
ROOT_MARKER = "AWSDynamoDB/"


@dataclass(frozen=True)
class LoadedExport:
    """An export's manifests, with data file keys resolved in the bucket it was read from."""

    bucket: str
    summary_key: str
    summary: ManifestSummary
    files: list[DataFile]
    checksums_verified: bool

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.summary_key}"

    @property
    def files_item_count(self) -> int:
        return sum(f.item_count for f in self.files)


def _get(account: AccountSpec, bucket: str, key: str) -> bytes | None:
    try:
        body: bytes = aws.client(account, "s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        return body
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise ExportFormatError(
            f"s3://{bucket}/{key}: cannot read ({exc})",
            hint="check the bucket policy grants this job's role s3:GetObject",
        ) from exc


def _verify_checksum(account: AccountSpec, bucket: str, key: str, data: bytes) -> bool:
    for candidate in checksum_keys(key):
        expected = _get(account, bucket, candidate)
        if expected is None:
            continue
        if not checksum_matches(expected.decode("ascii", "replace"), data):
            raise ExportFormatError(
                f"s3://{bucket}/{key}: does not match its checksum file {candidate}",
                hint="the manifest was modified or truncated; re-export the table",
            )
        return True
    log.warning("s3://%s/%s has no .checksum or .md5 file; its content cannot be verified", bucket, key)
    return False


def _rebase(key: str, original_root: str, actual_root: str) -> str:
    """Map a key written at export time onto where the export lives now (it may have been copied)."""
    if original_root == actual_root or not key.startswith(original_root + ROOT_MARKER):
        return key
    return actual_root + key[len(original_root) :]


def _root(key: str) -> str:
    index = key.find(ROOT_MARKER)
    return key[:index] if index >= 0 else ""


def load_export(account: AccountSpec, manifest_uri: str) -> LoadedExport:
    """Read manifest-summary.json and manifest-files.json, verifying both when checksums exist."""
    bucket, summary_key = parse_s3_uri(manifest_uri)
    data = _get(account, bucket, summary_key)
    if data is None:
        raise ExportFormatError(
            f"{manifest_uri}: no such object", hint="check source.export.manifest, or run `ddb-migrate export` first"
        )
    verified = _verify_checksum(account, bucket, summary_key, data)
    summary = parse_summary(data, manifest_uri)
    actual_root = _root(summary_key)
    files_key = _rebase(summary.manifest_files_key, _root(summary.manifest_files_key), actual_root)
    files_data = _get(account, bucket, files_key)
    if files_data is None:  # fall back to the summary's own folder
        files_key = export_folder(summary_key) + "manifest-files.json"
        files_data = _get(account, bucket, files_key)
    if files_data is None:
        raise ExportFormatError(
            f"{manifest_uri}: its files manifest {summary.manifest_files_key} is missing",
            hint="the export is incomplete; wait for it to finish or re-export",
        )
    verified = _verify_checksum(account, bucket, files_key, files_data) and verified
    files = parse_files_manifest(files_data, f"s3://{bucket}/{files_key}")
    original_root = _root(summary.manifest_files_key)
    files = [replace(f, key=_rebase(f.key, original_root, actual_root)) for f in files]
    if summary.bucket != bucket:
        log.warning("export was written to bucket %s but is read from %s", summary.bucket, bucket)
    return LoadedExport(
        bucket=bucket, summary_key=summary_key, summary=summary, files=files, checksums_verified=verified
    )
