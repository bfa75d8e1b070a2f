"""Items from the source in the target's shape: export-style lines parsed into item rows (in the
JVM), and the mapping, checked against a sample of the source, applied to them."""

from __future__ import annotations

import json
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.core.item_checks import KeySchema
from jobs.core.rows import TRAILER_LINE
from jobs.mapping.compile import CompiledMapping, compile_mapping, sample_rows
from jobs.mapping.spec import MappingSpec
from jobs.source.sources import Source

ITEM_SCHEMA = "Item map<string,string>"


def read_items(spark: SparkSession, items_from: Source, files: list[Any], partitions: int | None = None) -> DataFrame:
    """Source lines as rows: file_key, line_no, item (map of name -> AttributeValue JSON), ..."""
    return parse_lines(items_from.lines(spark, files, partitions))


def parse_lines(lines: DataFrame) -> DataFrame:
    """(file_key, line_no, line, error) -> item rows, parsed in the JVM; trailers pass through."""
    item = F.from_json("line", ITEM_SCHEMA).getField("Item")
    trailer = F.col("line_no") == F.lit(TRAILER_LINE)
    bad_line = F.concat(
        F.lit("line "), F.col("line_no").cast("string"), F.lit(' is not a DynamoDB JSON export record {"Item": {...}}')
    )
    dead_reason: Column = F.when(trailer | F.col("error").isNotNull(), F.col("error")).when(
        item.isNull() | (F.size(item) == 0), bad_line
    )
    return lines.select(
        "file_key",
        "line_no",
        item.alias("item"),
        dead_reason.alias("dead_reason"),
        F.lit("read").alias("dead_stage"),
        F.lit(False).alias("filtered"),
        F.when(dead_reason.isNotNull() & ~trailer, F.col("line")).alias("line"),
    )


def compiled_mapping(
    spark: SparkSession,
    mapping: MappingSpec,
    items_from: Source,
    key_schema: KeySchema = (),
    sample: list[dict[str, Any]] | None = None,
) -> CompiledMapping:
    """The mapping, checked against a sample of the source before any job runs (``sample``, when
    the caller has read it already, else a new one)."""
    if mapping.empty:
        return compile_mapping(spark, mapping, [])
    return compile_mapping(spark, mapping, items_from.sample() if sample is None else sample, key_schema)


def mapped_items(
    spark: SparkSession,
    items_from: Source,
    files: list[Any],
    mapping: CompiledMapping,
    partitions: int | None = None,
) -> DataFrame:
    """Item rows in the target's shape: the mapping applied to what the source holds."""
    return mapping.transform(read_items(spark, items_from, files, partitions))


def mapped_sample(spark: SparkSession, mapping: CompiledMapping, sample: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The sample as the target would receive it (name -> AttributeValue JSON text); items the
    mapping filters out or dead-letters are left out."""
    if mapping.identity:
        return [
            {k: json.dumps(v, ensure_ascii=False, separators=(",", ":")) for k, v in item.items()} for item in sample
        ]
    rows = mapping.transform(sample_rows(spark, sample)).collect()
    return [dict(row["item"]) for row in rows if not row["filtered"] and not row["dead_reason"]]
