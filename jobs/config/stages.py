"""What each stage receives: the source side and the sink side of a job, built once from the
:class:`~jobs.config.JobConfig` by the run (``config.source`` / ``config.sink``).

A stage sees the accounts, tables and settings it works with, already resolved, and nothing of
the rest of the job: the source cannot see the target, the writer cannot see the export.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from jobs.aws import AccountSpec
from jobs.config.settings import ExportSettings, ImportSettings, ScanSourceSettings, SchemaSettings, WriteSettings


@dataclass(frozen=True)
class TableRef:
    """A table and the account whose credentials reach it."""

    account: AccountSpec
    name: str


@dataclass(frozen=True)
class RunPlace:
    """Where a run keeps its ledger, dead letters and report: ``<output.uri>/<run_id>/``, or, for
    one table of a ``tables:`` config, ``<output.uri>/<run_id>/tables/<source table>/``."""

    run_id: str
    account: AccountSpec  # the output account
    bucket: str
    prefix: str  # ends with '/'
    table_scope: str | None = None  # the source table's name, in a ``tables:`` config

    @property
    def token(self) -> str:
        """The run id, made distinct per table of a ``tables:`` config (AWS idempotency tokens)."""
        if self.table_scope is None:
            return self.run_id
        return f"{hashlib.sha256(self.table_scope.encode()).hexdigest()[:12]}-{self.run_id}"


@dataclass(frozen=True)
class SourceSettings:
    """The source side: the table, its export (or a paced scan of it), and how to read them."""

    run: RunPlace
    table: TableRef
    mode: str  # "export" | "scan"
    export: ExportSettings
    export_reader: AccountSpec  # whose credentials read the export bucket
    scan: ScanSourceSettings
    partitions: int | None  # Spark partitions of the read; None: one per unit of work
    max_retry_seconds: float  # how long a throttled scan page is retried


@dataclass(frozen=True)
class SinkSettings:
    """The sink side: the target table, and how items reach it (batch writes or ImportTable).

    ``source`` is the table the items come from: the import's table definition copies its key and
    indexes, and the collision check compares its key schema with the target's.
    """

    run: RunPlace
    table: TableRef
    source: TableRef
    mode: str  # "write" | "import"
    write: WriteSettings
    import_settings: ImportSettings | None
    import_account: AccountSpec | None  # owner of the import's staging bucket
    existing_items: str = "refuse"  # target.existing_items: refuse | overwrite (ADR 0013)
    schema: SchemaSettings = field(default_factory=SchemaSettings)  # how `schema copy` builds the table
