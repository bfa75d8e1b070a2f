"""Canonical item hashing (ADR 0005): what must not count, and what must."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.core.attrvalue import normalize_number
from jobs.core.canonical import (
    ItemDigest,
    attribute_digests,
    canonical_item,
    canonical_text,
    canonical_value,
    canonical_wire,
    checked_canonical,
    digest_item,
    key_digest,
    key_text,
    sampled,
)

KEYS = ("pk", "sk")


def digest_of(item: dict[str, Any], keys_only: bool = False) -> ItemDigest:
    """The digest of an item nothing samples out."""
    digest = digest_item(item, KEYS, keys_only=keys_only)
    assert digest is not None
    return digest


# --- strategies: valid wire-form values of all ten types, nested --------------------------------


def _number_text(unscaled: int, exponent: int) -> str:
    return normalize_number(f"{unscaled}E{exponent}")


numbers = st.builds(_number_text, st.integers(-(10**38) + 1, 10**38 - 1), st.integers(-40, 40))
b64 = st.binary(max_size=8).map(lambda b: base64.b64encode(b).decode("ascii"))
leaves = st.one_of(
    st.text(max_size=8).map(lambda s: {"S": s}),
    numbers.map(lambda n: {"N": n}),
    b64.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(st.text(max_size=5), min_size=1, max_size=5, unique=True).map(lambda v: {"SS": v}),
    st.lists(numbers, min_size=1, max_size=5, unique=True).map(lambda v: {"NS": v}),
    st.lists(st.binary(max_size=4), min_size=1, max_size=4, unique=True).map(
        lambda v: {"BS": [base64.b64encode(b).decode("ascii") for b in v]}
    ),
)
names = st.text(min_size=1, max_size=6)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda v: {"L": v}),
        st.dictionaries(names, inner, max_size=4).map(lambda v: {"M": v}),
    ),
    max_leaves=10,
)
items = st.builds(
    lambda rest, pk, sk: {**rest, "pk": {"S": pk}, "sk": {"N": sk}},
    st.dictionaries(names, values, max_size=6),
    st.text(min_size=1, max_size=6),
    numbers,
)


# --- what must not count -----------------------------------------------------------------------


def respell(number: str, rng: random.Random) -> str:
    """Another spelling of the same number: exponent, leading/trailing zeros, a plus sign."""
    sign = "-" if number.startswith("-") else rng.choice(["", "+"])
    whole, _, frac = number.lstrip("-").partition(".")
    digits, exponent = (whole + frac).lstrip("0") or "0", -len(frac)
    zeros = rng.randrange(0, 4)
    mantissa = digits + "0" * zeros
    shift = exponent - zeros
    if rng.random() < 0.5:
        return f"{sign}{'0' * rng.randrange(0, 3)}{mantissa}E{shift:+d}"
    point = rng.randrange(1, len(mantissa) + 1)  # d.ddd E n
    return f"{sign}{mantissa[:point]}.{mantissa[point:]}e{shift + len(mantissa) - point}"


def rearranged(value: Any, rng: random.Random) -> Any:
    """The same value with map keys, set elements and number spellings shuffled (lists kept)."""
    kind, inner = next(iter(value.items()))
    if kind == "N":
        return {"N": respell(inner, rng)}
    if kind in ("SS", "BS"):
        return {kind: rng.sample(inner, len(inner))}
    if kind == "NS":
        return {"NS": [respell(n, rng) for n in rng.sample(inner, len(inner))]}
    if kind == "L":
        return {"L": [rearranged(v, rng) for v in inner]}
    if kind == "M":
        return {"M": {k: rearranged(inner[k], rng) for k in rng.sample(list(inner), len(inner))}}
    return value


@given(items, st.randoms(use_true_random=False))
def test_order_of_attributes_and_set_elements_and_number_spelling_do_not_count(item, rng):
    shuffled = {name: rearranged(item[name], rng) for name in rng.sample(list(item), len(item))}
    assert digest_item(shuffled, KEYS) == digest_item(item, KEYS)


@pytest.mark.parametrize(("a", "b"), [("1E+2", "100"), ("1.50", "1.5"), ("-0.0", "0"), ("0012.300e1", "123")])
def test_numbers_compare_as_dynamodb_stores_them(a, b):
    assert canonical_text({"N": a}) == canonical_text({"N": b})
    assert canonical_text({"NS": [a, "7"]}) == canonical_text({"NS": ["7", b]})


def test_binary_counts_by_its_bytes_and_sets_by_their_elements():
    assert canonical_text({"BS": ["/w==", "AAE="]}) == canonical_text({"BS": ["AAE=", "/w=="]})
    assert canonical_text({"M": {"b": {"SS": ["y", "x"]}, "a": {"B": "AAE="}}}) == canonical_text(
        {"M": {"a": {"B": "AAE="}, "b": {"SS": ["x", "y"]}}}
    )


# --- what must count ---------------------------------------------------------------------------


def _changed_number(number: str) -> str:
    """Its last significant digit changed (the 38th digit of a 38-digit number)."""
    at = max(i for i, c in enumerate(number) if c in "0123456789" and (c != "0" or number.strip("-.0") == ""))
    return normalize_number(number[:at] + str((int(number[at]) + 1) % 10) + number[at + 1 :])


def changed(value: Any, rng: random.Random) -> Any:
    """The value with exactly one thing changed somewhere inside it."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return {"S": inner + "x"}
    if kind == "N":
        return {"N": _changed_number(inner)}
    if kind == "B":
        data = bytearray(base64.b64decode(inner)) or bytearray(b"\0")
        data[-1] ^= 0x01 if inner else 0
        return {"B": base64.b64encode(bytes(data)).decode("ascii")}
    if kind == "BOOL":
        return {"BOOL": not inner}
    if kind == "NULL":
        return {"BOOL": True}
    if kind in ("SS", "NS", "BS"):
        elements = list(inner)
        index = rng.randrange(len(elements))
        if kind == "SS":
            replacement = elements[index] + "~"
            while replacement in elements:
                replacement += "~"
        elif kind == "NS":
            replacement = _changed_number(elements[index])
            while normalize_number(replacement) in {normalize_number(e) for e in elements}:
                replacement = _changed_number(replacement)
        else:
            replacement = base64.b64encode(base64.b64decode(elements[index]) + b"\xff").decode("ascii")
            while replacement in elements:
                replacement = base64.b64encode(base64.b64decode(replacement) + b"\xff").decode("ascii")
        elements[index] = replacement
        return {kind: elements}
    if kind == "L":
        if not inner:
            return {"L": [{"NULL": True}]}
        index = rng.randrange(len(inner))
        return {"L": [changed(v, rng) if i == index else v for i, v in enumerate(inner)]}
    if not inner:
        return {"M": {"new": {"NULL": True}}}
    name = rng.choice(sorted(inner))
    return {"M": {k: changed(v, rng) if k == name else v for k, v in inner.items()}}


