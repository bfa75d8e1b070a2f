"""Client CPU for the bench: the whole machine's busy time less the emulators' own.

getrusage of children misses Spark's JVM and its Python workers, so the bench reads
``/proc/stat`` (every core's busy ticks) and subtracts what the DynamoDB Local and moto
processes spent (``/proc/<pid>/stat``). Anything else running on the machine is counted as
client CPU: the figures only mean something on a quiet machine.

Beside that total, the meter splits the client CPU by where it was spent: this process (the
bench, which is also ddb-migrate's Spark driver and runs the raw ceiling, the put-per-item
script and awswrangler), the Spark JVM, the Python workers, other child processes
(dynamodump), and the rest of the machine (the kernel's interrupt work for the loopback
traffic, and any process that is not the bench's). A figure well above the sum of a tool's
own processes says the machine was not quiet.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil

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


SHARES = ("bench process", "Spark JVM", "Python workers", "other children", "rest of machine")


def _ticks(seconds: float) -> int:
    return round(seconds * _TICKS)


def process_shares(emulator_pids: tuple[int, ...]) -> dict[tuple[int, str], int]:
    """(pid, share) -> CPU ticks so far, for this process and its descendants, emulators left out.

    A descendant's count includes its waited-for children (the Python workers' daemon reaps the
    workers it forks). This process's own children that have ended and been waited for
    (dynamodump) are "other children".
    """
    me = psutil.Process()
    own = me.cpu_times()
    found = {
        (me.pid, "bench process"): _ticks(own.user + own.system),
        (me.pid, "other children"): _ticks(own.children_user + own.children_system),
    }
    emulators = set(emulator_pids)
    for child in me.children(recursive=True):
        try:
            lineage = [p for p in child.parents() if p.pid != me.pid]
            if emulators & {child.pid, *(p.pid for p in lineage)}:
                continue
            if "java" in child.name():
                share = "Spark JVM"
            elif any("java" in p.name() for p in lineage):
                share = "Python workers"
            else:
                share = "other children"
            times = child.cpu_times()
            found[(child.pid, share)] = _ticks(times.user + times.system + times.children_user + times.children_system)
        except psutil.Error:
            continue
    return found


@dataclass
class CpuSample:
    seconds: float
    client_cpu_s: float
    emulator_cpu_s: float
    shares_s: dict[str, float] = field(default_factory=dict)  # client CPU by SHARES, seconds


class CpuMeter:
    """``with CpuMeter(pids) as meter: ...`` then ``meter.sample``."""

    def __init__(self, emulator_pids: tuple[int, ...]) -> None:
        self.pids = emulator_pids
        self.sample = CpuSample(0.0, 0.0, 0.0)

    def _now(self) -> tuple[float, int, int]:
        return os.times().elapsed, machine_busy_ticks(), sum(process_ticks(p) for p in self.pids)

    def __enter__(self) -> CpuMeter:
        self._processes = process_shares(self.pids)
        self._start = self._now()
        return self

    def __exit__(self, *_exc: object) -> None:
        end = self._now()
        processes = process_shares(self.pids)
        busy = end[1] - self._start[1]
        emulators = end[2] - self._start[2]
        shares: Counter[str] = Counter()
        for (pid, share), ticks in processes.items():
            shares[share] += ticks - self._processes.get((pid, share), 0)
        shares["rest of machine"] = busy - emulators - sum(shares.values())
        self.sample = CpuSample(
            end[0] - self._start[0],
            (busy - emulators) / _TICKS,
            emulators / _TICKS,
            {name: shares[name] / _TICKS for name in SHARES},
        )
