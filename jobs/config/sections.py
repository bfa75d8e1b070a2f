"""The ``source.export``, ``source.scan`` and ``target.import`` sections of a job configuration."""

from __future__ import annotations

import re
from typing import Any

from jobs.config.fields import Fields
from jobs.config.settings import ExportSettings, ImportSettings, ScanSourceSettings
from jobs.core.s3uri import S3_URI as _S3_URI


def export_settings(fields: Fields, doc: Any, accounts: dict[str, Any], required: bool = True) -> ExportSettings:
    path = "source.export"
    doc = fields.section(
        doc,
        path,
        (
            "manifest",
            "bucket",
            "prefix",
            "bucket_owner",
            "read_account",
            "format",
            "method",
            "kms_key_arn",
            "local_segments",
        ),
        required,
    )
    manifest = fields.get(doc, path, "manifest", str)
    if manifest is not None:
        fields.check(
            bool(_S3_URI.match(manifest)) and manifest.endswith("manifest-summary.json"),
            f"{path}.manifest",
            "must be the s3:// URI of a manifest-summary.json",
        )
    bucket = fields.get(doc, path, "bucket", str)
    fields.check(
        manifest is not None or bucket is not None or not required,
        path,
        "give 'manifest' (an existing export) or 'bucket' (where `ddb-migrate export` writes one)",
    )
    owner = fields.get(doc, path, "bucket_owner", (str, int))
    if owner is not None:
        owner = str(owner)
        fields.check(bool(re.fullmatch(r"\d{12}", owner)), f"{path}.bucket_owner", "must be a 12-digit account id")
    read_account = fields.get(doc, path, "read_account", str, default="target")
    fields.check(read_account in accounts, f"{path}.read_account", f"unknown account {read_account!r}")
    output_format = fields.get(doc, path, "format", str, default="DYNAMODB_JSON")
    fields.check(output_format in ("DYNAMODB_JSON", "ION"), f"{path}.format", "must be DYNAMODB_JSON or ION")
    segments = fields.get(doc, path, "local_segments", int, default=4)
    fields.check(1 <= segments <= 1000, f"{path}.local_segments", "must be between 1 and 1000")
    method = fields.get(doc, path, "method", str, default="auto")
    fields.check(method in ("auto", "aws", "local"), f"{path}.method", "must be auto, aws or local")
    return ExportSettings(
        manifest_uri=manifest,
        bucket=bucket,
        prefix=(fields.get(doc, path, "prefix", str, default="") or "").strip("/"),
        bucket_owner=owner,
        read_account=read_account,
        output_format=output_format,
        method=method,
        kms_key_arn=fields.get(doc, path, "kms_key_arn", str),
        local_segments=segments,
    )


def scan_settings(fields: Fields, doc: Any, required: bool) -> ScanSourceSettings:
    path = "source.scan"
    doc = fields.section(doc, path, ("segments", "read_units_per_s", "consistent_read", "page_limit"), required)
    segments = fields.get(doc, path, "segments", int, default=8)
    fields.check(1 <= segments <= 1_000_000, f"{path}.segments", "must be between 1 and 1000000 (Scan's limit)")
    rate = fields.get(doc, path, "read_units_per_s", (int, float), required=required)
    fields.check(
        rate is None or rate > 0,
        f"{path}.read_units_per_s",
        "must be positive: the scan shares the source table with its own traffic",
    )
    page_limit = fields.get(doc, path, "page_limit", int, default=1000)
    fields.check(1 <= page_limit <= 10_000, f"{path}.page_limit", "must be between 1 and 10000")
    return ScanSourceSettings(
        segments=segments,
        read_units_per_s=float(rate or 0.0),
        consistent_read=bool(fields.get(doc, path, "consistent_read", bool, default=False)),
        page_limit=page_limit,
    )


_KEY_TYPES = ("S", "N", "B")


def import_settings(fields: Fields, doc: Any, accounts: dict[str, Any]) -> ImportSettings:
    path = "target.import"
    doc = fields.section(
        doc,
        path,
        (
            "bucket",
            "prefix",
            "billing_mode",
            "read_units",
            "write_units",
            "key_schema",
            "indexes",
            "files",
            "wait_timeout_s",
            "account",
        ),
    )
    billing = fields.get(doc, path, "billing_mode", str, default="PAY_PER_REQUEST")
    fields.check(billing in ("PAY_PER_REQUEST", "PROVISIONED"), f"{path}.billing_mode", "PAY_PER_REQUEST|PROVISIONED")
    units = {name: fields.get(doc, path, name, int) for name in ("read_units", "write_units")}
    for name, value in units.items():
        fields.check(
            (value is not None and value > 0) == (billing == "PROVISIONED"),
            f"{path}.{name}",
            "give a positive value with PROVISIONED, and none with PAY_PER_REQUEST",
        )
    key_doc = fields.get(doc, path, "key_schema", list, default=[])
    key_schema: list[tuple[str, str]] = []
    for i, entry in enumerate(key_doc):
        where = f"{path}.key_schema[{i}]"
        if not (isinstance(entry, dict) and set(entry) == {"name", "type"} and entry["type"] in _KEY_TYPES):
            fields.problem(where, "must be {name: <attribute>, type: S|N|B}")
            continue
        key_schema.append((str(entry["name"]), str(entry["type"])))
    fields.check(len(key_doc) <= 2, f"{path}.key_schema", "at most a partition key and a sort key")
    indexes = fields.get(doc, path, "indexes", str, default="source")
    fields.check(indexes in ("source", "none"), f"{path}.indexes", "must be 'source' (copy the GSIs) or 'none'")
    files = fields.get(doc, path, "files", int)
    fields.check(files is None or 1 <= files <= 50_000, f"{path}.files", "must be between 1 and 50000")
    timeout = fields.get(doc, path, "wait_timeout_s", (int, float), default=6 * 3600.0)
    account = fields.get(doc, path, "account", str, default="target")
    fields.check(account in accounts, f"{path}.account", f"unknown account {account!r}")
    return ImportSettings(
        bucket=fields.get(doc, path, "bucket", str, required=True) or "",
        prefix=(fields.get(doc, path, "prefix", str, default="imports") or "").strip("/"),
        billing_mode=billing,
        read_units=units["read_units"],
        write_units=units["write_units"],
        key_schema=tuple(key_schema),
        indexes=indexes,
        files=files,
        wait_timeout_s=float(timeout),
        account=account,
    )
