"""DynamoDB AttributeValues in their wire form, as pure functions.

An item here is what DynamoDB's JSON protocol and its exports carry: a dict of attribute
name -> ``{"S": "..."}``, ``{"N": "..."}``, ``{"B": "<base64>"}`` and so on. Numbers stay
strings and binaries stay base64 text the whole way, so nothing is rounded or re-encoded.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from jobs.core.errors import InvalidItemError

TYPES = ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")
MAX_ITEM_BYTES = 400 * 1024
MAX_NUMBER_DIGITS = 38
_NUMBER = re.compile(r"^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$")

# A plain decimal of at most 38 digits is always a valid N: checked without normalizing it.
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
Item = dict[str, Any]


def normalize_number(text: str, path: str = "N") -> str:
    """Return ``text`` in DynamoDB's canonical form: no exponent, no superfluous zeros.

    Works on the digits as text, never through a float or a rounding decimal context, so
    two distinct 38-digit numbers can never merge.
    """
    match = _NUMBER.match(text.strip()) if isinstance(text, str) else None
    if not match or not (match.group(2) or match.group(3)):
        raise InvalidItemError(f"attribute {path}: {text!r} is not a number")
    sign, whole, frac, exp = match.group(1), match.group(2) or "", match.group(3) or "", match.group(4)
    digits = (whole + frac).lstrip("0")
    # value = 0.digits... scaled: position of the decimal point relative to the digit string
    point = len(whole) - (len(whole + frac) - len((whole + frac).lstrip("0"))) + int(exp or 0)
    digits = digits.rstrip("0")
    if not digits:
        return "0"
    if len(digits) > MAX_NUMBER_DIGITS:
        raise InvalidItemError(
            f"attribute {path}: {text!r} has {len(digits)} significant digits",
            hint="DynamoDB keeps at most 38; store it as a string (S) instead",
        )
    magnitude = point - 1  # exponent of the leading digit
    if magnitude > 125 or magnitude < -130:
        raise InvalidItemError(
            f"attribute {path}: {text!r} is outside DynamoDB's range 1E-130 .. 9.9E+125",
            hint="store it as a string (S) instead",
        )
    if point <= 0:
        body = "0." + "0" * (-point) + digits
    elif point >= len(digits):
        body = digits + "0" * (point - len(digits))
    else:
        body = digits[:point] + "." + digits[point:]
    return ("-" if sign == "-" else "") + body


def decode_base64(text: Any, path: str) -> bytes:
    if not isinstance(text, str):
        raise InvalidItemError(f"attribute {path}: binary must be base64 text, got {type(text).__name__}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidItemError(f"attribute {path}: {text[:40]!r} is not valid base64 ({exc})") from exc


def validate_value(value: Any, path: str) -> None:
    """Raise :class:`InvalidItemError` naming ``path`` unless ``value`` is a valid AttributeValue."""
    if not isinstance(value, dict) or len(value) != 1:
        raise InvalidItemError(f"attribute {path}: expected one type key of {', '.join(TYPES)}, got {str(value)[:80]}")
    kind, inner = next(iter(value.items()))
    if kind == "S":
        if not isinstance(inner, str):
            raise InvalidItemError(f"attribute {path}: S must be a string")
    elif kind == "N":
        plain = isinstance(inner, str) and len(inner) <= 40 and _PLAIN_NUMBER.fullmatch(inner)
        if not (plain and sum(c.isdigit() for c in inner) <= MAX_NUMBER_DIGITS):
            normalize_number(inner, f"{path} (N)")
    elif kind == "B":
        decode_base64(inner, f"{path} (B)")
    elif kind in ("BOOL", "NULL"):
        if not isinstance(inner, bool) or (kind == "NULL" and inner is not True):
            raise InvalidItemError(f"attribute {path}: {kind} must be {'true' if kind == 'NULL' else 'a boolean'}")
    elif kind in ("SS", "NS", "BS"):
        _validate_set(kind, inner, path)
    elif kind == "L":
        if not isinstance(inner, list):
            raise InvalidItemError(f"attribute {path}: L must be a list")
        for index, element in enumerate(inner):
            validate_value(element, f"{path}[{index}]")
    elif kind == "M":
        if not isinstance(inner, dict):
            raise InvalidItemError(f"attribute {path}: M must be an object")
        for name, element in inner.items():
            validate_value(element, f"{path}.{name}")
    else:
        raise InvalidItemError(f"attribute {path}: unknown type {kind!r}; expected one of {', '.join(TYPES)}")


def _validate_set(kind: str, inner: Any, path: str) -> None:
    if not isinstance(inner, list) or not inner:
        raise InvalidItemError(f"attribute {path}: {kind} must be a non-empty list")
    seen: set[Any] = set()
    for index, element in enumerate(inner):
        if kind == "SS":
            if not isinstance(element, str):
                raise InvalidItemError(f"attribute {path}[{index}] (SS): SS elements must be strings")
            canonical: Any = element
        elif kind == "NS":
            canonical = normalize_number(element, f"{path}[{index}] (NS)")
        else:
            canonical = decode_base64(element, f"{path}[{index}] (BS)")
        if canonical in seen:
            raise InvalidItemError(f"attribute {path}: {kind} contains the duplicate {element!r}")
        seen.add(canonical)


def _plainly_valid(value: Any) -> bool:
    """True only for a value :func:`validate_value` accepts, decided without building a path per
    nested value (the cost of the full check). False means "not sure": the full check then runs
    and names what is wrong, if anything is. Exact types only: a subclass takes the full check."""
    if type(value) is not dict or len(value) != 1:
        return False
    for kind, inner in value.items():
        if kind == "S":
            return type(inner) is str
        if kind == "N":  # a plain decimal: its length less a "-" and a "." is its digit count
            return (
                type(inner) is str
                and _PLAIN_NUMBER.fullmatch(inner) is not None
                and len(inner) - inner.startswith("-") - ("." in inner) <= MAX_NUMBER_DIGITS
            )
        if kind == "M":
            return type(inner) is dict and all(map(_plainly_valid, inner.values()))
        if kind == "L":
            return type(inner) is list and all(map(_plainly_valid, inner))
        if kind == "BOOL":
            return type(inner) is bool
        if kind == "NULL":
            return inner is True
        if kind == "SS":
            strings = type(inner) is list and bool(inner) and all(type(element) is str for element in inner)
            return strings and len(set(inner)) == len(inner)
    return False  # B, NS, BS (decoded or normalised to compare) and anything unknown: the full check


def check_value(value: Any, name: str) -> None:
    """:func:`validate_value`, after the path-free check that settles almost every valid value."""
    if not _plainly_valid(value):
        validate_value(value, name)


def validate_item(item: Any, where: str = "item") -> None:
    """Validate a whole item (name -> AttributeValue)."""
    if not isinstance(item, dict):
        raise InvalidItemError(f"{where}: an item must be a JSON object of attributes")
    for name, value in item.items():
        check_value(value, name)


def _number_size(text: str) -> int:
    digits = normalize_number(text).lstrip("-").replace(".", "").strip("0")
    return 1 + (len(digits) + 1) // 2


def value_size(value: dict[str, Any]) -> int:
    """Bytes that DynamoDB bills for one AttributeValue (without its name)."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(base64.b64decode(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(_number_size(n) for n in inner)
    if kind == "BS":
        return sum(len(base64.b64decode(b)) for b in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in inner.items())
    raise InvalidItemError(f"unknown AttributeValue type {kind!r}")


def item_size(item: Item) -> int:
    """Bytes DynamoDB counts for an item: names plus values, as in the 400 KB limit."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size_bytes: int) -> int:
    """Write capacity units for one put of an item of ``size_bytes`` (1 per started KB)."""
    return max(1, -(-size_bytes // 1024))
