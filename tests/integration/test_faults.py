"""Fault tests on loopback, bounded in time: throttling, a killed job, a target that goes away."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from jobs.aws import tables
from jobs.ledger import LedgerStore, RunReport
from jobs.local import datagen, demo, stack
from jobs.local.faults import FaultProxy
from jobs.run.migrate import run_migration
from jobs.source.export import request_export

from .conftest import by_key, make_config, s3


def _ledger_entries(local_stack, config) -> int:
    store = LedgerStore.for_run(config)
    listed = s3(local_stack).list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + "ledger/")
    return len(listed.get("Contents", []))


def test_30_percent_throttling_and_500s_lose_and_corrupt_nothing(local_stack, buckets, spark, source_table, names):
    items = list(datagen.make_items(1500))
    source = source_table(items)
    target = names("tgt")
    with FaultProxy(local_stack.dynamodb_endpoint, throttle=0.30, server_error=0.05, seed=7) as proxy:
        config = make_config(local_stack, source, target, names("run"))
        request_export(config.source, lambda _m: None)
        tables.create_table(local_stack.account("target"), target, datagen.key_schema())
        doc = demo.demo_config(local_stack, source, target, config.run_id)
        doc["accounts"]["target"]["endpoints"]["dynamodb"] = proxy.url
        doc["write"] = {"concurrency": 4, "max_retry_seconds": 120}
        from jobs.config import parse_config

        report = run_migration(parse_config(doc), spark)
    assert report.success, report.errors
    requests = proxy.counts["requests:BatchWriteItem"]
    assert 0.2 < proxy.counts["throttled"] / requests < 0.4 and proxy.counts["server_errors"] >= 2
    assert report.throttles >= proxy.counts["throttled"] * 0.9  # every injected throttle was seen and retried
    assert (report.items_written, report.items_dead_lettered) == (1500, 0)
    assert by_key(tables.scan_items(local_stack.account("target"), target)) == by_key(
        tables.scan_items(local_stack.account("source"), source)
    )


def test_killed_mid_run_then_rerun_completes_exactly(local_stack, buckets, source_table, names, tmp_path):
    items = list(datagen.make_items(2400))
    source = source_table(items)
    target, run_id = names("tgt"), names("run")
    doc = demo.demo_config(local_stack, source, target, run_id)
    doc["source"]["export"]["local_segments"] = 12
    doc["write"] = {"concurrency": 2, "max_write_units_per_s": 400}  # slow enough to be caught mid-run
    from jobs.config import parse_config

    config = parse_config(doc)
    request_export(config.source, lambda _m: None)
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    command = [sys.executable, "-m", "jobs.cli", "run", "--config", str(path)]
    victim = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while _ledger_entries(local_stack, config) < 2 and time.monotonic() < deadline:
            assert victim.poll() is None, "the run finished before it could be killed"
            time.sleep(0.2)
        assert _ledger_entries(local_stack, config) >= 2
    finally:
        os.killpg(victim.pid, signal.SIGKILL)  # the driver and its Spark JVM, mid-write
        victim.wait(timeout=30)
    done_before = _ledger_entries(local_stack, config)
    assert done_before < 13
    rerun = subprocess.run(
        [*command, "--report", str(tmp_path / "report.json")], capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["files_skipped"] >= done_before and report["files_done"] == report["files_total"] == 13
    assert report["items_read"] == report["items_written"] == 2400
    assert by_key(tables.scan_items(local_stack.account("target"), target)) == by_key(
        tables.scan_items(local_stack.account("source"), source)
    )


def test_target_stopped_mid_write_fails_clearly_then_rerun_completes(
    local_stack, buckets, spark, source_table, names, stack_home, tmp_path
):
    items = list(datagen.make_items(3000))
    source = source_table(items)
    target, run_id = names("tgt"), names("run")
    cache = Path(os.environ.get("DDB_MIGRATE_CACHE", Path(__file__).resolve().parents[2] / ".cache"))
    process, port = stack.start_dynamodb_local(stack_home, cache, db_path=tmp_path)
    try:
        doc = demo.demo_config(local_stack, source, target, run_id)
        doc["accounts"]["target"]["endpoints"]["dynamodb"] = f"http://127.0.0.1:{port}"
        doc["source"]["export"]["local_segments"] = 10
        doc["write"] = {"concurrency": 2, "max_write_units_per_s": 500, "max_retry_seconds": 4}
        from jobs.config import parse_config

        config = parse_config(doc)
        request_export(config.source, lambda _m: None)
        tables.create_table(config.account("target"), target, datagen.key_schema())
        outcome: dict[str, RunReport] = {}
        runner = threading.Thread(target=lambda: outcome.update(report=run_migration(config, spark)))
        runner.start()
        deadline = time.monotonic() + 240
        while _ledger_entries(local_stack, config) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        stack.stop_process(process.pid)  # the target goes away mid-write
        runner.join(timeout=300)
        report = outcome["report"]
        assert not report.success and report.files_failed >= 1
        assert any("were not written" in e and "ConnectionError" in e for e in report.errors), report.errors
        assert "a rerun with the same run id retries this file" in report.errors[0]
        process, port = stack.start_dynamodb_local(stack_home, cache, port=port, db_path=tmp_path)
        again = run_migration(config, spark)
        assert again.success, again.errors
        assert again.files_skipped == report.files_done and again.items_written == 3000
        assert tables.count_items(config.account("target"), target) == 3000
    finally:
        stack.stop_process(process.pid)
