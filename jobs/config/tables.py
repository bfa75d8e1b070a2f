"""``tables:``: one job file for many tables (ADR 0015), expanded into one single-table document
per table, each then parsed exactly as a single-table file is.

What is common (accounts, output, write, spark, progress, the source's export bucket, the
target's account, a default mapping and capacity) is set once at the top; an entry of
``tables:`` is a source table's name, ARN or glob (``orders-*``, resolved with ListTables in the
source account), or a mapping that names one (``source``) and carries its own ``target`` name,
``mapping``, ``mode``, ``existing_items``, ``capacity``, ``export``, ``import`` or ``schema``.
The expansion is pure: the source account's table names come from a function it is given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictInt

from jobs.config.rules import PlainTableName, Says, Section, Text

TABLES_KEYS = ("tables", "tables_concurrency")
GLOB_CHARACTERS = frozenset("*?[")


class TableEntry(Section):
    """One entry of ``tables:`` given as a mapping."""

    source: Text = Field(description="a source table's name, ARN, or a glob such as orders-* (ListTables)")
    target: PlainTableName | None = Field(None, description="the target table's name (default: the source's)")
    mapping: dict[str, Any] | None = Field(None, description="replaces the top-level mapping for this table")
    mode: Literal["write", "import"] | None = Field(None, description="target.mode for this table")
    existing_items: Literal["refuse", "overwrite"] | None = Field(None, description="target.existing_items")
    capacity: dict[str, Any] | None = Field(None, description="replaces the top-level capacity section")
    export: dict[str, Any] | None = Field(None, description="merged over source.export (e.g. its own manifest)")
    import_: dict[str, Any] | None = Field(None, alias="import", description="target.import for this table")
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="target.schema for this table")


def _entry(value: Any) -> Any:
    """A plain name (or glob) is an entry with only ``source``."""
    return {"source": value} if isinstance(value, str) else value


class TablesSection(Section):
    """The keys a many-table file adds at the top level."""

    tables: Annotated[
        list[Annotated[TableEntry, BeforeValidator(_entry, json_schema_input_type=str | dict[str, Any])]],
        Field(min_length=1),
        Says("list at least one table"),
    ]
    tables_concurrency: Annotated[StrictInt, Field(ge=1, le=64), Says("must be between 1 and 64")] = Field(
        1, description="tables loaded at once, in the order of `tables:` (default 1: one after the other)"
    )


@dataclass(frozen=True)
class TableDocument:
    """One table's single-table document, and where it came from."""

    scope: str  # the source table's name: its folder under the run prefix
    doc: dict[str, Any]
    where: str  # e.g. "tables[2] orders-eu"


def is_glob(name: str) -> bool:
    return any(c in GLOB_CHARACTERS for c in name)


def table_name(name_or_arn: str) -> str:
    """A table ARN names its table: keep the name."""
    return name_or_arn.rsplit("/", 1)[1] if name_or_arn.startswith("arn:") else name_or_arn


def shared_problems(doc: dict[str, Any]) -> list[str]:
    """What a many-table file may not set at the top: a table, or one export for every table."""
    found = []
    for side in ("source", "target"):
        section = doc.get(side)
        if isinstance(section, dict) and section.get("table") is not None:
            found.append(f"{side}.table: set per table under 'tables:', not at the top")
    source = doc.get("source")
    export = source.get("export") if isinstance(source, dict) else None
    if isinstance(export, dict) and export.get("manifest") is not None:
        found.append("source.export.manifest: an export holds one table; give it as tables[i].export.manifest")
    return found


def expand_tables(
    doc: dict[str, Any], section: TablesSection, source_names: Callable[[], Sequence[str]]
) -> list[TableDocument]:
    """One single-table document per table, in the order of ``tables:`` (a glob's matches sorted
    by name). Raises ``ValueError`` listing every problem: a glob that matches nothing, a pattern
    with a ``target`` name, a table listed twice, two tables onto one target."""
    found: list[str] = []
    names: list[str] | None = None
    members: list[TableDocument] = []
    for index, entry in enumerate(section.tables):
        sources = [entry.source]
        if is_glob(entry.source):
            if names is None:
                names = sorted(source_names())
            sources = [n for n in names if fnmatchcase(n, entry.source)]
            if not sources:
                found.append(f"tables[{index}]: {entry.source!r} matches no table of the source account")
            if entry.target is not None:
                found.append(f"tables[{index}].target: a pattern matches many tables; name one source table")
        members += [
            TableDocument(table_name(s), member_document(doc, entry, s), f"tables[{index}] {table_name(s)}")
            for s in sources
        ]
    found += _duplicates([m.scope for m in members], "source table listed twice")
    found += _duplicates([m.doc["target"]["table"] for m in members], "two tables would be written to target table")
    if found:
        raise ValueError("\n".join(found))
    return members


def _duplicates(values: list[str], what: str) -> list[str]:
    return [f"tables: {what} {value!r}" for value, n in sorted(Counter(values).items()) if n > 1]


def member_document(doc: dict[str, Any], entry: TableEntry, source_table: str) -> dict[str, Any]:
    """The single-table document of ``source_table``: the shared sections with the entry's own
    values over them. An export written by `ddb-migrate export` goes to a folder of its own
    (``<source.export.prefix>/<table>``) unless the entry gives its prefix."""
    name = table_name(source_table)
    member = {key: value for key, value in doc.items() if key not in TABLES_KEYS}
    source = dict(_section(doc, "source"))
    source["table"] = source_table
    base_export = source.get("export")
    if isinstance(base_export, dict) or entry.export is not None:
        export = {**(base_export if isinstance(base_export, dict) else {}), **(entry.export or {})}
        if "prefix" not in (entry.export or {}):
            export["prefix"] = f"{str(export.get('prefix') or '').strip('/')}/{name}".lstrip("/")
        source["export"] = export
    target = dict(_section(doc, "target"))
    target["table"] = entry.target or name
    for key, value in (
        ("mode", entry.mode),
        ("existing_items", entry.existing_items),
        ("import", entry.import_),
        ("schema", entry.schema_),
    ):
        if value is not None:
            target[key] = value
    member["source"], member["target"] = source, target
    if entry.mapping is not None:
        member["mapping"] = entry.mapping
    if entry.capacity is not None:
        member["capacity"] = entry.capacity
    return member


def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    section = doc.get(name)
    return section if isinstance(section, dict) else {}
