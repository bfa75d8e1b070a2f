"""The optional sections that tune a run: ``write``, ``capacity``, ``replication``, ``progress``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, model_validator

from jobs.config.rules import Concurrency, Number, PlainTableName, Positive, Says, Section, Text, Units, problem
from jobs.config.settings import CapacitySettings, ProgressSettings, ReplicationSettings, WriteSettings


class WriteSection(Section):
    """``write``: how hard and how long the writer pushes the target."""

    concurrency: Concurrency = Field(8, description="concurrent BatchWriteItem requests per Spark task")
    batch_size: Annotated[StrictInt, Field(ge=1, le=25), Says("must be between 1 and 25 (BatchWriteItem's limit)")] = (
        Field(25, description="items per request")
    )
    max_retry_seconds: Positive = Field(
        900.0, description="after this, what is left of a batch is dead-lettered and the run fails"
    )
    max_write_units_per_s: Positive | None = Field(None, description="optional cap on the write budget")
    capacity_fraction: Annotated[Number, Field(gt=0, le=1), Says("must be in (0, 1]")] = Field(
        0.8, description="share of the target's capacity in force the writer may use"
    )
    digests: StrictBool = Field(
        True,
        description="store each finished file's item digests so `validate` need not re-read the source; "
        "false saves their CPU (about half of a plain copy's), and `validate` then reads the source again",
    )
    path: Literal["auto", "direct", "spark"] = Field(
        "auto",
        description="load path: auto takes 'direct' for a plain copy of an export (no mapping, key unchanged), "
        "else 'spark' (ADR 0014)",
    )

    def settings(self) -> WriteSettings:
        return WriteSettings(
            concurrency=self.concurrency,
            batch_size=self.batch_size,
            max_retry_seconds=self.max_retry_seconds,
            max_write_units_per_s=self.max_write_units_per_s,
            capacity_fraction=self.capacity_fraction,
            path=self.path,
            digests=self.digests,
        )


class TargetCapacity(Section):
    """``capacity.target``: what the target table gets during the run."""

    write_units: Units | None = Field(None, description="provisioned target: table WCU during the run")
    index_write_units: Units | None = Field(None, description="provisioned target: each GSI's WCU")
    on_demand: StrictBool = Field(False, description="provisioned target: switch to on-demand for the run")
    warm_write_units_per_s: Units | None = Field(None, description="on-demand target: pre-warm (never lowered)")

    @model_validator(mode="after")
    def _on_demand_has_no_units(self) -> TargetCapacity:
        if self.on_demand and (self.write_units or self.index_write_units):
            raise problem("on_demand and write_units exclude each other: an on-demand table has no WCU to raise")
        return self


class SourceCapacity(Section):
    """``capacity.source``: what a scanned source table gets during the run."""

    read_units: Units | None = Field(None, description="source.mode scan only: RCU during the run")


class CapacitySection(Section):
    """``capacity``: raised for the duration of a run and restored afterwards."""

    target: TargetCapacity = TargetCapacity()
    source: SourceCapacity = SourceCapacity()
    allow_delayed_restore: StrictBool = Field(
        False, description="raise even if AWS's decrease limit would delay today's restore"
    )
    wait_timeout_s: Positive = Field(1800.0, description="how long an UpdateTable may take to become ACTIVE")

    @model_validator(mode="after")
    def _import_raises_nothing(self, info: ValidationInfo) -> CapacitySection:
        if (info.context or {}).get("target_mode") == "import" and self.settings().changes_target:
            raise problem("target.mode import creates the table with target.import's capacity; raise nothing on it")
        return self

    def settings(self) -> CapacitySettings:
        return CapacitySettings(
            write_units=self.target.write_units,
            index_write_units=self.target.index_write_units,
            on_demand=self.target.on_demand,
            warm_write_units_per_s=self.target.warm_write_units_per_s,
            source_read_units=self.source.read_units,
            allow_delayed_restore=self.allow_delayed_restore,
            wait_timeout_s=self.wait_timeout_s,
        )


class ReplicationSection(Section):
    """``replication``: how changes after the export are applied (streams, catch-up)."""

    version_table: PlainTableName | None = Field(None, description="default: '<target table>-replication'")
    max_attempts: Annotated[StrictInt, Field(ge=1, le=100), Says("must be between 1 and 100")] = Field(
        5, description="tries per change before it is reported or dead-lettered"
    )
    concurrency: Concurrency = Field(8, description="changes of different keys applied at once")
    poll_interval_s: Annotated[Number, Field(gt=0, le=60), Says("must be between 0 and 60 seconds")] = Field(
        1.0, description="how often `replicate --follow` polls a shard that had nothing new"
    )
    batch_size: Annotated[StrictInt, Field(ge=1, le=1000), Says("must be between 1 and 1000 (GetRecords' limit)")] = (
        Field(1000, description="records per GetRecords call")
    )

    def settings(self) -> ReplicationSettings:
        return ReplicationSettings(
            version_table=self.version_table,
            max_attempts=self.max_attempts,
            concurrency=self.concurrency,
            poll_interval_s=self.poll_interval_s,
            batch_size=self.batch_size,
        )


class ProgressSection(Section):
    """``progress``: log lines on Glue, optional CloudWatch metrics."""

    log_every_s: Number = Field(30.0, description="seconds between progress lines")
    cloudwatch_namespace: Text | None = Field(None, description="also publish metrics under this namespace")

    def settings(self) -> ProgressSettings:
        return ProgressSettings(log_every_s=self.log_every_s, cloudwatch_namespace=self.cloudwatch_namespace)
