"""Spark's Python worker daemon, with Ctrl-C left to the driver.

A terminal sends Ctrl-C (SIGINT) to the whole foreground process group: the driver, and the
Python workers that local Spark forks. pyspark's own daemon gives each worker Python's default
SIGINT handler, so every running task dies with a KeyboardInterrupt traceback in the log and
the job fails before the driver can stop it in order. Started as ``spark.python.daemon.module``
(local sessions only, see :func:`jobs.spark.get_spark`), this daemon and its workers ignore
SIGINT as an exception: SIGINT only asks the running task to stop after its current batch
(:func:`jobs.core.signals.request_stop`); the load stage then ends its partition quietly with the
files it finished, and the driver restores the capacity and writes the partial report (ADR 0013).
SIGTERM and SIGKILL still end them as before.

Spark puts the ``pyspark.zip`` and ``py4j`` zips that ship inside the pip-installed package, and
the ``spark-core`` jar, on a local worker's path, and every task calls
``importlib.invalidate_caches()``, which re-reads the whole directory of every zip the import
system has seen: about 50 ms of CPU per task (seen with py-spy, ADR 0014). When those zips are
the installed package's own (the same files), the daemon drops them and the jar from the path
and forgets the zip importers already made, before it imports pyspark, so the workers import
from site-packages and a task starts without that cost.

A reused worker runs a full ``gc.collect()`` after every task. Once pyarrow, pyspark and the
boto3 models are loaded, a worker holds about 100,000 tracked objects, and each full collection
walks all of them (75 ms of CPU, measured in a process that had loaded the same modules), as
does every automatic collection of the oldest generation during the task. After each task the
worker therefore collects once and then freezes what survived (``gc.freeze``): modules, caches
and clients that live as long as the worker. Later collections walk only what later tasks make.
Anything a task leaves behind is collected before the freeze; an object that outlives its task
and only later becomes part of an unreachable cycle stays, as frozen objects are never collected.

Spark stops a Python worker that has been idle for a minute (a fixed timeout), and the next task
gets a fresh fork of the daemon. A fresh worker used to import the job's task modules itself
(pyarrow, botocore, the load and validation code: about 0.3 s of CPU) and read the S3 and
DynamoDB service models for its clients (about 0.1 s). A plain copy on four task slots starts
eight workers, so a run that found none idle paid about 1.5 s of CPU more than one that reused
them: 25 us per item at 100,000 items (the bench, whose other tools run longer than a minute
between two copies, measured 74 us per item against 49 with reused workers). The daemon
therefore imports those modules once, before it forks (:data:`TASK_MODULES`), and reads the
service models of the workers' AWS clients into the process's shared botocore loader
(:func:`jobs.aws.clients.warm_service_models`); every worker starts with them loaded and
frozen. None of it starts a thread of Python's or opens a socket; pyarrow's allocator starts one
background thread, which jemalloc's own fork handlers account for, as in any process that forks
after importing pyarrow.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import signal
import sys
from pathlib import Path
from typing import Any


def without_bundled_archives(path: list[str]) -> list[str]:
    """``path`` less the zips under ``<entry>/pyspark/python/lib/`` of another entry of it, and
    less any jar (Spark adds ``spark-core``'s, 5,000 entries and not one Python module)."""
    bundled = {Path(entry, "pyspark", "python", "lib").resolve() for entry in path if entry}
    return [
        entry
        for entry in path
        if not (entry.endswith(".jar") or (entry.endswith(".zip") and Path(entry).resolve().parent in bundled))
    ]


sys.path[:] = without_bundled_archives(sys.path)
# ``python -m`` searched the path for this module before the line above ran, and left a zip
# importer per zip in the cache; ``invalidate_caches`` would still re-read each of them per task.
sys.path_importer_cache.clear()

from pyspark import daemon  # noqa: E402 - imported from site-packages once the bundled zips are off the path

from jobs.core.signals import clear_stop, request_stop  # noqa: E402

_worker_main: Any = getattr(daemon, "worker_main")  # noqa: B009 - not exported in pyspark's stubs


def _main_ignoring_sigint(infile: Any, outfile: Any) -> Any:
    clear_stop()  # a reused worker: each task starts afresh
    signal.signal(signal.SIGINT, request_stop)  # pyspark's worker() has just set the default handler
    try:
        return _worker_main(infile, outfile)
    finally:
        settle_heap()


def settle_heap() -> None:
    """Collect what the task left, and freeze the rest, so pyspark's collection after the task
    (and the next task's own) no longer walk the worker's long-lived objects."""
    gc.collect()
    gc.freeze()


# What the job's mapInArrow bodies import: the direct copy, the load, the reads, the validation.
TASK_MODULES = (
    "pyspark.worker",
    "pyspark.sql.pandas.serializers",
    "jobs.sink.direct",
    "jobs.sink.load",
    "jobs.sink.import_table",
    "jobs.source.sources",
    "jobs.validate.sides",
    "jobs.validate.target_scan",
)

# Named, like the modules: the daemon sits below every stage and is only their launcher.
TASK_WARMUPS = ("jobs.aws.clients:warm_service_models", "jobs.core.canonical:container_grammar")


def preload() -> None:
    """Import the task modules, read the AWS service models the tasks' clients need and compile the
    direct path's grammar of canonical values, so forked workers start with them. What fails here
    is left for the task to do again, and to fail with its own traceback where the job reports it."""
    for name in TASK_MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for name in TASK_WARMUPS:
        module, function = name.split(":")
        with contextlib.suppress(Exception):
            getattr(importlib.import_module(module), function)()


setattr(daemon, "worker_main", _main_ignoring_sigint)  # noqa: B010 - daemon.worker() looks it up per call

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    preload()
    settle_heap()  # the forked workers inherit the daemon's objects as frozen too
    manager: Any = daemon.manager
    manager()
