"""A move: the tables one job file names, each as the :class:`JobConfig` a single-table file
would give, all under one run id (ADR 0015). A single-table file is a move of one table, parsed
exactly as before."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from pydantic import ValidationError

from jobs.aws import AccountSpec, tables
from jobs.config.accounts import AccountSection
from jobs.config.document import validation_context
from jobs.config.job import JobConfig, parse_config, read_document
from jobs.config.problems import problems
from jobs.config.stages import RunPlace
from jobs.config.tables import TABLES_KEYS, TablesSection, expand_tables, shared_problems, table_name
from jobs.core.errors import ConfigError

HINT = "fix the fields named above; the README's 'Configuration' and 'Many tables' sections document each one"
TableNames = Callable[[AccountSpec], Sequence[str]]


@dataclass(frozen=True)
class MoveConfig:
    """Every table of a job file, in load order, and where the move's summary goes."""

    run_id: str
    jobs: tuple[JobConfig, ...]
    concurrency: int
    place: RunPlace  # <output.uri>/<run_id>/: the summary; each table has tables/<name>/ below it
    many: bool  # the file lists tables (even if only one)
    run_id_given: bool  # the file or --run-id set the run id (not a fresh default)
    path: str = "<config>"

    def job(self, table: str) -> JobConfig:
        """The job of one table, named by its source table (or its target table)."""
        for job in self.jobs:
            if table in (table_name(job.source_table), job.target_table):
                return job
        listed = ", ".join(table_name(j.source_table) for j in self.jobs)
        raise ConfigError(f"{self.path}: no table {table!r} in this config", hint=f"one of: {listed}")


def parse_move(doc: Any, where: str = "<config>", table_names: TableNames | None = None) -> MoveConfig:
    """A single-table document as one job; a ``tables:`` document as one job per table.

    ``table_names`` lists the source account's tables, for globs (default: ListTables)."""
    if not isinstance(doc, dict) or not any(key in doc for key in TABLES_KEYS):
        job = parse_config(doc, where)
        return MoveConfig(job.run_id, (job,), 1, job.run_place, False, bool(_get(doc, "run_id")), where)
    try:
        section = TablesSection.model_validate({k: doc[k] for k in TABLES_KEYS if k in doc})
    except ValidationError as error:
        _fail(where, problems(error, TablesSection))
    if shared_problems(doc):
        _fail(where, shared_problems(doc))
    run_id = doc.get("run_id") or f"tables-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    shared = {**doc, "run_id": run_id}
    try:
        members = expand_tables(shared, section, lambda: _source_names(doc, where, table_names))
    except ValueError as error:
        _fail(where, str(error).splitlines())
    jobs: list[JobConfig] = []
    found: list[str] = []
    for member in members:
        try:
            job = parse_config(member.doc, f"{where} {member.where}")
        except ConfigError as error:
            found.extend(line.strip() for line in str(error).removesuffix(f" -> {error.hint}").splitlines()[1:])
            continue
        jobs.append(dataclasses.replace(job, table_scope=member.scope, path=where))
    if found:
        raise ConfigError(f"invalid configuration ({len(found)} problem(s)):\n  " + "\n  ".join(found), hint=HINT)
    place = dataclasses.replace(jobs[0], table_scope=None).run_place
    return MoveConfig(run_id, tuple(jobs), section.tables_concurrency, place, True, bool(doc.get("run_id")), where)


def load_move(
    location: str, run_id: str | None = None, reader: Any = None, table_names: TableNames | None = None
) -> MoveConfig:
    """Load and validate a single-table or ``tables:`` config (local path, or s3:// with ``reader``)."""
    return parse_move(read_document(location, reader, run_id), location, table_names)


def _fail(where: str, found: list[str]) -> NoReturn:
    lines = "\n".join(f"  {where}: {p}" for p in found)
    raise ConfigError(f"invalid configuration ({len(found)} problem(s)):\n{lines}", hint=HINT)


def _get(doc: Any, key: str) -> Any:
    return doc.get(key) if isinstance(doc, dict) else None


def _source_names(doc: dict[str, Any], where: str, table_names: TableNames | None) -> Sequence[str]:
    """The source account's table names (a glob in ``tables:`` needs them)."""
    name = _get(doc.get("source"), "account")
    try:
        account = AccountSection.model_validate(_get(doc.get("accounts"), name), context=validation_context(doc)).spec(
            str(name)
        )
    except ValidationError as error:
        _fail(where, [f"accounts.{name}: {p}" for p in problems(error, AccountSection)])
    return (table_names or tables.table_names)(account)
