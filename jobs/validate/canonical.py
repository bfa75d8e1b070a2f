"""Canonical form and hashes of DynamoDB items in wire form (pure Python; see ADR 0005).

Two items hash alike exactly when DynamoDB would hold the same item: attribute order, set
element order and number spelling (``1E+2`` and ``100``, ``1.50`` and ``1.5``) do not count;
binary counts by its decoded bytes; list order and every value do count. The canonical form of
a value is itself wire JSON (numbers normalised, sets sorted, binary re-encoded), so it can be
shown to a person and sent back to DynamoDB as a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobs.attrvalue import normalize_number
from jobs.errors import InvalidItemError

KEY_DIGEST_BYTES = 16
CONTENT_DIGEST_BYTES = 16
ATTRIBUTE_DIGEST_BYTES = 8
_SAMPLE_SPACE = 1 << 64
_INVALID = "INVALID"  # canonical type tag of a value DynamoDB would reject: never equal to a stored one


def _decoded(text: Any, path: str) -> bytes:
    if not isinstance(text, str):
        raise InvalidItemError(f"attribute {path}: binary must be base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidItemError(f"attribute {path}: {text[:40]!r} is not valid base64") from exc


def _encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def canonical_value(value: Any, path: str = "value") -> dict[str, Any]:
    """The canonical AttributeValue: N normalised, sets sorted, B re-encoded from its bytes.

    Raises :class:`InvalidItemError` (naming ``path``) for a value that is not valid wire form.
    """
    if not isinstance(value, dict) or len(value) != 1:
        raise InvalidItemError(f"attribute {path}: expected one type key, got {str(value)[:80]}")
    kind, inner = next(iter(value.items()))
    if kind in ("S", "BOOL", "NULL"):
        return {kind: inner}
    if kind == "N":
        return {"N": normalize_number(inner, path)}
    if kind == "B":
        return {"B": _encoded(_decoded(inner, path))}
    if kind == "SS":
        return {"SS": sorted(inner)}
    if kind == "NS":
        return {"NS": sorted(normalize_number(n, f"{path}[{i}]") for i, n in enumerate(inner))}
    if kind == "BS":
        return {"BS": [_encoded(b) for b in sorted(_decoded(e, f"{path}[{i}]") for i, e in enumerate(inner))]}
    if kind == "L":
        return {"L": [canonical_value(v, f"{path}[{i}]") for i, v in enumerate(inner)]}
    if kind == "M":
        return {"M": {name: canonical_value(v, f"{path}.{name}") for name, v in inner.items()}}
    raise InvalidItemError(f"attribute {path}: unknown type {kind!r}")


def canonical_text(value: Any, path: str = "value") -> str:
    """Canonical JSON text of one AttributeValue; a value DynamoDB would reject becomes
    ``{"INVALID": <its JSON>}``, which differs from every valid value."""
    try:
        canonical: Any = canonical_value(value, path)
    except (InvalidItemError, TypeError, AttributeError):  # malformed: wrong shapes inside sets, maps
        canonical = {_INVALID: json.dumps(value, sort_keys=True, ensure_ascii=False)}
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(data: bytes, size: int, person: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=size, person=person).digest()


def key_text(item: Mapping[str, Any], key_names: tuple[str, ...]) -> str:
    """Canonical JSON of the key attributes (a valid GetItem ``Key``); absent ones are null."""
    parts = [
        f"{json.dumps(name, ensure_ascii=False)}:{canonical_text(item[name], name) if name in item else 'null'}"
        for name in sorted(key_names)
    ]
    return "{" + ",".join(parts) + "}"


def key_digest(text: str) -> bytes:
    return _digest(text.encode("utf-8"), KEY_DIGEST_BYTES, b"ddbm-key")


def attribute_digest(text: str) -> bytes:
    return _digest(text.encode("utf-8"), ATTRIBUTE_DIGEST_BYTES, b"ddbm-attr")


def content_digest(attribute_digests: Mapping[str, bytes]) -> bytes:
    """Digest of the whole item from its per-attribute digests, in attribute-name order."""
    h = hashlib.blake2b(digest_size=CONTENT_DIGEST_BYTES, person=b"ddbm-item")
    for name in sorted(attribute_digests):
        h.update(json.dumps(name, ensure_ascii=False).encode("utf-8"))
        h.update(attribute_digests[name])
    return h.digest()


def sampled(key_hash: bytes, fraction: float) -> bool:
    """Deterministic sampling by key: the first 8 bytes of the key digest below fraction * 2**64.

    Both sides of a comparison therefore sample the same keys.
    """
    return int.from_bytes(key_hash[:8], "big") < int(fraction * _SAMPLE_SPACE)


@dataclass(frozen=True)
class ItemDigest:
    """What the comparison needs of one item. ``content``/``attributes`` are None in keys-only mode."""

    key: str
    key_hash: bytes
    content: bytes | None
    attributes: dict[str, bytes] | None


def digest_item(
    item: Mapping[str, Any], key_names: tuple[str, ...], keys_only: bool = False, fraction: float = 1.0
) -> ItemDigest | None:
    """Digests of an item (name -> parsed AttributeValue); None when sampling leaves it out."""
    text = key_text(item, key_names)
    key_hash = key_digest(text)
    if fraction < 1.0 and not sampled(key_hash, fraction):
        return None
    if keys_only:
        return ItemDigest(text, key_hash, None, None)
    attributes = {name: attribute_digest(canonical_text(value, name)) for name, value in item.items()}
    return ItemDigest(text, key_hash, content_digest(attributes), attributes)


def canonical_item(item: Mapping[str, Any]) -> dict[str, str]:
    """Attribute name -> canonical JSON text, for showing a difference to a person."""
    return {name: canonical_text(value, name) for name, value in item.items()}
