"""Apply a mapping to ONE item in pure Python: the per-item path of the stream replicator.

The full load compiles the mapping to Spark SQL (``jobs.mapping.compile``); a Lambda function
that applies stream records has no Spark. :class:`ItemMapper` applies the same
:class:`~jobs.mapping.spec.MappingSpec`, with the same typed access (resolved from the same
export sample), in the same order and with the same dead-letter reasons, so an item written by
replication equals the one the full load would write. ``tests/spark/test_mapping_agreement.py``
checks that on generated items. Expressions are limited to the subset in
:mod:`jobs.mapping.expr_compile`; anything else is refused before replication starts.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobs.core.attrvalue import Item, normalize_number
from jobs.core.errors import ConfigError
from jobs.mapping import expr_eval as ev
from jobs.mapping.expr_compile import ExpressionCompiler
from jobs.mapping.expr_eval import SqlType
from jobs.mapping.expr_nodes import referenced_names
from jobs.mapping.expr_parse import parse_expression
from jobs.mapping.inventory import inventory, typed_access
from jobs.mapping.nested import NestedOp, apply_nested
from jobs.mapping.spec import MappingSpec

_WS = "[ \\t\\n\\x0b\\f\\r]"  # Java's \s
NUMBER = re.compile(rf"^{_WS}*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?{_WS}*$")
_FALSE_N, _TRUE_N = re.compile(r"^-?0*\.?0*$"), re.compile(r"^0*1(\.0*)?$")
_SET_ELEMENT = {"SS": "S", "NS": "N", "BS": "B"}
Marshal = Callable[[Any], tuple[dict[str, Any] | None, str | None]]


@dataclass(frozen=True)
class Mapped:
    """One item after the mapping: the mapped item, or the original when filtered or dead."""

    item: Item
    filtered: bool = False
    dead_reason: str | None = None


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def read_typed(value: Any, kind: SqlType) -> Any:
    """An attribute as an expression sees it (``jobs.mapping.sqlcols.typed``); None when it can't."""
    if not isinstance(value, dict):
        return None
    if kind.kind == "string":
        text = value.get("S")
        return text if isinstance(text, str) else None
    if kind.kind == "decimal":
        number = value.get("N")
        return ev.cast(number, ev.STRING, kind) if isinstance(number, str) else None
    if kind.kind == "boolean":
        flag = value.get("BOOL")
        return flag if isinstance(flag, bool) else None
    data = value.get("B")
    try:
        return base64.b64decode(data) if isinstance(data, str) else None
    except (binascii.Error, ValueError):
        return None


