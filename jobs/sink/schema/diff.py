"""The plan: the wanted table against the one that exists, one line per part.

Signs: ``+`` to create, ``=`` the same, ``~`` differs (DynamoDB could change it; schema copy
does not alter an existing table), ``!`` differs where DynamoDB cannot change it after creation
(the key schema, LSIs) and ``?`` not known (an API the endpoint lacks).
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs.core.item_checks import KeySchema
from jobs.sink.schema import policy
from jobs.sink.schema.spec import IndexSpec, TableSpec

FIXED = "cannot be changed after the table is created"


@dataclass(frozen=True)
class Line:
    sign: str
    part: str
    text: str

    def __str__(self) -> str:
        return f"  {self.sign} {self.part}: {self.text}"


@dataclass(frozen=True)
class SchemaPlan:
    """What schema copy would do: create ``spec`` (``exists`` False) or nothing, and why not."""

    spec: TableSpec
    exists: bool
    lines: tuple[Line, ...]
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def key_text(key: KeySchema) -> str:
    return ", ".join(f"{kind} {name} {type_}" for (name, type_), kind in zip(key, ("HASH", "RANGE"), strict=False))


def _units(units: tuple[int, int] | None) -> str:
    return f"; read {units[0]}, write {units[1]}" if units else ""


def _index_text(index: IndexSpec) -> str:
    included = f" ({', '.join(index.non_key)})" if index.non_key else ""
    return f"{key_text(index.key)}; projection {index.projection}{included}{_units(index.throughput)}"


def parts(spec: TableSpec) -> dict[str, str]:
    """Each part of the definition as the text the plan shows and compares, in the plan's order."""
    shown = {"key": key_text(spec.key), "billing": f"{spec.billing_mode}{_units(spec.throughput)}"}
    if spec.warm_throughput:
        shown["warm throughput"] = f"{spec.warm_throughput[0]} reads/s, {spec.warm_throughput[1]} writes/s"
    shown.update({f"GSI {index.name}": _index_text(index) for index in spec.gsis})
    shown.update({f"LSI {index.name}": _index_text(index) for index in spec.lsis})
    shown["TTL"] = spec.ttl_attribute or "off"
    shown["stream"] = spec.stream_view or "off"
    shown["PITR"] = (f"on ({spec.pitr_days} days)" if spec.pitr_days else "on") if spec.pitr else "off"
    shown["deletion protection"] = "on" if spec.deletion_protection else "off"
    shown["SSE"] = spec.sse
    shown["tags"] = ", ".join(f"{k}={v}" for k, v in spec.tags) or "none"
    shown["resource policy"] = policy.summary(spec.resource_policy) if spec.resource_policy else "none"
    return shown


def _fixed(part: str) -> bool:
    return part == "key" or part.startswith("LSI ")


def _new_table(wanted: TableSpec) -> list[Line]:
    unknown = dict(wanted.unknown)
    return [
        Line("?", part, f"not copied: the source's could not be read ({unknown[part]})")
        if part in unknown
        else Line("+", part, text)
        for part, text in parts(wanted).items()
    ]


def _compare(wanted: TableSpec, have: TableSpec) -> tuple[list[Line], list[str]]:
    want, got = parts(wanted), parts(have)
    unknown_source, unknown_target = dict(wanted.unknown), dict(have.unknown)
    lines: list[Line] = []
    errors: list[str] = []
    for part in [*want, *(p for p in got if p not in want)]:
        if part in unknown_source or part in unknown_target:
            why = unknown_source.get(part) or unknown_target.get(part)
            lines.append(Line("?", part, f"not compared: could not be read ({why})"))
        elif want.get(part) == got.get(part):
            lines.append(Line("=", part, got[part]))
        else:
            text = f"target {got.get(part, 'none')}; source definition {want.get(part, 'none')}"
            if _fixed(part):
                lines.append(Line("!", part, f"{text} ({FIXED})"))
                errors.append(f"{part} of table {have.name} differs from the source's definition and {FIXED}")
            else:
                lines.append(Line("~", part, text))
    return lines, errors


def plan(wanted: TableSpec, have: TableSpec | None, notes: tuple[str, ...] = ()) -> SchemaPlan:
    """Compare ``wanted`` with the existing table ``have`` (None: it does not exist)."""
    if have is None:
        return SchemaPlan(wanted, False, tuple(_new_table(wanted)), notes)
    lines, errors = _compare(wanted, have)
    if have.key != wanted.key:
        errors = [
            f"table {have.name} exists with key {key_text(have.key)}, but the source's definition gives "
            f"{key_text(wanted.key)}: schema copy will not use it",
            *(e for e in errors if not e.startswith("key ")),
        ]
    return SchemaPlan(wanted, True, tuple(lines), notes, tuple(errors))
