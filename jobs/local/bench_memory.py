"""The bench's memory and validation yardsticks: driver peak RSS from 100k to 1M items, and
validating a run against the time its migration took."""

from __future__ import annotations

import resource
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from jobs.aws import tables
from jobs.config import parse_config
from jobs.local import stack
from jobs.run.migrate import run_migration
from jobs.sink.writer import put_items
from jobs.source.export import request_export

KEYS = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ],
}


def bench_item(index: int) -> dict[str, Any]:
    """A ~200-byte item, as in the STACK.md measurements."""
    return {
        "pk": {"S": f"user#{index % 50_000:06d}"},
        "sk": {"N": str(index)},
        "data": {"S": f"{index:08d}" * 16},
        "amount": {"N": f"{index * 7 % 100_000}.25"},
        "active": {"BOOL": index % 2 == 0},
    }


class PeakRss:
    """Samples this process's and its Spark JVM's RSS in the background."""

    def __init__(self) -> None:
        self.jvm_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.25):
            for child in me.children(recursive=True):
                try:
                    if "java" in child.name():
                        self.jvm_peak = max(self.jvm_peak, child.memory_info().rss)
                except psutil.Error:
                    continue

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def driver_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.monotonic()
    value = fn()
    return time.monotonic() - started, value


def validation_timing(config: Any, spark: Any, output: Path, items: int, migration_s: float) -> dict[str, Any]:
    """Validate a run just migrated (unpaced scan), timed against that migration."""
    from jobs.validate.validation import ValidationOptions, validate

    checked_s, checked = timed(
        partial(validate, config, output / f"validation-{items}", ValidationOptions(read_units_per_s=None), spark)
    )
    assert checked.success, checked.failed_expectations
    timing = {
        "items": items,
        "seconds": round(checked_s, 1),
        "migration_seconds": round(migration_s, 1),
        "ratio_to_migration": round(checked_s / migration_s, 2),
        "phases_s": checked.timings,
    }
    print(f"[bench] validation of {items:,} items: {checked_s:.1f}s vs migration {migration_s:.1f}s", file=sys.stderr)
    return timing


def memory_yardstick(
    running: stack.Stack, spark: Any, doc: dict[str, Any], small: int, big: int, output: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Peak driver RSS migrating ``small`` and then ``big`` items of ~200 bytes (plain copies).

    Also returns the big run's job document, its export named (``source.export.manifest``), for
    the peers at that size (``jobs.local.bench.run_bench``). Every table but the big source is
    dropped once measured: DynamoDB Local holds its tables in a heap of 2 GB."""
    memory: dict[str, Any] = {}
    big_doc: dict[str, Any] = {}
    for size in (small, big):
        source = f"bench-mem-source-{size}"
        tables.create_table(running.account("source"), source, KEYS)
        put_items(running.account("source"), source, (bench_item(i) for i in range(size)))
        mem_doc = {**doc, "run_id": f"bench-mem-{size}", "target": {"account": "target", "table": f"bench-mem-{size}"}}
        mem_doc["source"] = {
            **doc["source"],
            "table": source,
            "export": {k: v for k, v in doc["source"]["export"].items() if k != "manifest"},
        }
        mem_doc["source"]["export"]["local_segments"] = max(8, size // 40_000)
        config = parse_config(mem_doc)
        export = request_export(config.source, lambda _m: None)
        tables.create_table(running.account("target"), config.target_table, KEYS)
        with PeakRss() as jvm:
            seconds, report = timed(partial(run_migration, config, spark))
        assert report.success and report.items_written == size, report.errors
        memory[str(size)] = {
            "driver_python_peak_mb": round(driver_peak_mb(), 1),
            "spark_jvm_peak_mb": round(jvm.jvm_peak / 2**20, 1),
            "end_to_end_items_per_s": round(size / seconds, 1),
            "files": report.files_total,
        }
        if size == big:  # the yardstick: validating 1M items against migrating them
            memory[str(size)]["validation"] = validation_timing(config, spark, output, size, seconds)
            mem_doc["source"]["export"]["manifest"] = export.manifest_uri
            big_doc = mem_doc
        else:
            tables.delete_table(running.account("source"), source)
        tables.delete_table(running.account("target"), config.target_table)
        print(
            f"[bench] {size:,} items: driver peak {memory[str(size)]['driver_python_peak_mb']} MB, "
            f"{size / seconds:,.0f} items/s",
            file=sys.stderr,
            flush=True,
        )
    return memory, big_doc
