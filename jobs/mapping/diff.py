"""What a mapping did to one item, attribute path by attribute path.

:func:`path_diff` compares a source item with the item the mapping made of it (both in
DynamoDB JSON) and gives one :class:`PathRow` per leaf path (``profile.address.city``,
``history[4].when``): its source path and target path, the value before and after, and what
changed. A rename is one row (old path -> new path), a nested rename too; a dropped attribute
has no target path, a ``set``/``derive``/``key`` attribute no source path. Values are written
whole; a person reads the paths, not a cut blob. Pure: no Spark, no AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jobs.core.canonical import canonical_value
from jobs.mapping.spec import MappingSpec

Part = str | int  # a map key or a list index


@dataclass(frozen=True)
class PathRow:
    source_path: str  # "" when the attribute is new in the target
    target_path: str  # "" when the mapping dropped it
    before: str  # "" when there is no source value
    after: str  # "" when there is no target value
    change: str  # "" when unchanged; else renamed, cast N -> S, changed, dropped, derived: ..., missing

    @property
    def equal(self) -> bool:
        """The same value at both ends (perhaps under a new path), as DynamoDB compares values."""
        return bool(self.source_path and self.target_path) and self.change in ("", "renamed")


def render_path(parts: tuple[Part, ...]) -> str:
    """``("lines", 0, "sku")`` -> ``lines[0].sku``; a name with a dot or bracket in backticks."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = f"`{part}`" if any(c in part for c in ".[]`") else part
            text += f".{name}" if text else name
    return text


def render_value(value: dict[str, Any]) -> str:
    """One AttributeValue as a person reads it: strings quoted, numbers bare, sets in braces."""
    (kind, body), *_ = value.items()
    if kind == "S":
        return json.dumps(body, ensure_ascii=False)
    if kind == "N":
        return str(body)
    if kind == "B":
        return f"b64:{body}"
    if kind == "BOOL":
        return "true" if body else "false"
    if kind == "NULL":
        return "null"
    if kind in ("SS", "NS", "BS"):
        inner = [render_value({kind[0]: v}) for v in body]
        return "{" + ", ".join(inner) + "}"
    if kind == "M":
        return "{" + ", ".join(f"{json.dumps(k)}: {render_value(v)}" for k, v in sorted(body.items())) + "}"
    return "[" + ", ".join(render_value(v) for v in body) + "]"


def leaves(item: dict[str, Any], opaque: frozenset[str] = frozenset()) -> Iterator[tuple[tuple[Part, ...], Any]]:
    """Each leaf path of an item and its AttributeValue, names sorted, lists in order.

    A non-empty map or list is descended into, except a top-level name in ``opaque``: a cast
    attribute is compared whole, since a cast may change its shape (a set to a list).
    """

    def walk(parts: tuple[Part, ...], value: dict[str, Any]) -> Iterator[tuple[tuple[Part, ...], Any]]:
        kind, body = next(iter(value.items()))
        if parts[0] in opaque and len(parts) == 1:
            yield parts, value
        elif kind == "M" and body:
            for name in sorted(body):
                yield from walk((*parts, name), body[name])
        elif kind == "L" and body:
            for index, element in enumerate(body):
                yield from walk((*parts, index), element)
        else:
            yield parts, value

    for name in sorted(item):
        yield from walk((name,), item[name])


def _starts(parts: tuple[Part, ...], prefix: tuple[str, ...]) -> bool:
    return parts[: len(prefix)] == prefix


def target_parts(spec: MappingSpec, parts: tuple[Part, ...]) -> tuple[Part, ...] | None:
    """Where a source leaf path lands in the target; None when the mapping drops it.

    In the mapping's order: nested renames and drops, then top-level renames, then drops.
    Every name in ``rename``/``drop`` is a source name.
    """
    if any(_starts(parts, d.parts) for d in spec.drops):
        return None
    moved = parts
    for old, new in spec.renames:
        if old.nested and _starts(parts, old.parts):
            moved = (*new.parts, *parts[len(old.parts) :])
            break
    for old, new in spec.renames:
        if not old.nested and parts[0] == old.top:
            moved = (*new.parts, *moved[1:])
            break
    return moved


def _made_by(spec: MappingSpec, name: str) -> str:
    """Which operation writes a target attribute itself, if any (the last one wins, as in the mapping)."""
    made = ""
    if name in dict(spec.sets):
        made = "set"
    for derive in spec.derives:
        if derive.name == name:
            made = f"derived: {derive.expr}"
    for key in spec.keys:
        if key.name == name:
            made = f"key: {key.expr}"
    return made


def path_diff(source: dict[str, Any], target: dict[str, Any], spec: MappingSpec) -> list[PathRow]:
    """One row per leaf path of the source item, then one per target path no source path reached."""
    casts = dict(spec.casts)
    opaque = frozenset(casts) | frozenset(d.name for d in spec.derives) | frozenset(k.name for k in spec.keys)
    opaque |= frozenset(name for name, _v in spec.sets)
    after = dict(leaves(target, opaque))
    reached: set[tuple[Part, ...]] = set()
    rows: list[PathRow] = []
    for parts, value in leaves(source, opaque):
        moved = target_parts(spec, parts)
        before = render_value(value)
        if moved is None:
            rows.append(PathRow(render_path(parts), "", before, "", "dropped"))
            continue
        new = after.get(moved)
        if new is None:
            rows.append(PathRow(render_path(parts), "", before, "", "missing"))
            continue
        reached.add(moved)
        shown = render_value(new)
        made = _made_by(spec, str(moved[0])) if len(moved) == 1 else ""
        kinds = (next(iter(value)), next(iter(new)))
        same = canonical_value(value) == canonical_value(new)  # 1.50 is 1.5; set order does not count
        if made and not same:
            change = made
        elif moved != parts:
            change = "renamed" if same else "renamed, changed"
        elif str(parts[0]) in casts and kinds[0] != kinds[1]:
            change = f"cast {kinds[0]} -> {kinds[1]}"
        elif not same:
            change = "changed"
        else:
            change = ""
        rows.append(PathRow(render_path(parts), render_path(moved), before, shown, change))
    for parts, value in after.items():
        if parts not in reached:
            made = _made_by(spec, str(parts[0])) if len(parts) == 1 else ""
            rows.append(PathRow("", render_path(parts), "", render_value(value), made or "added"))
    return rows
