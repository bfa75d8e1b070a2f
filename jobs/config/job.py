"""The job configuration: one YAML file, validated whole before anything runs.

Every problem is reported with the dotted path of the field, e.g.
``config.yaml: target.table: required``, and all problems are reported at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import yaml

from jobs.aws import AccountSpec
from jobs.config.fields import Fields
from jobs.config.sections import export_settings, scan_settings
from jobs.config.sections import import_settings as parse_import_settings
from jobs.config.settings import (
    CapacitySettings,
    ExportSettings,
    ImportSettings,
    ProgressSettings,
    ReplicationSettings,
    ScanSourceSettings,
    WriteSettings,
)
from jobs.core.errors import ConfigError
from jobs.core.s3uri import S3_URI as _S3_URI
from jobs.core.s3uri import parse_s3_uri as parse_s3_uri  # re-exported: callers import it from here
from jobs.mapping.spec import MappingSpec, parse_mapping

_ROLE_ARN = re.compile(r"^arn:aws[a-z\-]*:iam::\d{12}:role/[\w+=,.@/\-]+$")
_TABLE_ARN = re.compile(r"^arn:aws[a-z\-]*:dynamodb:[a-z0-9\-]+:\d{12}:table/([A-Za-z0-9_.\-]{3,255})$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
__all__ = [
    "CapacitySettings",
    "ExportSettings",
    "ImportSettings",
    "JobConfig",
    "ProgressSettings",
    "ReplicationSettings",
    "ScanSourceSettings",
    "WriteSettings",
    "load_config",
    "parse_config",
    "parse_s3_uri",
    "s3_text_reader",
]
ENDPOINT_SERVICES = ("default", "dynamodb", "s3", "sts", "iam", "glue", "cloudwatch", "logs")


@dataclass(frozen=True)
class JobConfig:
    """A validated job configuration."""

    run_id: str
    accounts: dict[str, AccountSpec]
    source_account: str
    source_table: str
    export: ExportSettings
    target_account: str
    target_table: str
    write: WriteSettings
    output_uri: str
    output_account: str
    partitions: int | None
    mapping: MappingSpec = field(default_factory=MappingSpec)
    progress: ProgressSettings = field(default_factory=ProgressSettings)
    source_mode: str = "export"
    scan: ScanSourceSettings = field(default_factory=ScanSourceSettings)
    target_mode: str = "write"
    import_settings: ImportSettings | None = None
    capacity: CapacitySettings = field(default_factory=CapacitySettings)
    replication: ReplicationSettings = field(default_factory=ReplicationSettings)
    path: str = "<config>"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def account(self, name: str) -> AccountSpec:
        return self.accounts[name]

    @property
    def version_table(self) -> str:
        return self.replication.version_table or f"{self.target_table}-replication"

    @property
    def run_prefix(self) -> tuple[str, str]:
        """(bucket, key prefix ending in '/') of this run's ledger, dead letters and report."""
        bucket, key = parse_s3_uri(self.output_uri)
        return bucket, f"{key.strip('/')}/{self.run_id}/".lstrip("/")


_ACCOUNT_FIELDS = ("region", "profile", "role_arn", "external_id", "access_key_id", "secret_access_key", "endpoints")


def _account(fields: Fields, name: str, doc: Any) -> AccountSpec | None:
    path = f"accounts.{name}"
    doc = fields.section(doc, path, _ACCOUNT_FIELDS)
    region = fields.get(doc, path, "region", str, required=True)
    role_arn = fields.get(doc, path, "role_arn", str)
    if role_arn is not None:
        fields.check(bool(_ROLE_ARN.match(role_arn)), f"{path}.role_arn", f"{role_arn!r} is not an IAM role ARN")
    external_id = fields.get(doc, path, "external_id", str)
    fields.check(external_id is None or role_arn is not None, f"{path}.external_id", "needs role_arn")
    key_id = fields.get(doc, path, "access_key_id", str)
    secret = fields.get(doc, path, "secret_access_key", str)
    fields.check((key_id is None) == (secret is None), path, "access_key_id and secret_access_key go together")
    profile = fields.get(doc, path, "profile", str)
    fields.check(not (profile and key_id), path, "give either profile or access keys, not both")
    endpoints = fields.section(
        fields.get(doc, path, "endpoints", dict, default={}), f"{path}.endpoints", ENDPOINT_SERVICES, required=False
    )
    for service, url in endpoints.items():
        fields.check(
            isinstance(url, str) and url.startswith(("http://", "https://")),
            f"{path}.endpoints.{service}",
            "must be an http(s) URL",
        )
    if region is None:
        return None
    return AccountSpec(
        name=name,
        region=region,
        profile=profile,
        role_arn=role_arn,
        external_id=external_id,
        access_key_id=key_id,
        secret_access_key=secret,
        endpoints=tuple(sorted((k, str(v)) for k, v in endpoints.items())),
        session_name=f"ddb-migrate-{name}",
    )


