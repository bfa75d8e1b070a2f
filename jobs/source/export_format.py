"""The documented DynamoDB export layout: manifests, checksums and data lines.

Pure functions only: parsing and writing text and bytes. S3 access lives in ``jobs.source.read``
and ``jobs.source.export``.

    PREFIX/AWSDynamoDB/<ExportId>/manifest-summary.json (+ .checksum or .md5)
    PREFIX/AWSDynamoDB/<ExportId>/manifest-files.json   (+ .checksum or .md5)
    PREFIX/AWSDynamoDB/<ExportId>/_started
    PREFIX/AWSDynamoDB/<ExportId>/data/<name>.json.gz   (one {"Item": {...}} per line)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from jobs.core.errors import ExportFormatError

SUMMARY_NAME = "manifest-summary.json"
FILES_NAME = "manifest-files.json"
FORMATS = ("DYNAMODB_JSON", "ION")


@dataclass(frozen=True)
class DataFile:
    """One line of manifest-files.json: a data object and what it must contain."""

    key: str
    item_count: int
    md5: str
    etag: str | None = None


@dataclass(frozen=True)
class ManifestSummary:
    """The fields of manifest-summary.json this tool relies on."""

    bucket: str
    prefix: str | None
    manifest_files_key: str
    item_count: int
    output_format: str
    export_type: str
    table_arn: str | None
    export_arn: str | None
    export_time: str | None
    raw: dict[str, Any]


def md5_base64(data: bytes) -> str:
    """Base64 of the MD5 digest, the form AWS uses in manifests and checksum files."""
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii")


def checksum_matches(expected: str, data: bytes) -> bool:
    """Compare a checksum file's text (base64 or hex MD5) with ``data``."""
    text = expected.strip()
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    if text == base64.b64encode(digest).decode("ascii"):
        return True
    try:
        return bytes.fromhex(text) == digest
    except ValueError:
        return False


def checksum_keys(manifest_key: str) -> tuple[str, str]:
    """The two names a manifest's checksum file goes by: ``.checksum`` (docs), ``.md5`` (real)."""
    stem = manifest_key[: -len(".json")] if manifest_key.endswith(".json") else manifest_key
    return stem + ".checksum", stem + ".md5"


def export_folder(summary_key: str) -> str:
    """The ``.../AWSDynamoDB/<ExportId>/`` folder that holds a summary manifest."""
    return summary_key.rsplit("/", 1)[0] + "/" if "/" in summary_key else ""


def _require(doc: dict[str, Any], field: str, kind: type, where: str) -> Any:
    value = doc.get(field)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ExportFormatError(
            f"{where}: field '{field}' is missing or not a {kind.__name__} (got {value!r})",
            hint="check that this is an unmodified DynamoDB export manifest",
        )
    return value


def parse_summary(text: str | bytes, where: str) -> ManifestSummary:
    """Parse manifest-summary.json; ``where`` names the object in every error."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportFormatError(f"{where}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ExportFormatError(f"{where}: expected a JSON object")
    output_format = doc.get("outputFormat") or "DYNAMODB_JSON"
    if output_format not in FORMATS:
        raise ExportFormatError(f"{where}: outputFormat {output_format!r} is not one of {FORMATS}")
    prefix = doc.get("s3Prefix")
    return ManifestSummary(
        bucket=_require(doc, "s3Bucket", str, where),
        prefix=prefix if isinstance(prefix, str) and prefix else None,
        manifest_files_key=_require(doc, "manifestFilesS3Key", str, where),
        item_count=_require(doc, "itemCount", int, where),
        output_format=output_format,
        export_type=doc.get("exportType") or "FULL_EXPORT",
        table_arn=doc.get("tableArn"),
        export_arn=doc.get("exportArn"),
        export_time=doc.get("exportTime"),
        raw=doc,
    )


def parse_files_manifest(text: str | bytes, where: str) -> list[DataFile]:
    """Parse manifest-files.json (JSON Lines); errors name the line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    files: list[DataFile] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        at = f"{where} line {number}"
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ExportFormatError(f"{at}: not valid JSON ({exc})") from exc
        if not isinstance(doc, dict):
            raise ExportFormatError(f"{at}: expected a JSON object")
        key = _require(doc, "dataFileS3Key", str, at)
        count = _require(doc, "itemCount", int, at)
        md5 = _require(doc, "md5Checksum", str, at)
        try:
            if len(base64.b64decode(md5, validate=True)) != 16:
                raise ValueError("not 16 bytes")
        except (binascii.Error, ValueError) as exc:
            raise ExportFormatError(f"{at}: md5Checksum {md5!r} is not a base64 MD5 ({exc})") from exc
        if count < 0:
            raise ExportFormatError(f"{at}: itemCount is negative")
        if key in seen:
            raise ExportFormatError(f"{at}: data file {key} is listed twice")
        seen.add(key)
        files.append(DataFile(key=key, item_count=count, md5=md5, etag=doc.get("etag")))
    return files


def summary_document(
    *,
    bucket: str,
    prefix: str | None,
    export_id: str,
    table_arn: str,
    export_time: str,
    start_time: str,
    end_time: str,
    item_count: int,
    billed_size_bytes: int,
    output_format: str = "DYNAMODB_JSON",
) -> dict[str, Any]:
    """A manifest-summary.json document as AWS writes it for a full export."""
    folder = f"{prefix.rstrip('/')}/AWSDynamoDB/{export_id}" if prefix else f"AWSDynamoDB/{export_id}"
    return {
        "version": "2020-06-30",
        "exportArn": f"{table_arn}/export/{export_id}",
        "startTime": start_time,
        "endTime": end_time,
        "tableArn": table_arn,
        "tableId": export_id.split("-", 1)[-1],
        "exportTime": export_time,
        "s3Bucket": bucket,
        "s3Prefix": prefix,
        "s3SseAlgorithm": "AES256",
        "s3SseKmsKeyId": None,
        "manifestFilesS3Key": f"{folder}/{FILES_NAME}",
        "billedSizeBytes": billed_size_bytes,
        "itemCount": item_count,
        "outputFormat": output_format,
    }


def files_manifest_line(entry: DataFile) -> str:
    """One line of manifest-files.json."""
    return json.dumps(
        {
            "itemCount": entry.item_count,
            "md5Checksum": entry.md5,
            "etag": entry.etag,
            "dataFileS3Key": entry.key,
        },
        separators=(",", ":"),
    )


def export_line(item: dict[str, Any]) -> str:
    """One DYNAMODB_JSON data line for an item in wire form."""
    return json.dumps({"Item": item}, ensure_ascii=False, separators=(",", ":"))
