"""`make bench`: throughput and memory on the embedded stack, all measured in one run.

On the same DynamoDB Local:
  * raw ceiling   - concurrent BatchWriteItem from plain Python (boto3, 2 processes x 4 threads), no Spark;
  * put_item loop - the usual hand-written script: scan, then put_item one item at a time;
  * write phase   - our load stage alone, over items already read, parsed and cached in Spark;
  * end to end    - our job: manifests, read, verify, parse, map, load, ledger, report;
  * driver memory - peak RSS of the driver (Python) and of the local Spark JVM at two sizes.
Medians over BENCH_RUNS runs; ratios are taken between medians of the same run.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import psutil

from jobs import aws
from jobs.aws import tables
from jobs.capacity.budget import write_budget_now
from jobs.config import parse_config
from jobs.local import demo, stack
from jobs.run.migrate import run_migration
from jobs.sink.load import load_items
from jobs.sink.writer import put_items
from jobs.source.export import request_export
from jobs.source.items import compiled_mapping, read_items
from jobs.source.sources import open_source
from jobs.spark import get_spark

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


def _raw_worker(args: tuple[str, str, int, int, int]) -> int:
    endpoint, table, start, stop, threads = args
    client = boto3.Session(
        aws_access_key_id="target", aws_secret_access_key=stack.SECRET, region_name=stack.REGION
    ).client("dynamodb", endpoint_url=endpoint)

    def write(chunk: range) -> int:
        for first in range(chunk.start, chunk.stop, 25):
            request: Any = {
                table: [{"PutRequest": {"Item": bench_item(i)}} for i in range(first, min(first + 25, chunk.stop))]
            }
            while request:
                request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        return len(chunk)

    step = -(-(stop - start) // threads)
    with ThreadPoolExecutor(threads) as pool:
        chunks = [range(s, min(s + step, stop)) for s in range(start, stop, step)]
        return sum(pool.map(write, chunks))


def raw_ceiling(running: stack.Stack, table: str, items: int, processes: int = 2, threads: int = 4) -> float:
    tables.create_table(running.account("target"), table, KEYS)
    step = -(-items // processes)
    work = [(running.dynamodb_endpoint, table, s, min(s + step, items), threads) for s in range(0, items, step)]
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        written = sum(pool.map(_raw_worker, work))
    return written / (time.monotonic() - started)


def put_item_loop(running: stack.Stack, source: str, table: str, limit_s: float = 20.0) -> float:
    """The usual hand-written loop, `scan()` then `put_item(Item=item)` per item, for at most ``limit_s``."""
    tables.create_table(running.account("target"), table, KEYS)
    source_table = (
        aws.session_for(running.account("source"), "dynamodb")
        .resource("dynamodb", endpoint_url=running.dynamodb_endpoint)
        .Table(source)
    )
    target_table = (
        aws.session_for(running.account("target"), "dynamodb")
        .resource("dynamodb", endpoint_url=running.dynamodb_endpoint)
        .Table(table)
    )
    started = time.monotonic()
    done = 0
    response = source_table.scan(Limit=1000)
    while time.monotonic() - started < limit_s:
        for item in response["Items"]:
            target_table.put_item(Item=item)
            done += 1
        if "LastEvaluatedKey" not in response:
            break
        response = source_table.scan(Limit=1000, ExclusiveStartKey=response["LastEvaluatedKey"])
    return done / (time.monotonic() - started)


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


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.monotonic()
    value = fn()
    return time.monotonic() - started, value


def run_bench(output: Path, items: int, big_items: int, runs: int) -> dict[str, Any]:
    output.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"items": items, "runs": runs, "cpu_count": os.cpu_count()}
    with stack.running() as running:
        demo.prepare_buckets(running)
        spark = get_spark("ddb-migrate-bench")
        source = "bench-source"
        tables.create_table(running.account("source"), source, KEYS)
        put_items(running.account("source"), source, (bench_item(i) for i in range(items)))
        doc = demo.demo_config(running, source, "bench-target-0", "bench-0")
        doc["source"]["export"]["local_segments"] = 8
        export = request_export(parse_config(doc).source, lambda _m: None)
        doc["source"]["export"]["manifest"] = export.manifest_uri
        # One discarded warm-up run of the job: the JVM's JIT and Spark's Python workers start cold.
        warm = parse_config({**doc, "run_id": "bench-warmup", "target": {"account": "target", "table": "bench-warmup"}})
        tables.create_table(running.account("target"), warm.target_table, KEYS)
        run_migration(warm, spark)
        raw, loop, phase, e2e = [], [], [], []
        for run in range(runs):
            raw.append(raw_ceiling(running, f"bench-raw-{run}", items))
            loop.append(put_item_loop(running, source, f"bench-loop-{run}"))
            # our write phase alone: rows read, parsed and cached first
            doc_phase = {
                **doc,
                "run_id": f"bench-phase-{run}",
                "target": {"account": "target", "table": f"bench-phase-{run}"},
            }
            config = parse_config(doc_phase)
            tables.create_table(running.account("target"), config.target_table, KEYS)
            export_doc = open_source(config.source)
            rows = (
                compiled_mapping(spark, config.mapping, export_doc)
                .transform(read_items(spark, export_doc, export_doc.files, config.partitions))
                .cache()
            )
            rows.count()
            key_schema = tables.key_schema(running.account("target"), config.target_table)
            budget = write_budget_now(config).units_per_s
            seconds, _ = _timed(partial(load_items, rows, config.sink, key_schema, budget))
            rows.unpersist()
            phase.append(items / seconds)
            doc_e2e = {
                **doc,
                "run_id": f"bench-e2e-{run}",
                "target": {"account": "target", "table": f"bench-e2e-{run}"},
            }
            config = parse_config(doc_e2e)
            tables.create_table(running.account("target"), config.target_table, KEYS)
            seconds, report = _timed(partial(run_migration, config, spark))
            assert report.success and report.items_written == items, report.errors
            e2e.append(items / seconds)
            if run == 0:  # validation of the same items, against the time their migration took
                results["validation"] = validation_timing(config, spark, output, items, seconds)
            print(
                f"[bench] run {run + 1}/{runs}: raw {raw[-1]:,.0f}/s, put_item loop {loop[-1]:,.0f}/s, "
                f"write phase {phase[-1]:,.0f}/s, end to end {e2e[-1]:,.0f}/s",
                file=sys.stderr,
                flush=True,
            )
        results["items_per_s"] = {
            "raw_ceiling": _stats(raw),
            "put_item_loop": _stats(loop),
            "write_phase": _stats(phase),
            "end_to_end": _stats(e2e),
        }
        med = {k: v["median"] for k, v in results["items_per_s"].items()}
        results["ratios"] = {
            "write_phase / raw_ceiling": round(med["write_phase"] / med["raw_ceiling"], 3),
            "end_to_end / raw_ceiling": round(med["end_to_end"] / med["raw_ceiling"], 3),
            "end_to_end / put_item_loop": round(med["end_to_end"] / med["put_item_loop"], 2),
        }
        results["memory"] = _memory(running, spark, doc, items, big_items, output)
    (output / "bench.json").write_text(json.dumps(results, indent=2))
    return results


def validation_timing(config: Any, spark: Any, output: Path, items: int, migration_s: float) -> dict[str, Any]:
    """Validate a run just migrated (unpaced scan), timed against that migration."""
    from jobs.validate.validation import ValidationOptions, validate

    checked_s, checked = _timed(
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


def _memory(
    running: stack.Stack, spark: Any, doc: dict[str, Any], small: int, big: int, output: Path
) -> dict[str, Any]:
    """Peak driver RSS migrating ``small`` items (already exported above) and then ``big`` items."""
    memory: dict[str, Any] = {}
    for size, source in ((small, "bench-source"), (big, "bench-source-big")):
        if size == big:
            tables.create_table(running.account("source"), source, KEYS)
            put_items(running.account("source"), source, (bench_item(i) for i in range(big)))
        mem_doc = {**doc, "run_id": f"bench-mem-{size}", "target": {"account": "target", "table": f"bench-mem-{size}"}}
        mem_doc["source"] = {
            **doc["source"],
            "table": source,
            "export": {k: v for k, v in doc["source"]["export"].items() if k != "manifest"},
        }
        mem_doc["source"]["export"]["local_segments"] = max(8, size // 40_000)
        config = parse_config(mem_doc)
        request_export(config.source, lambda _m: None)
        tables.create_table(running.account("target"), config.target_table, KEYS)
        with PeakRss() as jvm:
            seconds, report = _timed(partial(run_migration, config, spark))
        assert report.success and report.items_written == size, report.errors
        memory[str(size)] = {
            "driver_python_peak_mb": round(driver_peak_mb(), 1),
            "spark_jvm_peak_mb": round(jvm.jvm_peak / 2**20, 1),
            "end_to_end_items_per_s": round(size / seconds, 1),
            "files": report.files_total,
        }
        if size == big:  # the yardstick: validating 1M items against migrating them
            memory[str(size)]["validation"] = validation_timing(config, spark, output, size, seconds)
        print(
            f"[bench] {size:,} items: driver peak {memory[str(size)]['driver_python_peak_mb']} MB, "
            f"{size / seconds:,.0f} items/s",
            file=sys.stderr,
            flush=True,
        )
    return memory


def _stats(values: list[float]) -> dict[str, Any]:
    return {"median": round(statistics.median(values), 1), "runs": [round(v, 1) for v in values]}


def render(results: dict[str, Any]) -> str:
    lines = [
        f"ddb-migrate bench: {results['items']:,} items of ~200 bytes, {results['runs']} runs, "
        f"{results['cpu_count']} cores, DynamoDB Local in memory",
        "",
        f"{'method':<34}{'median items/s':>16}   runs",
    ]
    for name, stats in results["items_per_s"].items():
        lines.append(f"{name:<34}{stats['median']:>16,.0f}   {stats['runs']}")
    lines.append("")
    for name, ratio in results["ratios"].items():
        lines.append(f"{name:<34}{ratio:>16}")
    lines.append("")
    timings = [results.get("validation")] + [m.get("validation") for m in results["memory"].values()]
    for v in filter(None, timings):
        lines.append(
            f"{'validation / migration time':<34}{v['ratio_to_migration']:>16}   "
            f"({v['seconds']} s vs {v['migration_seconds']} s for {v['items']:,} items)"
        )
    lines.append("")
    for size, mem in results["memory"].items():
        lines.append(
            f"{int(size):>12,} items: driver peak RSS {mem['driver_python_peak_mb']} MB, "
            f"Spark JVM peak RSS {mem['spark_jvm_peak_mb']} MB, {mem['end_to_end_items_per_s']:,.0f} items/s"
        )
    return "\n".join(lines)


def main() -> int:
    items = int(os.environ.get("BENCH_ITEMS", "100000"))
    big = int(os.environ.get("BENCH_BIG_ITEMS", "1000000"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    results = run_bench(Path(os.environ.get("BENCH_OUTPUT", "bench-output")), items, big, runs)
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
