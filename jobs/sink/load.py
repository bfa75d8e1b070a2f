"""The load stage as a Spark ``mapInArrow`` body: rows in, one ledger row per file out.

Rows of a partition arrive in file order, each file closed by its trailer row. Items are
handed to the :class:`~jobs.sink.writer.PartitionWriter`; at a trailer the writer is drained, the
file's counts and dead letters are persisted, and a ledger row is emitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame

from jobs.config import SinkSettings
from jobs.core.canonical import canonical_wire
from jobs.core.item_checks import KeySchema, item_problem
from jobs.core.progress import ProgressAddress
from jobs.core.rate import per_task_rate
from jobs.core.rows import TRAILER_LINE
from jobs.core.signals import stop_requested
from jobs.ledger import FileResult, LedgerStore
from jobs.sink.digests import DigestBuilder, DigestSettings, python_values, to_ipc
from jobs.sink.writer import UNSENT_CODES, DeadLetter, Entry, PartitionWriter, WriterSettings, as_json, item_body

RESULT_SCHEMA = pa.schema(
    [
        ("file_key", pa.string()),
        ("read", pa.int64()),
        ("written", pa.int64()),
        ("filtered", pa.int64()),
        ("dead_lettered", pa.int64()),
        ("throttles", pa.int64()),
        ("retries", pa.int64()),
        ("server_errors", pa.int64()),
        ("error", pa.string()),
    ]
)
SPARK_RESULT_SCHEMA = (
    "file_key string, read long, written long, filtered long, dead_lettered long, "
    "throttles long, retries long, server_errors long, error string"
)
# Columns the load stage reads. `item` is map<attribute name, AttributeValue JSON>; `dead_reason`
# is set by earlier stages for items that must not be written; `filtered` marks items dropped
# on purpose by the mapping.
LOAD_COLUMNS = ("file_key", "line_no", "item", "dead_reason", "dead_stage", "filtered", "line")


@dataclass(frozen=True)
class LoadSettings:
    writer: WriterSettings
    ledger: LedgerStore
    key_schema: KeySchema = ()
    digests: DigestSettings | None = None  # also store each finished file's item digests (validation)


class FileAccount:
    """Counts for the file currently streaming through the partition."""

    def __init__(self, file_key: str, digests: DigestSettings | None) -> None:
        self.result = FileResult(file_key=file_key)
        self.dead: list[DeadLetter] = []
        self.digests = DigestBuilder(digests) if digests else None


def dead_record(row: dict[str, Any]) -> DeadLetter:
    """The dead letter of a row an earlier stage (read, mapping) marked with ``dead_reason``."""
    stage = row.get("dead_stage") or "read"
    code = "InvalidExportLine" if stage == "read" else "MappingFailed"
    return DeadLetter(row["file_key"], row["line_no"], stage, code, row["dead_reason"], as_json(row.get("line") or ""))


def take_item(
    writer: PartitionWriter,
    account: FileAccount,
    key_schema: KeySchema,
    entry: Entry,
    key_texts: dict[str, str],
    canonical: Callable[[], Mapping[str, str]],
) -> None:
    """Hand one item to the writer (and its digests to the file's account), or dead-letter it
    with the reason it must not be sent. ``key_texts``: wire JSON of (at least) the key attributes."""
    problem = item_problem(key_texts, entry.body, key_schema)
    if problem is None:
        writer.add(entry)
        if account.digests is not None:
            account.digests.add_canonical(entry.file_key, entry.line_no, canonical())
    else:
        account.dead.append(DeadLetter(entry.file_key, entry.line_no, "write", *problem, as_json(entry.body)))


def load_rows(batches: Iterator[pa.RecordBatch], settings: LoadSettings) -> Iterator[pa.RecordBatch]:
    """Write every item of the partition and account for each one in its file's ledger."""
    writer = PartitionWriter(settings.writer)
    files: dict[str, FileAccount] = {}
    finished: list[FileResult] = []
    stopped = False
    try:
        for batch in batches:
            columns = {name: python_values(batch.column(name)) for name in LOAD_COLUMNS if name != "item"}
            names, texts, offsets = _map_entries(batch.column("item"))
            for index, file_key in enumerate(columns["file_key"]):
                stopped = stop_requested()  # Ctrl-C: end the partition with the files finished so far
                if stopped:
                    break
                account = files.get(file_key)
                if account is None:
                    account = files[file_key] = FileAccount(file_key, settings.digests)
                line_no = columns["line_no"][index]
                if line_no == TRAILER_LINE:
                    finished.append(finish_file(writer, settings.ledger, account, columns["dead_reason"][index]))
                    del files[file_key]
                    continue
                account.result.read += 1
                if columns["dead_reason"][index] is not None:
                    account.dead.append(dead_record({name: values[index] for name, values in columns.items()}))
                elif columns["filtered"][index]:
                    account.result.filtered += 1
                else:
                    start, stop = offsets[index], offsets[index + 1]
                    pairs = list(zip(names[start:stop], texts[start:stop], strict=True))
                    take_item(
                        writer,
                        account,
                        settings.key_schema,
                        Entry(file_key, line_no, item_body(pairs), pairs),
                        dict(pairs),
                        partial(_canonical_pairs, pairs),
                    )
            if stopped:
                break
        writer.flush()
    finally:
        writer.close()
    if files and not stopped:
        raise RuntimeError(f"rows of {sorted(files)} arrived without their trailer; partition order was lost")
    rows = [asdict(r) for r in finished]
    yield pa.RecordBatch.from_pylist(rows, schema=RESULT_SCHEMA)


def _map_entries(items: pa.Array | pa.ChunkedArray) -> tuple[list[str], list[str], list[int]]:
    """A map<string,string> column as flat names, values and row offsets: far cheaper than
    ``to_pylist`` (row ``i`` holds entries ``offsets[i]:offsets[i + 1]``)."""
    if isinstance(items, pa.ChunkedArray):
        items = items.combine_chunks()
    return python_values(items.keys), python_values(items.items), python_values(items.offsets)


def _canonical_pairs(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {n: canonical_wire(t, n) for n, t in pairs}


def finish_file(writer: PartitionWriter, ledger: LedgerStore, account: FileAccount, error: str | None) -> FileResult:
    writer.flush()
    result = account.result
    result.error = error
    total = writer.total
    result.written = total.written.pop(result.file_key, 0)
    mine = [d for d in total.dead if d.file_key == result.file_key]
    total.dead = [d for d in total.dead if d.file_key != result.file_key]
    dead = account.dead + mine
    result.dead_lettered = len(dead)
    result.throttles, result.retries, result.server_errors = total.throttles, total.retries, total.server_errors
    total.throttles = total.retries = total.server_errors = 0
    unsent = [d for d in mine if d.error in UNSENT_CODES]
    if unsent and result.error is None:
        result.error = (
            f"{len(unsent)} items of {result.file_key} were not written ({unsent[0].reason}); "
            "they are in the dead letters, and a rerun with the same run id retries this file"
        )
    # dead letters the earlier stages and the item checks made count as dead too (the writer's own are counted
    # as they happen), so the progress line agrees with the ledger
    writer.progress.add(items=result.filtered + len(account.dead), dead=len(account.dead), files=1)
    if dead:
        ledger.record_dead_letters(result.file_key, [d.record() for d in dead])
    else:
        ledger.clear_dead_letters(result.file_key)  # left by an earlier attempt at this file
    if result.error is None:
        if account.digests is not None:  # before the ledger marks the file done
            ledger.record_digests(result.file_key, to_ipc(account.digests.batch()))
        ledger.record_file(result)
    return result


def load_settings(
    sink: SinkSettings,
    key_schema: KeySchema,
    write_units_per_s: float | None,
    concurrent_tasks: int,
    progress: ProgressAddress | None = None,
) -> LoadSettings:
    """What every load task needs, with its share of the global write budget."""
    write = sink.write
    return LoadSettings(
        writer=WriterSettings(
            account=sink.table.account,
            table=sink.table.name,
            key_names=tuple(n for n, _t in key_schema),
            concurrency=write.concurrency,
            batch_size=write.batch_size,
            max_retry_seconds=write.max_retry_seconds,
            write_units_per_s=per_task_rate(write_units_per_s, concurrent_tasks),
            progress=progress,
        ),
        ledger=LedgerStore.at(sink.run),
        key_schema=key_schema,
        digests=DigestSettings(tuple(n for n, _t in key_schema)) if write.digests else None,
    )


def load_items(
    items: DataFrame,
    sink: SinkSettings,
    key_schema: KeySchema,
    write_units_per_s: float | None,
    progress: ProgressAddress | None = None,
) -> list[FileResult]:
    """Write the items within ``write_units_per_s`` (all tasks together); one result per file,
    collected to the driver (small)."""
    concurrent_tasks = min(items.rdd.getNumPartitions(), items.sparkSession.sparkContext.defaultParallelism)
    settings = load_settings(sink, key_schema, write_units_per_s, concurrent_tasks, progress)
    results = items.mapInArrow(partial(load_rows, settings=settings), SPARK_RESULT_SCHEMA).collect()
    return [FileResult(**row.asDict()) for row in results]
