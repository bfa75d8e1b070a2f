"""`make bench`: ddb-migrate against the tools a user would pick instead, in one run, interleaved.

On the same DynamoDB Local and the same export, for items shaped like a real export (nested
lists of maps, ~330 B) and for the 200-byte items of STACK.md, each run writes the items with:

  * raw ceiling        - 16 threads of boto3 BatchWriteItem, request bodies prepared beforehand;
  * one put per item   - ``put_item`` per item, the usual hand-written script (time-boxed);
  * dynamodump restore - ``dynamodump -m restore`` from a dump of the same items (skipped, with a
                         line saying so, when it is not installed: ``make bench`` puts it in .venv-bench);
  * awswrangler        - read the export from S3, ``wr.dynamodb.put_items(use_threads=True)``;
  * ddb-migrate        - ``run`` as a plain copy (the direct path), and with a mapping of the demo's
                         kinds (filter, rename, drop, cast, derive, new key, set: the Spark path).

For each: items/s, and client CPU per item = the whole machine's busy time (/proc/stat) less
the DynamoDB Local and moto processes' (/proc/<pid>/stat), divided by the items. Anything else
running counts as client CPU, so the figures need a quiet machine. Medians over the runs.
Then the driver's peak RSS at two sizes, validation time against migration time, and at the
larger size (1M) one more run of the raw ceiling, dynamodump, awswrangler and the plain copy.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from jobs.aws import tables
from jobs.config import parse_config
from jobs.local import bench_peers as peers
from jobs.local import demo, stack
from jobs.local.bench_cpu import SHARES, CpuMeter, load_average
from jobs.local.bench_memory import KEYS, bench_item, memory_yardstick, timed, validation_timing
from jobs.local.bench_stages import stage_costs
from jobs.local.datagen import export_shaped_item
from jobs.run.migrate import run_migration
from jobs.sink.writer import put_items
from jobs.source.export import request_export
from jobs.spark import get_spark

SHAPES: dict[str, Callable[[int], dict[str, Any]]] = {"export-shaped": export_shaped_item, "200-byte": bench_item}
# A mapping of each kind the demo uses, on attributes both shapes have or one has.
_RENAMED = {
    "export-shaped": ("status", "state", "tags", "created"),
    "200-byte": ("data", "payload", "active", "amount"),
}
# At the memory yardstick's size: the peers that could be the best, and the ceiling (put_item per
# item is time-boxed, and the mapping has its own target in CPU, not in speed).
AT_SCALE = ("raw BatchWriteItem x16", "dynamodump restore", "awswrangler put_items", "ddb-migrate plain copy")
TARGETS = "targets: plain copy <= 60 us/item, mapping <= 150; >= 1.5x the best peer; >= 0.9x the raw ceiling"
QUIET = "[bench] client CPU is whole-machine busy time less the emulators': it wants a quiet machine"


def bench_mapping(shape: str) -> dict[str, Any]:
    old, new, dropped, cast = _RENAMED[shape]
    return {
        "filter": "NOT (sk % 10 = 3)",
        "rename": {old: new},
        "drop": [dropped],
        "cast": {cast: "S"},
        "derive": {"owner": "concat('CUST#', pk)"},
        "key": demo.DEMO_MAPPING["key"],
        "set": {"migrated_by": {"S": "ddb-migrate"}},
    }


@dataclass
class Measured:
    items_per_s: float
    cpu_us_per_item: float
    shares_us_per_item: dict[str, float]


@dataclass
class Prepared:
    """One shape's items, exported once, and what each peer is given."""

    shape: str
    source: str
    doc: dict[str, Any]
    manifest: str
    items: list[dict[str, Any]]
    dump: Path


def prepare(running: stack.Stack, shape: str, count: int, output: Path) -> Prepared:
    source = f"bench-{shape}-source"
    tables.create_table(running.account("source"), source, KEYS)
    put_items(running.account("source"), source, (SHAPES[shape](i) for i in range(count)))
    doc = demo.demo_config(running, source, f"bench-{shape}-warm", f"bench-{shape}-warm")
    export = request_export(parse_config(doc).source, lambda _m: None)
    doc["source"]["export"]["manifest"] = export.manifest_uri
    return exported(running, shape, doc, output)