def cast_attribute(value: dict[str, Any] | None, to: str) -> dict[str, Any] | None:
    """``jobs.mapping.sqlcols.cast_value`` for one AttributeValue; None where it cannot be cast."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    kind, inner = next(iter(value.items()))
    if kind == to:
        return value
    if to == "S" and kind == "N":
        return {"S": inner}
    if to == "S" and kind == "B":
        try:
            return {"S": base64.b64decode(inner).decode("utf-8")}
        except (binascii.Error, ValueError):
            return None
    if to == "N" and kind == "S":
        return {"N": inner.strip(" ")} if NUMBER.search(inner) else None
    if to == "N" and kind == "BOOL":
        return {"N": "1" if inner else "0"}
    if to == "B" and kind == "S":
        return {"B": base64.b64encode(inner.encode("utf-8")).decode("ascii")}
    if to == "BOOL" and kind == "N":
        return {"BOOL": False} if _FALSE_N.search(inner) else {"BOOL": True} if _TRUE_N.search(inner) else None
    if to == "L" and kind in _SET_ELEMENT:
        return {"L": [{_SET_ELEMENT[kind]: element} for element in inner]}
    if to in _SET_ELEMENT and kind == "L":
        element = _SET_ELEMENT[to]
        members = inner if isinstance(inner, list) else []
        ok = bool(members) and all(isinstance(m, dict) and list(m) == [element] for m in members)
        values = [m[element] for m in members] if ok else []
        return {to: values} if ok and len(set(map(_text, values))) == len(values) else None
    return None


def marshaller(kind: SqlType, declared: str | None, where: str) -> Marshal:
    """``jobs.mapping.sqlcols.marshal``: an expression's value as an AttributeValue, or a reason."""
    natural = {"string": "S", "boolean": "BOOL", "binary": "B"}.get(kind.kind, "")
    target = declared or ("N" if kind.numeric else natural)
    if target == "S":
        return lambda v: (None if v is None else {"S": ev.to_string(v, kind)}, None)
    if target == "N" and kind.numeric:
        return lambda v: (None if v is None else {"N": normalize_number(str(ev.to_string(v, kind)))}, None)
    if target == "N" and kind.kind == "string":

        def number(v: Any) -> tuple[dict[str, Any] | None, str | None]:
            if v is None:
                return None, None
            if not NUMBER.search(v):
                return None, f"{where}: {_text([v])} is not a number"
            return {"N": v.strip(" ")}, None

        return number
    if target == "BOOL" and kind.kind == "boolean":
        return lambda v: (None if v is None else {"BOOL": v}, None)
    if target == "B" and kind.kind in ("binary", "string"):
        raw: Callable[[Any], bytes] = (lambda v: v) if kind.kind == "binary" else (lambda v: v.encode("utf-8"))
        return lambda v: (None if v is None else {"B": base64.b64encode(raw(v)).decode("ascii")}, None)
    shown = "void" if kind.kind == "null" else str(kind)
    raise ConfigError(
        f"{where}: cannot store a {shown} result as DynamoDB type {target or '?'}",
        hint="give type: S|N|B|BOOL that matches the expression, or cast inside the expression",
    )


@dataclass(frozen=True)
class _Expression:
    label: str  # mapping.filter, mapping.derive.<name>, mapping.key.<name>
    name: str
    refs: tuple[str, ...]
    evaluate: Callable[[dict[str, Any]], Any]
    marshal: Marshal | None  # None for the filter


def expression_labels(spec: MappingSpec) -> list[tuple[str, str, str, str | None]]:
    """(label, target name, SQL, declared type) in the order the Spark path evaluates them."""
    out: list[tuple[str, str, str, str | None]] = []
    if spec.filter:
        out.append(("mapping.filter", "", spec.filter, None))
    out += [(f"mapping.derive.{d.name}", d.name, d.expr, d.type) for d in spec.derives]
    out += [(f"mapping.key.{k.name}", k.name, k.expr, k.type) for k in spec.keys]
    return out


def resolve_access(spec: MappingSpec, sample: list[Item]) -> dict[str, str]:
    """Typed access per referenced attribute, as ``compile_mapping`` resolves it from a sample."""
    stats, overrides = inventory(sample), dict(spec.types)
    access: dict[str, str] = {}
    problems: list[str] = []
    for label, _name, sql, _type in expression_labels(spec):
        try:
            for name in referenced_names(parse_expression(sql, label)):
                access.setdefault(name, typed_access(stats.get(name), name, overrides.get(name), label))
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("mapping cannot be applied per item:\n" + "\n".join(f"  {p}" for p in problems))
    return access


