"""Progress datagrams from tasks reach the driver's monitor over loopback UDP."""

import time

from jobs.core.progress import ProgressMonitor, ProgressSink


def test_sinks_add_up_at_the_monitor():
    with ProgressMonitor(total_items=300, total_files=3) as monitor:
        sinks = [ProgressSink(monitor.address, interval_s=0.0) for _ in range(3)]
        for sink in sinks:
            sink.add(items=100, written=90, throttles=2)
            sink.add(files=1)
            sink.flush()
        deadline = time.monotonic() + 5
        while monitor.counts.get("items", 0) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert monitor.counts == {"items": 300, "written": 270, "throttles": 6, "files": 3}
    assert "files 3/3 | items 300/300" in monitor.line() and "throttles 6" in monitor.line()