def exported(running: stack.Stack, shape: str, doc: dict[str, Any], output: Path) -> Prepared:
    """The peers' inputs for the export ``doc`` names: its items read back, and a dynamodump dump of them."""
    source, manifest = doc["source"]["table"], doc["source"]["export"]["manifest"]
    items = peers.export_items(running.account("target"), manifest)
    describe = {"Table": tables.describe(running.account("source"), source)}
    dump = peers.write_dump(output / f"dump-{shape}-{len(items)}", source, describe, items)
    return Prepared(shape, source, doc, manifest, items, dump)


def _ddb_migrate(running: stack.Stack, spark: Any, ready: Prepared, table: str, mapped: bool) -> int:
    doc = {**ready.doc, "run_id": table, "target": {"account": "target", "table": table}}
    if mapped:
        doc["mapping"] = bench_mapping(ready.shape)
    report = run_migration(parse_config(doc), spark)
    written_or_filtered = report.items_written + report.items_filtered
    if not (report.success and written_or_filtered == len(ready.items)):
        raise RuntimeError(f"ddb-migrate run {table} did not reconcile: {report.errors}")
    return report.items_read


def tools(running: stack.Stack, spark: Any, ready: Prepared, put_limit_s: float) -> dict[str, Any]:
    """Name -> (function of the target table returning items processed, key definition), or None when skipped."""
    dynamodump = peers.dynamodump_executable()

    def restore(table: str) -> int:
        peers.dynamodump_restore(running, str(dynamodump), ready.dump, ready.source, table)
        return len(ready.items)

    return {
        "raw BatchWriteItem x16": (partial(peers.raw_ceiling, running, items=ready.items), KEYS),
        "one put_item per item": (partial(peers.put_one_by_one, running, items=ready.items, limit_s=put_limit_s), KEYS),
        "dynamodump restore": (restore, KEYS) if dynamodump else None,
        "awswrangler put_items": (partial(peers.awswrangler_put, running, ready.manifest), KEYS),
        "ddb-migrate plain copy": (partial(_ddb_migrate, running, spark, ready, mapped=False), KEYS),
        "ddb-migrate with mapping": (partial(_ddb_migrate, running, spark, ready, mapped=True), demo.REMAPPED_KEYS),
    }


def measure(running: stack.Stack, write: Callable[[str], int], table: str, keys: dict[str, Any]) -> Measured:
    """One tool's run into an empty table of its own, dropped afterwards (:func:`dropped`)."""
    tables.create_table(running.account("target"), table, keys)
    with dropped(running, table), CpuMeter((running.dynamodb_pid, running.moto_pid)) as meter:
        processed = write(table)
    sample = meter.sample
    per_item = 1e6 / max(1, processed)
    shares = {name: seconds * per_item for name, seconds in sample.shares_s.items()}
    return Measured(processed / sample.seconds, sample.client_cpu_s * per_item, shares)


@contextmanager
def dropped(running: stack.Stack, table: str) -> Iterator[None]:
    """Drop ``table`` once written. Every tool then meets the same DynamoDB Local (the sources
    and one empty target): an emulator holding each earlier run's items gets slower and evicts
    the client's caches, which raised the clients' CPU per item as the bench went on (the plain
    copy's from about 50 to 75-80 us with 600,000 more items held; README, Benchmarks)."""
    try:
        yield
    finally:
        tables.delete_table(running.account("target"), table)
        tables.wait_deleted(running.account("target"), table)