@given(items, st.randoms(use_true_random=False))
def test_any_single_value_change_counts_and_names_its_attribute(item, rng):
    name = rng.choice(sorted(set(item) - set(KEYS)) or ["sk"])
    other = copy.deepcopy(item)
    other[name] = changed(item[name], rng)
    before, after = digest_of(item), digest_of(other)
    assert before.content != after.content
    before_attributes = attribute_digests(canonical_item(item))
    after_attributes = attribute_digests(canonical_item(other))
    assert {n for n in item if before_attributes[n] != after_attributes[n]} == {name}
    assert (before.key_hash == after.key_hash) == (name not in KEYS)


@given(items)
def test_adding_or_removing_an_attribute_counts(item):
    grown = {**item, "added attribute": {"NULL": True}}
    assert digest_of(grown).content != digest_of(item).content


def test_list_order_counts():
    a = {"pk": {"S": "k"}, "sk": {"N": "1"}, "l": {"L": [{"S": "a"}, {"N": "1"}]}}
    b = {**a, "l": {"L": [{"N": "1"}, {"S": "a"}]}}
    assert digest_of(a).content != digest_of(b).content


def test_types_are_never_confused():
    texts = {
        canonical_text(v)
        for v in (
            {"S": "1"},
            {"N": "1"},
            {"SS": ["1"]},
            {"NS": ["1"]},
            {"L": [{"S": "1"}]},
            {"B": "MQ=="},
            {"BS": ["MQ=="]},
            {"BOOL": True},
            {"NULL": True},
        )
    }
    assert len(texts) == 9


def test_an_invalid_value_differs_from_every_valid_one_but_does_not_crash():
    assert canonical_text({"N": "12abc"}) == '{"INVALID":"{\\"N\\": \\"12abc\\"}"}'
    assert canonical_text({"B": "not base64!"}) != canonical_text({"B": "bm90"})


# --- keys and sampling ---------------------------------------------------------------------------


def test_the_key_text_is_canonical_wire_json_usable_as_a_key():
    item = {"sk": {"N": "1E+2"}, "pk": {"S": "a"}, "other": {"S": "x"}}
    assert key_text(item, KEYS) == '{"pk":{"S":"a"},"sk":{"N":"100"}}'
    assert key_text({"pk": {"S": "a"}}, KEYS) == '{"pk":{"S":"a"},"sk":null}'


