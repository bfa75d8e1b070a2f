import json

import pytest

from jobs.core.errors import ExportFormatError
from jobs.source.export_format import (
    DataFile,
    checksum_keys,
    checksum_matches,
    export_folder,
    export_line,
    files_manifest_line,
    md5_base64,
    parse_files_manifest,
    parse_summary,
)

# As a real AWS export writes it (s3Prefix null, etag with a multipart suffix).
REAL_SUMMARY = {
    "version": "2020-06-30",
    "exportArn": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/export/01700000000000-abcd1234",
    "startTime": "2024-01-01T00:00:00.000Z",
    "endTime": "2024-01-01T00:05:00.000Z",
    "tableArn": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
    "tableId": "x",
    "exportTime": "2024-01-01T00:00:00.000Z",
    "s3Bucket": "exports",
    "s3Prefix": None,
    "s3SseAlgorithm": "AES256",
    "s3SseKmsKeyId": None,
    "manifestFilesS3Key": "AWSDynamoDB/01700000000000-abcd1234/manifest-files.json",
    "billedSizeBytes": 4096,
    "itemCount": 3,
    "outputFormat": "DYNAMODB_JSON",
}


def test_real_summary_parses() -> None:
    summary = parse_summary(json.dumps(REAL_SUMMARY), "s3://exports/x/manifest-summary.json")
    assert summary.prefix is None
    assert summary.item_count == 3
    assert summary.export_type == "FULL_EXPORT"
    assert summary.manifest_files_key.startswith("AWSDynamoDB/")


def test_summary_errors_name_the_object_and_field() -> None:
    broken = {**REAL_SUMMARY, "itemCount": "3"}
    with pytest.raises(ExportFormatError, match=r"s3://b/k: field 'itemCount'"):
        parse_summary(json.dumps(broken), "s3://b/k")
    with pytest.raises(ExportFormatError, match="outputFormat"):
        parse_summary(json.dumps({**REAL_SUMMARY, "outputFormat": "CSV"}), "s3://b/k")


def test_files_manifest_round_trips_and_errors_name_the_line() -> None:
    entries = [
        DataFile("AWSDynamoDB/x/data/a.json.gz", 2, md5_base64(b"a"), "abc-1"),
        DataFile("AWSDynamoDB/x/data/b.json.gz", 0, md5_base64(b""), None),
    ]
    text = "\n".join(files_manifest_line(e) for e in entries) + "\n"
    assert parse_files_manifest(text, "m") == entries
    bad = text + '{"itemCount": 1, "md5Checksum": "zz", "dataFileS3Key": "k"}\n'
    with pytest.raises(ExportFormatError, match=r"m line 3: md5Checksum"):
        parse_files_manifest(bad, "m")
    with pytest.raises(ExportFormatError, match=r"m line 2: data file .* listed twice"):
        parse_files_manifest(files_manifest_line(entries[0]) + "\n" + files_manifest_line(entries[0]), "m")
    with pytest.raises(ExportFormatError, match=r"m line 1: not valid JSON"):
        parse_files_manifest("{oops", "m")


def test_checksum_files_by_either_name_and_encoding() -> None:
    assert checksum_keys("p/AWSDynamoDB/x/manifest-files.json") == (
        "p/AWSDynamoDB/x/manifest-files.checksum",
        "p/AWSDynamoDB/x/manifest-files.md5",
    )
    data = b'{"a": 1}'
    assert checksum_matches(md5_base64(data) + "\n", data)
    import hashlib

    assert checksum_matches(hashlib.md5(data).hexdigest(), data)
    assert not checksum_matches(md5_base64(b"other"), data)
    assert export_folder("p/AWSDynamoDB/x/manifest-summary.json") == "p/AWSDynamoDB/x/"


def test_export_line_keeps_wire_values() -> None:
    line = export_line({"n": {"N": "12345678901234567890123456789012345678"}, "s": {"S": "😀"}})
    assert json.loads(line) == {"Item": {"n": {"N": "12345678901234567890123456789012345678"}, "s": {"S": "😀"}}}
