"""`ddb-migrate schema copy`: print the plan (a diff against what exists), then create the table."""

from __future__ import annotations

from jobs.config import JobConfig
from jobs.sink.schema.copy import apply_copy, plan_copy, refuse_mismatch


def copy_main(config: JobConfig, dry_run: bool = False) -> int:
    """Exit 0 when the target exists or was created, 2 (raised) when it cannot match the source."""
    sink = config.sink
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
    refuse_mismatch(plan)
    if dry_run:
        print("dry run: nothing was changed")
        return 0
    done = apply_copy(sink, plan)
    for step in done:
        print(f"  done: {step}")
    if not done:
        print("nothing was changed: schema copy creates a missing table, it never alters an existing one")
    return 0
