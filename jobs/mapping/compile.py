"""Compile a :class:`MappingSpec` into a Spark transform over item rows.

Everything but nested renames/drops runs in the JVM as Spark SQL over the
``map<name, AttributeValue JSON>`` item column; attributes the mapping does not touch are
carried through as the same text. Expressions (filter, derive, key) see the *source*
attributes through typed access chosen from a sample (see ``inventory``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.functions import pandas_udf

from jobs.core.errors import ConfigError
from jobs.core.rows import TRAILER_LINE
from jobs.mapping import sqlcols
from jobs.mapping.inventory import inventory, typed_access
from jobs.mapping.nested import NestedOp, apply_nested
from jobs.mapping.spec import MappingSpec

ROW_COLUMNS = ("file_key", "line_no", "item", "dead_reason", "dead_stage", "filtered", "line")
ROW_SCHEMA = (
    "file_key string, line_no long, item map<string,string>, dead_reason string, dead_stage string, "
    "filtered boolean, line string"
)
_META = "__m_"


def referenced_names(spark: SparkSession, sql: str, where: str) -> list[str]:
    """Top-level attribute names an expression refers to, from Spark's own SQL parser."""
    try:
        root = spark._jsparkSession.sessionState().sqlParser().parseExpression(sql)
    except Exception as exc:  # py4j wraps Spark's ParseException
        message = str(exc).split("\n", 2)
        detail = next((m for m in message if "Syntax error" in m or "PARSE" in m), message[0])
        raise ConfigError(f"{where}: {sql!r} is not a valid Spark SQL expression: {detail.strip()[:300]}") from None
    names: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.getClass().getSimpleName() == "UnresolvedAttribute":
            parts = node.nameParts()
            top = parts.apply(0)
            if top not in names:
                names.append(top)
        children = node.children()
        stack.extend(children.apply(i) for i in range(children.size()))
    return names


def _nested_udf(top: str, ops: list[NestedOp]) -> Any:
    def apply(values: pd.Series) -> pd.DataFrame:
        rows = [apply_nested(v, top, ops) for v in values]
        return pd.DataFrame(rows, columns=["value", "error"])

    return pandas_udf(apply, returnType="value string, error string")  # type: ignore[call-overload]