def bench_shape(
    running: stack.Stack,
    spark: Any,
    ready: Prepared,
    runs: int,
    put_limit_s: float,
    names: tuple[str, ...] | None = None,
    warm: bool = True,
) -> dict[str, Any]:
    """Every tool (or those ``names``) ``runs`` times, interleaved; medians per tool."""
    # The bench's own heap (every shape's items, the peers' inputs) lives to the end. Frozen, the
    # collector no longer walks it during each tool's run, which would be billed to the tools that
    # run in this process (ddb-migrate's driver, the raw ceiling, put_item, awswrangler).
    gc.collect()
    gc.freeze()
    # One discarded warm-up run of each load path: the JVM's JIT (the mapping's own code paths
    # too) and Spark's Python workers start cold, which a long job pays once.
    for mapped, keys in ((False, KEYS), (True, demo.REMAPPED_KEYS)) if warm else ():
        table = f"bench-{ready.shape}-warm{'-mapped' if mapped else ''}"
        tables.create_table(running.account("target"), table, keys)
        with dropped(running, table):
            _ddb_migrate(running, spark, ready, table, mapped=mapped)
    measured: dict[str, list[Measured]] = {}
    skipped: list[str] = []
    for run in range(runs):
        for name, tool in tools(running, spark, ready, put_limit_s).items():
            if names is not None and name not in names:
                continue
            if tool is None:
                if run == 0:
                    skipped.append(name)
                    say(f"{name}: skipped, dynamodump is not installed (make bench installs it into .venv-bench)")
                continue
            write, keys = tool
            slug = "".join(c if c.isalnum() else "-" for c in name.lower())
            result = measure(running, write, f"bench-{ready.shape}-{slug}-{run}", keys)
            measured.setdefault(name, []).append(result)
            say(
                f"{ready.shape} run {run + 1}/{runs}: {name}: {result.items_per_s:,.0f} items/s, "
                f"{result.cpu_us_per_item:,.0f} us/item client CPU ({by_process(result.shares_us_per_item)}; "
                f"load {load_average()})"
            )
    return {"items": len(ready.items), "skipped": skipped, "tools": {n: _stats(m) for n, m in measured.items()}}


def by_process(shares: dict[str, float]) -> str:
    return "by process, us/item: " + ", ".join(f"{name} {us:,.0f}" for name, us in shares.items() if round(us))


def _stats(values: list[Measured]) -> dict[str, Any]:
    return {
        "items_per_s": round(statistics.median(v.items_per_s for v in values), 1),
        "cpu_us_per_item": round(statistics.median(v.cpu_us_per_item for v in values), 1),
        "runs": [[round(v.items_per_s), round(v.cpu_us_per_item, 1)] for v in values],
        "cpu_us_per_item_by_process": {
            name: round(statistics.median(v.shares_us_per_item.get(name, 0.0) for v in values), 1) for name in SHARES
        },
    }


def ratios(shape: dict[str, Any]) -> dict[str, float]:
    tools_ = shape["tools"]
    ours = tools_["ddb-migrate plain copy"]["items_per_s"]
    peer_names = ("dynamodump restore", "awswrangler put_items", "one put_item per item")
    best = max((tools_[n]["items_per_s"] for n in peer_names if n in tools_), default=0.0)
    out = {"plain copy / raw ceiling": round(ours / tools_["raw BatchWriteItem x16"]["items_per_s"], 2)}
    if best:
        out["plain copy / best peer"] = round(ours / best, 2)
    return out


def _render_shape(title: str, data: dict[str, Any]) -> list[str]:
    lines = ["", title, f"{'tool':<28}{'items/s':>10}{'CPU us/item':>14}   runs"]
    for name, stats in data["tools"].items():
        lines.append(f"{name:<28}{stats['items_per_s']:>10,.0f}{stats['cpu_us_per_item']:>14,.0f}   {stats['runs']}")
        lines.append(f"{'':<28}  {by_process(stats['cpu_us_per_item_by_process'])} (medians)")
    lines += [f"{'skipped: ' + name:<28}" for name in data["skipped"]]
    return lines + [f"{name:<40}{value:>8}" for name, value in ratios(data).items()]


