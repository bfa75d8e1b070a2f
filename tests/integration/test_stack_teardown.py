"""A process holding the local stack stops both emulators when it is sent SIGTERM (``kill``, a CI
timeout), and still ends as SIGTERM ends it: before, DynamoDB Local and moto outlived it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobs.local import stack

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import json, sys, time
from pathlib import Path
from jobs.local import stack
with stack.running(Path(sys.argv[1]), Path(sys.argv[2])) as running:
    print(json.dumps([running.dynamodb_pid, running.moto_pid]), flush=True)
    time.sleep(600)
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit status may wait for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def test_sigterm_to_the_holder_stops_both_emulators_then_ends_it(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), str(ROOT / ".cache")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    pids: list[int] = []
    try:
        assert holder.stdout is not None
        pids = json.loads(holder.stdout.readline())
        assert all(_running(pid) for pid in pids)
        holder.send_signal(signal.SIGTERM)
        assert holder.wait(timeout=60) == -signal.SIGTERM
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in pids if _running(pid)] == []
        assert not (tmp_path / "stack.json").exists()
    finally:
        holder.kill()
        for pid in pids:  # whatever the outcome, no emulator outlives the test
            stack.stop_process(pid)
        holder.wait()