@dataclass
class CompiledMapping:
    """A mapping ready to apply: typed access per referenced attribute, checked expressions."""

    spec: MappingSpec
    access: dict[str, str] = field(default_factory=dict)
    expression_refs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def identity(self) -> bool:
        return self.spec.empty

    def _expressions(self) -> list[tuple[str, str, str]]:
        """(label, column alias, SQL) for every expression the mapping evaluates."""
        out = []
        if self.spec.filter:
            out.append(("mapping.filter", "__keep", self.spec.filter))
        out += [(f"mapping.derive.{d.name}", f"__d{i}", d.expr) for i, d in enumerate(self.spec.derives)]
        out += [(f"mapping.key.{k.name}", f"__k{i}", k.expr) for i, k in enumerate(self.spec.keys)]
        return out

    def transform(self, rows: DataFrame) -> DataFrame:
        """Apply the mapping. Rows keep their partition and order; none is dropped."""
        if self.identity:
            return rows
        item = F.col("item")
        typed_cols = [sqlcols.typed(item.getItem(n), a).alias(n) for n, a in self.access.items()]
        base = rows.select(*[F.col(c).alias(_META + c) for c in ROW_COLUMNS], *typed_cols)
        mismatch = [
            F.when(
                item_value.isNotNull() & (item_value != F.lit('{"NULL":true}')) & F.col(n).isNull(),
                F.lit(f"attribute {n!r} cannot be read as {a} (type differs from the sample, or out of range)"),
            )
            for n, a in self.access.items()
            if any(n in refs for label, refs in self.expression_refs.items() if label != "mapping.filter")
            for item_value in [F.col(_META + "item").getItem(n)]
        ]
        evaluated = base.select(
            *[F.col(_META + c) for c in ROW_COLUMNS],
            *[F.expr(sql).alias(alias) for _label, alias, sql in self._expressions()],
            F.coalesce(*mismatch, F.lit(None).cast("string")).alias("__mismatch"),
            *([F.col(self.spec.latest_by).alias("__order")] if self.spec.latest_by else []),
        )
        return self._assemble(evaluated)

    def _assemble(self, df: DataFrame) -> DataFrame:
        # Each step's item map is a column of its own (``_staged``): built as one expression, every
        # step would be inlined into each of its uses (the rename checks, the final CASE), and the
        # JVM evaluated the early steps dozens of times per row (ADR 0004, addendum).
        spec = self.spec
        original = F.col(_META + "item")
        errors: list[Column] = [F.col("__mismatch")]
        # nested renames and drops (Arrow UDF over just the affected attributes)
        nested: dict[str, list[NestedOp]] = {}
        for old, new in spec.renames:
            if old.nested:
                nested.setdefault(old.top, []).append(("rename", old.parts[1:], new.parts[1:]))
        for path in spec.drops:
            if path.nested:
                nested.setdefault(path.top, []).append(("drop", path.parts[1:], ()))
        nested_cols = {top: _nested_udf(top, ops)(original.getItem(top)) for top, ops in nested.items()}
        current = original
        if nested_cols:
            df = df.select("*", *[c.alias(f"__n_{i}") for i, c in enumerate(nested_cols.values())])
            refs = {top: F.col(f"__n_{i}") for i, top in enumerate(nested_cols)}
            df, current = _staged(
                df, "__c_nested", sqlcols.replace_values(original, {t: r.getField("value") for t, r in refs.items()})
            )
            errors += [r.getField("error") for r in refs.values()]
        # casts (source names), top-level drops, renames, then set/derive/key: the item map is rebuilt
        # once for all of them, in _rebuilt (ADR 0004, second addendum)
        casts: dict[str, Column] = {}
        for i, (name, to) in enumerate(spec.casts):
            df, casts[name] = _staged(df, f"__cast_{i}", sqlcols.cast_value(current.getItem(name), to))
            value = current.getItem(name)
            errors.append(
                F.when(
                    value.isNotNull() & casts[name].isNull(),
                    F.concat(F.lit(f"mapping.cast.{name}: cannot cast "), value, F.lit(f" to {to}")),
                )
            )
        drops = {p.top for p in spec.drops if not p.nested}
        renames = [(o.top, n.top) for o, n in spec.renames if not o.nested]
        conflict: Column | None = None
        if renames:
            olds = [o for o, _n in renames]
            keys = F.map_keys(current)
            conflict = F.lit(None).cast("string")
            for source_name, new_name in renames:
                # as after the casts and drops: a dropped attribute is not there to clash (a failed
                # cast is reported before any clash)
                clash = F.array_contains(keys, source_name) & F.array_contains(keys, new_name)
                clash = clash & F.lit(new_name not in olds and source_name not in drops and new_name not in drops)
                conflict = F.when(
                    clash,
                    F.lit(
                        f"mapping.rename.{source_name}: this item already has an attribute "
                        f"{new_name!r}; renaming would overwrite it"
                    ),
                ).otherwise(conflict)
            df, conflict = _staged(df, "__conflict", conflict)
            errors.append(conflict)
        produced: dict[str, Column] = {name: F.lit(text) for name, text in spec.sets}
        for label, alias, _sql in self._expressions():
            if alias == "__keep":
                continue
            declared = next(d.type for d in (*spec.derives, *spec.keys) if label.endswith("." + d.name))
            value, reason = sqlcols.marshal(F.col(alias), df.schema[alias].dataType, declared, label)
            name = label.split(".", 2)[2]
            inputs = self.expression_refs.get(label, [])
            all_present = F.lit(True)
            for ref in inputs:
                all_present = all_present & original.getItem(ref).isNotNull()
            errors.append(
                F.when(
                    F.col(alias).isNull() & all_present & F.lit(bool(inputs)),
                    F.lit(f"{label} produced NULL from non-null inputs (overflow or invalid input?)"),
                )
            )
            if reason is not None:
                errors.append(reason)
            produced[name] = value
        rebuilt = _rebuilt(current, casts, drops, dict(renames), produced)
        # a rename clash leaves the item dead-lettered as it came; its map is not rebuilt (the
        # clashing names would make Spark's map functions fail the task)
        df, current = _staged(df, "__c_final", rebuilt if conflict is None else F.when(conflict.isNull(), rebuilt))
        is_item = (F.col(_META + "line_no") != F.lit(TRAILER_LINE)) & F.col(_META + "dead_reason").isNull()
        keep = F.coalesce(F.col("__keep"), F.lit(False)) if spec.filter else F.lit(True)
        df, reason = _staged(df, "__reason", F.when(is_item & keep, F.coalesce(*errors, F.lit(None).cast("string"))))
        return df.select(
            F.col(_META + "file_key").alias("file_key"),
            F.col(_META + "line_no").alias("line_no"),
            F.when(is_item & keep & reason.isNull(), current).otherwise(original).alias("item"),
            F.coalesce(F.col(_META + "dead_reason"), reason).alias("dead_reason"),
            F.when(F.col(_META + "dead_reason").isNotNull(), F.col(_META + "dead_stage"))
            .when(reason.isNotNull(), F.lit("mapping"))
            .alias("dead_stage"),
            (F.col(_META + "filtered") | (is_item & ~keep)).alias("filtered"),
            F.when(reason.isNotNull(), sqlcols.item_json(original)).otherwise(F.col(_META + "line")).alias("line"),
            *([F.col("__order").alias("order_key")] if spec.latest_by else []),
        )


