"""The loop over a move's tables: order, concurrency, one table's error not stopping the others,
an interrupt stopping new starts, and the summary (pure: the per-table work is a function)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from jobs.cli.tables import render_summary
from jobs.config import JobConfig, parse_move
from jobs.run.tables import ERROR, INTERRUPTED, NOT_STARTED, SUCCEEDED, MoveSummary, TableOutcome, names, run_tables

from .test_config_tables import SHARED

JOBS = parse_move({**SHARED, "tables": ["users", "audit", "orders-eu", "orders-us"]}, "job.yaml").jobs


def _ok(job: JobConfig) -> TableOutcome:
    return TableOutcome(*names(job), SUCCEEDED, {"items_read": len(job.source_table)})


def test_tables_run_in_order_and_an_error_does_not_stop_the_others() -> None:
    seen: list[str] = []

    def run_one(job: JobConfig) -> TableOutcome:
        seen.append(job.source_table)
        if job.source_table == "audit":
            raise RuntimeError("target table audit has another key\nsecond line")
        return _ok(job)

    outcomes = run_tables(JOBS, run_one)
    assert seen == ["users", "audit", "orders-eu", "orders-us"]
    assert [(o.source_table, o.state) for o in outcomes] == [
        ("users", SUCCEEDED),
        ("audit", ERROR),
        ("orders-eu", SUCCEEDED),
        ("orders-us", SUCCEEDED),
    ]
    assert outcomes[1].errors == ["RuntimeError: target table audit has another key"]
    summary = MoveSummary("account-move", "run", outcomes)
    assert not summary.success and summary.failed == ["audit"]
    doc = json.loads(summary.to_json())
    assert doc["failed"] == ["audit"] and [t["state"] for t in doc["tables"]][1] == ERROR
    assert doc["tables"][0]["counts"] == {"items_read": 5}
    assert render_summary(summary).splitlines() == [
        "run account-move: 4 tables",
        "  table      target     outcome    items_read  time",
        "  users      users      succeeded  5           0.0s",
        "  audit      audit      ERROR                  " + f"{outcomes[1].elapsed_s:.1f}s",
        "  orders-eu  orders-eu  succeeded  9           0.0s",
        "  orders-us  orders-us  succeeded  9           0.0s",
        "  audit: RuntimeError: target table audit has another key",
    ]


def test_an_interrupt_stops_new_tables() -> None:
    def run_one(job: JobConfig) -> TableOutcome:
        if job.source_table == "audit":
            raise KeyboardInterrupt
        return _ok(job)

    states = [o.state for o in run_tables(JOBS, run_one)]
    assert states == [SUCCEEDED, INTERRUPTED, NOT_STARTED, NOT_STARTED]
    assert MoveSummary("m", "run", run_tables(JOBS, run_one)).interrupted


@pytest.mark.parametrize("concurrency", [2, 3])
def test_concurrency_bounds_the_tables_at_once(concurrency: int) -> None:
    lock, running, most = threading.Lock(), [0], [0]

    def run_one(job: JobConfig) -> TableOutcome:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        if job.source_table == "orders-eu":
            raise ValueError("broken export")
        return _ok(job)

    outcomes = run_tables(JOBS, run_one, concurrency)
    assert most[0] == concurrency
    assert [o.source_table for o in outcomes] == ["users", "audit", "orders-eu", "orders-us"]
    assert [o.state for o in outcomes] == [SUCCEEDED, SUCCEEDED, ERROR, SUCCEEDED]


def test_an_interrupted_table_under_concurrency_stops_the_rest() -> None:
    stopped = threading.Event()

    def run_one(job: JobConfig) -> TableOutcome:
        if job.source_table == "users":
            return TableOutcome(*names(job), INTERRUPTED)
        stopped.wait(5)  # a running table ends when stop_all cancels its Spark jobs
        raise RuntimeError("job cancelled")

    outcomes = run_tables(JOBS[:3], run_one, 2, stop_all=stopped.set)
    assert stopped.is_set()
    assert [o.state for o in outcomes] == [INTERRUPTED, INTERRUPTED, NOT_STARTED]
