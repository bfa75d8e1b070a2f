"""Deterministic items that cover all ten DynamoDB types, for the demo, tests and benchmarks.

Items are in wire form. Each one carries S (with empty strings and Unicode outside the BMP),
N (up to 38 significant digits, negative, fractional, tiny and huge), B, BOOL, NULL, SS, NS, BS,
and L and M nested three deep, with binary inside lists inside maps.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from typing import Any

from jobs.core.attrvalue import Item

_WORDS = ("alpha", "beta", "gamma", "délta", "ε", "日本語", "emoji😀", "𝄞clef", "", "tab\there", 'quote"s')


def _b64(rng: random.Random, size: int) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(size))).decode("ascii")


def _number(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:  # 38 significant digits, integral
        return ("-" if rng.random() < 0.3 else "") + str(rng.randrange(10**37, 10**38))
    if kind == 1:  # 38 significant digits with a fraction
        digits = str(rng.randrange(10**37, 10**38))
        point = rng.randrange(1, 38)
        return digits[:point] + "." + digits[point:].rstrip("0") if digits[point:].rstrip("0") else digits[:point]
    if kind == 2:
        return str(rng.randrange(-1000, 1000))
    if kind == 3:
        return "0.000000000000000000000000000001"
    if kind == 4:
        return "9" * 38 + "0" * 80
    return f"{rng.randrange(1, 10**6)}.{rng.randrange(1, 99):02d}".rstrip("0")


def make_item(index: int, seed: int = 7) -> Item:
    """Item number ``index``; the same index and seed always give the same item."""
    rng = random.Random(seed * 1_000_003 + index)
    text = rng.choice(_WORDS)
    numbers = list(dict.fromkeys(_number(rng) for _ in range(rng.randrange(1, 5))))
    binaries = list(dict.fromkeys(_b64(rng, rng.randrange(1, 12)) for _ in range(rng.randrange(1, 4))))
    strings = list(dict.fromkeys(rng.choice(_WORDS[:8]) or "x" for _ in range(rng.randrange(1, 5))))
    item: dict[str, Any] = {
        "pk": {"S": f"customer#{index % 997:04d}"},
        "sk": {"N": str(index)},
        "name": {"S": f"{text} {index}"},
        "note": {"S": "" if index % 5 == 0 else text},
        "amount": {"N": _number(rng)},
        "payload": {"B": _b64(rng, rng.randrange(1, 64))},
        "active": {"BOOL": index % 2 == 0},
        "deleted_at": {"NULL": True},
        "tags": {"SS": strings},
        "scores": {"NS": numbers},
        "blobs": {"BS": binaries},
        "history": {
            "L": [
                {"S": text},
                {"N": _number(rng)},
                {"BOOL": False},
                {"NULL": True},
                {"M": {"raw": {"B": _b64(rng, 8)}, "when": {"N": str(1_700_000_000 + index)}}},
                {"L": [{"L": [{"B": _b64(rng, 4)}, {"SS": ["inner", "set"]}]}]},
            ]
        },
        "profile": {
            "M": {
                "address": {
                    "M": {
                        "city": {"S": rng.choice(_WORDS)},
                        "geo": {
                            "M": {"lat": {"N": "51.5072178"}, "lon": {"N": "-0.1275862"}, "cell": {"B": _b64(rng, 6)}}
                        },
                        "lines": {"L": [{"S": "line 1"}, {"B": _b64(rng, 5)}, {"M": {"deep": {"NS": ["1", "2.5"]}}}]},
                    }
                },
                "prefs": {"M": {"email": {"BOOL": True}, "digest": {"NULL": True}, "codes": {"BS": [_b64(rng, 3)]}}},
                "empty_map": {"M": {}},
                "empty_list": {"L": []},
            }
        },
    }
    if index % 7 == 0:
        item["sparse"] = {"S": "only on some items"}
    return item


def make_items(count: int, seed: int = 7, start: int = 0) -> Iterator[Item]:
    for index in range(start, start + count):
        yield make_item(index, seed)


def key_schema() -> dict[str, Any]:
    """Table definition matching the generated items' keys (pk S, sk N)."""
    return {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
    }


_STATUSES = ("ACTIVE", "PENDING", "SHIPPED", "CANCELLED")


def export_shaped_item(index: int) -> Item:
    """About 330 bytes in an export line, shaped like a real table's item: a few scalars, a string
    set and a list of maps (order lines). Deterministic; keys pk (S) and sk (N) as in the bench."""
    lines = [
        {
            "M": {
                "sku": {"S": f"SKU-{(index * 7 + n) % 9973:05d}"},
                "qty": {"N": str(1 + (index + n) % 5)},
                "price": {"N": f"{(index * 13 + n) % 9000 / 100 + 1:.2f}".rstrip("0").rstrip(".")},
            }
        }
        for n in range(2)
    ]
    return {
        "pk": {"S": f"org#{index % 50_000:06d}"},
        "sk": {"N": str(index)},
        "status": {"S": _STATUSES[index % 4]},
        "created": {"N": str(1_700_000_000 + index)},
        "customer": {"M": {"id": {"S": f"cust-{index % 7919:05d}"}, "tier": {"N": str(index % 3)}}},
        "tags": {"SS": ["web", f"region-{index % 5}"]},
        "lines": {"L": lines},
    }
