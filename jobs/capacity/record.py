"""The capacity record of a run: ``<output.uri>/<run_id>/capacity.json``.

Written before any UpdateTable, so that ``ddb-migrate capacity restore --run-id`` can bring the
tables back after a crash or a kill. It holds each table's original settings, what the run set,
the state (``raising``, ``raised``, ``restored`` or ``restore_pending``) and a history of events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jobs.capacity.model import TableCapacity, from_doc, to_doc
from jobs.ledger import LedgerStore

RECORD_NAME = "capacity.json"


@dataclass
class TableRecord:
    """One managed table: who owns it, how it was before the run, and what the run set."""

    role: str  # "target" or "source"
    account: str  # the account's name in the config
    table: str
    original: TableCapacity
    applied: TableCapacity | None = None
    notes: list[str] = field(default_factory=list)

    def to_doc(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "account": self.account,
            "table": self.table,
            "original": to_doc(self.original),
            "applied": to_doc(self.applied) if self.applied else None,
            "notes": self.notes,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> TableRecord:
        return cls(
            role=doc["role"],
            account=doc["account"],
            table=doc["table"],
            original=from_doc(doc["original"]),
            applied=from_doc(doc["applied"]) if doc.get("applied") else None,
            notes=list(doc.get("notes", [])),
        )


@dataclass
class CapacityRecord:
    run_id: str
    state: str
    tables: list[TableRecord]
    history: list[str] = field(default_factory=list)

    def event(self, text: str) -> None:
        self.history.append(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {text}")

    def table(self, role: str) -> TableRecord | None:
        return next((t for t in self.tables if t.role == role), None)

    def to_json(self) -> str:
        doc = {
            "run_id": self.run_id,
            "state": self.state,
            "tables": [t.to_doc() for t in self.tables],
            "history": self.history,
        }
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str) -> CapacityRecord:
        doc = json.loads(text)
        return cls(
            run_id=doc["run_id"],
            state=doc["state"],
            tables=[TableRecord.from_doc(t) for t in doc["tables"]],
            history=list(doc.get("history", [])),
        )


def load_record(store: LedgerStore) -> CapacityRecord | None:
    text = store.get_text(RECORD_NAME)
    return CapacityRecord.from_json(text) if text is not None else None


def save_record(store: LedgerStore, record: CapacityRecord) -> str:
    return store.put_text(RECORD_NAME, record.to_json())
