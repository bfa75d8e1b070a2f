"""Renames and drops below the top level, on one attribute's wire JSON (pure Python).

Spark SQL cannot edit JSON text in place, so operations on nested map keys run here, in a
vectorised (Arrow) UDF over just the affected top-level attribute. Wire JSON has no JSON
numbers (N is a string), so json.loads/dumps cannot alter a value.
"""

from __future__ import annotations

import json
from typing import Any

# ("rename", old path below the top, new path below the top) or ("drop", path below the top)
NestedOp = tuple[str, tuple[str, ...], tuple[str, ...]]


def _parent(root: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    """The M map that holds ``path[-1]``, or None when the path does not run through maps."""
    node: Any = root
    for part in path[:-1]:
        if not (isinstance(node, dict) and "M" in node and part in node["M"]):
            return None
        node = node["M"][part]
    if not (isinstance(node, dict) and "M" in node):
        return None
    members: dict[str, Any] = node["M"]
    return members


def apply_nested(value: str | None, top: str, ops: list[NestedOp]) -> tuple[str | None, str | None]:
    """Apply ``ops`` to the AttributeValue JSON of attribute ``top``; return (new JSON, error)."""
    if value is None:
        return None, None
    root = json.loads(value)
    for kind, old, new in ops:
        holder = _parent(root, old)
        if holder is None or old[-1] not in holder:
            continue  # nothing at that path in this item: nothing to do
        if kind == "drop":
            del holder[old[-1]]
            continue
        target = _parent(root, new)
        if target is None:
            parent = ".".join((top, *new[:-1]))
            return value, f"rename {top}.{'.'.join(old)}: the destination's parent {parent} is not a map"
        if new[-1] in target:
            return value, (
                f"rename {top}.{'.'.join(old)} -> {top}.{'.'.join(new)}: the destination already exists "
                "in this item, and renaming would overwrite it"
            )
        target[new[-1]] = holder.pop(old[-1])
    return json.dumps(root, ensure_ascii=False, separators=(",", ":")), None
