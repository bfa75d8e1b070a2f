"""The run ledger: per-file counts persisted to S3, and the run report that sums them.

Every item read is accounted for as written, filtered or dead-lettered, and the report
refuses to call a run successful unless those add up.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from jobs import aws
from jobs.aws import AccountSpec

if TYPE_CHECKING:
    from jobs.config import JobConfig, RunPlace

LEDGER_FIELDS = ("read", "written", "filtered", "dead_lettered")


@dataclass
class FileResult:
    """What happened to one export data file."""

    file_key: str
    read: int = 0
    written: int = 0
    filtered: int = 0
    dead_lettered: int = 0
    throttles: int = 0
    retries: int = 0
    server_errors: int = 0  # HTTP 5xx answers (also counted in retries)
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.error is None

    @property
    def reconciles(self) -> bool:
        return self.read == self.written + self.filtered + self.dead_lettered


@dataclass
class RunReport:
    """The JSON run report: the sum of the ledger, plus timing."""

    run_id: str
    items_read: int = 0
    items_written: int = 0
    items_filtered: int = 0
    items_dead_lettered: int = 0
    files_total: int = 0
    files_done: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    throttles: int = 0
    retries: int = 0
    server_errors: int = 0  # HTTP 5xx answers from DynamoDB (retried, so also in retries)
    elapsed_s: float = 0.0
    items_processed: int = 0  # items read by this invocation (a resume skips finished files)
    items_per_s: float = 0.0  # items_processed / elapsed_s
    manifest_item_count: int | None = 0  # None: the source has no fixed count (a table scan)
    reconciled: bool = False
    success: bool = False
    errors: list[str] = field(default_factory=list)
    dead_letter_uri: str | None = None
    target_import: dict[str, Any] | None = None  # target.mode import: ImportTable's own counts
    write_units_per_s: float | None = None  # the writer's global budget (None: no limit)
    write_budget_source: str = ""
    existing_items: str | None = None  # target.existing_items as decided at the run id's first start
    target_had_items: bool | None = None  # whether the target held items then (None: not checked)
    interrupted: bool = False  # Ctrl-C or SIGTERM: a partial report of the files done so far
    notes: list[str] = field(default_factory=list)
    load_path: str = ""  # "direct" (plain copy, ADR 0014) or "spark"; empty when nothing was loaded

    @classmethod
    def from_files(
        cls,
        run_id: str,
        files_total: int,
        results: Iterable[FileResult],
        elapsed_s: float,
        manifest_item_count: int | None,
        skipped: int = 0,
        previous: Iterable[FileResult] = (),
    ) -> RunReport:
        """Sum ``results`` (this invocation's) and ``previous`` (files an earlier invocation of the
        run id finished); the rate counts only this invocation's items."""
        report = cls(
            run_id=run_id, files_total=files_total, files_skipped=skipped, manifest_item_count=manifest_item_count
        )
        results = list(results)
        report.items_processed = sum(r.read for r in results)
        for result in [*previous, *results]:
            report.items_read += result.read
            report.items_written += result.written
            report.items_filtered += result.filtered
            report.items_dead_lettered += result.dead_lettered
            report.throttles += result.throttles
            report.retries += result.retries
            report.server_errors += result.server_errors
            if result.done:
                report.files_done += 1
            else:
                report.files_failed += 1
                report.errors.append(result.error or "unknown error")
        report.elapsed_s = round(elapsed_s, 3)
        report.items_per_s = round(report.items_processed / elapsed_s, 1) if elapsed_s > 0 else 0.0
        report.reconciled = report.items_read == (
            report.items_written + report.items_filtered + report.items_dead_lettered
        )
        counted = manifest_item_count is not None
        if counted and report.files_done == report.files_total and report.items_read != manifest_item_count:
            report.errors.append(
                f"items read ({report.items_read}) differ from the manifest's itemCount ({manifest_item_count})"
            )
        report.success = (
            report.reconciled
            and report.files_done == report.files_total
            and report.items_dead_lettered == 0
            and not report.errors
        )
        return report

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False)


