"""The ``source`` and ``target`` sections: which tables, and how each side is read or written."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, ValidationInfo, field_validator

from jobs.config.rules import AccountName, ManifestUri, Number, Says, Section, TableName, Text, problem
from jobs.config.settings import ExportSettings, ImportSettings, ScanSourceSettings, SchemaSettings


def _account_id_as_text(value: Any) -> Any:
    """YAML reads an unquoted account id as an integer."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


AccountId = Annotated[
    Text,
    Field(pattern=r"^\d{12}$"),
    Says("must be a 12-digit account id"),
    BeforeValidator(_account_id_as_text, json_schema_input_type=str | int),
]


class ExportSection(Section):
    """``source.export``: an existing export (``manifest``) or where a new one goes (``bucket``)."""

    manifest: ManifestUri | None = Field(None, description="s3:// URI of an existing export's manifest-summary.json")
    bucket: Text | None = Field(None, description="where `ddb-migrate export` writes a new export")
    prefix: Text = Field("", description="key prefix of the new export")
    bucket_owner: AccountId | None = Field(None, description="the bucket's account, when it is another account")
    read_account: AccountName = Field("target", validate_default=True, description="whose credentials read it")
    format: Literal["DYNAMODB_JSON", "ION"] = "DYNAMODB_JSON"
    method: Literal["auto", "aws", "local"] = Field("auto", description="auto: local when DynamoDB is emulated")
    kms_key_arn: Text | None = Field(None, description="SSE-KMS key for the new export")
    local_segments: Annotated[StrictInt, Field(ge=1, le=1000), Says("must be between 1 and 1000")] = Field(
        4, description="the local exporter's scan segments (= data files)"
    )

    def settings(self) -> ExportSettings:
        return ExportSettings(
            manifest_uri=self.manifest,
            bucket=self.bucket,
            prefix=self.prefix.strip("/"),
            bucket_owner=self.bucket_owner,
            read_account=self.read_account,
            output_format=self.format,
            method=self.method,
            kms_key_arn=self.kms_key_arn,
            local_segments=self.local_segments,
        )


class ScanSection(Section):
    """``source.scan``: a paced parallel Scan of the source table instead of an export."""

    segments: Annotated[StrictInt, Field(ge=1, le=1_000_000), Says("must be between 1 and 1000000 (Scan's limit)")] = (
        Field(8, description="parallel Scan segments = Spark tasks = units the ledger resumes")
    )
    read_units_per_s: (
        Annotated[
            Number,
            Field(gt=0),
            Says("must be positive: the scan shares the source table with its own traffic"),
        ]
        | None
    ) = Field(None, description="the whole scan's read budget (required with source.mode: scan)")
    consistent_read: StrictBool = False
    page_limit: Annotated[StrictInt, Field(ge=1, le=10_000), Says("must be between 1 and 10000")] = 1000

    def settings(self) -> ScanSourceSettings:
        return ScanSourceSettings(
            segments=self.segments,
            read_units_per_s=self.read_units_per_s or 0.0,
            consistent_read=self.consistent_read,
            page_limit=self.page_limit,
        )


class SourceSection(Section):
    """``source``: the table to copy and how to read it."""

    account: AccountName
    table: TableName
    mode: Literal["export", "scan"] = Field("export", description="read an export (default) or scan the table")
    export: ExportSection | None = Field(None, validate_default=True, description="required with mode: export")
    scan: ScanSection | None = Field(None, validate_default=True, description="required with mode: scan")

    @field_validator("export")
    @classmethod
    def _export_for_mode_export(cls, value: ExportSection | None, info: ValidationInfo) -> ExportSection | None:
        if info.data.get("mode") == "export":
            if value is None:
                raise problem("required section is missing")
            if value.manifest is None and value.bucket is None:
                raise problem(
                    "give 'manifest' (an existing export) or 'bucket' (where `ddb-migrate export` writes one)"
                )
        return value

    @field_validator("scan")
    @classmethod
    def _scan_for_mode_scan(cls, value: ScanSection | None, info: ValidationInfo) -> ScanSection | None:
        if info.data.get("mode") == "scan":
            if value is None:
                raise problem("required section is missing")
            if value.read_units_per_s is None:
                raise problem("required", at="read_units_per_s")
        return value

    def export_settings(self) -> ExportSettings:
        return (self.export or ExportSection()).settings()

    def scan_settings(self) -> ScanSourceSettings:
        return (self.scan or ScanSection()).settings()