class ItemMapper:
    """A mapping prepared for single items; construction refuses what it cannot evaluate."""

    def __init__(self, spec: MappingSpec, access: dict[str, str]) -> None:
        self.spec = spec
        problems: list[str] = []
        self.types: dict[str, SqlType] = {}
        for name, how in access.items():
            if how == "json":
                problems.append(
                    f"attribute {name!r} is read as json (a set, list or map): the stream replicator evaluates "
                    "expressions over S, N, B and BOOL attributes only"
                )
            else:
                self.types[name] = ev.parse_type(how)
        self.expressions: list[_Expression] = []
        for label, name, sql, declared in expression_labels(spec):
            try:
                tree = parse_expression(sql, label)
                typed = ExpressionCompiler(self.types, label).compile(tree)
                marshal = None if label == "mapping.filter" else marshaller(typed.type, declared, label)
                self.expressions.append(_Expression(label, name, tuple(referenced_names(tree)), typed.fn, marshal))
            except ConfigError as exc:
                problems.append(str(exc))
        news = [n.top for o, n in spec.renames if not o.nested]
        if len(set(news)) != len(news):
            problems.append("mapping.rename: two attributes are renamed to the same name")
        if problems:
            raise ConfigError(
                "the stream replicator cannot apply this mapping:\n" + "\n".join(f"  {p}" for p in problems),
                hint="the README's 'Replication' section lists the expressions it evaluates",
            )
        used = {r for e in self.expressions if e.label != "mapping.filter" for r in e.refs}
        self.checked = [(n, access[n], t) for n, t in self.types.items() if n in used]
        self.nested: dict[str, list[NestedOp]] = {}
        for old, new in spec.renames:
            if old.nested:
                self.nested.setdefault(old.top, []).append(("rename", old.parts[1:], new.parts[1:]))
        for path in spec.drops:
            if path.nested:
                self.nested.setdefault(path.top, []).append(("drop", path.parts[1:], ()))

    def apply(self, item: Item, use_filter: bool = True) -> Mapped:
        """The item as the full load would write it; ``filtered`` or ``dead_reason`` otherwise."""
        spec = self.spec
        if spec.empty:
            return Mapped(item)
        row = {name: read_typed(item.get(name), kind) for name, kind in self.types.items()}
        errors: list[str | None] = [self._mismatch(item, row)]
        keep = True
        if spec.filter and use_filter:
            keep = self.expressions[0].evaluate(row) is True
        current = dict(item)
        for top, ops in self.nested.items():
            if top in item:
                text, error = apply_nested(_text(item[top]), top, ops)
                errors.append(error)
                current[top] = json.loads(str(text))
        casts = {name: cast_attribute(current.get(name), to) for name, to in spec.casts}
        for name, to in spec.casts:
            if current.get(name) is not None and casts[name] is None:
                errors.append(f"mapping.cast.{name}: cannot cast {_text(current[name])} to {to}")
        current = _replace(current, casts)
        current = {k: v for k, v in current.items() if k not in {p.top for p in spec.drops if not p.nested}}
        current, conflict = self._rename(current)
        errors.append(conflict)
        produced: dict[str, Any] = {name: json.loads(text) for name, text in spec.sets}
        for expression in self.expressions:
            if expression.marshal is None:
                continue
            value = expression.evaluate(row)
            if value is None and expression.refs and all(r in item for r in expression.refs):
                errors.append(f"{expression.label} produced NULL from non-null inputs (overflow or invalid input?)")
            produced[expression.name], reason = expression.marshal(value)
            errors.append(reason)
        current = _replace(current, produced)
        reason = next((e for e in errors if e is not None), None) if keep else None
        if keep and reason is None:
            return Mapped(current)
        return Mapped(item, filtered=not keep, dead_reason=reason)

    def _mismatch(self, item: Item, row: dict[str, Any]) -> str | None:
        for name, how, _kind in self.checked:
            value = item.get(name)
            if value is not None and value != {"NULL": True} and row[name] is None:
                return f"attribute {name!r} cannot be read as {how} (type differs from the sample, or out of range)"
        return None

    def _rename(self, current: Item) -> tuple[Item, str | None]:
        renames = [(o.top, n.top) for o, n in self.spec.renames if not o.nested]
        if not renames:
            return current, None
        olds = [o for o, _n in renames]
        conflict = None
        for source, new in renames:
            if source in current and new in current and new not in olds:
                conflict = (
                    f"mapping.rename.{source}: this item already has an attribute {new!r}; renaming would overwrite it"
                )
        if conflict is not None:
            return current, conflict
        table = dict(renames)
        return {table.get(k, k): v for k, v in current.items()}, None


def _replace(item: Item, values: dict[str, Any]) -> Item:
    """``jobs.mapping.sqlcols.replace_values``: set the named attributes; None removes one."""
    kept = {k: v for k, v in item.items() if k not in values}
    return kept | {k: v for k, v in values.items() if v is not None}
