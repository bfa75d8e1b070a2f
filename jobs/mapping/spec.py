"""The ``mapping`` section of a job config, parsed and checked without Spark.

Every name on the left of ``rename``/``cast``/``drop`` and inside ``derive``/``key``/``filter``
expressions is a *source* attribute name. ``set``, ``derive`` and ``key`` name target
attributes. Operations apply in a fixed order, documented in the README:
filter -> nested rename/drop -> rename -> cast -> drop -> set -> derive -> key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from jobs.core.attrvalue import validate_value
from jobs.core.errors import ConfigError, InvalidItemError

OPERATIONS = ("rename", "drop", "cast", "set", "derive", "key", "filter", "collisions", "types")
CAST_TYPES = ("S", "N", "B", "BOOL", "SS", "NS", "BS", "L")
DERIVE_TYPES = ("S", "N", "B", "BOOL")
TYPED_ACCESS = ("string", "decimal", "boolean", "binary", "json")
_DECIMAL = re.compile(r"^decimal\((\d{1,2}),\s*(\d{1,2})\)$")


@dataclass(frozen=True)
class Path:
    """An attribute path: a top-level name and, for nested map keys, the keys below it."""

    parts: tuple[str, ...]

    @property
    def top(self) -> str:
        return self.parts[0]

    @property
    def nested(self) -> bool:
        return len(self.parts) > 1

    def __str__(self) -> str:
        return ".".join(f"`{p}`" if "." in p or "`" in p else p for p in self.parts)


def parse_path(text: str, where: str) -> Path:
    """``a.b.c`` -> (a, b, c); backticks keep dots inside a name: ```a.b`.c`` -> (a.b, c)."""
    parts: list[str] = []
    current = ""
    quoted = False
    for char in text:
        if char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    if quoted or any(p == "" for p in parts):
        raise ConfigError(
            f"{where}: {text!r} is not an attribute path (names separated by dots, "
            "backticks around a name that contains a dot)"
        )
    return Path(tuple(parts))


@dataclass(frozen=True)
class Derive:
    name: str
    expr: str
    type: str | None  # None: inferred from the expression's Spark type


@dataclass(frozen=True)
class MappingSpec:
    """A validated mapping; empty means "copy as is"."""

    renames: tuple[tuple[Path, Path], ...] = ()
    drops: tuple[Path, ...] = ()
    casts: tuple[tuple[str, str], ...] = ()
    sets: tuple[tuple[str, str], ...] = ()  # name -> AttributeValue JSON text
    derives: tuple[Derive, ...] = ()
    keys: tuple[Derive, ...] = ()
    filter: str | None = None
    collision_policy: str = "fail"
    latest_by: str | None = None
    types: tuple[tuple[str, str], ...] = ()  # attribute -> typed access override
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def empty(self) -> bool:
        return not (self.renames or self.drops or self.casts or self.sets or self.derives or self.keys or self.filter)

    def touched(self) -> set[str]:
        """Top-level target attribute names this mapping may change."""
        names = {new.top for _old, new in self.renames} | {old.top for old, _new in self.renames}
        names |= {p.top for p in self.drops} | {n for n, _t in self.casts} | {n for n, _v in self.sets}
        names |= {d.name for d in self.derives} | {k.name for k in self.keys}
        return names


def _mapping_of(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: must be a mapping of name -> value")
    return value


def _derive(name: Any, body: Any, where: str) -> Derive:
    if isinstance(body, str):
        expr, kind = body, None
    elif isinstance(body, dict) and set(body) <= {"expr", "type"} and isinstance(body.get("expr"), str):
        expr, kind = body["expr"], body.get("type")
    else:
        raise ConfigError(f"{where}: give a Spark SQL expression, or {{expr: ..., type: S|N|B|BOOL}}")
    if kind is not None and kind not in DERIVE_TYPES:
        raise ConfigError(f"{where}: type {kind!r} is not one of {', '.join(DERIVE_TYPES)}")
    if not expr.strip():
        raise ConfigError(f"{where}: the expression is empty")
    return Derive(str(name), expr, kind)


def parse_mapping(doc: Any, where: str = "mapping") -> MappingSpec:
    """Validate the ``mapping`` section; one :class:`ConfigError` listing every problem."""
    problems: list[str] = []
    if doc is None:
        return MappingSpec()
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: must be a mapping with any of {', '.join(OPERATIONS)}")

    def attempt(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ConfigError as exc:
            problems.append(str(exc))
            return None

    for key in doc:
        if key not in OPERATIONS:
            problems.append(f"{where}.{key}: unknown operation; use one of {', '.join(OPERATIONS)}")
    renames = []
    for old, new in _mapping_of(doc.get("rename"), f"{where}.rename").items():
        entry = f"{where}.rename.{old}"
        source, target = attempt(parse_path, str(old), entry), attempt(parse_path, str(new), entry)
        if source and target:
            if source.nested != target.nested or (source.nested and source.top != target.top):
                problems.append(
                    f"{entry}: a nested rename must stay inside the same top-level attribute ({source} -> {target})"
                )
            else:
                renames.append((source, target))
    drop_doc = doc.get("drop") or []
    if not isinstance(drop_doc, list):
        problems.append(f"{where}.drop: must be a list of attribute paths")
        drop_doc = []
    drops = [p for p in (attempt(parse_path, str(d), f"{where}.drop") for d in drop_doc) if p]
    casts = []
    for name, kind in _mapping_of(doc.get("cast"), f"{where}.cast").items():
        if kind not in CAST_TYPES:
            problems.append(f"{where}.cast.{name}: {kind!r} is not one of {', '.join(CAST_TYPES)}")
        else:
            casts.append((str(name), str(kind)))
    sets = []
    for name, value in _mapping_of(doc.get("set"), f"{where}.set").items():
        try:
            validate_value(value, f"{where}.set.{name}")
            sets.append((str(name), json.dumps(value, ensure_ascii=False, separators=(",", ":"))))
        except InvalidItemError as exc:
            problems.append(f"{exc}; a set value is a DynamoDB JSON AttributeValue such as {{S: text}}")
    derives = [
        d
        for name, body in _mapping_of(doc.get("derive"), f"{where}.derive").items()
        if (d := attempt(_derive, name, body, f"{where}.derive.{name}"))
    ]
    keys = [
        d
        for name, body in _mapping_of(doc.get("key"), f"{where}.key").items()
        if (d := attempt(_derive, name, body, f"{where}.key.{name}"))
    ]
    predicate = doc.get("filter")
    if predicate is not None and (not isinstance(predicate, str) or not predicate.strip()):
        problems.append(f"{where}.filter: must be a Spark SQL predicate")
    collisions = _mapping_of(doc.get("collisions"), f"{where}.collisions")
    policy = collisions.get("policy", "fail")
    latest_by = collisions.get("latest_by")
    extra = set(collisions) - {"policy", "latest_by"}
    if extra:
        problems.append(f"{where}.collisions: unknown field(s) {sorted(extra)}; use policy and latest_by")
    if policy not in ("fail", "keep_latest"):
        problems.append(f"{where}.collisions.policy: must be fail or keep_latest")
    if policy == "keep_latest" and not isinstance(latest_by, str):
        problems.append(f"{where}.collisions.latest_by: keep_latest needs the attribute that orders versions")
    types = []
    for name, access in _mapping_of(doc.get("types"), f"{where}.types").items():
        if access not in TYPED_ACCESS and not _DECIMAL.match(str(access)):
            problems.append(f"{where}.types.{name}: {access!r} is not one of {', '.join(TYPED_ACCESS)} or decimal(p,s)")
        else:
            types.append((str(name), str(access)))
    targets = [d.name for d in derives] + [k.name for k in keys] + [n for n, _ in sets]
    for name in {n for n in targets if targets.count(n) > 1}:
        problems.append(f"{where}: attribute {name!r} is produced by more than one of set/derive/key")
    if problems:
        raise ConfigError(
            "invalid mapping:\n" + "\n".join(f"  {p}" for p in problems),
            hint="the README's 'Mapping' section documents every operation",
        )
    return MappingSpec(
        renames=tuple(renames),
        drops=tuple(drops),
        casts=tuple(casts),
        sets=tuple(sets),
        derives=tuple(derives),
        keys=tuple(keys),
        filter=predicate,
        collision_policy=policy,
        latest_by=latest_by,
        types=tuple(types),
        raw=doc,
    )
