"""Spark Column builders over AttributeValue JSON text: typed access, marshalling, casts."""

from __future__ import annotations

import re
from typing import Any

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BinaryType,
    BooleanType,
    ByteType,
    DataType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
)

from jobs.core.errors import ConfigError

NUMBER_PATTERN = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
_DECIMAL = re.compile(r"^decimal\((\d{1,2}),\s*(\d{1,2})\)$")
INTEGRAL = (ByteType, ShortType, IntegerType, LongType)


def av(kind: str, value: Column) -> Column:
    """``{"<kind>": value}`` as JSON text; NULL when value is NULL."""
    return F.when(value.isNull(), F.lit(None)).otherwise(F.to_json(F.struct(value.alias(kind))))


def type_of(value: Column) -> Column:
    """The type key of an AttributeValue JSON text (``S``, ``N``, ..., ``M``)."""
    return F.regexp_extract(value, r'^\{"([A-Z]+)"', 1)


def typed(value: Column, access: str) -> Column:
    """An attribute as an expression sees it."""
    if access == "string":
        return F.get_json_object(value, "$.S")
    if access == "boolean":
        return F.get_json_object(value, "$.BOOL").cast("boolean")
    if access == "binary":
        return F.unbase64(F.get_json_object(value, "$.B"))
    if access == "json":
        return value
    match = _DECIMAL.match(access)
    if match:
        return F.get_json_object(value, "$.N").cast(f"decimal({match.group(1)},{match.group(2)})")
    raise ConfigError(f"unknown typed access {access!r}")


def plain_number(text: Column) -> Column:
    """Spark's decimal text (``100.5000``, ``1.5E-7``) in DynamoDB's canonical form."""
    sign = F.when(text.startswith("-"), F.lit("-")).otherwise(F.lit(""))
    digits = F.regexp_replace(F.regexp_extract(text, r"^-?([0-9.]+)[eE]", 1), r"\.", "")
    exponent = F.regexp_extract(text, r"[eE]([-+]?[0-9]+)$", 1).cast("int")
    zeros = F.array_join(F.array_repeat(F.lit("0"), -exponent - 1), "")
    expanded = F.when(text.rlike("[eE]-"), F.concat(sign, F.lit("0."), zeros, digits)).otherwise(text)
    trimmed = F.when(expanded.contains("."), F.regexp_replace(F.regexp_replace(expanded, r"0+$", ""), r"\.$", ""))
    trimmed = trimmed.otherwise(expanded)
    return F.when(trimmed.rlike(r"^-?0*$"), F.lit("0")).otherwise(F.regexp_replace(trimmed, r"^(-?)0+([0-9])", "$1$2"))


def marshal(value: Column, data_type: DataType, declared: str | None, where: str) -> tuple[Column, Column | None]:
    """An expression's result as AttributeValue JSON, and a column with a reason when it cannot be."""
    if isinstance(data_type, (FloatType, DoubleType)):
        raise ConfigError(
            f"{where}: the expression yields {data_type.simpleString()}, a floating-point type that "
            "would round numbers",
            hint="use DECIMAL(38,s) arithmetic, e.g. CAST(x AS DECIMAL(38,2))",
        )
    numeric = isinstance(data_type, (DecimalType, *INTEGRAL))
    natural: dict[type, str] = {StringType: "S", BooleanType: "BOOL", BinaryType: "B"}
    kind = declared or ("N" if numeric else natural.get(type(data_type), ""))
    if kind == "S":
        return av("S", value.cast("string")), None
    if kind == "N":
        if numeric:
            return av("N", plain_number(value.cast("string"))), None
        if isinstance(data_type, StringType):
            bad = value.isNotNull() & ~value.rlike(NUMBER_PATTERN)
            reason = F.when(bad, F.concat(F.lit(f"{where}: "), F.to_json(F.array(value)), F.lit(" is not a number")))
            return F.when(bad, F.lit(None)).otherwise(av("N", F.trim(value))), reason
    if kind == "BOOL" and isinstance(data_type, BooleanType):
        return av("BOOL", value), None
    if kind == "B":
        if isinstance(data_type, BinaryType):
            return av("B", F.base64(value)), None
        if isinstance(data_type, StringType):
            return av("B", F.base64(F.encode(value, "UTF-8"))), None
    raise ConfigError(
        f"{where}: cannot store a {data_type.simpleString()} result as DynamoDB type {kind or '?'}",
        hint="give type: S|N|B|BOOL that matches the expression, or cast inside the expression",
    )


