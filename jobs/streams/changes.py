"""Changes of source items, from a DynamoDB stream or an incremental export, in one shape.

A :class:`Change` says what a source item became (``new_image``, or None when it was removed),
what it was before when known, and its *version*: the stream's sequence number, zero-padded so
that text order is numeric order. Changes from an incremental export carry no sequence number
(version None): they are a base layer that never overrides what replication applied (ADR 0009).
Pure functions only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobs.core.attrvalue import Item
from jobs.core.errors import InvalidItemError

VERSION_DIGITS = 40  # a stream SequenceNumber has 21 to 40 digits


@dataclass(frozen=True)
class Change:
    keys: Item
    new_image: Item | None  # None: the item was removed
    old_image: Item | None  # None: not in the record (INSERT, or a view without old images)
    version: str | None  # padded sequence number; None for an incremental export's line
    origin: str  # the stream shard, or the export data file
    position: str  # the sequence number, or the line number
    created_at: float | None = None  # epoch seconds (the stream's approximate time, or the write time)
    event: str = ""  # INSERT, MODIFY, REMOVE; PUT or DELETE for exports

    @property
    def removed(self) -> bool:
        return self.new_image is None

    def record(self) -> dict[str, Any]:
        """The change as a dead letter keeps it: enough to apply it again by hand."""
        body: dict[str, Any] = {"event": self.event, "Keys": self.keys}
        if self.new_image is not None:
            body["NewImage"] = self.new_image
        if self.old_image is not None:
            body["OldImage"] = self.old_image
        if self.version is not None:
            body["SequenceNumber"] = self.version.lstrip("0") or "0"
        return body


def padded(sequence_number: str) -> str:
    if not sequence_number.isdigit() or len(sequence_number) > VERSION_DIGITS:
        raise InvalidItemError(f"{sequence_number!r} is not a DynamoDB Streams sequence number")
    return sequence_number.zfill(VERSION_DIGITS)


def wire_value(value: Any) -> Any:
    """An AttributeValue as boto3 parsed it (B as bytes) back in wire form (B as base64)."""
    kind, inner = next(iter(value.items()))
    if kind == "B" and isinstance(inner, bytes | bytearray):
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") if isinstance(b, bytes | bytearray) else b for b in inner]}
    if kind == "L":
        return {"L": [wire_value(v) for v in inner]}
    if kind == "M":
        return {"M": {k: wire_value(v) for k, v in inner.items()}}
    return value


def wire_item(item: Item | None) -> Item | None:
    return None if item is None else {name: wire_value(value) for name, value in item.items()}


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return None


def from_stream_record(record: Mapping[str, Any], origin: str) -> Change:
    """A stream record as Lambda delivers it or GetRecords returns it (boto3's parsed form)."""
    event = record.get("eventName")
    body = record.get("dynamodb") or {}
    keys = wire_item(body.get("Keys"))
    sequence = str(body.get("SequenceNumber", ""))
    where = f"stream record {sequence or record.get('eventID')} of {origin}"
    if event not in ("INSERT", "MODIFY", "REMOVE") or not keys:
        raise InvalidItemError(f"{where}: not an INSERT, MODIFY or REMOVE record with Keys")
    new_image = wire_item(body.get("NewImage")) if event != "REMOVE" else None
    if event != "REMOVE" and new_image is None:
        raise InvalidItemError(
            f"{where}: {event} without NewImage",
            hint="the source table's stream must carry new images (NEW_AND_OLD_IMAGES)",
        )
    return Change(
        keys=keys,
        new_image=new_image,
        old_image=wire_item(body.get("OldImage")),
        version=padded(sequence),
        origin=origin,
        position=sequence,
        created_at=_epoch(body.get("ApproximateCreationDateTime")),
        event=str(event),
    )


def from_export_line(line: str, origin: str, number: int) -> Change:
    """One line of an incremental export (DYNAMODB_JSON): Metadata, Keys, OldImage, NewImage."""
    where = f"{origin} line {number}"
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidItemError(f"{where}: not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("Keys"), dict) or not doc["Keys"]:
        raise InvalidItemError(f"{where}: not an incremental export record with Keys")
    micros = (doc.get("Metadata") or {}).get("WriteTimestampMicros", {}).get("N")
    new_image = doc.get("NewImage")
    return Change(
        keys=doc["Keys"],
        new_image=new_image,
        old_image=doc.get("OldImage"),
        version=None,
        origin=origin,
        position=str(number),
        created_at=int(micros) / 1e6 if isinstance(micros, str) and micros.isdigit() else None,
        event="PUT" if new_image is not None else "DELETE",
    )


def export_line(change: Change, write_micros: int) -> str:
    """The incremental export line for a change (what AWS writes for NEW_AND_OLD_IMAGES)."""
    doc: dict[str, Any] = {"Metadata": {"WriteTimestampMicros": {"N": str(write_micros)}}, "Keys": change.keys}
    if change.old_image is not None:
        doc["OldImage"] = change.old_image
    if change.new_image is not None:
        doc["NewImage"] = change.new_image
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
