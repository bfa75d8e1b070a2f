"""`ddb-migrate dlq list | show`: what a run's dead letters are, without opening S3.

Both read the run's dead-letter objects through :meth:`LedgerStore.dead_letter_files`, the same
reader ``dlq replay`` uses. Records are grouped by stage (``read``, ``mapping``, ``write``) and
reason code (``error``: ``MappingFailed``, ``ItemTooLarge``, ``MissingKey``, ...); the words of
the reason differ per item (they name the attribute or the size), so a group shows its first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jobs.aws import tables
from jobs.config import JobConfig
from jobs.ledger import LedgerStore

STAGES = ("read", "mapping", "write")


@dataclass
class DeadLetterGroup:
    stage: str
    error: str
    count: int
    first_reason: str


@dataclass
class DeadLetterExample:
    file: str
    line: int
    stage: str
    error: str
    reason: str
    key: str | None  # "pk=..., sk=..." when the item has the key attributes; None for an unparsable line
    item: Any  # as recorded: the source item (mapping), the item to write (write), the raw line (read)


@dataclass
class DeadLetters:
    run_id: str
    uri: str
    total: int = 0
    objects: int = 0
    groups: list[DeadLetterGroup] = field(default_factory=list)
    examples: list[DeadLetterExample] = field(default_factory=list)


def _key_names(config: JobConfig) -> dict[str, tuple[str, ...]]:
    """Key attribute names per stage: a mapping dead letter holds the source item, a write dead
    letter the target's. A table that cannot be described leaves the key unnamed, not the listing."""
    found: dict[str, tuple[str, ...]] = {}
    for stage, account, table in (
        ("mapping", config.source_account, config.source_table),
        ("write", config.target_account, config.target_table),
    ):
        try:
            found[stage] = tables.key_names(config.account(account), table)
        except (ClientError, BotoCoreError):
            found[stage] = ()
    return found


def item_key(item: Any, names: tuple[str, ...]) -> str | None:
    """``pk=customer#0001, sk=7`` from a recorded item (wire JSON, or an export line ``{"Item": ...}``)."""
    if isinstance(item, dict) and isinstance(item.get("Item"), dict):
        item = item["Item"]
    if not isinstance(item, dict) or not names or any(n not in item for n in names):
        return None
    parts = []
    for name in names:
        value = item[name]
        text = next(iter(value.values())) if isinstance(value, dict) and len(value) == 1 else value
        parts.append(f"{name}={text}")
    return ", ".join(parts)


def read_dead_letters(
    config: JobConfig, examples: int = 0, stage: str | None = None, error: str | None = None
) -> DeadLetters:
    """Counts by stage and reason code over every dead letter of the run; with ``examples``, the
    first that many records (in object and line order), filtered by ``stage`` and ``error``."""
    store = LedgerStore.for_run(config)
    out = DeadLetters(config.run_id, f"s3://{store.bucket}/{store.prefix}dead-letters/")
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    names = _key_names(config) if examples else {}
    for _key, records in store.dead_letter_files():
        out.objects += 1
        for record in records:
            group = (str(record.get("stage")), str(record.get("error")))
            counts[group] += 1
            first.setdefault(group, str(record.get("reason", "")))
            wanted = (stage is None or group[0] == stage) and (error is None or group[1] == error)
            if wanted and len(out.examples) < examples:
                out.examples.append(_example(record, names.get(group[0], ())))
    out.total = sum(counts.values())
    order = {s: i for i, s in enumerate(STAGES)}
    out.groups = [
        DeadLetterGroup(s, e, n, first[(s, e)])
        for (s, e), n in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 9), -kv[1], kv[0][1]))
    ]
    return out


def _example(record: dict[str, Any], names: tuple[str, ...]) -> DeadLetterExample:
    return DeadLetterExample(
        file=str(record.get("file")),
        line=int(record.get("line") or 0),
        stage=str(record.get("stage")),
        error=str(record.get("error")),
        reason=str(record.get("reason", "")),
        key=item_key(record.get("item"), names),
        item=record.get("item"),
    )
