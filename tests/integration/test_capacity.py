"""Capacity raised for a run and restored however it ends, on DynamoDB Local (ADR 0008).

The tables have two GSIs. A poller describes the table while the job runs, so "raised during
the run" is what DynamoDB reported at the time, not what the code meant to do.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, cast

import pytest
import yaml

from jobs import aws
from jobs.aws import tables
from jobs.capacity import table_capacity
from jobs.capacity.guard import raise_capacity
from jobs.capacity.model import TableCapacity
from jobs.capacity.record import load_record
from jobs.cli.commands import run_main
from jobs.config import JobConfig, parse_config
from jobs.core.errors import MigrationError
from jobs.ledger import LedgerStore
from jobs.local import datagen, demo
from jobs.run.plan import make_plan, render
from jobs.sink.writer import put_items
from jobs.source.export import request_export

CLI = [sys.executable, "-m", "jobs.cli"]
GSIS = (("by_name", "name", "S"), ("by_sk", "sk", "N"))


def _definition(provisioned: bool) -> dict[str, Any]:
    throughput = {"ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}} if provisioned else {}
    base = datagen.key_schema()
    names = {a["AttributeName"] for a in base["AttributeDefinitions"]}
    return {
        "KeySchema": base["KeySchema"],
        "AttributeDefinitions": base["AttributeDefinitions"]
        + [{"AttributeName": a, "AttributeType": t} for _n, a, t in GSIS if a not in names],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                **throughput,
            }
            for name, attribute, _t in GSIS
        ],
        **({"BillingMode": "PROVISIONED", **throughput} if provisioned else {"BillingMode": "PAY_PER_REQUEST"}),
    }


def _create(account, name: str, provisioned: bool) -> None:
    aws.client(account, "dynamodb").create_table(TableName=name, **_definition(provisioned))


def _raw(account, name: str) -> dict[str, Any]:
    return cast("dict[str, Any]", aws.client(account, "dynamodb").describe_table(TableName=name)["Table"])


def _assert_original_provisioned(account, name: str) -> None:
    """DescribeTable itself: provisioned, 5/5 on the table and on both GSIs."""
    table = _raw(account, name)
    assert table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
    assert (
        table["ProvisionedThroughput"]["ReadCapacityUnits"],
        table["ProvisionedThroughput"]["WriteCapacityUnits"],
    ) == (5, 5)
    assert sorted(
        (
            g["IndexName"],
            g["ProvisionedThroughput"]["ReadCapacityUnits"],
            g["ProvisionedThroughput"]["WriteCapacityUnits"],
        )
        for g in table["GlobalSecondaryIndexes"]
    ) == [("by_name", 5, 5), ("by_sk", 5, 5)]


class Poller:
    """Describes a table every 50 ms on a thread of its own while a run goes on."""

    def __init__(self, account, table: str) -> None:
        self.account, self.table = account, table
        self.seen: list[TableCapacity] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.seen.append(table_capacity.describe(self.account, self.table))
            time.sleep(0.05)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _prepare(
    local_stack,
    source_table,
    names,
    items: int,
    capacity: dict[str, Any],
    target_provisioned: bool,
    write: dict[str, Any] | None = None,
) -> tuple[JobConfig, dict[str, Any]]:
    source = source_table(list(datagen.make_items(items)))
    target, run_id = names("tgt"), names("run")
    doc = demo.demo_config(local_stack, source, target, run_id)
    doc["capacity"] = capacity
    doc["write"] = {"concurrency": 2, **(write or {})}
    config = parse_config(doc, f"<test {run_id}>")
    request_export(config.source, lambda _m: None)
    _create(local_stack.account("target"), target, target_provisioned)
    return config, doc


def _record(config: JobConfig):
    return load_record(LedgerStore.for_run(config))


def test_provisioned_target_wcu_and_gsis_raised_during_the_run_and_restored(
    local_stack, buckets, spark, source_table, names
):
    config, _doc = _prepare(local_stack, source_table, names, 1500, {"target": {"write_units": 400}}, True)
    account = local_stack.account("target")
    with Poller(account, config.target_table) as poller:
        code = run_main(config)
    assert code == 0
    during = [c for c in poller.seen if c.base.write == 400]
    assert during, [c.describe() for c in poller.seen[:3]]
    assert all(i.write == 400 for c in during for i in c.indexes) and len(during[0].indexes) == 2
    _assert_original_provisioned(account, config.target_table)
    record = _record(config)
    assert record.state == "restored"
    target = record.table("target")
    assert target.original.describe() == (
        "provisioned 5 RCU / 5 WCU; GSI by_name 5 RCU / 5 WCU; GSI by_sk 5 RCU / 5 WCU"
    )
    assert target.applied.describe() == (
        "provisioned 5 RCU / 400 WCU; GSI by_name 5 RCU / 400 WCU; GSI by_sk 5 RCU / 400 WCU"
    )
    report = json.loads(
        aws.client(account, "s3")
        .get_object(Bucket=demo.ARTIFACT_BUCKET, Key=f"runs/{config.run_id}/run-report.json")["Body"]
        .read()
    )
    # The writer's budget followed the raised capacity: 0.8 x 400 WCU.
    assert report["write_units_per_s"] == 320.0
    assert report["write_budget_source"].startswith("0.8 x provisioned WCU of")
    assert report["items_written"] == 1500
    assert tables.count_items(account, config.target_table) == 1500


def test_provisioned_target_switched_to_on_demand_for_the_run_then_back(
    local_stack, buckets, spark, source_table, names
):
    config, _doc = _prepare(
        local_stack, source_table, names, 1200, {"target": {"on_demand": True}}, True, {"max_write_units_per_s": 300}
    )
    account = local_stack.account("target")
    with Poller(account, config.target_table) as poller:
        assert run_main(config) == 0
    assert any(c.on_demand for c in poller.seen)
    _assert_original_provisioned(account, config.target_table)
    assert _raw(account, config.target_table)["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert _record(config).state == "restored"


def test_on_demand_target_and_scanned_source_rcu(local_stack, buckets, spark, names):
    """On-demand target with GSIs: warm throughput is not implemented by DynamoDB Local, so it is
    noted and not set; the scanned source's RCU is raised for the run and restored."""
    source_account = local_stack.account("source")
    source = names("src")
    _create(source_account, source, True)
    put_items(source_account, source, datagen.make_items(900))
    target, run_id = names("tgt"), names("run")
    doc = demo.demo_config(local_stack, source, target, run_id)
    doc["capacity"] = {"target": {"warm_write_units_per_s": 8000}, "source": {"read_units": 250}}
    doc["write"] = {"concurrency": 2, "max_write_units_per_s": 300}
    config = dataclasses.replace(parse_config(doc), source_mode="scan")
    request_export(config.source, lambda _m: None)
    _create(local_stack.account("target"), target, False)
    with Poller(source_account, source) as poller:
        assert run_main(config) == 0
    assert any(c.base.read == 250 for c in poller.seen)
    assert table_capacity.describe(source_account, source).settings() == (
        "PROVISIONED",
        (5, 5),
        (("by_name", 5, 5), ("by_sk", 5, 5)),
    )
    target_now = _raw(local_stack.account("target"), target)
    assert target_now["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    record = _record(config)
    assert record.state == "restored"
    assert any("does not implement it" in n for n in record.table("target").notes)
    assert record.table("source").applied.base.read == 250
    assert tables.count_items(local_stack.account("target"), target) == 900
    tables.delete_table(source_account, source)


def test_a_failed_run_restores_capacity(local_stack, buckets, spark, source_table, names):
    config, doc = _prepare(local_stack, source_table, names, 300, {"target": {"write_units": 300}}, True)
    doc["mapping"] = {"key": {"pk": "'same'", "sk": "1"}}  # every item maps to one key: the run fails
    config = parse_config(doc)
    with pytest.raises(MigrationError, match="nothing was written"):
        run_main(config)
    _assert_original_provisioned(local_stack.account("target"), config.target_table)
    record = _record(config)
    assert record.state == "restored" and record.table("target").applied.base.write == 300


def test_a_rerun_after_a_crash_restores_the_recorded_originals(local_stack, buckets, spark, source_table, names):
    config, _doc = _prepare(local_stack, source_table, names, 200, {"target": {"write_units": 200}}, True)
    account = local_stack.account("target")
    raise_capacity(config, LedgerStore.for_run(config))  # a run that died right after raising
    assert table_capacity.describe(account, config.target_table).base.write == 200
    rerun = dataclasses.replace(config, capacity=dataclasses.replace(config.capacity, write_units=250))
    assert run_main(rerun) == 0
    _assert_original_provisioned(account, config.target_table)  # not the 200 the crashed run left
    assert "originals recorded then are kept" in " ".join(_record(config).history)


def _start_run(doc: dict[str, Any], tmp_path) -> tuple[subprocess.Popen[bytes], Any]:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [*CLI, "run", "--config", str(path)], start_new_session=True, stdout=subprocess.DEVNULL, stderr=log
    )
    return process, path


