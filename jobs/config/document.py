"""The whole job file as one model: what :func:`jobs.config.parse_config` validates, and what
``ddb-migrate config schema`` prints as JSON Schema for editors."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from jobs.config.accounts import AccountSection
from jobs.config.rules import AccountName, NamePrefix, PositiveInt, RunId, S3Uri, Section
from jobs.config.sections import SourceSection, TargetSection
from jobs.config.tuning import CapacitySection, ProgressSection, ReplicationSection, WriteSection
from jobs.mapping.spec import OPERATIONS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# The mapping keeps its own parser (jobs.mapping.spec, free of dependencies for the Lambda
# package); the schema names its operations so that an editor catches a misspelt one.
Mapping = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "description": "schema remapping; the README's 'Mapping' section documents each operation",
            "properties": {name: {} for name in OPERATIONS},
            "additionalProperties": False,
        }
    ),
]


class OutputSection(Section):
    """``output``: where the run's ledger, dead letters and report go (under ``<uri>/<run_id>/``)."""

    uri: S3Uri
    account: AccountName = Field("target", validate_default=True, description="who owns the bucket")


class SparkSection(Section):
    """``spark``: how the work is split."""

    partitions: PositiveInt | None = Field(None, description="Spark tasks for the export files (default: one per file)")


class GlueSection(Section):
    """``glue``: the Glue deployment that `ddb-migrate glue start|follow|stop` drives."""

    name_prefix: NamePrefix | None = Field(
        None,
        description="the Terraform target module's name_prefix: jobs <prefix>-export, -migrate, -validate,"
        " workflow <prefix>-migration",
    )


class JobDocument(Section):
    """A ddb-migrate job configuration (job.yaml)."""

    run_id: RunId | None = Field(None, description="reuse it to resume a run; default: <target table>-<UTC time>")
    accounts: dict[str, AccountSection] = Field(description="the AWS accounts, by the names the sections use")
    source: SourceSection
    target: TargetSection
    write: WriteSection = WriteSection()
    output: OutputSection
    spark: SparkSection = SparkSection()
    mapping: Mapping | None = None
    progress: ProgressSection = ProgressSection()
    capacity: CapacitySection = CapacitySection()
    replication: ReplicationSection = ReplicationSection()
    glue: GlueSection = GlueSection()


def validation_context(doc: Any) -> dict[str, Any]:
    """What the sections check against each other: the account names, and the target's mode."""
    doc = doc if isinstance(doc, dict) else {}
    accounts = doc.get("accounts")
    target = doc.get("target")
    return {
        "accounts": frozenset(accounts) if isinstance(accounts, dict) else frozenset(),
        "target_mode": target.get("mode", "write") if isinstance(target, dict) else "write",
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a job file (draft 2020-12)."""
    schema = JobDocument.model_json_schema()
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "ddb-migrate job configuration"}
