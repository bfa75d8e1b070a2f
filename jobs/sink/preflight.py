"""Preflight: the target's key schema against the mapped sample, before anything is read or written.

A target whose key does not match the items would otherwise be found out item by item: every
item read, then dead-lettered (``MissingKey``), which on a large table costs the whole run and a
copy of the table in the dead-letter prefix. The check runs on the sample the mapping is
compiled against. It refuses when no sampled item fits the target's key (a wrong table or a
missing mapping); when only some do, those are data problems, dead-lettered item by item, and
the preflight warns with the count. ADR 0013.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from jobs.core.errors import TerminalError
from jobs.core.item_checks import KeySchema, item_problem

log = logging.getLogger(__name__)
SHOWN_ATTRIBUTES = 8


class PreflightError(TerminalError):
    """The target cannot take the items as they are mapped; nothing was read or written."""


@dataclass(frozen=True)
class SampleShape:
    """What the mapped sample looks like next to the target's key."""

    items: int  # mapped items (filtered and dead-lettered sample items are not counted)
    fitting: int  # items that carry every key attribute with the key's type
    attributes: tuple[tuple[str, str, int], ...]  # (name, type, items that have it), key candidates first
    first_problem: str | None = None


def key_schema_text(key_schema: KeySchema) -> str:
    """``pk S (HASH), sk N (RANGE)``."""
    roles = ("HASH", "RANGE")
    return ", ".join(f"{name} {kind} ({role})" for (name, kind), role in zip(key_schema, roles, strict=False))


def _tag(text: str) -> str:
    head = text.lstrip()[:12]
    return head.split('"')[1] if head.startswith('{"') and head.count('"') >= 2 else "?"


def sample_shape(key_schema: KeySchema, mapped: Iterable[dict[str, str]]) -> SampleShape:
    """Count the sampled items (attribute name -> AttributeValue JSON text) that fit the key."""
    items = fitting = 0
    seen: Counter[tuple[str, str]] = Counter()
    first_problem: str | None = None
    for values in mapped:
        items += 1
        seen.update((name, _tag(text)) for name, text in values.items())
        problem = item_problem(values, "", key_schema)
        if problem is None:
            fitting += 1
        elif first_problem is None:
            first_problem = problem[1]
    key_names = {name for name, _kind in key_schema}

    def rank(entry: tuple[tuple[str, str], int]) -> tuple[bool, bool, int, str]:
        """The target's key names first, then attributes that could be a key (S, N or B in every item)."""
        (name, kind), count = entry
        return name not in key_names, not (kind in ("S", "N", "B") and count == items), -count, name

    ranked = sorted(seen.items(), key=rank)
    return SampleShape(items, fitting, tuple((name, kind, n) for (name, kind), n in ranked), first_problem)


def shape_text(shape: SampleShape) -> str:
    shown = ", ".join(f"{name} {kind} (in {n})" for name, kind, n in shape.attributes[:SHOWN_ATTRIBUTES])
    more = len(shape.attributes) - SHOWN_ATTRIBUTES
    return f"{shape.items} items; {shown or 'no attributes'}{f', and {more} more' if more > 0 else ''}"


def check_target_keys(key_schema: KeySchema, mapped: Iterable[dict[str, str]], target: str) -> SampleShape:
    """Refuse (exit 2) when no mapped sample item fits ``target``'s key; warn when some do not."""
    shape = sample_shape(key_schema, mapped)
    if shape.items and not shape.fitting:
        raise PreflightError(
            f"preflight: no sampled item fits the key of target table {target!r}; nothing was read or written\n"
            f"  target key:    {key_schema_text(key_schema)}\n"
            f"  mapped sample: {shape_text(shape)}\n"
            f"  first item:    {shape.first_problem}",
            hint="point target.table at the right table, or add a mapping (mapping.rename, mapping.key) "
            "that produces the target's key attributes with their types",
        )
    if shape.fitting < shape.items:
        log.warning(
            "preflight: %d of %d sampled items do not fit the key of %s (%s); they will be dead-lettered: %s",
            shape.items - shape.fitting,
            shape.items,
            target,
            key_schema_text(key_schema),
            shape.first_problem,
        )
    else:
        log.info(
            "preflight: the %d sampled items fit the key of %s (%s)", shape.items, target, key_schema_text(key_schema)
        )
    return shape
