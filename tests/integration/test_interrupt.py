"""Ctrl-C as a terminal sends it: SIGINT to the whole process group of a real `ddb-migrate run`
(the driver and local Spark's Python workers). ADR 0013."""

from __future__ import annotations

import os
import signal

from jobs import aws
from jobs.aws import tables
from jobs.config import parse_config
from jobs.ledger import LedgerStore
from jobs.run.lease import LEASE_NAME
from jobs.run.migrate import run_guarded

from .test_capacity import _assert_original_provisioned, _prepare, _record, _start_run, _wait_mid_run


def test_sigint_to_the_process_group_exits_130_restores_capacity_and_reports_the_files_done(
    local_stack, buckets, spark, source_table, names, tmp_path
):
    config, doc = _prepare(
        local_stack, source_table, names, 2400, {"target": {"on_demand": True}}, True, {"max_write_units_per_s": 200}
    )
    # One task takes the five files in turn, so when the first is finished four are still to come;
    # with a task per file, all five run side by side and end together, and no moment is mid-run.
    doc["spark"] = {"partitions": 1}
    config = parse_config(doc)
    process, _path = _start_run(doc, tmp_path)
    try:
        _wait_mid_run(config, process)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert process.wait(timeout=120) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    log = (tmp_path / "run.log").read_text()
    assert log.rstrip().endswith("interrupted"), log[-3000:]
    for noise in ("Traceback", "KeyboardInterrupt", "Py4J", "the Spark job failed"):
        assert noise not in log, log[-3000:]
    _assert_original_provisioned(local_stack.account("target"), config.target_table)
    record = _record(config)
    assert record is not None and record.state == "restored"

    store = LedgerStore.for_run(config)
    report = store.get_json("run-report.json")
    assert report is not None
    finished = store.finished_files()
    assert (report["interrupted"], report["success"]) == (True, False)
    assert 1 <= report["files_done"] == len(finished) < report["files_total"] == 5
    assert report["items_written"] == sum(r.written for r in finished.values())
    assert f"run {config.run_id} INTERRUPTED: read " in log
    assert report["errors"][-1].startswith(f"interrupted: {report['files_done']} of 5 files done")
    s3 = aws.client(store.account, "s3")
    assert s3.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + LEASE_NAME)["KeyCount"] == 0

    # the rerun a person types: the same run id, under its lease and with the capacity raised again
    # (the table is back to its 5 WCU); not a non-empty target, nothing lost
    outcome = run_guarded(config, spark)
    resumed = outcome.report
    assert outcome.success, resumed.errors
    assert (resumed.items_read, resumed.items_written, resumed.files_skipped) == (2400, 2400, len(finished))
    assert tables.count_items(local_stack.account("target"), config.target_table) == 2400
