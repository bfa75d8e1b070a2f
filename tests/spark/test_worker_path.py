"""The local Python workers' import path (jobs.spark_daemon): nothing on it that every task re-reads."""

from __future__ import annotations

from typing import Any


def _import_state(_partition: Any) -> Any:
    import sys

    zips = [p for p in sys.path if p.endswith((".zip", ".jar"))]
    zip_importers = [k for k, v in sys.path_importer_cache.items() if type(v).__name__ == "zipimporter"]
    import pyspark

    yield (zips, zip_importers, pyspark.__file__)


def test_workers_import_pyspark_from_site_packages_with_no_zip_or_jar_to_reread(spark: Any) -> None:
    # Every task calls importlib.invalidate_caches(), which re-reads the directory of every zip the
    # import system holds an importer for: spark-core's jar alone has 5,000 entries.
    states = spark.sparkContext.parallelize(range(2), 2).mapPartitions(_import_state).collect()
    assert len(states) == 2
    for zips, zip_importers, pyspark_file in states:
        assert [p for p in zips if "pyspark" in p or "py4j" in p] == []
        assert [k for k in zip_importers if "pyspark" in k or "py4j" in k] == []
        assert "site-packages" in pyspark_file and ".zip" not in pyspark_file


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _check_then_leave_a_cycle(batches: Any) -> Any:
    # Whether the cycle an earlier task on this worker left was collected, then a new one: a
    # reference cycle only the cyclic collector can free, watched through a weak reference kept on
    # a module that lives as long as the worker.
    import gc
    import os
    import weakref

    import pyarrow as pa

    import jobs

    for _batch in batches:  # a task that leaves input unread does not give its worker back for reuse
        pass
    watch = getattr(jobs, "_test_watch", None)
    freed = None if watch is None else watch() is None
    cycle = _Cycle()
    setattr(jobs, "_test_watch", weakref.ref(cycle))  # a probe on a module the worker keeps
    del cycle
    yield pa.RecordBatch.from_pylist([{"pid": os.getpid(), "freed": freed, "frozen": gc.get_freeze_count()}])


def test_a_reused_worker_freezes_its_long_lived_objects_and_still_collects_a_tasks_garbage(spark: Any) -> None:
    # pyspark's daemon runs a full collection after every task; the worker freezes what survived
    # the task, so those collections no longer walk pyarrow's, pyspark's and boto3's objects.
    one_task = spark.range(1).repartition(1)
    rows = [
        one_task.mapInArrow(_check_then_leave_a_cycle, "pid long, freed boolean, frozen long").collect()[0]
        for _ in range(16)  # idle workers take tasks in turn; a session's earlier tests may have left several
    ]
    after_a_task = [r for r in rows if r["freed"] is not None]
    assert after_a_task, f"local Spark did not reuse a Python worker: {rows}"
    assert all(r["freed"] for r in after_a_task), f"a reference cycle a task left behind was not collected: {rows}"
    assert all(r["frozen"] > 50_000 for r in after_a_task), rows


def _what_a_fresh_task_finds(_partition: Any) -> Any:
    # Looked at before this task imports anything of the job's: what the worker was forked with.
    import sys

    from jobs.aws import clients
    from jobs.core.canonical import container_grammar

    modules = [name for name in _DAEMON_TASK_MODULES if name in sys.modules]
    yield (modules, sorted(clients.loaded_service_models()), container_grammar.cache_info().currsize)


_DAEMON_TASK_MODULES = ("jobs.sink.direct", "jobs.sink.load", "jobs.validate.sides", "jobs.validate.target_scan")


def test_workers_are_forked_with_the_task_modules_and_the_aws_models_already_loaded(spark: Any) -> None:
    # Spark stops a worker idle for a minute; the fresh fork that replaces it must not import the
    # job's modules, re-read botocore's service models or compile the canonical grammar on its own.
    found = spark.sparkContext.parallelize(range(2), 2).mapPartitions(_what_a_fresh_task_finds).collect()
    assert len(found) == 2
    for modules, models, grammars in found:
        assert modules == list(_DAEMON_TASK_MODULES)
        assert {"s3", "dynamodb", "sts"} <= set(models), models
        assert grammars == 1
