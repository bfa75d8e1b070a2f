"""The job configuration: one YAML file, validated whole before anything runs.

The file is checked against :class:`jobs.config.document.JobDocument` (pydantic) and the mapping
parser; every problem is reported at once with the dotted path of the field, e.g.
``config.yaml: target.table: required``. What the stages receive is :class:`JobConfig`, a frozen
dataclass of settings values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import yaml
from pydantic import ValidationError

from jobs.aws import AccountSpec
from jobs.config.document import JobDocument, validation_context
from jobs.config.problems import problems
from jobs.config.settings import (
    CapacitySettings,
    ExportSettings,
    ImportSettings,
    ProgressSettings,
    ReplicationSettings,
    ScanSourceSettings,
    SchemaSettings,
    WriteSettings,
)
from jobs.config.stages import RunPlace, SinkSettings, SourceSettings, TableRef
from jobs.core.errors import ConfigError
from jobs.core.s3uri import parse_s3_uri
from jobs.mapping.spec import MappingSpec, parse_mapping

log = logging.getLogger(__name__)
TABLES_FOLDER = "tables"  # <output.uri>/<run_id>/tables/<source table>/ in a `tables:` config


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
    existing_items: str = "refuse"  # target.existing_items: refuse | overwrite
    import_settings: ImportSettings | None = None
    capacity: CapacitySettings = field(default_factory=CapacitySettings)
    replication: ReplicationSettings = field(default_factory=ReplicationSettings)
    glue_name_prefix: str | None = None  # the Terraform target module's name_prefix
    schema: SchemaSettings = field(default_factory=SchemaSettings)  # target.schema: `schema copy`
    table_scope: str | None = None  # in a `tables:` config: the source table's name (its folder)
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
        scope = f"{TABLES_FOLDER}/{self.table_scope}/" if self.table_scope else ""
        return bucket, f"{key.strip('/')}/{self.run_id}/{scope}".lstrip("/")

    @property
    def run_place(self) -> RunPlace:
        bucket, prefix = self.run_prefix
        return RunPlace(self.run_id, self.account(self.output_account), bucket, prefix, self.table_scope)

    @property
    def source(self) -> SourceSettings:
        """What the source stage receives."""
        return SourceSettings(
            run=self.run_place,
            table=TableRef(self.account(self.source_account), self.source_table),
            mode=self.source_mode,
            export=self.export,
            export_reader=self.account(self.export.read_account),
            scan=self.scan,
            partitions=self.partitions,
            max_retry_seconds=self.write.max_retry_seconds,
        )

    @property
    def sink(self) -> SinkSettings:
        """What the sink stage receives."""
        staging = self.import_settings
        return SinkSettings(
            run=self.run_place,
            table=TableRef(self.account(self.target_account), self.target_table),
            source=TableRef(self.account(self.source_account), self.source_table),
            mode=self.target_mode,
            write=self.write,
            import_settings=staging,
            import_account=self.account(staging.account) if staging is not None else None,
            existing_items=self.existing_items,
            schema=self.schema,
        )


def parse_config(doc: Any, where: str = "<config>") -> JobConfig:
    """Validate a parsed YAML document and build a :class:`JobConfig`; one :class:`ConfigError`
    names every problem with its dotted path."""
    if isinstance(doc, dict) and "tables" in doc:
        raise ConfigError(
            f"{where}: this config lists several tables (tables:); this command takes one",
            hint="pass --table NAME (a source table of the list) to the command",
        )
    found: list[str] = []
    document: JobDocument | None = None
    try:
        document = JobDocument.model_validate({} if doc is None else doc, context=validation_context(doc))
    except ValidationError as error:
        found.extend(problems(error, JobDocument))
    mapping = MappingSpec()
    try:
        raw_mapping = doc.get("mapping") if isinstance(doc, dict) else None
        mapping = parse_mapping(raw_mapping if isinstance(raw_mapping, dict) else None)
    except ConfigError as error:
        found.extend(_mapping_problems(error))
    if document is None or found:
        lines = "\n".join(f"  {where}: {p}" for p in found)
        raise ConfigError(
            f"invalid configuration ({len(found)} problem(s)):\n{lines}",
            hint="fix the fields named above; the README's 'Configuration' section documents each one",
        )
    return _job_config(document, mapping, where, doc)


def _mapping_problems(error: ConfigError) -> list[str]:
    """The lines of the mapping parser's one error, without its heading and hint."""
    text = str(error)
    if error.hint:
        text = text.removesuffix(f" -> {error.hint}")
    lines = text.splitlines()
    return [line.strip() for line in (lines[1:] if len(lines) > 1 else lines)]


def _job_config(document: JobDocument, mapping: MappingSpec, where: str, raw: dict[str, Any]) -> JobConfig:
    source, target = document.source, document.target
    for name, section in document.accounts.items():
        warning = section.key_warning(name)
        if warning:
            log.warning("%s: %s", where, warning)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return JobConfig(
        run_id=document.run_id or f"{target.table}-{stamp}",
        accounts={name: section.spec(name) for name, section in document.accounts.items()},
        source_account=source.account,
        source_table=source.table,
        export=source.export_settings(),
        target_account=target.account,
        target_table=target.table,
        write=document.write.settings(),
        output_uri=document.output.uri.rstrip("/"),
        output_account=document.output.account,
        partitions=document.spark.partitions,
        mapping=mapping,
        progress=document.progress.settings(),
        source_mode=source.mode,
        scan=source.scan_settings(),
        target_mode=target.mode,
        existing_items=target.existing_items,
        import_settings=target.import_.settings() if target.import_ else None,
        capacity=document.capacity.settings(),
        replication=document.replication.settings(),
        glue_name_prefix=document.glue.name_prefix,
        schema=target.schema_.settings(),
        path=where,
        raw=raw,
    )


def load_config(
    location: str, run_id: str | None = None, reader: Any = None, default_run_id: str | None = None
) -> JobConfig:
    """Load and validate a config from a local path or, with ``reader``, an s3:// URI."""
    return parse_config(read_document(location, reader, run_id, default_run_id), where=location)


def read_document(
    location: str, reader: Any = None, run_id: str | None = None, default_run_id: str | None = None
) -> Any:
    """The YAML document at a local path or, with ``reader``, an s3:// URI; ``run_id`` replaces
    its run id, ``default_run_id`` fills one it lacks."""
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
    return doc


def s3_text_reader(uri: str) -> str:
    """Read a small text object (the job config) with the job's own credentials.

    On Glue that is the job role; elsewhere the default chain. ``AWS_ENDPOINT_URL_S3`` points
    it at an emulator.
    """
    bucket, key = parse_s3_uri(uri)
    body: bytes = boto3.Session().client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return body.decode("utf-8")
