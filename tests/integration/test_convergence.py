"""Near-zero-downtime migration, end to end, on the local stack.

A bounded writer changes the source table (puts of new items, updates, overwrites and deletes
at a steady rate, for a fixed time) while the full load (local export + ``run_migration``) and
then stream replication run, with the README's demo mapping (key redesign, rename, cast,
derive, set, and a filter that the writer's updates flip). Once the writer stops, the cutover
drains the stream and validates the target against the mapping of the source as it then is:
0 differences. The replication lag the test saw is printed (and reported in the README).
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from typing import Any

from jobs.aws import tables
from jobs.aws.wire import DynamoWire
from jobs.local import datagen
from jobs.local.demo import DEMO_MAPPING, REMAPPED_KEYS
from jobs.run.migrate import run_migration
from jobs.sink.writer import put_items
from jobs.source.export import request_export
from jobs.streams.cutover import cutover
from jobs.streams.replicate import run_replication

from .conftest import make_config

SEED_ITEMS = 1000
RATE_PER_S = 20.0
STEADY_SECONDS = 20.0  # the writer goes on this long after replication first caught up ...
MAX_WRITE_SECONDS = 420.0  # ... and never longer than this in all


def _key(index: int) -> tuple[str, str]:
    item = datagen.make_item(index)
    return item["pk"]["S"], item["sk"]["N"]


class Writer(threading.Thread):
    """Puts, updates, overwrites and deletes at a steady rate; every image carries written_at."""

    def __init__(self, account, table: str, seed_items: int) -> None:
        super().__init__(name="source-writer", daemon=True)
        self.wire, self.table = DynamoWire(account, pool_size=2), table
        self.existing = list(range(seed_items))
        self.next_index = seed_items
        self.log: list[tuple[float, str]] = []
        self.deleted_at: dict[tuple[str, str], float] = {}
        self.rng = random.Random(99)
        self.error: BaseException | None = None
        self.deadline = time.monotonic() + MAX_WRITE_SECONDS

    def stop_after(self, seconds: float) -> None:
        self.deadline = min(self.deadline, time.monotonic() + seconds)

    def _call(self, operation: str, **body: Any) -> None:
        self.wire.call(operation, json.dumps({"TableName": self.table, **body}))

    def _step(self) -> str:
        stamp = {"N": str(time.time_ns() // 1000)}
        roll = self.rng.random()
        if roll < 0.4:
            index = self.rng.choice(self.existing)
            pk, sk = _key(index)
            self._call(
                "UpdateItem",
                Key={"pk": {"S": pk}, "sk": {"N": sk}},
                UpdateExpression="SET #n = :n, active = :a, written_at = :w",
                ExpressionAttributeNames={"#n": "name"},
                ExpressionAttributeValues={
                    ":n": {"S": f"renamed {self.rng.randrange(10**6)}"},
                    ":a": {"BOOL": self.rng.random() < 0.5},
                    ":w": stamp,
                },
            )
            return "update"
        if roll < 0.65:
            index, self.next_index = self.next_index, self.next_index + 1
            self._call("PutItem", Item={**datagen.make_item(index), "written_at": stamp})
            self.existing.append(index)
            return "insert"
        if roll < 0.85:
            index = self.existing.pop(self.rng.randrange(len(self.existing)))
            pk, sk = _key(index)
            self._call("DeleteItem", Key={"pk": {"S": pk}, "sk": {"N": sk}})
            self.deleted_at[(pk, sk)] = time.time()
            return "delete"
        index = self.rng.choice(self.existing)
        self._call("PutItem", Item={**datagen.make_item(index, seed=self.rng.randrange(100)), "written_at": stamp})
        return "overwrite"

    def run(self) -> None:
        started = time.monotonic()
        count = 0
        try:
            while time.monotonic() < self.deadline:
                time.sleep(max(0.0, started + count / RATE_PER_S - time.monotonic()))
                self.log.append((time.time(), self._step()))
                count += 1
        except BaseException as exc:  # surfaced by the test
            self.error = exc


class LagMeter:
    """Seconds from each source write (its written_at, or the delete's time) to its application."""

    def __init__(self, deleted_at: dict[tuple[str, str], float]) -> None:
        self.deleted_at = deleted_at
        self.samples: list[tuple[float, float]] = []  # (written at, lag)
        self.caught_up: list[float] = []

    def results(self, results) -> None:
        for result in results:
            change = result.change
            written: float | None
            if change.new_image is not None and "written_at" in change.new_image:
                written = int(change.new_image["written_at"]["N"]) / 1e6
            elif change.removed:
                written = self.deleted_at.get((change.keys["pk"]["S"], change.keys["sk"]["N"]))
                if written is None:
                    continue
            else:
                continue
            self.samples.append((written, result.applied_at - written))

    def steady(self) -> list[float]:
        """Lags of writes made after replication first caught up with the backlog."""
        first = self.caught_up[0] if self.caught_up else float("inf")
        return sorted(lag for written, lag in self.samples if written > first)


def _stats(lags: list[float]) -> str:
    if not lags:
        return "no samples"
    p95 = lags[int(0.95 * (len(lags) - 1))]
    return f"p50 {statistics.median(lags):.3f}s, p95 {p95:.3f}s, max {lags[-1]:.3f}s over {len(lags)} changes"


def test_full_load_plus_replication_converges_while_the_source_is_written(
    local_stack, buckets, names, spark, tmp_path, capsys
):
    source, target, run_id = names("conv-src"), names("conv-dst"), names("conv-run")
    source_account = local_stack.account("source")
    tables.create_table(source_account, source, datagen.key_schema(), stream=True)
    put_items(source_account, source, datagen.make_items(SEED_ITEMS))
    tables.create_table(local_stack.account("target"), target, REMAPPED_KEYS)
    config = make_config(
        local_stack,
        source,
        target,
        run_id,
        mapping=DEMO_MAPPING,
        replication={"poll_interval_s": 0.2, "concurrency": 8},
    )
    writer = Writer(source_account, source, SEED_ITEMS)
    writer.start()
    time.sleep(2)  # the export starts while the source is being written

    full_load_started = time.time()
    request_export(config.source, lambda _m: None)
    report = run_migration(config, spark)
    full_load_ended = time.time()
    assert report.success, report.errors

    meter = LagMeter(writer.deleted_at)
    stop = threading.Event()
    following: dict[str, Any] = {}

    def follow() -> None:
        following["summary"] = run_replication(
            config, follow=True, stop=stop, on_results=meter.results, on_caught_up=on_caught_up
        )

    def on_caught_up(moment: float) -> None:
        if not meter.caught_up:
            writer.stop_after(STEADY_SECONDS)
        meter.caught_up.append(moment)

    follower = threading.Thread(target=follow, name="replicate --follow", daemon=True)
    follower.start()
    writer.join(MAX_WRITE_SECONDS + 30)
    assert not writer.is_alive() and writer.error is None, writer.error
    time.sleep(3)  # replication keeps up on its own
    written = time.time() - writer.log[0][0]
    stop.set()
    follower.join(60)
    assert not follower.is_alive() and "summary" in following

    during_full_load = [kind for at, kind in writer.log if full_load_started <= at <= full_load_ended]
    assert {"update", "delete", "insert", "overwrite"} <= set(during_full_load), "changes during the full load"

    verdict = cutover(config, tmp_path / "validation", yes=True, drain=True, spark=spark, say=lambda _m: None)
    counts = verdict.details["validation"]["counts"]
    assert verdict.go, (verdict.render(), counts)
    assert {k: v for k, v in counts.items() if k != "match" and v} == {}
    expected_rows = len(writer.existing) - sum(  # the demo filter drops inactive orders ending in 3
        1 for i in writer.existing if i % 10 == 3 and not _active(source_account, source, i)
    )
    assert counts["match"] == expected_rows

    steady, everything = meter.steady(), sorted(lag for _w, lag in meter.samples)
    caught_up = f"{meter.caught_up[0] - full_load_ended:.1f}" if meter.caught_up else "never"
    drain = verdict.details["drain"]
    with capsys.disabled():
        print(
            f"\nconvergence: {len(writer.log)} writes at {RATE_PER_S:g}/s for {written:.0f}s, "
            f"{len(during_full_load)} during the full load ({full_load_ended - full_load_started:.1f}s); "
            f"replication caught up {caught_up}s after the full load, applied "
            f"{following['summary']['changes']} stream records, "
            f"then the drain {drain['changes']} in {drain['elapsed_s']}s.\n"
            f"replication lag, steady state (writes after replication caught up): {_stats(steady)}\n"
            f"replication lag, every write (including those waiting for the full load): {_stats(everything)}\n"
            f"validation: {counts}"
        )
    assert steady, "some writes happened after replication caught up"


def _active(account, table: str, index: int) -> bool:
    pk, sk = _key(index)
    item = DynamoWire(account).call(
        "GetItem", json.dumps({"TableName": table, "Key": {"pk": {"S": pk}, "sk": {"N": sk}}})
    )
    return bool(item["Item"]["active"]["BOOL"])
