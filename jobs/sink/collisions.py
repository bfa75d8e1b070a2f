"""Target-key collisions, found across the whole run in Spark before anything is written.

Two source items that map to one target key would silently overwrite each other (native
Import's known flaw). Policy ``fail`` stops the run with the count and sample pairs;
``keep_latest`` keeps, per key, the item with the greatest ``latest_by`` value (ties broken by
file and line, so the choice is deterministic) and counts the others as filtered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.aws import tables
from jobs.config import TableRef
from jobs.core.errors import TerminalError
from jobs.core.item_checks import KeySchema
from jobs.core.rows import TRAILER_LINE
from jobs.mapping import sqlcols
from jobs.mapping.spec import MappingSpec

log = logging.getLogger(__name__)

MAX_SUPERSEDED_ON_DRIVER = 2_000_000


class CollisionError(TerminalError):
    """Source items map onto the same target key."""


@dataclass
class CollisionReport:
    colliding_keys: int = 0
    colliding_items: int = 0
    samples: list[dict[str, object]] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"{self.colliding_keys} target keys are produced by more than one source item "
            f"({self.colliding_items} items in all)"
        ]
        for sample in self.samples:
            where = ", ".join(f"{w['file_key']}:{w['line_no']}" for w in sample["where"])  # type: ignore[attr-defined]
            lines.append(f"  key {sample['key']} <- {where}")
        return "\n".join(lines)


def _key_part(value: Column) -> Column:
    """A key attribute's text, with numbers in canonical form so 1.0 and 1 collide as in DynamoDB."""
    number = F.get_json_object(value, "$.N")
    return F.when(
        sqlcols.type_of(value) == "N", F.concat(F.lit('{"N":"'), sqlcols.plain_number(number), F.lit('"}'))
    ).otherwise(value)


def _writable(mapped: DataFrame, key_names: tuple[str, ...]) -> DataFrame:
    ok = (F.col("line_no") != TRAILER_LINE) & F.col("dead_reason").isNull() & ~F.col("filtered")
    for name in key_names:
        ok = ok & F.col("item").getItem(name).isNotNull()
    key = F.to_json(F.array(*[_key_part(F.col("item").getItem(n)) for n in key_names]))
    return mapped.where(ok).select(
        key.alias("key"), "file_key", "line_no", *(["order_key"] if "order_key" in mapped.columns else [])
    )


def find_collisions(mapped: DataFrame, key_names: tuple[str, ...], samples: int = 5) -> CollisionReport:
    """Count keys produced more than once (a Spark job over the whole run).

    Only a count per key crosses the shuffle (combined before it); where the colliding items came
    from is looked up afterwards for the few sampled keys, and only when there are collisions.
    """
    keyed = _writable(mapped, key_names)
    duplicated = keyed.groupBy("key").agg(F.count(F.lit(1)).alias("n")).where(F.col("n") > 1).cache()
    try:
        totals = duplicated.agg(F.count(F.lit(1)).alias("keys"), F.sum("n").alias("items")).collect()[0]
        report = CollisionReport(int(totals["keys"] or 0), int(totals["items"] or 0))
        if report.colliding_keys:
            sampled = [r["key"] for r in duplicated.orderBy("key").limit(samples).collect()]
            report.samples = _where(keyed, key_names, sampled)
    finally:
        duplicated.unpersist()
    return report


def _where(keyed: DataFrame, key_names: tuple[str, ...], keys: list[str]) -> list[dict[str, object]]:
    """For each of ``keys``: the key as a person reads it, and the first three (file, line) producing it."""
    wanted = keyed.sparkSession.createDataFrame([(k,) for k in keys], "key string")
    rows = (
        keyed.join(F.broadcast(wanted), "key")
        .groupBy("key")
        .agg(F.slice(F.array_sort(F.collect_list(F.struct("file_key", "line_no"))), 1, 3).alias("where"))
        .collect()
    )
    places = {r["key"]: [w.asDict() for w in r["where"]] for r in rows}
    return [
        {
            "key": ", ".join(f"{n}={v}" for n, v in zip(key_names, json.loads(key), strict=True)),
            "where": places.get(key, []),
        }
        for key in keys
    ]


def superseded(mapped: DataFrame, key_names: tuple[str, ...]) -> list[tuple[str, int]]:
    """(file, line) of every item that loses to a later version of the same target key."""
    keyed = _writable(mapped, key_names)
    order = Window.partitionBy("key").orderBy(
        F.col("order_key").desc_nulls_last(), F.col("file_key").desc(), F.col("line_no").desc()
    )
    ranked = keyed.withColumn("n", F.count(F.lit(1)).over(Window.partitionBy("key"))).where(F.col("n") > 1)
    losers = ranked.withColumn("rank", F.row_number().over(order)).where(F.col("rank") > 1)
    count = losers.count()
    if count > MAX_SUPERSEDED_ON_DRIVER:
        raise CollisionError(
            f"{count} items are superseded by later versions; too many to resolve in one run",
            hint="deduplicate the source first, or split the run",
        )
    return [(r["file_key"], int(r["line_no"])) for r in losers.select("file_key", "line_no").collect()]


def mark_superseded(mapped: DataFrame, losers: list[tuple[str, int]]) -> DataFrame:
    """Flag the losers as filtered, keeping partitions and order (broadcast join)."""
    if not losers:
        return mapped
    spark = mapped.sparkSession
    table = spark.createDataFrame(losers, "file_key string, line_no long").withColumn("__superseded", F.lit(True))
    joined = mapped.join(F.broadcast(table), ["file_key", "line_no"], "left")
    return joined.withColumn("filtered", F.col("filtered") | F.coalesce(F.col("__superseded"), F.lit(False))).drop(
        "__superseded"
    )


def collisions_possible(mapping: MappingSpec, source: TableRef, target_keys: KeySchema) -> bool:
    """False only when the key is copied untouched from a source with the same key schema."""
    if mapping.touched() & {name for name, _t in target_keys}:
        return True
    try:
        return tables.key_schema(source.account, source.name) != target_keys
    except Exception:  # no access to the source table: check rather than assume
        return True


def resolve_collisions(items: DataFrame, mapping: MappingSpec, key_schema: KeySchema) -> DataFrame:
    """Fail before any write, or keep the latest version per key, as the mapping says."""
    names = tuple(n for n, _t in key_schema)
    found = find_collisions(items, names)
    if not found.colliding_keys:
        return items
    if mapping.collision_policy != "keep_latest":
        raise CollisionError(
            f"nothing was written: {found.describe()}",
            hint="fix the key mapping, or set mapping.collisions: {policy: keep_latest, latest_by: <attribute>}",
        )
    log.warning("%s; keeping the latest by %s", found.describe(), mapping.latest_by)
    return mark_superseded(items, superseded(items, names))
