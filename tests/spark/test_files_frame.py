"""The export's data files for Spark tasks: every file once, in order, spread as asked, looked up by
the tasks themselves, with no Python worker started only to hand the rows over and no Spark job
beyond the tasks' own."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pyarrow as pa
import pytest
from pyspark import Broadcast, TaskContext

from jobs.source.export_format import DataFile
from jobs.source.read import files_at
from jobs.source.sources import FilesFrame, files_frame


def _files(count: int) -> list[DataFile]:
    return [DataFile(key=f"data/{n:05d}.json.gz", item_count=n * 3, md5=f"md5-{n}") for n in range(count)]


def _listed(spark: Any, files: list[DataFile], partitions: int | None) -> FilesFrame:
    return files_frame(spark, files, partitions)


SEEN = "key string, item_count long, md5 string, partition int"
SEEN_ARROW = pa.schema(
    [("key", pa.string()), ("item_count", pa.int64()), ("md5", pa.string()), ("partition", pa.int32())]
)


def _seen_by_tasks(
    batches: Iterator[pa.RecordBatch], files: Broadcast[tuple[DataFile, ...]]
) -> Iterator[pa.RecordBatch]:
    """What a task finds, as the load's tasks find it (``files_at``), with its partition."""
    partition = TaskContext.get().partitionId()  # type: ignore[union-attr]
    found = list(files_at(batches, files))
    yield pa.RecordBatch.from_pydict(
        {
            "key": [f.key for f in found],
            "item_count": [f.item_count for f in found],
            "md5": [f.md5 for f in found],
            "partition": [partition] * len(found),
        },
        schema=SEEN_ARROW,
    )


@pytest.mark.parametrize(
    ("count", "partitions", "sizes"),
    [
        (1, None, [1]),
        (4, None, [1, 1, 1, 1]),
        (10, 4, [2, 3, 2, 3]),  # near-equal runs of consecutive files
        (7, 3, [2, 2, 3]),
        (3, 8, [1, 1, 1]),  # never more partitions than files
        (0, None, []),  # nothing to do: no partition, no task
    ],
)
def test_the_tasks_find_every_file_once_in_order_in_runs_of_near_equal_length(
    spark: Any, count: int, partitions: int | None, sizes: list[int]
) -> None:
    files = _files(count)
    listed = _listed(spark, files, partitions)
    rows = listed.positions.mapInArrow(partial(_seen_by_tasks, files=listed.files), SEEN).collect()
    assert [DataFile(r["key"], r["item_count"], r["md5"]) for r in rows] == files
    assert listed.positions.rdd.getNumPartitions() == len(sizes)
    assert [sum(1 for r in rows if r["partition"] == p) for p in range(len(sizes))] == sizes


def test_the_rows_are_made_in_the_jvm_without_a_python_rdd(spark: Any) -> None:
    listed = _listed(spark, _files(5), None)
    lineage = listed.positions._jdf.queryExecution().toRdd().toDebugString()
    assert "PythonRDD" not in lineage, lineage


def test_reading_the_files_takes_one_spark_job(spark: Any) -> None:
    """A frame of the files themselves took two more jobs per run (unpickling the rows in the JVM,
    then the broadcast join's), about 0.7 s of JVM CPU each time (ADR 0014, seventh addendum)."""
    tracker = spark.sparkContext.statusTracker()
    before = set(tracker.getJobIdsForGroup(None))
    listed = _listed(spark, _files(6), 3)
    rows = listed.positions.mapInArrow(partial(_seen_by_tasks, files=listed.files), SEEN).collect()
    assert len(rows) == 6
    assert len(set(tracker.getJobIdsForGroup(None)) - before) == 1