def render(results: dict[str, Any]) -> str:
    lines = [
        f"ddb-migrate bench: {results['runs']} runs, {results['cpu_count']} cores, DynamoDB Local in memory; "
        f"load average {results['load_before']} before, {results['load_after']} after",
        "client CPU = machine busy time less the emulators' (a busy machine inflates it)",
        TARGETS,
    ]
    for shape, data in results["shapes"].items():
        lines += _render_shape(f"{shape} items: {data['items']:,}", data)
    if "at_scale" in results:
        data = results["at_scale"]
        lines += _render_shape(f"200-byte items at scale: {data['items']:,}, one run (memory yardstick's export)", data)
    for v in filter(None, [results.get("validation")] + [m.get("validation") for m in results["memory"].values()]):
        lines.append(
            f"validation / migration time {v['ratio_to_migration']} "
            f"({v['seconds']} s vs {v['migration_seconds']} s for {v['items']:,} items)"
        )
    for size, mem in results["memory"].items():
        lines.append(
            f"{int(size):>12,} items: driver peak RSS {mem['driver_python_peak_mb']} MB, "
            f"Spark JVM peak RSS {mem['spark_jvm_peak_mb']} MB, {mem['end_to_end_items_per_s']:,.0f} items/s"
        )
    return "\n".join(lines)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"runs": args.runs, "cpu_count": os.cpu_count(), "load_before": load_average()}
    results["shapes"], results["memory"] = {}, {}
    with stack.running() as running:
        demo.prepare_buckets(running)
        spark = get_spark("ddb-migrate-bench")
        prepared = []
        for shape in args.shapes:
            say(f"{shape}: {args.items:,} items, exported once, then every tool in turn, {args.runs} runs")
            prepared.append(prepare(running, shape, args.items, output))
            results["shapes"][shape] = bench_shape(running, spark, prepared[-1], args.runs, args.put_limit_s)
        if args.validate:  # validating a plain copy, against the time that copy took
            table = f"bench-{prepared[0].shape}-validated"
            config = parse_config({**prepared[0].doc, "run_id": table, "target": {"account": "target", "table": table}})
            tables.create_table(running.account("target"), table, KEYS)
            seconds, _report = timed(partial(run_migration, config, spark))
            results["validation"] = validation_timing(config, spark, output, args.items, seconds)
        if args.big_items:
            results["memory"], big_doc = memory_yardstick(
                running, spark, prepared[0].doc, args.items, args.big_items, output
            )
            if args.peers_at_scale:
                say(f"{args.big_items:,} items: the plain copy, the raw ceiling and the peers, one run each")
                ready = exported(running, f"200-byte-{args.big_items}", big_doc, output)  # tables of its own
                results["at_scale"] = bench_shape(running, spark, ready, 1, args.put_limit_s, AT_SCALE, warm=False)
    results["load_after"] = load_average()
    (output / "bench.json").write_text(json.dumps(results, indent=2))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m jobs.local.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    env = os.environ.get
    parser.add_argument("--items", type=int, default=int(env("BENCH_ITEMS", "100000")), help="items per shape")
    parser.add_argument("--runs", type=int, default=int(env("BENCH_RUNS", "3")), help="interleaved runs (medians)")
    parser.add_argument(
        "--big-items",
        type=int,
        default=int(env("BENCH_BIG_ITEMS", "1000000")),
        help="size of the driver-memory yardstick's second run; 0 skips the memory yardstick",
    )
    parser.add_argument(
        "--no-peers-at-scale",
        dest="peers_at_scale",
        action="store_false",
        help="skip the one run of the raw ceiling, dynamodump, awswrangler and the plain copy at --big-items",
    )
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=None, help="default: both")
    parser.add_argument("--put-limit-s", type=float, default=20.0, help="time box of the put-per-item script")
    parser.add_argument("--no-validate", dest="validate", action="store_false", help="skip the validation timing")
    parser.add_argument("--output", default=env("BENCH_OUTPUT", "bench-output"))
    parser.add_argument(
        "--check",
        action="store_true",
        help="a quick check that every part runs: 200 items of one shape, one run, no memory or validation",
    )
    args = parser.parse_args(argv)
    if args.check:
        args.items, args.runs, args.big_items, args.put_limit_s, args.validate = 200, 1, 0, 1.0, False
        args.shapes = args.shapes or ["export-shaped"]
    args.shapes = args.shapes or list(SHAPES)
    return args


def render_stages(costs: dict[str, float]) -> str:
    lines = ["load stages, CPU of one process, us per export-shaped item (jobs.local.bench_stages):"]
    lines += [f"  {name:<58}{value:>8.2f}" for name, value in costs.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    say(QUIET.removeprefix("[bench] ") + f"; load average now {load_average()}")
    stages = render_stages(stage_costs(500 if args.check else 20_000))
    say(stages)
    print(stages + "\n\n" + render(run_bench(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
