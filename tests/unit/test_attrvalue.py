import json
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.core.attrvalue import item_size, normalize_number, validate_item, validate_value, write_units
from jobs.core.canonical import canonical_text, checked_canonical, container_grammar
from jobs.core.errors import InvalidItemError
from jobs.core.fastjson import compact_sorted, loads
from jobs.local.datagen import export_shaped_item


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1E+2", "100"),
        ("100", "100"),
        ("0100.500", "100.5"),
        ("-0.0", "0"),
        ("+7", "7"),
        ("1e-130", "0." + "0" * 129 + "1"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        ("-1234567890123456789.0123456789012345678", "-1234567890123456789.0123456789012345678"),
        (".5", "0.5"),
        ("5.", "5"),
        ("9.9E+125", "99" + "0" * 124),
    ],
)
def test_normalize_number_matches_dynamodb(text: str, canonical: str) -> None:
    assert normalize_number(text) == canonical


def test_two_38_digit_numbers_never_merge() -> None:
    a, b = "12345678901234567890123456789012345678", "12345678901234567890123456789012345679"
    assert normalize_number(a) != normalize_number(b)
    with localcontext() as ctx:  # the trap: a 28-digit context merges them
        ctx.prec = 28
        assert +Decimal(a) == +Decimal(b)


@pytest.mark.parametrize("text", ["1" * 39, "1E+126", "1E-131", "abc", "", "1e", "--1", "NaN", "Infinity"])
def test_invalid_numbers_are_rejected_with_the_path(text: str) -> None:
    with pytest.raises(InvalidItemError, match=r"attribute a\.b"):
        normalize_number(text, "a.b")


def _significant(value: Decimal) -> int:
    return len("".join(map(str, value.as_tuple().digits)).strip("0"))


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: d == 0 or (_significant(d) <= 38 and -130 <= d.adjusted() <= 125)
    )
)
def test_normalize_number_preserves_value_exactly(value: Decimal) -> None:
    text = format(value, "E") if value.adjusted() % 3 else str(value)
    out = normalize_number(text)
    assert Decimal(out) == value  # exact comparison, no context rounding
    assert "E" not in out and "e" not in out
    assert normalize_number(out) == out


def test_validate_names_the_nested_attribute() -> None:
    item = {"pk": {"S": "a"}, "m": {"M": {"l": {"L": [{"N": "1"}, {"B": "not base64!"}]}}}}
    with pytest.raises(InvalidItemError, match=r"attribute m\.l\[1\]"):
        validate_item(item)


@pytest.mark.parametrize(
    "value",
    [
        {"SS": []},
        {"SS": ["a", "a"]},
        {"NS": ["1", "1.0"]},
        {"NULL": False},
        {"BOOL": "true"},
        {"X": "1"},
        {"S": "a", "N": "1"},
        {"BS": ["AAE=", "AAE="]},
    ],
)
def test_invalid_values(value: dict) -> None:
    with pytest.raises(InvalidItemError):
        validate_value(value, "attr")


def test_all_ten_types_validate() -> None:
    validate_item(
        {
            "s": {"S": ""},
            "n": {"N": "-1.5"},
            "b": {"B": "AAE="},
            "t": {"BOOL": False},
            "z": {"NULL": True},
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]},
            "bs": {"BS": ["AA==", "AQ=="]},
            "l": {"L": [{"M": {"x": {"L": []}}}]},
            "m": {"M": {}},
        }
    )


def test_item_size_follows_dynamodb_rules() -> None:
    assert item_size({"ab": {"S": "héllo"}}) == 2 + 6
    assert item_size({"n": {"N": "12345"}}) == 1 + 1 + 3
    assert item_size({"b": {"B": "AAEC"}}) == 1 + 3
    assert item_size({"m": {"M": {"k": {"BOOL": True}}}}) == 1 + 3 + 1 + 1 + 1
    assert write_units(1024) == 1 and write_units(1025) == 2 and write_units(0) == 1


def _full_check_passes(value: object) -> bool:
    try:
        validate_value(value, "attr")
    except InvalidItemError:
        return False
    return True


