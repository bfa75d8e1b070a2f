"""Checks an item must pass before it is sent: target key schema and the 400 KB limit.

Pure functions, run in the load stage (where the item is in Python anyway) and by ``plan``.
"""

from __future__ import annotations

import json
import re

from jobs.core.attrvalue import MAX_ITEM_BYTES, item_size

_TYPE = re.compile(r'^\{\s*"([A-Z]+)"\s*:')
KeySchema = tuple[tuple[str, str], ...]  # (attribute name, S|N|B), HASH first


def item_problem(values: dict[str, str], body: str, key_schema: KeySchema) -> tuple[str, str] | None:
    """(error code, reason in words) when the item must not be sent, else None."""
    for name, kind in key_schema:
        text = values.get(name)
        if text is None:
            return "MissingKey", f"the item has no {name!r}, a key attribute of the target table (type {kind})"
        match = _TYPE.match(text)
        found = match.group(1) if match else "?"
        if found != kind:
            return "KeyTypeMismatch", (
                f"key attribute {name!r} is of type {found}, but the target table's key schema says {kind}"
            )
        if text.replace(" ", "") in ('{"S":""}', '{"B":""}'):
            return "EmptyKey", f"key attribute {name!r} is empty; DynamoDB keys cannot be empty"
    if len(body.encode("utf-8")) > MAX_ITEM_BYTES:  # JSON text is never smaller than the billed size
        size = item_size(json.loads(body))
        if size > MAX_ITEM_BYTES:
            return "ItemTooLarge", f"the item is {size} bytes after mapping; DynamoDB's limit is {MAX_ITEM_BYTES}"
    return None