def _rebuilt(
    item: Column, casts: dict[str, Column], drops: set[str], renamed: dict[str, str], produced: dict[str, Column]
) -> Column:
    """``item`` after, in this order: the cast values replace theirs, ``drops`` are removed, names are
    renamed, and ``produced`` values are set (a NULL one removes the attribute), in one rebuild.

    An attribute is carried over (renamed where asked) unless it is cast, dropped, or its final
    name is produced; cast values are added under their final names unless dropped or produced
    over. Both parts are disjoint for an item without a rename clash."""

    def final(name: str) -> str:
        return renamed.get(name, name)

    removed = (
        set(casts)
        | drops
        | {n for n in produced if n not in renamed}
        | {o for o, n in renamed.items() if n in produced}
    )
    added = {final(c): v for c, v in casts.items() if c not in drops and final(c) not in produced}
    added.update(produced)
    kept = F.map_filter(item, lambda k, _v: ~k.isin(sorted(removed))) if removed else item
    if renamed:
        mapping = F.create_map(*[F.lit(x) for pair in renamed.items() for x in pair])
        kept = F.transform_keys(kept, lambda k, _v: F.coalesce(mapping[k], k))
    return sqlcols.with_entries(kept, added)


def _staged(df: DataFrame, name: str, value: Column) -> tuple[DataFrame, Column]:
    """``df`` with ``value`` as column ``name``, and that column: later steps refer to it by name,
    so Spark computes it once per row (a projection used more than once is not inlined)."""
    return df.select("*", value.alias(name)), F.col(name)


def compile_mapping(
    spark: SparkSession, spec: MappingSpec, sample: list[dict[str, Any]], key_schema: tuple[tuple[str, str], ...] = ()
) -> CompiledMapping:
    """Resolve typed access from the sample and check every expression, before any job runs."""
    compiled = CompiledMapping(spec)
    if spec.empty:
        return compiled
    spark.conf.set("spark.sql.caseSensitive", "true")  # DynamoDB attribute names are case-sensitive
    stats = inventory(sample)
    overrides = dict(spec.types)
    problems: list[str] = []
    for label, _alias, sql in compiled._expressions():
        try:
            names = referenced_names(spark, sql, label)
            compiled.expression_refs[label] = names
            for name in names:
                compiled.access.setdefault(name, typed_access(stats.get(name), name, overrides.get(name), label))
        except ConfigError as exc:
            problems.append(str(exc))
    if spec.latest_by:
        label = "mapping.collisions.latest_by"
        try:
            compiled.access.setdefault(
                spec.latest_by,
                typed_access(stats.get(spec.latest_by), spec.latest_by, overrides.get(spec.latest_by), label),
            )
        except ConfigError as exc:
            problems.append(str(exc))
    news = [n.top for o, n in spec.renames if not o.nested]
    if len(set(news)) != len(news):
        problems.append("mapping.rename: two attributes are renamed to the same name")
    if not problems:
        problems, rows = check_mapping(compiled, spark, sample)
        if not problems:
            problems = _check_key_types(compiled, rows, dict(key_schema))
    if problems:
        raise ConfigError(
            "invalid mapping:\n" + "\n".join(f"  {p}" for p in problems),
            hint="fix the mapping entries named above; `ddb-migrate plan` shows their effect",
        )
    return compiled


def _check_key_types(compiled: CompiledMapping, rows: list[Row], key_types: dict[str, str]) -> list[str]:
    """A key expression must produce the type the target's key schema declares (``rows``: the
    mapped sample, as :func:`check_mapping` returns it)."""
    problems = []
    kept = [r for r in rows if r["dead_reason"] is None and r["filtered"] is False]
    for key in compiled.spec.keys:
        want = key_types.get(key.name)
        found = {t for r in kept if (t := av_type(r["item"].get(key.name)))}
        if want and found and found != {want}:
            problems.append(
                f"mapping.key.{key.name}: yields {'/'.join(sorted(found))}, but the target table's key "
                f"{key.name!r} is of type {want}"
            )
        if key_types and key.name not in key_types:
            problems.append(
                f"mapping.key.{key.name}: the target table has no key attribute {key.name!r} "
                f"(its key is {', '.join(key_types)})"
            )
    return problems


def av_type(text: str | None) -> str | None:
    return json.loads(text).popitem()[0] if text else None


def sample_rows(spark: SparkSession, sample: list[dict[str, Any]]) -> DataFrame:
    """Item rows (ROW_SCHEMA) for a sample, built the way the reader builds them."""
    data = [
        (
            "sample",
            i + 1,
            {k: json.dumps(v, ensure_ascii=False, separators=(",", ":")) for k, v in item.items()},
            None,
            None,
            False,
            None,
        )
        for i, item in enumerate(sample)
    ]
    return spark.createDataFrame(data, ROW_SCHEMA)


def check_mapping(
    compiled: CompiledMapping, spark: SparkSession, sample: list[dict[str, Any]]
) -> tuple[list[str], list[Row]]:
    """Analyse the transform (types of every expression) and run it on a few sampled items: what
    is wrong, and the mapped rows (in one Spark job, for the key check to reuse)."""
    try:
        return [], compiled.transform(sample_rows(spark, sample[:20])).collect()
    except ConfigError as exc:
        return [str(exc)], []
    except Exception as exc:  # AnalysisException: unknown function, wrong argument types...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [f"a mapping expression does not analyse: {first[:400]}"], []
