"""`ddb-migrate capacity show | restore`: a run's capacity record, and the restore after a crash."""

from __future__ import annotations

from jobs.capacity import table_capacity
from jobs.capacity.guard import restore_capacity
from jobs.capacity.record import RECORD_NAME, load_record
from jobs.config import JobConfig
from jobs.ledger import LedgerStore


def show_main(config: JobConfig) -> int:
    """Print the record (original, during the run, state, history) and each table as it is now."""
    store = LedgerStore.for_run(config)
    record = load_record(store)
    if record is None:
        print(f"run {config.run_id}: no capacity record (s3://{store.bucket}/{store.prefix}{RECORD_NAME})")
        return 0
    print(f"run {record.run_id}: capacity {record.state}")
    for entry in record.tables:
        now = table_capacity.describe(config.account(entry.account), entry.table)
        print(f"  {entry.role} table {entry.table} (account {entry.account})")
        print(f"    original:       {entry.original.describe()}")
        if entry.applied is not None:
            print(f"    during the run: {entry.applied.describe()}")
        print(f"    now:            {now.describe()}")
        for note in entry.notes:
            print(f"    note: {note}")
    for event in record.history:
        print(f"  {event}")
    return 0


def restore_main(config: JobConfig, force: bool = False) -> int:
    """Restore the run's tables to their recorded originals; exit 1 while anything is left to do."""
    outcome = restore_capacity(config, LedgerStore.for_run(config), force=force)
    for line in outcome.lines:
        print(line)
    return 0 if outcome.complete else 1
