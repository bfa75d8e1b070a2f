"""Where a source attribute ends up in the target: its name after ``rename``, its type after
``cast``, ``set``, ``derive`` or ``key``, or why it does not arrive as a key can use it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from jobs.mapping.spec import MappingSpec

KEY_TYPES = ("S", "N", "B")


@dataclass(frozen=True)
class Carried:
    """A source attribute in the target: ``type`` None when a key or index cannot use it (``why``)."""

    name: str
    type: str | None
    why: str = ""


def carried_name(mapping: MappingSpec, name: str) -> str | None:
    """The attribute's top-level name in the target, or None when ``mapping.drop`` removes it."""
    if any(path.top == name and not path.nested for path in mapping.drops):
        return None
    return next((new.top for old, new in mapping.renames if not old.nested and old.top == name), name)


def _written_types(mapping: MappingSpec) -> dict[str, str | None]:
    """Target attributes the mapping writes itself, with the type it declares (None: inferred)."""
    written: dict[str, str | None] = {name: next(iter(json.loads(value))) for name, value in mapping.sets}
    written.update({entry.name: entry.type for entry in (*mapping.derives, *mapping.keys)})
    return written


def carry(mapping: MappingSpec, name: str, kind: str) -> Carried:
    """The source attribute ``name`` of type ``kind`` as the target has it, for a key or an index."""
    new = carried_name(mapping, name)
    if new is None:
        return Carried(name, None, f"mapping.drop removes {name}")
    kind = dict(mapping.casts).get(name, kind)
    written = _written_types(mapping)
    if new in written:
        declared = written[new]
        if declared is None:
            return Carried(new, None, f"the mapping derives {new} without a declared type")
        kind = declared
    if kind not in KEY_TYPES:
        return Carried(new, None, f"{new} becomes type {kind}, which cannot be a key")
    return Carried(new, kind)
