"""The bench's CPU meter bills each process's CPU to the right share, and never an emulator's."""

from __future__ import annotations

import subprocess
import sys
import time

from jobs.local.bench_cpu import SHARES, CpuMeter

BURN = "import time\nwhile time.process_time() < {seconds}: pass\n"


def _burn_here(seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def test_own_cpu_and_a_waited_for_child_are_billed_apart_and_an_emulator_is_left_out():
    emulator = subprocess.Popen([sys.executable, "-c", BURN.format(seconds=600)])  # runs on, never reaped inside
    try:
        with CpuMeter((emulator.pid,)) as meter:
            _burn_here(0.4)
            subprocess.run([sys.executable, "-c", BURN.format(seconds=0.5)], check=True)
    finally:
        emulator.kill()
        emulator.wait()
    shares = meter.sample.shares_s
    assert set(shares) == set(SHARES)
    assert 0.35 <= shares["bench process"] < 0.6
    assert 0.45 <= shares["other children"] < 0.75  # the child that ended, not the emulator too
    # (a Spark JVM that an earlier test of the session started may tick meanwhile: not asserted)
    assert meter.sample.emulator_cpu_s >= 0.2  # it ran beside the two burns, on its own core's time
