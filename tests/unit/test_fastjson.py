"""orjson on the per-item path gives the json module's results (jobs.core.fastjson)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.core import fastjson
from jobs.core.attrvalue import validate_item
from jobs.core.errors import InvalidItemError
from jobs.local.datagen import export_shaped_item, make_item
from jobs.source.export_format import export_line
from jobs.source.read import _json_row, exact_reason

pytestmark = pytest.mark.unit

# Every code point class that JSON escapes or passes through: controls, quote, backslash, DEL,
# C1 controls, the line and paragraph separators, a BOM, non-characters and astral ones.
_CHARACTERS = st.one_of(
    st.characters(max_codepoint=0x7F),
    st.sampled_from(["\x7f", "\x80", "\x9f", "\u00e9", "\u2028", "\u2029", "\ufeff", "\uffff"]),
    st.sampled_from(["\U0001f600", "\U0010ffff"]),
    st.characters(codec="utf-8"),  # any code point but a surrogate
)
_TEXTS = st.text(_CHARACTERS, max_size=8)
_JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), _TEXTS, st.integers(-(2**63), 2**63 - 1)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXTS, inner, max_size=4)),
    max_leaves=20,
)


def test_orjson_is_the_path_this_environment_takes() -> None:
    """The project's environment (and the Glue bundle) installs orjson: the fast calls are in use."""
    assert fastjson.loads is not fastjson.stdlib_loads
    assert fastjson.compact_sorted is not fastjson.stdlib_compact_sorted


@given(_JSON_VALUES)
def test_compact_sorted_writes_what_the_json_module_writes(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert fastjson.compact_sorted(value) == expected
    assert fastjson.stdlib_compact_sorted(value) == expected


@given(_JSON_VALUES, st.booleans())
def test_loads_reads_what_the_json_module_reads(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=None)
    assert fastjson.loads(text) == json.loads(text) == value


@pytest.mark.parametrize("index", range(0, 400, 37))
def test_export_lines_of_every_type_parse_alike(index: int) -> None:
    for item in (make_item(index), export_shaped_item(index)):
        line = export_line(item)
        assert fastjson.loads(line) == json.loads(line) == {"Item": item}


@pytest.mark.parametrize(
    "text",
    [
        '{"Item": {"a": {"N": NaN}}}',  # orjson refuses NaN and Infinity: the json module reads them
        '{"Item": {"a": {"N": Infinity}}}',
        '{"Item": {"a": {"S": "\\ud800"}}}',  # a lone surrogate escape
        "[" * 1100 + "]" * 1100,  # deeper than orjson's 1024: the json module decides (RecursionError)
        '{"Item": {"a": {"S": "x"}}',  # invalid for both
        "",
    ],
)
def test_texts_orjson_refuses_get_the_json_modules_outcome(text: str) -> None:
    def outcome(parse: Any) -> Any:
        try:
            return ("value", repr(parse(text)))
        except (ValueError, RecursionError) as exc:
            return ("error", type(exc).__name__)

    assert outcome(fastjson.loads) == outcome(json.loads)


def test_refusals_raise_type_error_as_the_json_module_does() -> None:
    for value in ({"S": 10**30}, {"S": "\ud800"}, {"L": [object()]}):
        with pytest.raises(TypeError):
            fastjson.compact_sorted(value)
    with pytest.raises(TypeError):
        fastjson.stdlib_compact_sorted({"L": [object()]})


def test_a_bare_integer_beyond_64_bits_is_quoted_as_the_line_wrote_it() -> None:
    """orjson reads 2**70 as a float; the dead letter's reason still quotes the line's digits."""
    line = '{"Item":{"pk":{"S":"a"},"n":{"N":1180591620717411303424}}}'
    assert isinstance(fastjson.loads(line)["Item"]["n"]["N"], float)
    with pytest.raises(InvalidItemError) as fast:
        validate_item(fastjson.loads(line)["Item"])
    reason = exact_reason(line, fast.value)
    assert "1180591620717411303424" in reason and "e+21" not in reason
    key, number, kept, why = _json_row("data/f.json.gz", 7, line)
    assert (key, number, kept) == ("data/f.json.gz", 7, line)
    assert why == f"data/f.json.gz line 7: {reason}"
