"""The per-item mapping (pure Python, used by the stream replicator) against the Spark path (the
full load): the same typed access, the same items, the same filter and dead-letter decisions, on
generated items. Any difference here would make replication write something else than the full
load, so every field is compared exactly."""

from __future__ import annotations

import base64
import json
import random
from decimal import Decimal
from typing import Any

import pytest

from jobs.local import datagen
from jobs.local.demo import DEMO_MAPPING
from jobs.mapping.compile import compile_mapping, sample_rows
from jobs.mapping.expr_compile import compile_expression
from jobs.mapping.expr_eval import to_string
from jobs.mapping.item import ItemMapper, resolve_access
from jobs.mapping.spec import parse_mapping

_WORDS = ["alpha", "beta", "Gamma", "délta", "日本語", "emoji😀", "a_b%c", "it's", 'q"t', "tab\there", " pad ", ""]
_NUMBER_TEXT = [" 12.5 ", "+.5", "1e3", "\t7", "-0", "12abc", "", "3.", "--1", "9" * 40]


def _number(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return str(rng.randrange(-(10**20), 10**20))
    if kind == 1:
        return f"{rng.randrange(-(10**8), 10**8)}.{rng.randrange(0, 10**4):04d}".rstrip("0").rstrip(".") or "0"
    if kind == 2:
        return str(rng.randrange(10**37, 10**38))
    if kind == 3:
        return rng.choice(["0.0001", "-0.0005", "0", "1", "-1", "2.5", "-2.5", "0.00005"])
    return str(rng.randrange(-1000, 1000))


def _bytes(rng: random.Random) -> str:
    data = rng.choice([rng.choice(_WORDS).encode("utf-8"), bytes(rng.getrandbits(8) for _ in range(rng.randrange(8)))])
    return base64.b64encode(data).decode("ascii")


def generated_items(count: int, seed: int) -> list[dict[str, Any]]:
    """Items of varied shape: missing attributes, NULLs, odd strings, 38-digit numbers."""
    rng = random.Random(seed)
    items = []
    for index in range(count):
        item: dict[str, Any] = {
            "id": {"S": f"item-{index}"},
            "txt": {"S": rng.choice(_WORDS) + rng.choice(["", "", str(rng.randrange(100))])},
            "n": {"N": _number(rng)},
            "m": {"N": str(rng.randrange(-50, 51))},
            "flag": {"BOOL": rng.random() < 0.5},
            "bin": {"B": _bytes(rng)},
            "num_text": {"S": rng.choice(_NUMBER_TEXT)},
            "tags": {"SS": sorted({rng.choice(_WORDS[:6]) for _ in range(rng.randrange(1, 4))})},
            "nums": {"NS": sorted({str(rng.randrange(-5, 6)) for _ in range(rng.randrange(1, 4))})},
            "lst": {"L": [{"S": rng.choice(["x", "y", "z"])} for _ in range(rng.randrange(0, 3))]},
            "prof": {
                "M": {
                    "address": {"M": {"city": {"S": rng.choice(_WORDS)}, "zip": {"N": str(rng.randrange(9999))}}},
                    "tmp": {"BOOL": True},
                }
            },
        }
        if rng.random() < 0.3:
            item["legacy"] = {"S": rng.choice(_WORDS)}
        if rng.random() < 0.1:
            item["legacy"] = {"NULL": True}
        if rng.random() < 0.15:
            item["title"] = {"S": "already titled"}
        if rng.random() < 0.1:
            item["lst"] = {"L": [{"S": "dup"}, {"S": "dup"}]}
        if rng.random() < 0.05:
            item["prof"]["M"]["address"]["M"]["town"] = {"S": "clash"}
        for name in ("txt", "m", "bin"):
            if rng.random() < 0.05:
                del item[name]
        items.append(item)
    return items


MAPPINGS: dict[str, dict[str, Any]] = {
    "strings": {
        "derive": {
            "label": "concat('ID#', id, '#', txt)",
            "up": "upper(txt)",
            "low": "lower(concat(txt, 'ÀÉ'))",
            "padded": "lpad(CAST(m AS STRING), 5, '0')",
            "rpadded": "rpad(txt, 4, 'xy')",
            "sub": "substring(txt, 2, 3)",
            "tail": "substr(txt, -2)",
            "trimmed": "trim(txt)",
            "chars": "length(txt)",
            "replaced": "replace(txt, 'a', 'AA')",
            "joined": "concat_ws('-', id, legacy, txt)",
            "like": "txt LIKE '%a%'",
            "escaped": "txt LIKE 'a\\\\_b%'",
            "piped": "id || '/' || txt",
            "has": "contains(txt, 'e')",
            "starts": "startswith(txt, 'a')",
            "quoted": "concat('it''s ', \"double\", '\\t')",
        }
    },
    "numbers": {
        "derive": {
            "total": "n * 100",
            "ratio": "n / 3",
            "diff": "n - m",
            "plus": "n + 0.5",
            "neg": "-n",
            "rem": "n % 7",
            "mrem": "m % 7",
            "absm": "abs(m)",
            "two_places": "CAST(n AS DECIMAL(10,2))",
            "whole": "CAST(n AS BIGINT)",
            "small": "CAST(m * 100000000 AS INT)",
            "as_text": "CAST(n AS STRING)",
            "parsed": {"expr": "num_text", "type": "N"},
            "from_text": "CAST(num_text AS DECIMAL(12,3))",
            "int_text": "CAST(num_text AS INT)",
            "bucket": "CASE WHEN m > 10 THEN 'big' WHEN m < -10 THEN 'small' ELSE 'mid' END",
            "either": "if(flag, n, m)",
            "cmp": "n > m",
            "eq": "m = 0 OR m <=> 5",
            "range": "m BETWEEN -5 AND 5",
            "inlist": "m IN (1, 2, 3, NULL)",
            "label": {"expr": "m", "type": "S"},
        }
    },
    "key_and_filter": {
        "key": {"PK": "concat('CUST#', id)", "SK": "concat('N#', lpad(CAST(m + 100 AS STRING), 4, '0'))"},
        "filter": "(flag AND m BETWEEN -20 AND 20) OR txt IN ('alpha', 'beta') OR NOT (m <> 7)",
    },
    "casts": {
        "cast": {
            "n": "S",
            "num_text": "N",
            "flag": "N",
            "m": "BOOL",
            "tags": "L",
            "lst": "SS",
            "bin": "S",
            "txt": "B",
            "nums": "L",
        }
    },
    "renames_drops_sets": {
        "rename": {"txt": "title", "prof.address.city": "prof.address.town", "legacy": "old"},
        "drop": ["bin", "prof.tmp"],
        "set": {"migrated": {"S": "x"}, "ver": {"N": "2"}, "meta": {"M": {"l": {"NS": ["1", "2"]}}}},
    },
    # every step on the same names: the item map is rebuilt once for all of them (compile._rebuilt)
    "overlapping_steps": {
        "cast": {"n": "S", "bin": "S", "txt": "B"},
        "drop": ["bin"],
        "rename": {"txt": "title", "n": "legacy", "legacy": "n"},
        "set": {"title": {"S": "fixed"}, "txt": {"S": "new"}},
        "derive": {"legacy": {"expr": "m", "type": "S"}},
    },
    "rename_clashes": {"rename": {"m": "flag"}, "cast": {"num_text": "N"}, "set": {"v": {"N": "1"}}},
    "mismatch_and_overflow": {
        "types": {"n": "decimal(38,4)", "txt": "string"},
        "derive": {
            "bigger": "n * 100000000000000000000",
            "shout": "concat(txt, '!')",
            "kept": "coalesce(legacy, 'none')",
        },
    },
    "binary": {"derive": {"raw": "bin", "from_text": {"expr": "txt", "type": "B"}, "size": "length(bin)"}},
}


def _mismatched(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [dict(item) for item in items]
    for index in range(0, len(out), 9):
        out[index]["n"] = {"S": "not a number"}
    for index in range(4, len(out), 13):
        out[index]["txt"] = {"N": "5"}
    return out


def _spark_rows(spark, compiled, items):
    rows = compiled.transform(sample_rows(spark, items)).collect()
    return [({k: json.loads(v) for k, v in r["item"].items()}, r["filtered"], r["dead_reason"]) for r in rows]


def _assert_agree(spark, mapping: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, int]:
    spec = parse_mapping(mapping)
    compiled = compile_mapping(spark, spec, items)
    access = resolve_access(spec, items)
    assert list(access.items()) == list(compiled.access.items()), "typed access differs from the Spark path's"
    mapper = ItemMapper(spec, access)
    outcomes = {"mapped": 0, "filtered": 0, "dead": 0}
    for item, (spark_item, spark_filtered, spark_dead) in zip(items, _spark_rows(spark, compiled, items), strict=True):
        mapped = mapper.apply(item)
        where = f"item {item.get('id')}"
        assert mapped.filtered == bool(spark_filtered), where
        assert mapped.dead_reason == spark_dead, where
        assert mapped.item == spark_item, where
        outcomes["filtered" if mapped.filtered else "dead" if mapped.dead_reason else "mapped"] += 1
    return outcomes


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_item_mapper_agrees_with_spark(spark, name):
    items = generated_items(250, seed=sorted(MAPPINGS).index(name) + 1)
    if name == "mismatch_and_overflow":
        items = _mismatched(items)
    outcomes = _assert_agree(spark, MAPPINGS[name], items)
    assert outcomes["mapped"] > 0
    if name == "key_and_filter":
        assert outcomes["filtered"] > 0
    if name in ("casts", "renames_drops_sets", "mismatch_and_overflow", "rename_clashes"):
        assert outcomes["dead"] > 0, "the generated items must also exercise dead letters"


def test_demo_mapping_agrees_on_datagen_items(spark):
    """The README's demo mapping over the rich items of every DynamoDB type."""
    outcomes = _assert_agree(spark, DEMO_MAPPING, list(datagen.make_items(400)))
    assert outcomes["mapped"] > 300 and outcomes["filtered"] > 0


SCALARS = [
    "CAST(CAST('0.0000001' AS DECIMAL(38,10)) AS STRING)",
    "CAST('123.456' AS DECIMAL(38,2))",
    "CAST('-0.005' AS DECIMAL(38,2))",
    "CAST(' 1e2 ' AS DECIMAL(10,0))",
    "CAST('+.5' AS DECIMAL(10,1))",
    "CAST('1.5' AS INT)",
    "CAST('.5' AS INT)",
    "CAST('2147483648' AS INT)",
    "CAST(CAST('3000000000.7' AS DECIMAL(20,1)) AS INT)",
    "CAST(CAST('-0' AS DECIMAL(5,2)) AS STRING)",
    "CAST(CAST('0' AS DECIMAL(38,37)) AS STRING)",
    "CAST('1' AS DECIMAL(38,2)) * 100",
    "CAST('2' AS DECIMAL(38,2)) / 3",
    "CAST('1' AS DECIMAL(38,10)) / CAST('3' AS DECIMAL(38,10))",
    "CAST('7.5' AS DECIMAL(10,2)) % 2",
    "CAST('-7' AS DECIMAL(5,0)) % 3",
    "CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0)) * 10",
    "1 + CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0))",
    "2147483647 + 1",
    "9223372036854775807 + 1",
    "-7 % 3",
    "-(-2147483648)",
    "abs(-2147483648)",
    "1 + 1.5",
    "CASE WHEN true THEN 1 ELSE 2.5 END",
    "coalesce(CAST(1 AS DECIMAL(5,2)), CAST(1 AS DECIMAL(10,0)))",
    "if(NULL, 1, 2)",
    "lpad('hi', 5, 'ab')",
    "lpad('hi', -1, 'x')",
    "rpad('日本', 5, '😀')",
    "substring('hello', -10, 3)",
    "substring('hello', 0, 2)",
    "trim('  a b \\t ')",
    "upper('straße')",
    "concat('x', CAST('12.50' AS DECIMAL(38,2)), true, 5)",
    "concat_ws(NULL, 'a')",
    "'a' 'b' 'c'",
    "'é' < 'z'",
    "CAST(' YES ' AS BOOLEAN)",
    "CAST('maybe' AS BOOLEAN)",
    "'a%c' LIKE 'a\\\\%c'",
    "'a\\nb' LIKE 'a_b'",
    "3 IN (1, NULL)",
    "NULL <=> NULL",
    "true AND NULL",
    "false AND NULL",
    "NOT NULL",
    "replace('abc', '', 'x')",
    "length('日本😀')",
]


def test_scalar_expressions_agree_with_spark(spark):
    """Value and Spark type of literal expressions: decimal rules, overflow, NULL logic, strings
    (one Spark query for all of them)."""
    columns = ", ".join(f"typeof({e}) AS t{i}, CAST({e} AS STRING) AS v{i}" for i, e in enumerate(SCALARS))
    row = spark.sql(f"SELECT {columns}").first()
    differences = []
    for index, expression in enumerate(SCALARS):
        typed = compile_expression(expression, {}, "test")
        value = typed.fn({})
        spark_type, spark_text = row[f"t{index}"], row[f"v{index}"]
        python_type = "void" if typed.type.kind == "null" else str(typed.type)
        if (python_type, to_string(value, typed.type)) != (spark_type, spark_text):
            differences.append(f"{expression}: Spark {spark_type} {spark_text!r}, Python {python_type} {value!r}")
        if isinstance(value, Decimal) and value.as_tuple().exponent != -typed.type.scale:
            differences.append(f"{expression}: {value!r} does not carry the scale of {typed.type}")
    assert not differences, "\n".join(differences)
