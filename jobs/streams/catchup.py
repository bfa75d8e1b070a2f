"""`ddb-migrate catch-up --from T0 --to T1`: apply an incremental export through the mapping.

For changes the stream no longer holds (it keeps 24 hours) or a full load that took longer:
the incremental export of [T0, T1) (requested with ExportTableToPointInTime, read from
``--manifest``, or written locally from the stream) is applied file by file, like the full
load: each data file is verified whole (MD5, gzip, line count) before any of its lines is
applied, finished files are recorded under ``<run>/catch-up/<ExportId>/ledger/`` (a rerun
skips them), dead letters go beside them, and ``run-report.json`` sums the ledger.

Each line is an upsert (NewImage) or a delete, written with a transaction that applies only
where stream replication has not written the key (ADR 0009): catch-up is a base layer, like
the full load, and never overrides a newer change that replication already applied.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from jobs.aws import tables
from jobs.config import JobConfig
from jobs.core.errors import ConfigError, ExportFormatError, InvalidItemError, TerminalError
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.source.export import AwsExporter
from jobs.source.export_format import DataFile
from jobs.source.manifests import LoadedExport, load_export
from jobs.source.read import ReadSettings, verified_lines
from jobs.streams.changes import Change, from_export_line
from jobs.streams.incremental import LocalIncrementalExporter
from jobs.streams.replicate import build_plan, ensure_version_table, require_full_load, source_stream
from jobs.streams.replicator import Replicator
from jobs.streams.writer import APPLIED, DEAD, RETRY, ChangeResult

log = logging.getLogger(__name__)

CATCH_UP = "catch-up"


def parse_time(text: str, flag: str) -> datetime:
    """ISO 8601 (``2026-06-01T12:00:00Z``) or epoch seconds, as an aware UTC datetime."""
    try:
        moment = datetime.fromtimestamp(float(text), UTC) if text.replace(".", "", 1).isdigit() else None
        moment = moment or datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag} {text!r}: give an ISO 8601 time (2026-06-01T12:00:00Z) or epoch seconds") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def request_incremental_export(
    config: JobConfig, start: datetime, end: datetime, say: Callable[[str], None] = log.info
) -> str:
    """The incremental export of [start, end): requested from DynamoDB, or written locally."""
    method = config.export.method
    if method == "auto":
        method = "local" if config.account(config.source_account).emulated_dynamodb else "aws"
    if method == "aws":
        return AwsExporter(config.source, window=(start, end)).export(say).manifest_uri
    stream = source_stream(config)
    keys = tables.key_names(config.account(config.source_account), config.source_table)
    return LocalIncrementalExporter(config, stream.arn, keys).export(start, end, say).manifest_uri


def _store(config: JobConfig, export: LoadedExport) -> LedgerStore:
    run = LedgerStore.for_run(config)
    export_id = export.summary_key.rstrip("/").split("/")[-2]
    return replace(run, prefix=f"{run.prefix}{CATCH_UP}/{export_id}/")


def _apply_file(replicator: Replicator, settings: ReadSettings, entry: DataFile, store: LedgerStore) -> FileResult:
    key, count, md5 = entry.key, entry.item_count, entry.md5
    try:
        lines = list(verified_lines(settings, key, count, md5))
    except ExportFormatError as exc:
        return FileResult(key, error=str(exc))
    changes: list[Change] = []
    unreadable: list[dict[str, object]] = []
    for number, line in lines:
        try:
            changes.append(from_export_line(line, key, number))
        except InvalidItemError as exc:
            unreadable.append(
                {"file": key, "line": number, "stage": "read", "error": "InvalidLine", "reason": str(exc)}
            )
    results: list[ChangeResult] = replicator.apply(changes, key)
    dead = unreadable + [r.dead_letter() for r in results if r.outcome in (DEAD, RETRY)]
    if dead:
        store.record_dead_letters(key, dead)
    else:
        store.clear_dead_letters(key)
    unsent = [r for r in results if r.outcome == RETRY]
    result = FileResult(
        key,
        read=len(lines),
        written=sum(1 for r in results if r.outcome == APPLIED),
        filtered=sum(1 for r in results if r.outcome not in (APPLIED, DEAD, RETRY)),
        dead_lettered=len(dead),
        error=f"{len(unsent)} changes not applied: {unsent[0].reason}; rerun catch-up" if unsent else None,
    )
    if result.done:
        store.record_file(result)
    return result


def apply_incremental_export(config: JobConfig, manifest: str) -> tuple[RunReport, LoadedExport]:
    """Apply every unfinished data file of the export; return the report (sum of the ledger)."""
    started = time.monotonic()
    export = load_export(config.account(config.export.read_account), manifest)
    if export.summary.export_type != "INCREMENTAL_EXPORT":
        raise TerminalError(
            f"{manifest} is a {export.summary.export_type}", hint="catch-up applies incremental exports"
        )
    if export.summary.output_format != "DYNAMODB_JSON":
        raise TerminalError(f"{manifest}: catch-up reads DYNAMODB_JSON incremental exports")
    require_full_load(config)
    ensure_version_table(config)
    store = _store(config, export)
    finished = store.finished_files()
    replicator = Replicator(build_plan(config), config.account(config.target_account), None)  # dead letters: ledger
    settings = ReadSettings(config.account(config.export.read_account), export.bucket)
    try:
        results = [_apply_file(replicator, settings, f, store) for f in export.files if f.key not in finished]
    finally:
        replicator.close()
    report = RunReport.from_files(
        f"{config.run_id}/{CATCH_UP}",
        len(export.files),
        [*finished.values(), *results],
        time.monotonic() - started,
        manifest_item_count=export.summary.item_count,
        skipped=len(finished),
    )
    store.write_report(report)
    return report, export
