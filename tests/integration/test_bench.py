"""`make bench` runs: every tool of its comparison in one quick `--check` pass, and `--help` says what it does.

Performance is never asserted here (the bench reports it); these tests only check that each
part of the bench runs and reports a figure for each tool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {
    "raw BatchWriteItem x16",
    "one put_item per item",
    "dynamodump restore",
    "awswrangler put_items",
    "ddb-migrate plain copy",
    "ddb-migrate with mapping",
}


def _bench(*args: str, home: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DDB_MIGRATE_HOME": str(home)}  # a stack of its own, never the tests' one
    env.setdefault("DDB_MIGRATE_CACHE", str(ROOT / ".cache"))
    return subprocess.run(
        [sys.executable, "-m", "jobs.local.bench", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_help_describes_the_comparison(tmp_path):
    done = _bench("--help", home=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dynamodump" in done.stdout and "--check" in done.stdout and "quiet machine" in done.stdout


def test_check_runs_every_tool_and_reports_each(tmp_path):
    out = tmp_path / "out"
    done = _bench("--check", "--output", str(out), home=tmp_path / "home", timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "wants a quiet machine" in done.stderr
    results = json.loads((out / "bench.json").read_text())
    shape = results["shapes"]["export-shaped"]
    assert shape["items"] == 200
    assert set(shape["tools"]) | set(shape["skipped"]) == TOOLS
    assert set(shape["skipped"]) <= {"dynamodump restore"}  # the one peer that lives outside the project's venv
    if shape["skipped"]:
        assert "dynamodump restore: skipped, dynamodump is not installed" in done.stderr
    for name, stats in shape["tools"].items():
        assert stats["items_per_s"] > 0 and stats["cpu_us_per_item"] >= 0, name
        assert name in done.stdout
    assert "plain copy / raw ceiling" in done.stdout
