"""Client CPU for the bench: the whole machine's busy time less the emulators' own.

getrusage of children misses Spark's JVM and its Python workers, so the bench reads
``/proc/stat`` (every core's busy ticks) and subtracts what the DynamoDB Local and moto
processes spent (``/proc/<pid>/stat``). Anything else running on the machine is counted as
client CPU: the figures only mean something on a quiet machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_ticks() -> int:
    """Busy ticks of all cores: user, nice, system, irq, softirq, steal (not idle, not iowait)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return user + nice + system + irq + softirq + steal


def process_ticks(pid: int) -> int:
    """utime + stime of a process and of its waited-for children, in ticks (0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": field 3 onwards
    return sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class CpuSample:
    seconds: float
    client_cpu_s: float
    emulator_cpu_s: float


class CpuMeter:
    """``with CpuMeter(pids) as meter: ...`` then ``meter.sample``."""

    def __init__(self, emulator_pids: tuple[int, ...]) -> None:
        self.pids = emulator_pids
        self.sample = CpuSample(0.0, 0.0, 0.0)

    def _now(self) -> tuple[float, int, int]:
        return os.times().elapsed, machine_busy_ticks(), sum(process_ticks(p) for p in self.pids)

    def __enter__(self) -> CpuMeter:
        self._start = self._now()
        return self

    def __exit__(self, *_exc: object) -> None:
        end = self._now()
        busy = end[1] - self._start[1]
        emulators = end[2] - self._start[2]
        self.sample = CpuSample(end[0] - self._start[0], (busy - emulators) / _TICKS, emulators / _TICKS)
