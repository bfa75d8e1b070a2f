"""`ddb-migrate dlq replay`: re-drive a run's dead letters after a fix.

* ``stage: mapping`` records carry the source item: they go through the *current* mapping again
  (so a fixed mapping fixes them), then the same checks and writer as the job.
* ``stage: write`` records carry the item as it was to be written: they are checked and written
  again as they are (for a target that was unreachable, throttled past the deadline, or fixed).
* ``stage: read`` records are export lines that were not DynamoDB JSON; they stay.

What is written leaves the dead-letter file (the file as it was is kept under
``dead-letters-replayed/`` until ``ddb-migrate cleanup``); the file's ledger entry and the run
report are updated, so the report stays the sum of the ledger.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession

from jobs import aws
from jobs.aws import tables
from jobs.capacity.budget import write_budget_now
from jobs.config import JobConfig
from jobs.core.item_checks import item_problem
from jobs.ledger import FileResult, LedgerStore, RunReport
from jobs.mapping.compile import sample_rows
from jobs.sink.writer import Entry, PartitionWriter, WriterSettings, item_body
from jobs.source.items import compiled_mapping
from jobs.source.sources import open_source
from jobs.validate.sides import DIGESTS_STALE

log = logging.getLogger(__name__)
REPLAYED = "dead-letters-replayed"  # the run's dead-letter files as they were before a replay took items


@dataclass
class ReplayReport:
    records: int = 0
    written: int = 0
    filtered: int = 0
    still_dead: int = 0
    report: RunReport | None = None


def replay(config: JobConfig, spark: SparkSession) -> ReplayReport:
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    items_from = open_source(config.source)
    key_schema = tables.key_schema(config.account(config.target_account), config.target_table)
    mapping = compiled_mapping(spark, config.mapping, items_from, key_schema)
    finished = store.finished_files()
    outcome = ReplayReport()
    for object_key, records in store.dead_letter_files():
        if not records:
            continue
        outcome.records += len(records)
        kept, written, filtered = _replay_file(config, spark, mapping, key_schema, records)
        outcome.written += written
        outcome.filtered += filtered
        outcome.still_dead += len(kept)
        file_key = str(records[0]["file"])
        if written or filtered:  # kept for audit until `ddb-migrate cleanup`
            store.rewrite_dead_letters(object_key.replace("/dead-letters/", f"/{REPLAYED}/", 1), records)
        if kept:
            store.rewrite_dead_letters(object_key, kept)
        else:
            s3.delete_object(Bucket=store.bucket, Key=object_key)
        if file_key in finished:
            result = finished[file_key]
            result.written += written
            result.filtered += filtered
            result.dead_lettered = len(kept)
            store.record_file(result)
    if outcome.written:  # the load's stored digests no longer list everything the target should hold
        store.put_json(DIGESTS_STALE, {"reason": f"dlq replay wrote {outcome.written} items"})
    outcome.report = _rebuild_report(config, len(items_from.files), items_from.item_count)
    return outcome


def _replay_file(
    config: JobConfig, spark: SparkSession, mapping: Any, key_schema: Any, records: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int, int]:
    kept = [r for r in records if r["stage"] == "read"]
    candidates: list[tuple[dict[str, Any], dict[str, str]]] = []
    to_map = [r for r in records if r["stage"] == "mapping"]
    filtered = 0
    if to_map:
        rows = mapping.transform(sample_rows(spark, [r["item"] for r in to_map])).orderBy("line_no").collect()
        for record, row in zip(to_map, rows, strict=True):
            if row["filtered"]:
                filtered += 1
            elif row["dead_reason"]:
                kept.append({**record, "reason": row["dead_reason"]})
            else:
                candidates.append((record, dict(row["item"])))
    for record in (r for r in records if r["stage"] == "write"):
        item = record["item"]
        candidates.append(
            (record, {k: json.dumps(v, ensure_ascii=False, separators=(",", ":")) for k, v in item.items()})
        )
    writer = PartitionWriter(
        WriterSettings(
            account=config.account(config.target_account),
            table=config.target_table,
            key_names=tuple(n for n, _t in key_schema),
            concurrency=config.write.concurrency,
            max_retry_seconds=config.write.max_retry_seconds,
            write_units_per_s=write_budget_now(config).units_per_s,  # one writer on the driver
        )
    )
    try:
        for record, values in candidates:
            body = item_body(list(values.items()))
            problem = item_problem(values, body, key_schema)
            if problem:
                kept.append(
                    {**record, "stage": "write", "error": problem[0], "reason": problem[1], "item": json.loads(body)}
                )
            else:
                writer.add(Entry(record["file"], record["line"], body))
    finally:
        writer.close()
    kept += [d.record() for d in writer.total.dead]
    return kept, sum(writer.total.written.values()), filtered


def _rebuild_report(config: JobConfig, files_total: int, manifest_items: int | None) -> RunReport:
    store = LedgerStore.for_run(config)
    previous = store.get_json("run-report.json") or {}
    results: list[FileResult] = list(store.finished_files().values())
    report = RunReport.from_files(
        config.run_id, files_total, results, float(previous.get("elapsed_s", 0.0)), manifest_item_count=manifest_items
    )
    store.write_report(report)
    return report
