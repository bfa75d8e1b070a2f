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
