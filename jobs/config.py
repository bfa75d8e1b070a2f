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

import yaml

from jobs.aws import AccountSpec
from jobs.errors import ConfigError
from jobs.mapping.spec import MappingSpec, parse_mapping
from jobs.s3uri import S3_URI as _S3_URI
from jobs.s3uri import parse_s3_uri as parse_s3_uri  # re-exported: callers import it from here

_ROLE_ARN = re.compile(r"^arn:aws[a-z\-]*:iam::\d{12}:role/[\w+=,.@/\-]+$")
_TABLE_ARN = re.compile(r"^arn:aws[a-z\-]*:dynamodb:[a-z0-9\-]+:\d{12}:table/([A-Za-z0-9_.\-]{3,255})$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
ENDPOINT_SERVICES = ("default", "dynamodb", "s3", "sts", "iam", "glue", "cloudwatch", "logs")


@dataclass(frozen=True)
class ExportSettings:
    """Where the source export is, or where a new one should go."""

    manifest_uri: str | None
    bucket: str | None
    prefix: str
    bucket_owner: str | None
    read_account: str
    output_format: str
    method: str
    kms_key_arn: str | None
    local_segments: int = 4  # the local exporter's scan segments = data files (plus one empty file)


@dataclass(frozen=True)
class WriteSettings:
    """How hard and how long the writer pushes the target."""

    concurrency: int
    batch_size: int
    max_retry_seconds: float
    max_write_units_per_s: float | None
    capacity_fraction: float = 0.8  # share of the capacity in force the writer may use


@dataclass(frozen=True)
class CapacitySettings:
    """Capacity raised for the duration of a run and restored afterwards (jobs.capacity)."""

    write_units: int | None = None  # provisioned target: table WCU during the run
    index_write_units: int | None = None  # provisioned target: each GSI's WCU (default: write_units)
    on_demand: bool = False  # provisioned target: switch to on-demand during the run
    warm_write_units_per_s: int | None = None  # on-demand target: pre-warm (AWS cannot lower it again)
    source_read_units: int | None = None  # provisioned source, scanned (source_mode scan): RCU during the run
    allow_delayed_restore: bool = False  # raise even when AWS's decrease limit delays today's restore
    wait_timeout_s: float = 1800.0  # how long UpdateTable may take to become ACTIVE

    @property
    def changes_target(self) -> bool:
        return bool(self.write_units or self.index_write_units or self.on_demand or self.warm_write_units_per_s)


@dataclass(frozen=True)
class ScanSourceSettings:
    """``source.mode: scan``: a paced parallel Scan of the source table instead of an export."""

    segments: int = 8
    read_units_per_s: float = 0.0
    consistent_read: bool = False
    page_limit: int = 1000


@dataclass(frozen=True)
class ImportSettings:
    """``target.mode: import``: stage the items in S3 and let ImportTable create the target."""

    bucket: str
    prefix: str
    billing_mode: str = "PAY_PER_REQUEST"
    read_units: int | None = None
    write_units: int | None = None
    key_schema: tuple[tuple[str, str], ...] = ()  # (name, S|N|B), hash key first; () = the source's
    indexes: str = "source"  # "source": the source table's GSIs; "none"
    files: int | None = None  # staging files; None: one per ~128 MiB, at least the Spark partitions
    wait_timeout_s: float = 6 * 3600.0
    account: str = "target"  # who owns the staging bucket (the target account: ImportTable reads it)


@dataclass(frozen=True)
class ProgressSettings:
    """How a run reports progress: log lines on Glue, optional CloudWatch metrics."""

    log_every_s: float = 30.0
    cloudwatch_namespace: str | None = None


@dataclass(frozen=True)
class ReplicationSettings:
    """How changes after the export are applied (streams replication and catch-up, ADR 0009)."""

    version_table: str | None = None  # per-source-key versions; default: "<target table>-replication"
    max_attempts: int = 5  # tries per change before it is reported (Lambda) or dead-lettered (CLI)
    concurrency: int = 8  # changes of different keys applied at once
    poll_interval_s: float = 1.0  # how often `replicate --follow` polls a shard that had nothing new
    batch_size: int = 1000  # records per GetRecords call


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


class _Fields:
    """Reads typed fields out of nested mappings and collects every problem with its path."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def section(self, doc: Any, path: str, allowed: tuple[str, ...], required: bool = True) -> dict[str, Any]:
        if doc is None:
            if required:
                self.problem(path, "required section is missing")
            return {}
        if not isinstance(doc, dict):
            self.problem(path, f"must be a mapping, got {type(doc).__name__}")
            return {}
        for key in doc:
            if key not in allowed:
                self.problem(f"{path}.{key}", f"unknown field; allowed: {', '.join(allowed)}")
        return doc

    def get(
        self,
        doc: dict[str, Any],
        path: str,
        name: str,
        kind: type | tuple[type, ...],
        default: Any = None,
        required: bool = False,
    ) -> Any:
        value = doc.get(name, default)
        if value is None:
            if required:
                self.problem(f"{path}.{name}".lstrip("."), "required")
            return default
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.problem(f"{path}.{name}".lstrip("."), f"must be {_kind_names(kinds)}, got a boolean")
            return default
        if not isinstance(value, kinds):
            self.problem(f"{path}.{name}".lstrip("."), f"must be {_kind_names(kinds)}, got {type(value).__name__}")
            return default
        return value

    def check(self, ok: bool, path: str, message: str) -> None:
        if not ok:
            self.problem(path, message)

    def raise_if_any(self) -> None:
        if self.problems:
            lines = "\n".join(f"  {self.where}: {p}" for p in self.problems)
            raise ConfigError(
                f"invalid configuration ({len(self.problems)} problem(s)):\n{lines}",
                hint="fix the fields named above; the README's 'Configuration' section documents each one",
            )


def _kind_names(kinds: tuple[type, ...]) -> str:
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        bool: "a boolean",
        dict: "a mapping",
        list: "a list",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


_ACCOUNT_FIELDS = ("region", "profile", "role_arn", "external_id", "access_key_id", "secret_access_key", "endpoints")


def _account(fields: _Fields, name: str, doc: Any) -> AccountSpec | None:
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


def _table_name(fields: _Fields, doc: dict[str, Any], path: str) -> str:
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


def _export(fields: _Fields, doc: Any, accounts: dict[str, Any], required: bool = True) -> ExportSettings:
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


def _scan(fields: _Fields, doc: Any, required: bool) -> ScanSourceSettings:
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


def _import(fields: _Fields, doc: Any, accounts: dict[str, Any]) -> ImportSettings:
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


def _write(fields: _Fields, doc: Any) -> WriteSettings:
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


def _units(fields: _Fields, doc: dict[str, Any], path: str, name: str) -> int | None:
    value: int | None = fields.get(doc, path, name, int)
    fields.check(value is None or value >= 1, f"{path}.{name}", "must be a whole number of units, at least 1")
    return value


def _capacity(fields: _Fields, doc: Any) -> CapacitySettings:
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


def _replication(fields: _Fields, doc: Any) -> ReplicationSettings:
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
    fields = _Fields(where)
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
    scan = _scan(fields, source.get("scan"), required=source_mode == "scan")
    export = _export(fields, source.get("export"), accounts_doc, required=source_mode == "export")
    import_settings = _import(fields, target.get("import"), accounts_doc) if target_mode == "import" else None
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
