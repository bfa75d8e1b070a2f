"""The typed sections of a job configuration (built and validated by :mod:`jobs.config`)."""

from __future__ import annotations

from dataclasses import dataclass


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
    path: str = "auto"  # load path: auto | direct | spark (jobs.sink.direct)
    digests: bool = True  # store the expected side's digests for `validate` (ADR 0005 addendum)


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
class SchemaSettings:
    """``target.schema``: how ``ddb-migrate schema copy`` builds the target table (ADR 0015)."""

    kms_key_arn: str | None = None  # the target account's KMS key for SSE; None: as the source, AWS-managed
    key_schema: tuple[tuple[str, str], ...] = ()  # (name, S|N|B), hash key first; () = from source and mapping


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
