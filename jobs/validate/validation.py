"""`ddb-migrate validate`: compare the target with what the migration should have written.

:func:`validate` does the work and returns a :class:`ValidationResult` (for benchmarks and
tests); :func:`validate_main` is the CLI's exit-code wrapper and :func:`validate_glue_main` the
Glue entry point. The report directory receives the Data Docs site and ``validation.json``; an
``s3://`` report directory is built locally and uploaded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from jobs import aws
from jobs.aws import AccountSpec, tables
from jobs.config import JobConfig, parse_s3_uri
from jobs.core.errors import ConfigError
from jobs.core.phases import phase
from jobs.ledger import LedgerStore
from jobs.sink.digests import DigestSettings
from jobs.source.manifests import load_export
from jobs.source.scan import ScanSettings
from jobs.source.sources import export_source, open_source
from jobs.spark import get_spark, spark_task_counts, spark_tasks, uncompressed_cache_when_local
from jobs.validate import compare, docs, sides, suite
from jobs.validate.report import ValidationResult, attribute_differences, ledger_status

log = logging.getLogger(__name__)
DEFAULT_READ_UNITS_PER_S = 2000.0
REPORT_NAME = "validation.json"


@dataclass(frozen=True)
class ValidationOptions:
    """How to validate. ``sample`` is a fraction of keys (0 < f <= 1), chosen by key digest."""

    sample: float | None = None
    keys_only: bool = False
    target_export: str | None = None  # s3://.../manifest-summary.json of an export of the target
    max_samples: int = 20
    segments: int | None = None  # parallel scan segments; default: 2 per Spark core
    read_units_per_s: float | None = DEFAULT_READ_UNITS_PER_S  # the whole scan's budget; None: unpaced
    max_value_chars: int = 400
    recompute_expected: bool = False  # re-read the source even when the run stored its digests
    # mismatched keys up to which the target's items are fetched by key to name the attributes that
    # differ; above it the table is scanned again (paced), which reads each item once
    differing_by_key: int = 100_000

    @property
    def mode(self) -> str:
        return "keys-only" if self.keys_only else ("sample" if self.sample is not None else "full")

    def check(self) -> None:
        if self.sample is not None and not 0 < self.sample <= 1:
            raise ConfigError(f"--sample {self.sample}: must be a fraction in (0, 1]")
        if self.max_samples < 0 or (self.segments is not None and self.segments < 1):
            raise ConfigError("--max-samples must be >= 0 and --segments >= 1")
        if self.read_units_per_s is not None and self.read_units_per_s <= 0:
            raise ConfigError("--max-read-units must be positive")


def read_run_report(config: JobConfig) -> tuple[str, dict[str, Any] | None]:
    """(URI, document) of the run's run-report.json; the document is None when there is none."""
    store = LedgerStore.for_run(config)
    key = f"{store.prefix}run-report.json"
    s3 = aws.client(store.account, "s3")
    try:
        return f"s3://{store.bucket}/{key}", json.loads(s3.get_object(Bucket=store.bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return f"s3://{store.bucket}/{key}", None


def _sides(spark: SparkSession, config: JobConfig, options: ValidationOptions) -> sides.Sides:
    key_schema = tables.key_schema(config.account(config.target_account), config.target_table)
    target_export = (
        export_source(config.source.export_reader, load_export(config.source.export_reader, options.target_export))
        if options.target_export
        else None
    )
    segments = options.segments or max(2, 2 * spark.sparkContext.defaultParallelism)
    return sides.Sides(
        config=config,
        source=open_source(config.source),
        key_schema=key_schema,
        target_export=target_export,
        digest=DigestSettings(tuple(n for n, _t in key_schema), options.keys_only, options.sample or 1.0),
        scan=ScanSettings(
            account=config.account(config.target_account),
            table=config.target_table,
            segments=segments,
            read_units_per_s=options.read_units_per_s,
            page_limit=10_000,  # DynamoDB still stops a page at 1 MB; fewer round trips (15% faster here)
        ),
        recompute_expected=options.recompute_expected,
    )


def _explain_samples(
    spark: SparkSession, inputs: sides.Sides, summary: compare.Summary, options: ValidationOptions
) -> dict[str, list[dict[str, Any]]]:
    """Sample rows as a person reads them; mismatches get their attribute-level differences."""
    mismatches = summary.samples.get(compare.MISMATCH, [])
    places = [(r["expected_file"], r["expected_line"]) for r in mismatches]
    expected = sides.expected_items_at(spark, inputs, places)
    actual = sides.actual_items(
        spark, inputs, [r["key"] for r in mismatches], [(r["actual_file"], r["actual_line"]) for r in mismatches]
    )
    explained: dict[str, list[dict[str, Any]]] = {}
    for klass, rows in summary.samples.items():
        for row in rows:
            entry: dict[str, Any] = {"key": json.loads(row["key"]) if row["key"] else None}
            if row["expected_file"] is not None and klass != compare.UNREADABLE:
                entry["expected_from"] = {"file": row["expected_file"], "line": row["expected_line"]}
            if klass == compare.UNREADABLE:
                entry = {"file": row["expected_file"] or row["actual_file"], "error": row["error"]}
            if klass == compare.MISMATCH:
                entry["attributes"] = row["differing"]
                entry["differences"] = attribute_differences(
                    expected.get((row["expected_file"], row["expected_line"])),
                    actual.get(row["key"]),
                    row["differing"],
                    options.max_value_chars,
                )
            explained.setdefault(klass, []).append(entry)
    return explained


class _Stopwatch:
    """Seconds per phase, for validation.json and benchmarks."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[f"{name}_s"], self.last = round(now - self.last, 3), now

    def timings(self) -> dict[str, float]:
        return {**self.laps, "total_s": round(time.monotonic() - self.started, 3)}


def validate(
    config: JobConfig,
    report_dir: str | Path,
    options: ValidationOptions | None = None,
    spark: SparkSession | None = None,
) -> ValidationResult:
    """Compare expected with actual, run the suites, write Data Docs and validation.json.

    ``report_dir`` is a local folder or an ``s3://`` prefix. Timings in the result:
    ``compare_s`` (read both sides, hash, join, count), ``differing_s`` (only when items differ:
    read their attributes again, for those keys alone), ``explain_s`` (re-read the sampled
    mismatches, read the run report), ``suites_s`` (Great Expectations and Data Docs).
    """
    options = options or ValidationOptions()
    options.check()
    clock = _Stopwatch()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    if spark is None:
        with phase("starting Spark"):
            spark = get_spark()
    with phase("reading the source's manifests and the target's description"):
        inputs = _sides(spark, config, options)
    (expected, expected_from), actual = sides.expected_digests(spark, inputs), sides.actual_digests(spark, inputs)
    cached: list[DataFrame] = []
    try:
        with uncompressed_cache_when_local(spark):  # built and read again at once (ADR 0005)
            result, summary = _comparison(spark, inputs, (expected, actual), options, clock, cached)
        with phase(
            "validating: re-reading the sampled differences",
            detail=spark_tasks(spark),
            progress=spark_task_counts(spark),
        ):
            samples = _explain_samples(spark, inputs, summary, options)
            report_uri, run_report = read_run_report(config)
            ledger = ledger_status(run_report, report_uri)
        clock.lap("explain")
        with (
            _local_dir(report_dir, config.account(config.output_account)) as local,
            phase(
                "validating: Great Expectations suites and Data Docs",
                detail=spark_tasks(spark),
                progress=spark_task_counts(spark),
            ),
        ):
            per_key = compare.failure_columns(result, options.keys_only)
            counts = suite.counts_frame(summary.expected_rows, summary.target_rows, ledger)
            outcomes, index = suite.run_suites(suite.SuiteInput(per_key, counts, options.max_samples), local)
            clock.lap("suites")
            outcome = ValidationResult(
                success=all(o["success"] for o in outcomes),
                mode=options.mode,
                run_id=config.run_id,
                source={"table": config.source_table, "export": inputs.source.uri},
                target=_target_description(inputs),
                counts=summary.counts,
                expected_rows=summary.expected_rows,
                target_rows=summary.target_rows,
                duplicate_keys={
                    "expected": summary.duplicate_keys_expected,
                    "target": summary.duplicate_keys_target,
                },
                mismatched_attributes=summary.mismatched_attributes,
                ledger=ledger,
                expectations=outcomes,
                samples=samples,
                timings=clock.timings(),
                data_docs=_published(report_dir, index),
                validated_at=started_at,
                sample_fraction=options.sample,
                notes=[f"expected: {expected_from}"]
                + (["keys only: item contents were not compared"] if options.keys_only else []),
            )
            (local / REPORT_NAME).write_text(outcome.to_json(), encoding="utf-8")
            docs.write_site(local, outcome)
    finally:
        for frame in cached:
            frame.unpersist()
    return outcome


def _comparison(
    spark: SparkSession,
    inputs: sides.Sides,
    digests: tuple[DataFrame, DataFrame],
    options: ValidationOptions,
    clock: _Stopwatch,
    cached: list[DataFrame],
) -> tuple[DataFrame, compare.Summary]:
    """The per-key comparison with its ``differing`` column, and its summary (counts, mismatched
    attributes, samples). The frames it persists are appended to ``cached``."""
    compared = compare.compare_digests(*digests, options.keys_only).persist(StorageLevel.MEMORY_AND_DISK)
    cached.append(compared)
    with phase(
        "validating: reading both sides, hashing each item, joining by key",
        detail=spark_tasks(spark),
        progress=spark_task_counts(spark),
    ):
        summary = compare.count_classes(compared)
        if not summary.counts[compare.MISMATCH]:
            result = compare.with_differing(compared, None)
            compare.describe(result, summary, options.max_samples)
    clock.lap("compare")
    if summary.counts[compare.MISMATCH]:
        with phase(
            f"validating: naming the attributes of the {summary.counts[compare.MISMATCH]:,} mismatched items",
            detail=spark_tasks(spark),
            progress=spark_task_counts(spark),
        ):
            differing = sides.differing_attributes(
                spark, inputs, compare.mismatched(compared), options.differing_by_key
            )
            result = compare.with_differing(compared, differing).persist(StorageLevel.MEMORY_AND_DISK)
            cached.append(result)
            compare.describe(result, summary, options.max_samples)
        clock.lap("differing")
    return result, summary


def _target_description(inputs: sides.Sides) -> dict[str, Any]:
    scan = inputs.scan
    if inputs.target_export is not None:
        return {"table": scan.table, "read": "export", "export": inputs.target_export.uri}
    return {
        "table": scan.table,
        "read": "parallel scan",
        "segments": scan.segments,
        "read_units_per_s": scan.read_units_per_s,
        "consistent_read": scan.consistent_read,
    }


def _published(report_dir: str | Path, index: Path) -> str:
    text = str(report_dir)
    return f"{text.rstrip('/')}/index.html" if text.startswith("s3://") else str(index.resolve())


@contextlib.contextmanager
def _local_dir(report_dir: str | Path, account: AccountSpec) -> Iterator[Path]:
    """The report directory itself, or a temporary one uploaded to ``s3://`` when all went well."""
    text = str(report_dir)
    if not text.startswith("s3://"):
        local = Path(text).resolve()  # GX's Data Docs store needs an absolute path
        local.mkdir(parents=True, exist_ok=True)
        yield local
        return
    temp = Path(tempfile.mkdtemp(prefix="ddb-migrate-validation-"))
    try:
        yield temp
        upload_dir(temp, text, account)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def upload_dir(local: Path, uri: str, account: AccountSpec) -> None:
    """Copy a directory tree to ``s3://bucket/prefix/``, each object with its content type."""
    bucket, prefix = parse_s3_uri(uri)
    s3 = aws.client(account, "s3")
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        key = f"{prefix.strip('/')}/{path.relative_to(local).as_posix()}".lstrip("/")
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": kind})


def default_report_dir(config: JobConfig) -> str:
    """``s3://<output bucket>/<run prefix>validation/``: beside the run's ledger and report."""
    store = LedgerStore.for_run(config)
    return f"s3://{store.bucket}/{store.prefix}validation/"