class KeyAttribute(Section):
    """One key attribute of the table ImportTable creates."""

    name: Text
    type: Literal["S", "N", "B"]


class ImportSection(Section):
    """``target.import``: stage the items in S3 and let ImportTable create the target."""

    bucket: Text = Field(description="staging bucket, owned by the target account")
    prefix: Text = Field("imports", description="staged under <prefix>/<run_id>/data/")
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
    read_units: StrictInt | None = Field(None, validate_default=True, description="with PROVISIONED only")
    write_units: StrictInt | None = Field(None, validate_default=True, description="with PROVISIONED only")
    key_schema: Annotated[list[KeyAttribute], Field(max_length=2), Says("at most a partition key and a sort key")] = (
        Field([], description="hash key first; default: the source's key")
    )
    indexes: Annotated[Literal["source", "none"], Says("must be 'source' (copy the GSIs) or 'none'")] = "source"
    files: Annotated[StrictInt, Field(ge=1, le=50_000), Says("must be between 1 and 50000")] | None = Field(
        None, description="staging files; default: one per ~128 MiB, at least the Spark partitions"
    )
    wait_timeout_s: Number = 6 * 3600.0
    account: AccountName = Field("target", validate_default=True, description="who owns the staging bucket")

    @field_validator("read_units", "write_units")
    @classmethod
    def _units_with_provisioned(cls, value: int | None, info: ValidationInfo) -> int | None:
        billing = info.data.get("billing_mode")
        if billing is not None and (value is not None and value > 0) != (billing == "PROVISIONED"):
            raise problem("give a positive value with PROVISIONED, and none with PAY_PER_REQUEST")
        return value

    def settings(self) -> ImportSettings:
        return ImportSettings(
            bucket=self.bucket,
            prefix=self.prefix.strip("/"),
            billing_mode=self.billing_mode,
            read_units=self.read_units,
            write_units=self.write_units,
            key_schema=tuple((key.name, key.type) for key in self.key_schema),
            indexes=self.indexes,
            files=self.files,
            wait_timeout_s=self.wait_timeout_s,
            account=self.account,
        )


class SchemaSection(Section):
    """``target.schema``: what ``ddb-migrate schema copy`` cannot take from the source table."""

    kms_key_arn: Text | None = Field(
        None, description="the target account's KMS key for the table's SSE (a source key is never reused)"
    )
    key_schema: Annotated[list[KeyAttribute], Field(max_length=2), Says("at most a partition key and a sort key")] = (
        Field([], description="hash key first; default: the source's key through the mapping")
    )

    def settings(self) -> SchemaSettings:
        return SchemaSettings(
            kms_key_arn=self.kms_key_arn, key_schema=tuple((key.name, key.type) for key in self.key_schema)
        )


class TargetSection(Section):
    """``target``: the table to write and how."""

    account: AccountName
    table: TableName
    mode: Literal["write", "import"] = Field("write", description="write items (default) or ImportTable")
    existing_items: Literal["refuse", "overwrite"] = Field(
        "refuse",
        description="when the target already holds items at a run id's first start: refuse (exit 2) or "
        "overwrite (items with the same key are replaced, the others stay)",
    )
    import_: ImportSection | None = Field(
        None, alias="import", validate_default=True, description="required with mode: import, only then"
    )
    schema_: SchemaSection = Field(
        SchemaSection(), alias="schema", description="how `ddb-migrate schema copy` creates the target table"
    )

    @field_validator("import_")
    @classmethod
    def _import_for_mode_import(cls, value: ImportSection | None, info: ValidationInfo) -> ImportSection | None:
        mode = info.data.get("mode")
        if mode == "import" and value is None:
            raise problem("required section is missing")
        if mode == "write" and value is not None:
            raise problem("only with target.mode: import")
        return value