_SET_ELEMENT = {"SS": "S", "NS": "N", "BS": "B"}


def _wrap_as(kind: str) -> Any:
    """A one-argument lambda for F.transform (Spark reads a second argument as the index)."""
    return lambda e: F.struct(e.alias(kind))


def _set_to_list(value: Column, kind: Column) -> Column:
    out = F.lit(None).cast("string")
    for set_kind, element in _SET_ELEMENT.items():
        members = F.from_json(value, f"{set_kind} array<string>").getField(set_kind)
        as_list = F.to_json(F.struct(F.transform(members, _wrap_as(element)).alias("L")))
        out = F.when(kind == set_kind, as_list).otherwise(out)
    return out


def _list_to_set(value: Column, set_kind: str) -> Column:
    element = _SET_ELEMENT[set_kind]
    members = F.from_json(value, "L array<map<string,string>>").getField("L")
    values = F.transform(members, lambda e: e.getItem(element))
    valid = (
        (F.size(members) > 0)
        & F.forall(members, lambda e: (F.size(e) == 1) & e.getItem(element).isNotNull())
        & (F.size(F.array_distinct(values)) == F.size(values))
    )
    return F.when(valid, F.to_json(F.struct(values.alias(set_kind))))


def cast_value(value: Column, to: str) -> Column:
    """``value`` (AttributeValue JSON) cast to type ``to``; NULL where it cannot be."""
    kind = type_of(value)
    s, n = F.get_json_object(value, "$.S"), F.get_json_object(value, "$.N")
    b, flag = F.get_json_object(value, "$.B"), F.get_json_object(value, "$.BOOL")
    result = F.when(kind == to, value)
    if to == "S":
        decoded = F.decode(F.unbase64(b), "UTF-8")
        utf8 = F.encode(decoded, "UTF-8") == F.unbase64(b)
        result = result.when(kind == "N", av("S", n)).when((kind == "B") & utf8, av("S", decoded))
    elif to == "N":
        result = result.when((kind == "S") & s.rlike(NUMBER_PATTERN), av("N", F.trim(s)))
        result = result.when(kind == "BOOL", av("N", F.when(flag == "true", "1").otherwise("0")))
    elif to == "B":
        result = result.when(kind == "S", av("B", F.base64(F.encode(s, "UTF-8"))))
    elif to == "BOOL":
        result = result.when((kind == "N") & n.rlike(r"^-?0*\.?0*$"), F.lit('{"BOOL":false}'))
        result = result.when((kind == "N") & n.rlike(r"^0*1(\.0*)?$"), F.lit('{"BOOL":true}'))
    elif to == "L":
        result = result.when(kind.isin("SS", "NS", "BS"), _set_to_list(value, kind))
    elif to in _SET_ELEMENT:
        result = result.when(kind == "L", _list_to_set(value, to))
    return result


def item_json(item: Column) -> Column:
    """A map<name, AttributeValue JSON> as the item's JSON text (for dead letters)."""
    entries = F.transform(
        F.map_entries(item),
        lambda e: F.concat(
            F.regexp_extract(F.to_json(F.array(e.getField("key"))), r"^\[(.*)\]$", 1), F.lit(":"), e.getField("value")
        ),
    )
    return F.concat(F.lit("{"), F.array_join(entries, ","), F.lit("}"))


def replace_values(item: Column, values: dict[str, Column]) -> Column:
    """``item`` with the named attributes set to ``values`` (a NULL value removes the attribute)."""
    if not values:
        return item
    names = list(values)
    return with_entries(F.map_filter(item, lambda k, _v: ~k.isin(names)), values)


def with_entries(item: Column, values: dict[str, Column]) -> Column:
    """``item`` plus the named entries whose value is not NULL; none of the names may be in ``item``."""
    if not values:
        return item
    added = F.create_map(*[c for name, value in values.items() for c in (F.lit(name), value)])
    return F.map_concat(item, F.map_filter(added, lambda _k, v: v.isNotNull()))