def _wait_mid_run(config: JobConfig, process: subprocess.Popen[bytes]) -> None:
    """Until the capacity is raised and at least one data file is finished."""
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be interrupted"
        record = load_record(store)
        ledger = s3.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + "ledger/").get("KeyCount", 0)
        if record is not None and record.state == "raised" and ledger >= 1:
            return
        time.sleep(0.2)
    raise AssertionError("the run did not reach the middle of its load in time")


@pytest.mark.parametrize(
    "capacity", [{"on_demand": True}, {"write_units": 500, "index_write_units": 450}], ids=["on-demand", "wcu"]
)
def test_killed_run_then_capacity_restore(local_stack, buckets, source_table, names, tmp_path, capacity):
    config, doc = _prepare(
        local_stack, source_table, names, 2400, {"target": capacity}, True, {"max_write_units_per_s": 200}
    )
    doc["source"]["export"]["local_segments"] = 12
    config = parse_config(doc)
    account = local_stack.account("target")
    process, path = _start_run(doc, tmp_path)
    try:
        _wait_mid_run(config, process)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # no restore can run in the job
        process.wait(timeout=30)
    left = table_capacity.describe(account, config.target_table)
    assert left.on_demand if capacity.get("on_demand") else (left.base.write, left.indexes[0].write) == (500, 450)
    show = subprocess.run(
        [*CLI, "capacity", "show", "--config", str(path), "--run-id", config.run_id],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert show.returncode == 0 and "capacity raised" in show.stdout, show.stderr[-2000:]
    assert "original:       provisioned 5 RCU / 5 WCU; GSI by_name 5 RCU / 5 WCU" in show.stdout
    restore = subprocess.run(
        [*CLI, "capacity", "restore", "--config", str(path), "--run-id", config.run_id],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restore.returncode == 0, restore.stderr[-2000:]
    assert f"{config.target_table}: restored to provisioned 5 RCU / 5 WCU" in restore.stdout
    _assert_original_provisioned(account, config.target_table)
    assert _record(config).state == "restored"


def test_sigterm_mid_run_restores_before_the_job_exits(local_stack, buckets, source_table, names, tmp_path):
    config, doc = _prepare(
        local_stack, source_table, names, 2400, {"target": {"on_demand": True}}, True, {"max_write_units_per_s": 200}
    )
    doc["source"]["export"]["local_segments"] = 12
    config = parse_config(doc)
    process, _path = _start_run(doc, tmp_path)
    try:
        _wait_mid_run(config, process)
        process.send_signal(signal.SIGTERM)  # the driver only, as Glue or a container stop would
        assert process.wait(timeout=120) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    _assert_original_provisioned(local_stack.account("target"), config.target_table)
    assert _record(config).state == "restored"
    log = (tmp_path / "run.log").read_text()
    assert "interrupted" in log and f"capacity: {config.target_table}: restored to provisioned 5 RCU / 5 WCU" in log


def test_plan_prints_the_capacity_it_would_set_and_its_cost(local_stack, buckets, spark, source_table, names):
    config, _doc = _prepare(local_stack, source_table, names, 100, {"target": {"write_units": 400}}, True)
    report = make_plan(config, spark)
    text = render(report)
    assert "    now:            provisioned 5 RCU / 5 WCU; GSI by_name 5 RCU / 5 WCU; GSI by_sk 5 RCU / 5 WCU" in text
    # 15 RCU x $0.00013 + 15 WCU x $0.00065 = $0.0117/h; during: 15 RCU + 1,200 WCU = $0.78195/h
    assert "($0.01170/h provisioned)" in text
    assert "during the run: provisioned 5 RCU / 400 WCU; GSI by_name 5 RCU / 400 WCU; GSI by_sk 5 RCU / 400 WCU" in text
    assert "($0.78195/h provisioned)" in text
    assert "restore: back to provisioned 5 RCU / 5 WCU" in text
    assert report.write_rate_wcu_per_s == 320.0 and "time at 320 WCU/s" in text
    assert table_capacity.describe(local_stack.account("target"), config.target_table).base.write == 5  # unchanged
