"""Read -> map -> check collisions: the source's items in the target's shape, as both sinks load them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from jobs.config import JobConfig
from jobs.core.item_checks import KeySchema
from jobs.core.phases import phase
from jobs.mapping.compile import CompiledMapping
from jobs.sink.collisions import collisions_possible, resolve_collisions
from jobs.source.items import mapped_items
from jobs.source.sources import Source

# The collision check reads and maps every item; the load would do it all again (download,
# checks, parse, mapping). Kept in memory, the mapped rows are made once (ADR 0004,
# addendum). MEMORY_ONLY, never disk: a partition that does not fit is simply not kept
# and is read again for the load, so a table larger than the executors' memory costs what it
# did before and can never fill a worker's disk.
KEPT_FOR_LOAD = StorageLevel.MEMORY_ONLY


@contextmanager
def target_items(
    spark: SparkSession,
    config: JobConfig,
    items_from: Source,
    files: list[Any],
    mapping: CompiledMapping,
    key_schema: KeySchema,
) -> Iterator[DataFrame]:
    """The items of ``files`` mapped, with key collisions failed or resolved as the mapping says;
    the rows the collision check mapped are kept for the load until the block ends."""
    with phase("planning the Spark job: read, parse, map"):
        items = mapped_items(spark, items_from, files, mapping, config.partitions)
    if not collisions_possible(config.mapping, config.sink.source, key_schema):
        yield items
        return
    kept = items.persist(KEPT_FOR_LOAD)
    try:
        with phase("collision check: reading and mapping every item, grouping by target key"):
            resolved = resolve_collisions(kept, config.mapping, key_schema)
        yield resolved
    finally:
        kept.unpersist()