def file_token(file_key: str) -> str:
    """A short stable name for a data file's ledger and dead-letter objects."""
    return hashlib.sha1(file_key.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


DIGESTS_FORMAT = "v2"


@dataclass(frozen=True)
class LedgerStore:
    """The run's prefix in S3: ``ledger/``, ``dead-letters/`` and ``run-report.json``."""

    account: AccountSpec
    bucket: str
    prefix: str  # ends with '/'

    @classmethod
    def for_run(cls, config: JobConfig) -> LedgerStore:
        """The run's prefix ``<output.uri>/<run_id>/`` in the output account."""
        return cls.at(config.run_place)

    @classmethod
    def at(cls, place: RunPlace) -> LedgerStore:
        return cls(place.account, place.bucket, place.prefix)

    def _put(self, key: str, body: str) -> None:
        aws.client(self.account, "s3").put_object(Bucket=self.bucket, Key=key, Body=body.encode("utf-8"))

    def put_text(self, name: str, body: str) -> str:
        """Store a small object of the run (e.g. ``capacity.json``) under the run prefix; return its URI."""
        self._put(self.prefix + name, body)
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def get_text(self, name: str) -> str | None:
        """A small object of the run, or None when there is none."""
        s3 = aws.client(self.account, "s3")
        try:
            body: bytes = s3.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return body.decode("utf-8")

    def put_json(self, name: str, doc: dict[str, Any]) -> None:
        """A small JSON document of the run's own (e.g. ``export.json``, ``import.json``)."""
        self.put_text(name, json.dumps(doc, indent=2))

    def get_json(self, name: str) -> dict[str, Any] | None:
        text = self.get_text(name)
        return None if text is None else dict(json.loads(text))

    def digest_key(self, file_key: str) -> str:
        """Digests (ADR 5) of the items the load sent for a file: validation's expected side.

        Under ``digests/v2/``: key and content digests only. A run stored before that (``digests/``,
        with attribute digests and another content digest) is not read, so its validation reads the
        source again instead of comparing digests of two formats."""
        return f"{self.prefix}digests/{DIGESTS_FORMAT}/{file_token(file_key)}.arrow"

    def record_digests(self, file_key: str, data: bytes) -> None:
        aws.client(self.account, "s3").put_object(Bucket=self.bucket, Key=self.digest_key(file_key), Body=data)

    def ledger_key(self, file_key: str) -> str:
        return f"{self.prefix}ledger/{file_token(file_key)}.json"

    def dead_letter_key(self, file_key: str, part: str = "") -> str:
        return f"{self.prefix}dead-letters/{file_token(file_key)}{'-' + part if part else ''}.jsonl"

    def record_dead_letters(self, file_key: str, dead_letters: list[dict[str, Any]], part: str = "") -> None:
        """One JSON line per dead-lettered item of a data file (replaced when the file is rerun).
        ``part`` names one of several objects for the same file (a stage that splits files up)."""
        self.rewrite_dead_letters(self.dead_letter_key(file_key, part), dead_letters)

    def rewrite_dead_letters(self, key: str, dead_letters: list[dict[str, Any]]) -> None:
        lines = "\n".join(json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in dead_letters)
        self._put(key, lines + "\n")

    def dead_letter_files(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Each dead-letter object of the run, in key order, with its records (one JSON line each).
        The one reader of dead letters: ``dlq list``/``show`` and ``dlq replay`` both use it."""
        s3 = aws.client(self.account, "s3")
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{self.prefix}dead-letters/")
        for obj in (o for page in pages for o in page.get("Contents", [])):
            body = s3.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read().decode("utf-8")
            yield obj["Key"], [json.loads(line) for line in body.splitlines() if line.strip()]

    def clear_dead_letters(self, file_key: str) -> None:
        aws.client(self.account, "s3").delete_object(Bucket=self.bucket, Key=self.dead_letter_key(file_key))

    def record_file(self, result: FileResult) -> None:
        """Mark a data file finished, with its counts (after its dead letters are stored)."""
        entry = {**asdict(result), "finished_at": time.time()}
        self._put(self.ledger_key(result.file_key), json.dumps(entry))

    def finished_files(self) -> dict[str, FileResult]:
        """Ledger entries of files finished without error, by data file key. Read 10 at a time
        (botocore's connection pool), so a run of 100,000 files resumes in seconds, not minutes."""
        s3 = aws.client(self.account, "s3")
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{self.prefix}ledger/")
        keys = [obj["Key"] for page in pages for obj in page.get("Contents", [])]

        def entry(key: str) -> FileResult:
            doc = json.loads(s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
            doc.pop("finished_at", None)
            return FileResult(**doc)

        with ThreadPoolExecutor(max_workers=10) as pool:
            return {r.file_key: r for r in pool.map(entry, keys) if r.done}

    def write_report(self, report: RunReport) -> str:
        """Store the run report (pointing at this run's dead letters); return its URI."""
        report.dead_letter_uri = f"s3://{self.bucket}/{self.prefix}dead-letters/"
        key = f"{self.prefix}run-report.json"
        self._put(key, report.to_json())
        return f"s3://{self.bucket}/{key}"
