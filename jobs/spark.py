"""The Spark session: Glue's when running on Glue, a local one otherwise."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pyspark import InheritableThread
from pyspark.sql import SparkSession

from jobs.core.errors import MigrationError, TerminalError
from jobs.core.signals import Terminated


def _default_master() -> str:
    """Twice as many task slots as cores: a task waiting on S3 or DynamoDB leaves its core to another."""
    return f"local[{2 * (os.cpu_count() or 1)}]"


# The local JVM's own log: errors only, so its start does not print its INFO/WARN lines
# (native-hadoop, "Setting default log level") into what a person reads. The gateway's logger is
# named because Spark takes its level for a Python shell's console. Glue keeps its own logging.
QUIET_LOG4J2 = """status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
rootLogger.level = error
rootLogger.appenderRef.stdout.ref = console
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


def _quiet_log4j2() -> str:
    path = Path(tempfile.gettempdir()) / f"ddb-migrate-log4j2-{os.getuid()}.properties"
    if not path.is_file() or path.read_text() != QUIET_LOG4J2:
        path.write_text(QUIET_LOG4J2)
    return str(path)


def get_spark(app_name: str = "ddb-migrate", master: str | None = None) -> SparkSession:
    """Return the active session, or build a local one tuned for small machines.

    On Glue and under spark-submit a session (or its configuration) already exists and
    ``getOrCreate`` picks it up; locally we set the master and keep Python workers on this
    interpreter.
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name)
    # Under spark-submit (Glue, EMR, Kubernetes) the JVM launched us and set the master.
    launched_by_spark = "PYSPARK_GATEWAY_PORT" in os.environ
    if master or not launched_by_spark:
        builder = (
            builder.master(master or os.environ.get("DDB_MIGRATE_SPARK_MASTER", _default_master()))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.memory", os.environ.get("DDB_MIGRATE_DRIVER_MEMORY", "2g"))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.python.worker.reuse", "true")
            .config("spark.task.maxFailures", "1")
            # Ctrl-C goes to the whole process group; the driver alone handles it (jobs/spark_daemon.py)
            .config("spark.python.daemon.module", "jobs.spark_daemon")
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_quiet_log4j2()}")
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def uncompressed_cache_when_local(spark: SparkSession) -> Iterator[None]:
    """Frames cached inside the block stay uncompressed when Spark runs on this one machine.

    Validation persists its comparison and reads it a few times right after building it;
    compressing its columns cost more CPU than it saved (1M keys a side: 6.4-7.0 -> 5.0-5.8 s,
    ADR 0005). On a cluster, and outside the block, the session's own setting applies."""
    if not (spark.sparkContext.master or "").startswith("local"):
        yield
        return
    name = "spark.sql.inMemoryColumnarStorage.compressed"
    before = spark.conf.get(name, "true") or "true"
    spark.conf.set(name, "false")
    try:
        yield
    finally:
        spark.conf.set(name, before)


def spark_tasks(spark: SparkSession) -> Callable[[], str]:
    """What the running Spark stages have done so far, in words, for a phase's heartbeat."""
    tracker = spark.sparkContext.statusTracker()

    def done() -> str:
        stages = [s for s in (tracker.getStageInfo(i) for i in tracker.getActiveStageIds()) if s is not None]
        if not stages:
            return "no Spark stage running"
        finished = sum(s.numCompletedTasks for s in stages)
        return f"Spark tasks {finished}/{sum(s.numTasks for s in stages)} in {len(stages)} running stage(s)"

    return done


def spark_task_counts(spark: SparkSession) -> Callable[[], tuple[int, int] | None]:
    """(tasks done, tasks) of the running Spark stages, None when none runs: a phase's live bar."""
    tracker = spark.sparkContext.statusTracker()

    def counts() -> tuple[int, int] | None:
        stages = [s for s in (tracker.getStageInfo(i) for i in tracker.getActiveStageIds()) if s is not None]
        if not stages:
            return None
        return sum(s.numCompletedTasks for s in stages), sum(s.numTasks for s in stages)

    return counts


T = TypeVar("T")


def off_main_thread(action: Callable[[], T], name: str = "spark-action") -> T:
    """Run ``action``, which blocks in Py4J calls, on a thread of its own while this one waits.

    Signal handlers run on the main thread, and ours raise (Ctrl-C, SIGTERM: ADR 0013). Raised
    inside a Py4J call, the interrupt leaves that thread's gateway connection out of step: the
    cut call's answer is read by the next call, and every later Spark call on the thread fails
    with nonsense such as "PythonRDD does not exist in the JVM". Here the main thread only waits,
    so the interrupt lands in the wait: the action's connection stays whole, and the caller can
    still cancel the job and watch it end through its own. The action's result or error is
    returned or raised as if it had run here.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # handed to the waiting thread as it is
            outcome["error"] = exc

    thread = InheritableThread(target=run, name=name, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.25)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


_ERROR_LINE = re.compile(r"jobs\.[\w.]+\.(\w+Error): (.+)")


@contextmanager
def spark_errors() -> Iterator[None]:
    """Around Spark actions: our own errors pass as they are, Spark's wrapped ones are told plainly."""
    try:
        yield
    except MigrationError:
        raise
    except Exception as exc:  # Spark wraps task failures; surface our own message
        if "KeyboardInterrupt" in str(exc):  # Ctrl-C that reached a Python worker (ADR 0013)
            raise Terminated("a Spark task was interrupted") from None
        raise spark_failure(exc) from exc


def spark_failure(exc: Exception) -> MigrationError:
    """Turn a Spark job failure into our error, keeping the task's own message."""
    matches = _ERROR_LINE.findall(str(exc))
    if matches:
        name, message = matches[-1]
        return TerminalError(f"a Spark task failed with {name}: {message}")
    text = str(exc).strip().splitlines()
    return TerminalError(
        f"the Spark job failed: {text[0] if text else type(exc).__name__}",
        hint="see the Spark driver log for the task's traceback",
    )
