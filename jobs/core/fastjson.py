"""JSON on the per-item path: orjson where it is installed, held to the json module's results.

A plain copy parses every export line and writes every map and list attribute as compact JSON
with sorted keys (its canonical text, ADR 0005). orjson does both in about half the CPU of the
json module (measured in ADR 0017). The json module stays the reference:

- :func:`loads` returns what ``json.loads`` returns for every text whose values a DynamoDB item
  can hold. orjson refuses NaN and Infinity, lone surrogate escapes and nesting deeper than
  1024: those texts go to ``json.loads``, so they parse, or fail, as before. orjson reads an
  integer beyond 64 bits as a float, where ``json.loads`` keeps it exact; no valid item holds a
  bare number (DynamoDB JSON writes numbers as strings), so such a value is rejected either
  way, and a caller that quotes it in a message parses the text again with ``json.loads``.
- :func:`compact_sorted` is ``json.dumps(value, ensure_ascii=False, separators=(",", ":"),
  sort_keys=True)`` for every value of strings, booleans, nulls, lists and string-keyed
  dicts: the same escapes, and keys sorted by code point. What orjson refuses (integers beyond
  64 bits, lone surrogates) raises TypeError, as the json module's refusals do.

The replicator's Lambda package carries no dependencies (``jobs.streams.package``), so without
orjson both calls are the json module's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def _stdlib_compact_sorted() -> Callable[[Any], str]:
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always builds the C encoder
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_refuse).encode
    # The C encoder called directly: no per-call Python set-up.
    chunks = make(None, _refuse, encode_basestring, None, ":", ",", True, False, True)
    return lambda value: "".join(chunks(value, 0))


stdlib_compact_sorted = _stdlib_compact_sorted()


stdlib_loads: Callable[[str], Any] = json.loads

loads: Callable[[str], Any] = stdlib_loads
compact_sorted: Callable[[Any], str] = stdlib_compact_sorted

try:
    import orjson
except ImportError:  # pragma: no cover - the Lambda runtime
    pass
else:

    def _fast_loads(text: str) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:  # invalid JSON, or JSON only the json module reads: it decides
            return json.loads(text)

    def _fast_compact_sorted(value: Any) -> str:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()

    loads, compact_sorted = _fast_loads, _fast_compact_sorted
