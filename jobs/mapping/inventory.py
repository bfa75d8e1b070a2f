"""What a sample of items says about each attribute: its DynamoDB types and number shapes.

Pure functions. The inventory decides how an expression sees an attribute (typed access),
and feeds ``plan`` and the exploration notebook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jobs.core.attrvalue import normalize_number
from jobs.core.errors import ConfigError


@dataclass
class AttributeStats:
    name: str
    present: int = 0
    types: Counter[str] = field(default_factory=Counter)
    max_scale: int = 0  # digits after the point, over N values
    max_integer_digits: int = 1

    def observe(self, value: dict[str, Any]) -> None:
        kind = next(iter(value))
        self.present += 1
        self.types[kind] += 1
        if kind == "N":
            text = normalize_number(value["N"], self.name).lstrip("-")
            whole, _, fraction = text.partition(".")
            self.max_scale = max(self.max_scale, len(fraction))
            self.max_integer_digits = max(self.max_integer_digits, len(whole.lstrip("0")) or 1)


def inventory(items: Iterable[dict[str, Any]]) -> dict[str, AttributeStats]:
    """Per top-level attribute: how often present, which types, the shape of its numbers."""
    stats: dict[str, AttributeStats] = {}
    for item in items:
        for name, value in item.items():
            entry = stats.get(name)
            if entry is None:
                entry = stats[name] = AttributeStats(name)
            entry.observe(value)
    return stats


def typed_access(stats: AttributeStats | None, name: str, override: str | None, used_by: str) -> str:
    """How an expression sees attribute ``name``: string, decimal(p,s), boolean, binary or json."""
    if override:
        return override
    if stats is None:
        raise ConfigError(
            f"{used_by}: references attribute {name!r}, which no sampled item has",
            hint="check the spelling (names are case-sensitive), or declare it under mapping.types",
        )
    kinds = set(stats.types) - {"NULL"}
    if len(kinds) > 1:
        raise ConfigError(
            f"{used_by}: attribute {name!r} has mixed types {sorted(kinds)} in the sample",
            hint=f"declare how to read it under mapping.types.{name} (string, decimal(p,s), json, ...)",
        )
    kind = next(iter(kinds), "NULL")
    if kind == "N":
        scale = min(stats.max_scale, 38 - stats.max_integer_digits)
        return f"decimal(38,{max(scale, 0)})"
    return {"S": "string", "BOOL": "boolean", "B": "binary", "NULL": "string"}.get(kind, "json")
