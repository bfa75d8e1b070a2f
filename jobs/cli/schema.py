"""`ddb-migrate schema copy`: print the plan (a diff against what exists), then create the table;
for a config with many tables, every table is planned first and nothing is created unless every
plan can be carried out (ADR 0015)."""

from __future__ import annotations

from jobs.config import JobConfig, MoveConfig, SinkSettings
from jobs.sink.schema.copy import SchemaMismatchError, apply_copy, plan_copy, refuse_mismatch
from jobs.sink.schema.diff import SchemaPlan


def copy_main(config: JobConfig, dry_run: bool = False) -> int:
    """Exit 0 when the target exists or was created, 2 (raised) when it cannot match the source."""
    sink = config.sink
    plan = _planned(sink, config)
    refuse_mismatch(plan)
    if dry_run:
        print("dry run: nothing was changed")
        return 0
    _create(sink, plan)
    return 0


def copy_move_main(move: MoveConfig, dry_run: bool = False) -> int:
    """Plan every table; create the missing ones only when no plan has a `!` (else exit 2)."""
    plans = [(job.sink, _planned(job.sink, job)) for job in move.jobs]
    refused = [sink.table.name for sink, plan in plans if plan.errors]
    if refused:
        raise SchemaMismatchError(
            f"{len(refused)} of {len(plans)} target tables cannot match their source's definition: "
            + ", ".join(refused)
            + "; nothing was created",
            hint="delete or rename those target tables, or fix their target name / mapping under tables:",
        )
    if dry_run:
        print("dry run: nothing was changed")
        return 0
    for sink, plan in plans:
        _create(sink, plan)
    return 0


def _planned(sink: SinkSettings, config: JobConfig) -> SchemaPlan:
    plan = plan_copy(sink, config.mapping)
    print(
        f"schema copy: table {sink.source.name} (account '{sink.source.account.name}') -> "
        f"table {sink.table.name} (account '{sink.table.account.name}')"
    )
    state = "exists; compared with the source's definition" if plan.exists else "does not exist; to create"
    print(f"target table {sink.table.name} {state}:")
    for line in plan.lines:
        print(line)
    for note in plan.notes:
        print(f"  note: {note}")
    return plan


def _create(sink: SinkSettings, plan: SchemaPlan) -> None:
    done = apply_copy(sink, plan)
    for step in done:
        print(f"  done: {step}")
    if not done:
        print("nothing was changed: schema copy creates a missing table, it never alters an existing one")