def _table_name(fields: Fields, doc: dict[str, Any], path: str) -> str:
    value = fields.get(doc, path, "table", str, required=True) or ""
    arn = _TABLE_ARN.match(value)
    if arn:
        return arn.group(1)
    fields.check(
        not value or bool(_TABLE_NAME.match(value)),
        f"{path}.table",
        f"{value!r} is neither a table name (3-255 of A-Z a-z 0-9 _ . -) nor a table ARN",
    )
    return value


def _write(fields: Fields, doc: Any) -> WriteSettings:
    path = "write"
    doc = fields.section(
        doc,
        path,
        ("concurrency", "batch_size", "max_retry_seconds", "max_write_units_per_s", "capacity_fraction"),
        required=False,
    )
    concurrency = fields.get(doc, path, "concurrency", int, default=8)
    fields.check(1 <= concurrency <= 64, f"{path}.concurrency", "must be between 1 and 64")
    batch_size = fields.get(doc, path, "batch_size", int, default=25)
    fields.check(1 <= batch_size <= 25, f"{path}.batch_size", "must be between 1 and 25 (BatchWriteItem's limit)")
    max_retry = fields.get(doc, path, "max_retry_seconds", (int, float), default=900)
    fields.check(max_retry > 0, f"{path}.max_retry_seconds", "must be positive")
    rate = fields.get(doc, path, "max_write_units_per_s", (int, float))
    fields.check(rate is None or rate > 0, f"{path}.max_write_units_per_s", "must be positive")
    fraction = fields.get(doc, path, "capacity_fraction", (int, float), default=0.8)
    fields.check(0 < fraction <= 1, f"{path}.capacity_fraction", "must be in (0, 1]")
    return WriteSettings(
        concurrency=concurrency,
        batch_size=batch_size,
        max_retry_seconds=float(max_retry),
        max_write_units_per_s=float(rate) if rate is not None else None,
        capacity_fraction=float(fraction),
    )


def _units(fields: Fields, doc: dict[str, Any], path: str, name: str) -> int | None:
    value: int | None = fields.get(doc, path, name, int)
    fields.check(value is None or value >= 1, f"{path}.{name}", "must be a whole number of units, at least 1")
    return value


def _capacity(fields: Fields, doc: Any) -> CapacitySettings:
    path = "capacity"
    doc = fields.section(doc, path, ("target", "source", "allow_delayed_restore", "wait_timeout_s"), required=False)
    target = fields.section(
        doc.get("target"),
        f"{path}.target",
        ("write_units", "index_write_units", "on_demand", "warm_write_units_per_s"),
        required=False,
    )
    source = fields.section(doc.get("source"), f"{path}.source", ("read_units",), required=False)
    settings = CapacitySettings(
        write_units=_units(fields, target, f"{path}.target", "write_units"),
        index_write_units=_units(fields, target, f"{path}.target", "index_write_units"),
        on_demand=fields.get(target, f"{path}.target", "on_demand", bool, default=False),
        warm_write_units_per_s=_units(fields, target, f"{path}.target", "warm_write_units_per_s"),
        source_read_units=_units(fields, source, f"{path}.source", "read_units"),
        allow_delayed_restore=fields.get(doc, path, "allow_delayed_restore", bool, default=False),
        wait_timeout_s=float(fields.get(doc, path, "wait_timeout_s", (int, float), default=1800.0)),
    )
    fields.check(
        not (settings.on_demand and (settings.write_units or settings.index_write_units)),
        f"{path}.target",
        "on_demand and write_units exclude each other: an on-demand table has no WCU to raise",
    )
    fields.check(settings.wait_timeout_s > 0, f"{path}.wait_timeout_s", "must be positive")
    return settings


def _replication(fields: Fields, doc: Any) -> ReplicationSettings:
    path = "replication"
    names = ("version_table", "max_attempts", "concurrency", "poll_interval_s", "batch_size")
    doc = fields.section(doc, path, names, required=False)
    table = fields.get(doc, path, "version_table", str)
    fields.check(table is None or bool(_TABLE_NAME.match(table)), f"{path}.version_table", "is not a table name")
    attempts = fields.get(doc, path, "max_attempts", int, default=5)
    fields.check(1 <= attempts <= 100, f"{path}.max_attempts", "must be between 1 and 100")
    concurrency = fields.get(doc, path, "concurrency", int, default=8)
    fields.check(1 <= concurrency <= 64, f"{path}.concurrency", "must be between 1 and 64")
    poll = fields.get(doc, path, "poll_interval_s", (int, float), default=1.0)
    fields.check(0 < poll <= 60, f"{path}.poll_interval_s", "must be between 0 and 60 seconds")
    batch = fields.get(doc, path, "batch_size", int, default=1000)
    fields.check(1 <= batch <= 1000, f"{path}.batch_size", "must be between 1 and 1000 (GetRecords' limit)")
    return ReplicationSettings(table, attempts, concurrency, float(poll), batch)


