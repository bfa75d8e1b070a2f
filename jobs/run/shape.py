"""Read -> map -> check collisions: the source's items in the target's shape, as both sinks load them."""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame, SparkSession

from jobs.config import JobConfig
from jobs.core.item_checks import KeySchema
from jobs.core.phases import phase
from jobs.mapping.compile import CompiledMapping
from jobs.sink.collisions import collisions_possible, resolve_collisions
from jobs.source.items import mapped_items
from jobs.source.sources import Source


def target_items(
    spark: SparkSession,
    config: JobConfig,
    items_from: Source,
    files: list[Any],
    mapping: CompiledMapping,
    key_schema: KeySchema,
) -> DataFrame:
    """The items of ``files`` mapped, with key collisions failed or resolved as the mapping says."""
    with phase("planning the Spark job: read, parse, map"):
        items = mapped_items(spark, items_from, files, mapping, config.partitions)
    if collisions_possible(config.mapping, config.sink.source, key_schema):
        with phase("collision check: reading and mapping every item, grouping by target key"):
            items = resolve_collisions(items, config.mapping, key_schema)
    return items