_SCALARS = st.one_of(
    st.builds(lambda s: {"S": s}, st.one_of(st.text(max_size=5), st.integers())),
    st.builds(
        lambda n: {"N": n}, st.sampled_from(["1", "-0", "-1.50", "1E+2", "1" * 38, "1" * 39, "0.1", "-", "", "x"])
    ),
    st.builds(lambda b: {"BOOL": b}, st.one_of(st.booleans(), st.just("true"))),
    st.builds(lambda b: {"NULL": b}, st.sampled_from([True, False, None])),
    st.builds(lambda s: {"SS": s}, st.lists(st.sampled_from(["a", "b", 1]), max_size=3)),
    st.sampled_from([{"B": "AAE="}, {"B": "!"}, {"NS": ["1", "1.0"]}, {"XX": "1"}, {"S": "a", "N": "1"}, {}, "S"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"L": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda m: {"M": m}, st.dictionaries(st.text(max_size=3), inner, max_size=3)),
        st.builds(lambda xs: {"L": tuple(xs)}, st.lists(inner, max_size=2)),
    ),
    max_leaves=8,
)


@given(_VALUES)
def test_validate_item_accepts_exactly_what_the_full_check_accepts(value: object) -> None:
    """validate_item takes a path-free shortcut for plain values; it must never accept more (or less)."""
    try:
        validate_item({"attr": value})
    except InvalidItemError:
        accepted = False
    else:
        accepted = True
    assert accepted == _full_check_passes(value)


@given(_VALUES)
def test_checked_canonical_accepts_exactly_what_the_full_check_accepts_and_writes_the_canonical_text(
    value: object,
) -> None:
    """The direct load path checks and canonicalises each value in one pass (checked_canonical):
    it must refuse what validate_value refuses, naming the attribute, and otherwise give exactly
    canonical_text."""
    _agrees_with_the_full_check(value, parsed=False)


def _agrees_with_the_full_check(value: object, parsed: bool) -> None:
    try:
        texts = checked_canonical({"attr": value}, parsed=parsed)
    except InvalidItemError as exc:
        assert not _full_check_passes(value)
        assert "attribute attr" in str(exc)
    else:
        assert _full_check_passes(value)
        assert texts == {"attr": canonical_text(value, "attr")}


def _as_parsed(value: object) -> object:
    """The value as a JSON parser would hand it over: tuples become lists, as the export's lines do."""
    return json.loads(json.dumps(value))


@given(_VALUES.map(_as_parsed))
def test_checked_canonical_of_a_parsed_item_accepts_exactly_what_the_full_check_accepts(value: object) -> None:
    """The direct path's grammar shortcut (``parsed=True``) decides maps and lists from their compact
    text: it must agree with validate_value on every value, valid or not, and write canonical_text."""
    _agrees_with_the_full_check(value, parsed=True)


@pytest.mark.parametrize(
    "value",
    [
        {"L": [{"N": "1.50"}]},  # valid, but not in DynamoDB's form: the walk normalises it
        {"L": [{"N": "-0"}]},
        {"M": {"a": {"N": "1" * 39}}},  # too many digits: invalid, named by the walk
        {"L": [{"S": "a", "N": "1"}]},
        {"L": [{"NULL": False}]},
        {"M": {"a": {"SS": ["x", "x"]}}},
        {"M": {"a": {"B": "!"}}},
        {"L": [{"L": [{"L": [{"L": [{"N": "01"}]}]}]}]},  # deeper than the grammar
    ],
)
def test_what_the_grammar_refuses_takes_the_walk(value: dict) -> None:
    assert container_grammar().fullmatch(compact_sorted(value)) is None
    parsed = _as_parsed(value)
    if _full_check_passes(value):
        assert checked_canonical({"a": parsed}, parsed=True) == {"a": canonical_text(value, "a")}
    else:
        with pytest.raises(InvalidItemError, match="attribute a"):
            checked_canonical({"a": parsed}, parsed=True)


def test_an_export_shaped_item_s_maps_and_lists_are_decided_by_the_grammar() -> None:
    item = loads(json.dumps(export_shaped_item(7)))
    for name in ("customer", "lines"):
        assert container_grammar().fullmatch(compact_sorted(item[name])) is not None, name
    assert checked_canonical(item, parsed=True) == {n: canonical_text(v, n) for n, v in item.items()}
