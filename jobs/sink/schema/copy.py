"""Schema copy for one job: read both tables, plan, and create the target when it is missing."""

from __future__ import annotations

from jobs.config import SinkSettings
from jobs.core.errors import TerminalError
from jobs.mapping.spec import MappingSpec
from jobs.sink.schema import apply, diff
from jobs.sink.schema.facts import read_facts, require_facts
from jobs.sink.schema.spec import described
from jobs.sink.schema.translate import target_spec


class SchemaMismatchError(TerminalError):
    """The existing target table differs from the source's definition where DynamoDB cannot change it."""


def plan_copy(sink: SinkSettings, mapping: MappingSpec) -> diff.SchemaPlan:
    """The plan for ``sink.table``: the source's definition through the mapping, against what exists."""
    source = require_facts(sink.source.account, sink.source.name)
    wanted = target_spec(source, sink.table.name, mapping, sink.schema)
    existing = read_facts(sink.table.account, sink.table.name)
    return diff.plan(wanted.spec, described(existing) if existing else None, wanted.notes)


def refuse_mismatch(plan: diff.SchemaPlan) -> None:
    """Stop when the existing target cannot become the source's definition (exit 2 in the CLI)."""
    if plan.errors:
        raise SchemaMismatchError(
            "; ".join(plan.errors), hint="delete or rename the target table, or fix target.table / the mapping"
        )


def apply_copy(sink: SinkSettings, plan: diff.SchemaPlan) -> list[str]:
    """Create the table the plan describes; an existing table is never altered."""
    refuse_mismatch(plan)
    if plan.exists:
        return []
    return apply.create(sink.table.account, plan.spec)
