"""Canonical form and hashes of DynamoDB items in wire form (pure Python; see ADR 0005).

Two items hash alike exactly when DynamoDB would hold the same item: attribute order, set
element order and number spelling (``1E+2`` and ``100``, ``1.50`` and ``1.5``) do not count;
binary counts by its decoded bytes; list order and every value do count. The canonical form of
a value is itself wire JSON (numbers normalised, sets sorted, binary re-encoded), so it can be
shown to a person and sent back to DynamoDB as a key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_string  # the C encoder's, when built
from typing import Any

from jobs.core.attrvalue import (  # decodes, or names the path
    MAX_NUMBER_DIGITS,
    check_value,
    decode_base64,
    normalize_number,
)
from jobs.core.errors import InvalidItemError
from jobs.core.fastjson import compact_sorted, loads

KEY_DIGEST_BYTES = 16
CONTENT_DIGEST_BYTES = 16
ATTRIBUTE_DIGEST_BYTES = 8
_SAMPLE_SPACE = 1 << 64
_INVALID = "INVALID"  # canonical type tag of a value DynamoDB would reject: never equal to a stored one


def _encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_CANONICAL_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?")
_FIXED = {("BOOL", True): '{"BOOL":true}', ("BOOL", False): '{"BOOL":false}', ("NULL", True): '{"NULL":true}'}


def _in_dynamodb_form(text: str) -> bool:
    """Already as DynamoDB stores it, and at most 38 digits (so within range)."""
    return (
        len(text) - text.startswith("-") - ("." in text) <= MAX_NUMBER_DIGITS
        and text != "-0"
        and _CANONICAL_NUMBER.fullmatch(text) is not None
    )


def _number(text: Any, path: str) -> str:
    if isinstance(text, str) and _in_dynamodb_form(text):
        return text
    return normalize_number(text, path)


def _quoted(text: Any) -> str:
    """``json.dumps(text, ensure_ascii=False)`` for a string, without building an encoder each time."""
    if not isinstance(text, str):
        raise InvalidItemError(f"expected a string, got {type(text).__name__}")
    return _encode_string(text)


def _canonical(value: Any, path: str) -> str:
    # ``path`` (the top-level attribute) only names the value in an error, which canonical_text
    # turns into an INVALID value anyway; nested paths are not built, as they cost more than the rest.
    if not isinstance(value, dict) or len(value) != 1:
        raise InvalidItemError(f"attribute {path}: expected one type key, got {str(value)[:80]}")
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return '{"S":' + _quoted(inner) + "}"
    if kind == "N":
        return '{"N":"' + _number(inner, path) + '"}'
    if kind == "B":
        return '{"B":"' + _encoded(decode_base64(inner, path)) + '"}'
    if kind == "SS":
        return '{"SS":[' + ",".join(sorted(map(_quoted, inner))) + "]}"
    if kind == "NS":
        numbers = sorted(_number(n, path) for n in inner)
        return '{"NS":[' + ",".join(f'"{n}"' for n in numbers) + "]}"
    if kind == "BS":
        elements = sorted(decode_base64(e, path) for e in inner)
        return '{"BS":[' + ",".join(f'"{_encoded(b)}"' for b in elements) + "]}"
    if kind == "L":
        return '{"L":[' + ",".join([_canonical(v, path) for v in inner]) + "]}"
    if kind == "M":
        members = [_quoted(name) + ":" + _canonical(inner[name], path) for name in sorted(inner)]
        return '{"M":{' + ",".join(members) + "}}"
    fixed = _FIXED.get((kind, inner)) if isinstance(inner, bool) else None
    if fixed is None:
        raise InvalidItemError(f"attribute {path}: {kind!r} is not a valid AttributeValue type and value")
    return fixed


def canonical_text(value: Any, path: str = "value") -> str:
    """Canonical JSON text of one AttributeValue (compact, map keys and set elements sorted, N
    normalised, B re-encoded from its bytes). A value DynamoDB would reject becomes
    ``{"INVALID": <its JSON>}``, which differs from every valid value."""
    try:
        return _canonical(value, path)
    except (InvalidItemError, TypeError, AttributeError):  # malformed: wrong shapes inside sets, maps
        invalid = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        return '{"' + _INVALID + '":' + json.dumps(invalid, ensure_ascii=False) + "}"


@functools.cache
def _hasher(size: int, person: bytes) -> Any:
    return hashlib.blake2b(digest_size=size, person=person)


def _digest(data: bytes, size: int, person: bytes) -> bytes:
    hasher = _hasher(size, person).copy()  # copying a set-up hasher costs half of making one
    hasher.update(data)
    return hasher.digest()  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=64)
def _key_heads(key_names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, _quoted(name) + ":") for name in sorted(key_names))


def _key_text(canonical: Mapping[str, str], key_names: tuple[str, ...]) -> str:
    return "{" + ",".join([head + canonical.get(name, "null") for name, head in _key_heads(key_names)]) + "}"


def key_text(item: Mapping[str, Any], key_names: tuple[str, ...]) -> str:
    """Canonical JSON of the key attributes (a valid GetItem ``Key``); absent ones are null."""
    return _key_text({name: canonical_text(item[name], name) for name in key_names if name in item}, key_names)


_KEY_PERSON, _ATTRIBUTE_PERSON, _CONTENT_PERSON = b"ddbm-key", b"ddbm-attr", b"ddbm-item2"


def key_digest(text: str) -> bytes:
    return _digest(text.encode("utf-8"), KEY_DIGEST_BYTES, _KEY_PERSON)


def sampled(key_hash: bytes, fraction: float) -> bool:
    """Deterministic sampling by key: the first 8 bytes of the key digest below fraction * 2**64.

    Both sides of a comparison therefore sample the same keys.
    """
    return int.from_bytes(key_hash[:8], "big") < int(fraction * _SAMPLE_SPACE)


@dataclass(frozen=True)
class ItemDigest:
    """What the comparison needs of one item. ``content`` is None in keys-only mode."""

    key: str
    key_hash: bytes
    content: bytes | None


@functools.lru_cache(maxsize=4096)
def _member_head(name: str) -> str:
    return _quoted(name) + ":"


def item_text(canonical: Mapping[str, str]) -> str:
    """The canonical JSON text of a whole item from its attributes' canonical texts: a JSON object
    with the names in code point order (so one text per item, whatever the attribute order)."""
    return "{" + ",".join([_member_head(name) + canonical[name] for name in sorted(canonical)]) + "}"


def digest_canonical(
    canonical: Mapping[str, str], key_names: tuple[str, ...], keys_only: bool = False, fraction: float = 1.0
) -> ItemDigest | None:
    """Digests of an item given as name -> canonical text; None when sampling leaves it out.

    The content digest is one BLAKE2b of the item's canonical text (:func:`item_text`). The
    attributes' own digests, which name what differs, are made only for the keys whose content
    differs (:func:`attribute_digests`, ADR 0005 addendum)."""
    text = _key_text(canonical, key_names)
    hasher = _hasher(KEY_DIGEST_BYTES, _KEY_PERSON).copy()
    hasher.update(text.encode("utf-8"))
    key_hash = hasher.digest()
    if fraction < 1.0 and not sampled(key_hash, fraction):
        return None
    if keys_only:
        return ItemDigest(text, key_hash, None)
    hasher = _hasher(CONTENT_DIGEST_BYTES, _CONTENT_PERSON).copy()
    hasher.update(item_text(canonical).encode("utf-8"))
    return ItemDigest(text, key_hash, hasher.digest())


def attribute_digests(canonical: Mapping[str, str]) -> dict[str, bytes]:
    """Attribute name -> digest of its canonical text: two items' attributes differ exactly when
    these do (but for a 2**-64 chance), so comparing them names the attributes that differ."""
    start = _hasher(ATTRIBUTE_DIGEST_BYTES, _ATTRIBUTE_PERSON)
    digests = {}
    for name, text in canonical.items():
        hasher = start.copy()
        hasher.update(text.encode("utf-8"))
        digests[name] = hasher.digest()
    return digests


def digest_item(
    item: Mapping[str, Any], key_names: tuple[str, ...], keys_only: bool = False, fraction: float = 1.0
) -> ItemDigest | None:
    """Digests of an item (name -> parsed AttributeValue); None when sampling leaves it out."""
    return digest_canonical(canonical_item(item), key_names, keys_only, fraction)


# Wire texts (compact, as Spark's JSON reader and DynamoDB write them) that are already canonical:
# a string without escapes, a number in DynamoDB's own form, a boolean, a null.
_ALREADY_CANONICAL = re.compile(
    r'\{"S":"[^"\\\x00-\x1f]*"\}|\{"N":"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?"\}|\{"BOOL":(?:true|false)\}|\{"NULL":true\}'
)
_NUMBER = slice(len('{"N":"'), -len('"}'))


def canonical_wire(text: str, path: str = "value") -> str:
    """Canonical text of one AttributeValue given as wire JSON text: the text itself when it is
    already canonical (most scalars, checked without parsing), else :func:`canonical_value` of it."""
    if _ALREADY_CANONICAL.fullmatch(text) and (not text.startswith('{"N"') or _in_dynamodb_form(text[_NUMBER])):
        return text
    try:
        value = loads(text)
    except ValueError:
        return '{"' + _INVALID + '":' + json.dumps(text, ensure_ascii=False) + "}"
    return canonical_value(value, path)


# Only a type tag can read so (quotes inside strings are escaped): binary, a set, or a number not in
# DynamoDB's form (or long enough that its digits need counting) needs the full path.
_NEEDS_FULL_FORM = re.compile(r'"(?:B|SS|NS|BS)":|"N":"(?:[^"]{39}|(?!(?!-0")-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?"))')


def _stored_scalar(kind: str, inner: Any) -> str | None:
    """The canonical text of a string, a number already in DynamoDB's form, a boolean or a null:
    each is valid and canonical as it is. None for anything else (``{"NULL": false}`` too)."""
    if type(inner) is str:
        if kind == "S":
            return '{"S":' + _encode_string(inner) + "}"
        if kind == "N" and _in_dynamodb_form(inner):
            return '{"N":"' + inner + '"}'
    elif type(inner) is bool:  # not an int: 1 == True would find the BOOL text
        return _FIXED.get((kind, inner))
    return None


def canonical_value(value: Any, path: str = "value") -> str:
    """:func:`canonical_text` of a parsed AttributeValue, through one C call (``compact_sorted``)
    when sorting map keys is all it takes (no binary, no set, every number already in DynamoDB's form).

    Exact for every value DynamoDB accepts. A malformed map or list (``{"L": [5]}``) may come back
    as its compact JSON instead of ``{"INVALID": ...}``: that text is still never the canonical
    text of a valid value (it would parse to that valid value), so it can never compare equal to
    anything read from a table."""
    if type(value) is not dict or len(value) != 1:
        return canonical_text(value, path)
    kind, inner = next(iter(value.items()))
    text = _stored_scalar(kind, inner)
    if text is not None:
        return text
    if kind == "SS" and type(inner) is list:
        try:
            return '{"SS":[' + ",".join(sorted(map(_encode_string, inner))) + "]}"
        except TypeError:  # an element that is not a string
            return canonical_text(value, path)
    if kind == "M" or kind == "L":
        try:
            text = compact_sorted(value)  # every key sorted, as canonical_text writes them
        except (TypeError, ValueError):
            return canonical_text(value, path)
        if _NEEDS_FULL_FORM.search(text) is None:
            return text
    return canonical_text(value, path)


# The grammar of a map or list that is valid and already canonical, as compact_sorted writes it: strings,
# numbers in DynamoDB's own form of at most 38 digits (a leading "0." counts its zero, as the path-free
# check does), booleans, nulls, and maps and lists of those nested up to _GRAMMAR_DEPTH deep. No sets
# (their elements must be unique) and no binary (it must decode): those, and deeper values, take the walk.
# Compiled when first needed (about 25 ms; a fourth level would take about 100).
_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+"'
_DYNAMODB_NUMBER = r'"(?!-0")-?(?:0|[1-9][0-9]{0,37}|(?=[0-9.]{3,39}")(?:0|[1-9][0-9]*+)\.[0-9]*+(?<=[1-9]))"'
_SCALAR = rf'\{{(?:"S":{_STRING}|"N":{_DYNAMODB_NUMBER}|"BOOL":(?:true|false)|"NULL":true)\}}'
_GRAMMAR_DEPTH = 3


def _nested(inner: str) -> str:
    members = rf"(?:{_STRING}:{inner}(?:,{_STRING}:{inner})*+)?"
    elements = rf"(?:{inner}(?:,{inner})*+)?"
    return rf'(?:{_SCALAR}|\{{"M":\{{{members}\}}\}}|\{{"L":\[{elements}\]\}})'


@functools.cache
def container_grammar() -> re.Pattern[str]:
    value = _SCALAR
    for _ in range(_GRAMMAR_DEPTH):
        value = _nested(value)
    return re.compile(value)


def _parsed_container_text(value: Any) -> str | None:
    """The canonical text of a parsed map or list when its compact sorted text matches the grammar
    (so it is valid, and that text is canonical); None when not sure. Only for values a JSON parser
    made: a tuple or a str subclass writes like a list or a str but is not one."""
    try:
        text = compact_sorted(value)
    except (TypeError, ValueError):
        return None
    return text if container_grammar().fullmatch(text) else None


def checked_canonical(item: Mapping[str, Any], parsed: bool = False) -> dict[str, str]:
    """Attribute name -> canonical text of an item that must be valid: raises InvalidItemError,
    naming the attribute, for any value DynamoDB would reject (as ``validate_item`` does).

    A string, or a number already in DynamoDB's form, is checked and written in one step; any
    other value is checked first, so :func:`canonical_value` is exact for it.

    ``parsed``: the item is as a JSON parser returns it (dicts, lists, strings, numbers, booleans,
    nulls, and nothing else). A map or list is then checked by matching its compact sorted text
    against the grammar of valid canonical values, in C, instead of walking it in Python; what the
    grammar does not take (sets or binary inside, more than three levels deep, numbers to
    normalise, anything invalid) takes the walk, which names what is wrong."""
    texts = {}
    for name, value in item.items():
        if type(value) is dict and len(value) == 1:
            ((kind, inner),) = value.items()
            text = _stored_scalar(kind, inner)
            if text is None and parsed and (kind == "M" or kind == "L"):
                text = _parsed_container_text(value)
            if text is not None:
                texts[name] = text
                continue
        check_value(value, name)
        texts[name] = canonical_value(value, name)
    return texts


def canonical_item(item: Mapping[str, Any]) -> dict[str, str]:
    """Attribute name -> canonical JSON text, for showing a difference to a person."""
    return {name: canonical_text(value, name) for name, value in item.items()}
