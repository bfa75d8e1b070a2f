"""The export's data files as Spark rows: every file once, in order, spread as asked, with no
Python worker started only to hand the rows over."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import functions as F

from jobs.source.export_format import DataFile
from jobs.source.sources import ExportSource


def _files(count: int) -> list[DataFile]:
    return [DataFile(key=f"data/{n:05d}.json.gz", item_count=n * 3, md5=f"md5-{n}") for n in range(count)]


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
def test_every_file_once_in_order_in_runs_of_near_equal_length(
    spark: Any, count: int, partitions: int | None, sizes: list[int]
) -> None:
    files = _files(count)
    frame = ExportSource.files_frame(None, spark, files, partitions)  # type: ignore[arg-type]  # self unused
    rows = frame.withColumn("partition", F.spark_partition_id()).collect()
    assert [DataFile(r["key"], r["item_count"], r["md5"]) for r in rows] == files
    assert frame.rdd.getNumPartitions() == len(sizes)
    assert [sum(1 for r in rows if r["partition"] == p) for p in range(len(sizes))] == sizes


def test_the_rows_are_made_in_the_jvm_without_a_python_rdd(spark: Any) -> None:
    frame = ExportSource.files_frame(None, spark, _files(5), None)  # type: ignore[arg-type]
    lineage = frame._jdf.queryExecution().toRdd().toDebugString()
    assert "PythonRDD" not in lineage, lineage