def parse_config(doc: Any, where: str = "<config>") -> JobConfig:
    """Validate a parsed YAML document and build a :class:`JobConfig`."""
    fields = Fields(where)
    top = fields.section(
        doc,
        "config",
        (
            "run_id",
            "accounts",
            "source",
            "target",
            "write",
            "output",
            "spark",
            "mapping",
            "progress",
            "capacity",
            "replication",
        ),
    )
    run_id = fields.get(top, "", "run_id", str)
    if run_id is not None:
        fields.check(bool(_RUN_ID.match(run_id)), "run_id", "use letters, digits, '_', '.', '-' (max 128)")
    accounts_doc = fields.get(top, "", "accounts", dict, required=True) or {}
    accounts = {name: spec for name, body in accounts_doc.items() if (spec := _account(fields, name, body))}
    source = fields.section(top.get("source"), "source", ("account", "table", "mode", "export", "scan"))
    target = fields.section(top.get("target"), "target", ("account", "table", "mode", "import"))
    source_mode = fields.get(source, "source", "mode", str, default="export")
    fields.check(source_mode in ("export", "scan"), "source.mode", "must be export or scan")
    target_mode = fields.get(target, "target", "mode", str, default="write")
    fields.check(target_mode in ("write", "import"), "target.mode", "must be write or import")
    for path, section in (("source", source), ("target", target)):
        name = fields.get(section, path, "account", str, required=True)
        fields.check(
            name is None or name in accounts_doc,
            f"{path}.account",
            f"unknown account {name!r}; define it under 'accounts'",
        )
    source_table = _table_name(fields, source, "source")
    target_table = _table_name(fields, target, "target")
    scan = scan_settings(fields, source.get("scan"), required=source_mode == "scan")
    export = export_settings(fields, source.get("export"), accounts_doc, required=source_mode == "export")
    import_settings = (
        parse_import_settings(fields, target.get("import"), accounts_doc) if target_mode == "import" else None
    )
    fields.check(
        target_mode == "import" or target.get("import") is None, "target.import", "only with target.mode: import"
    )
    write = _write(fields, top.get("write"))
    output = fields.section(top.get("output"), "output", ("uri", "account"))
    output_uri = fields.get(output, "output", "uri", str, required=True) or ""
    fields.check(not output_uri or bool(_S3_URI.match(output_uri)), "output.uri", "must be an s3://bucket/prefix URI")
    output_account = fields.get(output, "output", "account", str, default="target")
    fields.check(output_account in accounts_doc, "output.account", f"unknown account {output_account!r}")
    spark = fields.section(top.get("spark"), "spark", ("partitions",), required=False)
    partitions = fields.get(spark, "spark", "partitions", int)
    fields.check(partitions is None or partitions > 0, "spark.partitions", "must be positive")
    progress_doc = fields.section(
        top.get("progress"), "progress", ("log_every_s", "cloudwatch_namespace"), required=False
    )
    progress = ProgressSettings(
        log_every_s=float(fields.get(progress_doc, "progress", "log_every_s", (int, float), default=30.0)),
        cloudwatch_namespace=fields.get(progress_doc, "progress", "cloudwatch_namespace", str),
    )
    capacity = _capacity(fields, top.get("capacity"))
    fields.check(
        not (target_mode == "import" and capacity.changes_target),
        "capacity",
        "target.mode import creates the table with target.import's capacity; raise nothing on it",
    )
    replication = _replication(fields, top.get("replication"))
    mapping = MappingSpec()
    try:
        mapping = parse_mapping(top.get("mapping"))
    except ConfigError as exc:
        fields.problems.extend(line.strip() for line in str(exc).split(" -> ")[0].splitlines()[1:])
    fields.raise_if_any()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return JobConfig(
        run_id=run_id or f"{target_table}-{stamp}",
        accounts=accounts,
        source_account=source["account"],
        source_table=source_table,
        export=export,
        target_account=target["account"],
        target_table=target_table,
        write=write,
        output_uri=output_uri.rstrip("/"),
        output_account=output_account,
        partitions=partitions,
        mapping=mapping,
        progress=progress,
        source_mode=source_mode,
        scan=scan,
        target_mode=target_mode,
        import_settings=import_settings,
        capacity=capacity,
        replication=replication,
        path=where,
        raw=doc,
    )


def load_config(
    location: str, run_id: str | None = None, reader: Any = None, default_run_id: str | None = None
) -> JobConfig:
    """Load and validate a config from a local path or, with ``reader``, an s3:// URI."""
    if location.startswith("s3://"):
        if reader is None:
            raise ConfigError(f"{location}: reading a config from S3 needs an S3 reader")
        text = reader(location)
    else:
        path = Path(location)
        if not path.is_file():
            raise ConfigError(f"{location}: no such config file")
        text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{location}: not valid YAML ({exc})") from exc
    if run_id:
        doc = {**(doc or {}), "run_id": run_id}
    elif default_run_id and isinstance(doc, dict) and not doc.get("run_id"):
        doc = {**doc, "run_id": default_run_id}
    return parse_config(doc, where=location)


def s3_text_reader(uri: str) -> str:
    """Read a small text object (the job config) with the job's own credentials.

    On Glue that is the job role; elsewhere the default chain. ``AWS_ENDPOINT_URL_S3`` points
    it at an emulator.
    """
    bucket, key = parse_s3_uri(uri)
    body: bytes = boto3.Session().client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return body.decode("utf-8")
