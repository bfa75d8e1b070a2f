"""The mapping in local Spark: each operation, dead letters, fail-fast checks, and a property test
that untouched attributes of any type and depth pass through byte for byte."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.core.errors import ConfigError
from jobs.mapping.compile import compile_mapping, sample_rows
from jobs.mapping.spec import parse_mapping
from jobs.sink.writer import item_body
from jobs.source.export_format import export_line
from jobs.source.items import parse_lines

ITEMS = [
    {
        "id": {"S": "a"},
        "n": {"N": "12345678901234567890123456789012345678"},
        "flag": {"BOOL": True},
        "txt": {"S": "héllo 😀"},
        "num_text": {"S": "42.50"},
        "tags": {"SS": ["x", "y"]},
        "nums": {"NS": ["1", "2.5"]},
        "list_s": {"L": [{"S": "p"}, {"S": "q"}]},
        "bin": {"B": base64.b64encode(b"\x00\xffraw").decode()},
        "m": {"M": {"inner": {"M": {"city": {"S": "Oslo"}, "blob": {"B": "AAE="}}}, "gone": {"NULL": True}}},
        "legacy": {"S": "drop me"},
    },
    {
        "id": {"S": "b"},
        "n": {"N": "-0.5"},
        "flag": {"BOOL": False},
        "txt": {"S": ""},
        "num_text": {"S": "not a number"},
        "tags": {"SS": ["z"]},
        "nums": {"NS": ["-1"]},
        "list_s": {"L": [{"S": "p"}, {"N": "1"}]},
        "bin": {"B": base64.b64encode(b"\xff\xfe").decode()},
        "m": {"M": {}},
        "legacy": {"S": "x"},
    },
]


def run(spark, mapping: dict, items=ITEMS, key_schema=()):
    compiled = compile_mapping(spark, parse_mapping(mapping), items, key_schema)
    rows = compiled.transform(sample_rows(spark, items)).collect()
    return [
        ({k: json.loads(v) for k, v in r["item"].items()}, r["dead_reason"], r["filtered"], r["dead_stage"])
        for r in rows
    ]


def test_rename_drop_set_nested(spark):
    (first, dead, *_), _second = run(
        spark,
        {
            "rename": {"txt": "text", "m.inner.city": "m.inner.town"},
            "drop": ["legacy", "m.gone"],
            "set": {"v": {"N": "2"}, "s": {"SS": ["k"]}, "nested": {"M": {"l": {"L": [{"B": "AA=="}]}}}},
        },
    )
    assert dead is None
    assert first["text"] == {"S": "héllo 😀"} and "txt" not in first and "legacy" not in first
    assert first["m"] == {"M": {"inner": {"M": {"town": {"S": "Oslo"}, "blob": {"B": "AAE="}}}}}
    assert first["v"] == {"N": "2"} and first["s"] == {"SS": ["k"]}
    assert first["nested"] == {"M": {"l": {"L": [{"B": "AA=="}]}}}
    assert first["n"] == ITEMS[0]["n"] and first["bin"] == ITEMS[0]["bin"]


def test_casts_and_cast_failures_are_dead_lettered(spark):
    (a, dead_a, _, _), (b, dead_b, _, stage_b) = run(
        spark, {"cast": {"n": "S", "num_text": "N", "txt": "B", "tags": "L", "nums": "L", "flag": "N", "list_s": "SS"}}
    )
    assert dead_a is None
    assert a["n"] == {"S": "12345678901234567890123456789012345678"}
    assert a["num_text"] == {"N": "42.50"}
    assert a["txt"] == {"B": base64.b64encode("héllo 😀".encode()).decode()}
    assert a["tags"] == {"L": [{"S": "x"}, {"S": "y"}]} and a["nums"] == {"L": [{"N": "1"}, {"N": "2.5"}]}
    assert a["flag"] == {"N": "1"} and a["list_s"] == {"SS": ["p", "q"]}
    assert stage_b == "mapping" and "mapping.cast.num_text: cannot cast" in dead_b
    assert b == ITEMS[1]  # a dead-lettered item keeps its original shape for the dead-letter record


def test_reverse_casts(spark):
    items = [
        {
            "id": {"S": "a"},
            "s": {"S": "12"},
            "b": {"B": base64.b64encode("ünï".encode()).decode()},
            "l": {"L": [{"N": "1"}, {"N": "2"}]},
            "one": {"N": "1"},
            "zero": {"N": "0"},
        }
    ]
    ((out, dead, _, _),) = run(spark, {"cast": {"b": "S", "l": "NS", "one": "BOOL", "zero": "BOOL"}}, items)
    assert dead is None
    assert out["b"] == {"S": "ünï"} and out["l"] == {"NS": ["1", "2"]}
    assert out["one"] == {"BOOL": True} and out["zero"] == {"BOOL": False}
    ((_, dead, _, _),) = run(spark, {"cast": {"b": "S"}}, [{"id": {"S": "x"}, "b": {"B": "//4="}}])
    assert "cannot cast" in dead  # not UTF-8: dead-lettered, never replaced with U+FFFD


def test_derive_key_and_filter(spark):
    rows = run(
        spark,
        {
            "derive": {"label": "concat('CUST#', id, '#', txt)", "big": "n * 2", "ok": "flag"},
            "key": {"PK": "concat('CUST#', id)"},
            "filter": "flag",
        },
    )
    (a, dead, filtered, _), (_b, _, filtered_b, _) = rows
    assert dead is None and not filtered and filtered_b
    assert a["label"] == {"S": "CUST#a#héllo 😀"} and a["PK"] == {"S": "CUST#a"} and a["ok"] == {"BOOL": True}
    assert a["big"] == {"N": "24691357802469135780246913578024691356"}


def test_derive_overflow_is_dead_lettered_not_lost(spark):
    items = [{"id": {"S": "a"}, "n": {"N": "99999999999999999999999999999999999999"}}]
    ((_, dead, _, _),) = run(spark, {"derive": {"big": "n * 10"}}, items)
    assert "produced NULL from non-null inputs" in dead


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"derive": {"x": "concat('a', "}}, "mapping.derive.x: \"concat('a', \" is not a valid Spark SQL expression"),
        ({"derive": {"x": "concat('a', nosuch)"}}, "references attribute 'nosuch', which no sampled item has"),
        ({"derive": {"x": "CAST(n AS DOUBLE) / 3"}}, "floating-point type"),
        ({"filter": "no_such_function(id)"}, "does not analyse"),
        ({"key": {"PK": "length(txt)"}}, "mapping.key.PK: yields N, but the target table's key 'PK' is of type S"),
        ({"key": {"ZZ": "id"}}, "the target table has no key attribute 'ZZ'"),
    ],
)
def test_invalid_mappings_fail_fast_naming_the_entry(spark, mapping, message):
    with pytest.raises(ConfigError) as caught:
        compile_mapping(spark, parse_mapping(mapping), ITEMS, (("PK", "S"),))
    assert message in str(caught.value)


# --- property: any item, any depth, through export line -> Spark -> writer body, unchanged ----------------

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_number = (
    st.decimals(allow_nan=False, allow_infinity=False, places=None)
    .filter(
        lambda d: (
            d == 0
            or (
                len(str(abs(d.as_tuple().digits[0])))
                and -120 <= d.adjusted() <= 120
                and len("".join(map(str, d.as_tuple().digits)).strip("0")) <= 38
            )
        )
    )
    .map(str)
)
_binary = st.binary(min_size=1, max_size=16).map(lambda b: base64.b64encode(b).decode())
_scalar = st.one_of(
    _text.map(lambda s: {"S": s}),
    _number.map(lambda n: {"N": n}),
    _binary.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(_text, min_size=1, max_size=4, unique=True).map(lambda v: {"SS": v}),
    st.lists(st.integers(-(10**37), 10**37).map(str), min_size=1, max_size=4, unique=True).map(lambda v: {"NS": v}),
    st.lists(_binary, min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
)
_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda v: {"L": v}),
        st.dictionaries(_text, inner, max_size=4).map(lambda v: {"M": v}),
    ),
    max_leaves=12,
)
_item = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(lambda s: s not in ("id", "stamp")), _value, max_size=6
).map(lambda d: {"id": {"S": "k"}, **d})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_item, min_size=1, max_size=8))
def test_untouched_attributes_round_trip_exactly(spark, items):
    lines = spark.createDataFrame(
        [("f", i + 1, export_line(item), None) for i, item in enumerate(items)],
        "file_key string, line_no long, line string, error string",
    )
    mapping = compile_mapping(spark, parse_mapping({"set": {"stamp": {"S": "x"}}}), items)
    rows = mapping.transform(parse_lines(lines)).orderBy("line_no").collect()
    for item, row in zip(items, rows, strict=True):
        assert row["dead_reason"] is None
        sent = json.loads(item_body(list(row["item"].items())))
        assert sent == {**item, "stamp": {"S": "x"}}