def test_keys_only_skips_the_content():
    digest = digest_of({"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "y"}}, keys_only=True)
    assert digest.content is None


@given(st.lists(st.text(min_size=1), min_size=200, max_size=200, unique=True), st.floats(0.05, 0.95))
def test_sampling_is_by_key_deterministic_and_about_the_fraction(keys, fraction):
    hashes = [key_digest(k) for k in keys]
    chosen = [h for h in hashes if sampled(h, fraction)]
    assert chosen == [h for h in hashes if sampled(h, fraction)]
    assert abs(len(chosen) / len(keys) - fraction) < 0.2
    assert all(sampled(h, 1.0) for h in hashes)
    item = {"pk": {"S": keys[0]}, "sk": {"N": "1"}}
    digest = digest_item(item, KEYS, fraction=fraction)
    assert (digest is not None) == sampled(key_digest(key_text(item, KEYS)), fraction)


def test_digests_are_stable_across_processes_and_releases():
    """Golden digests: a change to the canonical form must be deliberate (and ADR 0005 updated)."""
    item = {"pk": {"S": "a"}, "sk": {"N": "1"}, "m": {"M": {"b": {"BS": ["AAE="]}, "n": {"N": "1.50"}}}}
    digest = digest_of(item)
    assert digest.content is not None
    assert digest.key == '{"pk":{"S":"a"},"sk":{"N":"1"}}'
    assert (digest.key_hash.hex(), digest.content.hex()) == GOLDEN
    # the content digest is BLAKE2b of the item's canonical text, as ADR 0005 writes it down
    text = '{"m":{"M":{"b":{"BS":["AAE="]},"n":{"N":"1.5"}}},"pk":{"S":"a"},"sk":{"N":"1"}}'
    assert digest.content == hashlib.blake2b(text.encode(), digest_size=16, person=b"ddbm-item2").digest()


GOLDEN = ("b7f3169846f400a4c7aa0929b2a46c5e", "a2da572f3cf40e4cdd243f42fc2b1250")


# --- the wire-text fast path agrees with the parsed path ------------------------------------------


@given(values, st.randoms(use_true_random=False), st.booleans(), st.booleans())
def test_canonical_wire_of_any_spelling_equals_canonical_text(value, rng, ascii_only, spaced):
    """Whatever the JSON writer (escapes, spaces, number spellings), the text canonicalises
    exactly as the parsed value does; the unparsed fast path is only a shortcut."""
    respelled = rearranged(value, rng)
    separators = (", ", ": ") if spaced else (",", ":")
    text = json.dumps(respelled, ensure_ascii=ascii_only, separators=separators)
    assert canonical_wire(text) == canonical_text(value)


@pytest.mark.parametrize(
    "text",
    [
        '{"N":"-0"}',
        '{"N":"1.50"}',
        '{"N":"' + "1" * 39 + '"}',
        '{"S":"a\\u0041"}',
        '{"S":"tab\\there"}',
        '{"BOOL":"true"}',
        '{"S":"x"',
    ],
)
def test_texts_that_look_simple_but_are_not_canonical_take_the_slow_path(text):
    try:
        parsed = json.loads(text)
    except ValueError:
        assert canonical_wire(text).startswith('{"INVALID":')
        return
    assert canonical_wire(text) == canonical_text(parsed)


# --- the parsed-value fast path (the direct load path's digests) agrees with the full one --------


@given(values, st.randoms(use_true_random=False))
def test_canonical_value_of_any_spelling_equals_canonical_text(value, rng):
    """Any value DynamoDB accepts, in any spelling (numbers respelled, sets and maps reordered)."""
    respelled = rearranged(value, rng)
    assert canonical_value(respelled) == canonical_text(value)


@pytest.mark.parametrize(
    "value",
    [
        {"M": {"a": {"N": "-0"}}},
        {"L": [{"N": "1E+2"}, {"N": "1.50"}]},
        {"L": [{"N": "1" * 39}]},
        {"L": [{"N": "0.5"}, {"N": "-12.25"}]},
        {"M": {"B": {"S": 'looks "B": like a tag'}, "z": {"NS": ["2", "10"]}}},
        {"M": {"inner": {"BS": ["AQ==", "AA=="]}}},
        {"N": "007"},
        {"S": "\u00e9 😀 \t"},
    ],
)
def test_parsed_values_that_need_normalising_take_the_full_path(value):
    assert canonical_value(value) == canonical_text(value)


@given(items, st.randoms(use_true_random=False))
def test_checked_canonical_of_any_spelling_equals_canonical_text(item, rng):
    """The direct load path's one-pass check and canonical texts, on valid items of all ten types."""
    respelled = {name: rearranged(value, rng) for name, value in item.items()}
    assert checked_canonical(respelled) == {name: canonical_text(value, name) for name, value in item.items()}


@pytest.mark.parametrize("elements", [["b", "a", "é", 'q"'], ["only"]])
def test_string_sets_take_the_fast_path_to_the_same_text(elements):
    assert canonical_value({"SS": elements}) == canonical_text({"SS": elements})
