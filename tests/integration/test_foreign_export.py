"""Exports written the way AWS writes them, by hand here, not by our exporter: null s3Prefix,
`.md5` checksum files, keys from the bucket root, multipart etags, an empty partition file,
and an export copied to another prefix after the fact."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json

from jobs.aws import tables
from jobs.local import datagen
from jobs.run.migrate import run_migration

from .conftest import by_key, make_config, s3

BUCKET = "ddb-migrate-demo-exports"


def _b64md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def write_aws_style_export(client, export_id: str, items: list[dict], root: str = "") -> str:
    folder = f"{root}AWSDynamoDB/{export_id}"
    chunks = [items[: len(items) // 2], items[len(items) // 2 :], []]
    lines = []
    for number, chunk in enumerate(chunks):
        body = "".join(json.dumps({"Item": item}) + "\n" for item in chunk).encode()
        data = gzip.compress(body)
        key = f"{folder}/data/part{number:04d}xyzxyzxyz.json.gz"
        client.put_object(Bucket=BUCKET, Key=key, Body=data)
        lines.append(
            json.dumps(
                {"itemCount": len(chunk), "md5Checksum": _b64md5(data), "etag": "0f1e2d-1", "dataFileS3Key": key}
            )
        )
    files_body = ("\n".join(lines) + "\n").encode()
    client.put_object(Bucket=BUCKET, Key=f"{folder}/manifest-files.json", Body=files_body)
    client.put_object(Bucket=BUCKET, Key=f"{folder}/manifest-files.md5", Body=_b64md5(files_body).encode())
    summary = {
        "version": "2020-06-30",
        "exportArn": f"arn:aws:dynamodb:us-east-1:111111111111:table/t/export/{export_id}",
        "startTime": "2024-05-01T10:00:00.000Z",
        "endTime": "2024-05-01T10:06:00.000Z",
        "tableArn": "arn:aws:dynamodb:us-east-1:111111111111:table/t",
        "tableId": "abc",
        "exportTime": "2024-05-01T10:00:00.000Z",
        "s3Bucket": BUCKET,
        "s3Prefix": root.rstrip("/") or None,
        "s3SseAlgorithm": "AES256",
        "s3SseKmsKeyId": None,
        "manifestFilesS3Key": f"{folder}/manifest-files.json",
        "billedSizeBytes": 1234,
        "itemCount": len(items),
        "outputFormat": "DYNAMODB_JSON",
    }
    summary_body = json.dumps(summary).encode()
    client.put_object(Bucket=BUCKET, Key=f"{folder}/manifest-summary.json", Body=summary_body)
    client.put_object(Bucket=BUCKET, Key=f"{folder}/manifest-summary.md5", Body=_b64md5(summary_body).encode())
    client.put_object(Bucket=BUCKET, Key=f"{folder}/_started", Body=b"")
    return f"s3://{BUCKET}/{folder}/manifest-summary.json"


def test_an_aws_written_export_migrates_exactly(local_stack, buckets, spark, names):
    items = list(datagen.make_items(250, seed=11))
    manifest = write_aws_style_export(s3(local_stack), "01714557600000-" + names("x")[-8:], items)
    target = names("tgt")
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    config = make_config(local_stack, "unused-source", target, names("run"), source={"export": {"manifest": manifest}})
    report = run_migration(config, spark)
    assert report.success, report.errors
    assert report.items_written == 250 and report.files_total == 3
    assert by_key(tables.scan_items(local_stack.account("target"), target)) == by_key(items)


def test_an_export_copied_to_another_prefix_is_followed_by_its_manifest(local_stack, buckets, spark, names):
    items = list(datagen.make_items(40, seed=12))
    client = s3(local_stack)
    export_id = "01714557600001-" + names("y")[-8:]
    original = write_aws_style_export(client, export_id, items, root="original/")
    for obj in client.list_objects_v2(Bucket=BUCKET, Prefix=f"original/AWSDynamoDB/{export_id}/")["Contents"]:
        client.copy_object(
            Bucket=BUCKET,
            Key="copied/" + obj["Key"][len("original/") :],
            CopySource={"Bucket": BUCKET, "Key": obj["Key"]},
        )
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    copied = original.replace("/original/", "/copied/")
    target = names("tgt")
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    config = make_config(local_stack, "unused-source", target, names("run"), source={"export": {"manifest": copied}})
    report = run_migration(config, spark)
    assert report.success, report.errors
    assert tables.count_items(local_stack.account("target"), target) == 40
