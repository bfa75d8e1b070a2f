"""What one change does to the target table, through the mapping (pure functions).

A source item becomes, in the target, exactly what the full load would write for its current
image: the mapped item, or nothing when the mapping filters or dead-letters it. So a change is
a put of the mapped new image plus, when the mapped key moved (a key derived from a non-key
attribute) or the new image no longer maps to an item, a delete of the old image's mapped key.
The writes and the version of the source key go into one transaction (see ``writer``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from jobs.core.attrvalue import Item
from jobs.core.canonical import key_text
from jobs.core.item_checks import KeySchema, item_problem
from jobs.mapping.item import ItemMapper
from jobs.streams.changes import Change

VERSION_KEY, VERSION_ATTR, SOURCE_KEY_ATTR = "k", "seq", "source_key"


@dataclass(frozen=True)
class TargetWrite:
    """The target-side effect of one change."""

    put: Item | None = None
    deletes: tuple[Item, ...] = ()
    filtered: bool = False
    dead: tuple[str, str, str] | None = None  # (stage, error code, reason): the new image cannot be written

    @property
    def empty(self) -> bool:
        return self.put is None and not self.deletes


def _complete_key(item: Item, names: tuple[str, ...]) -> Item | None:
    key = {n: item[n] for n in names if n in item}
    return key if len(key) == len(names) else None


def _old_key(change: Change, mapper: ItemMapper, names: tuple[str, ...]) -> Item | None:
    """The target key the item had before this change, or None when it had no target item."""
    if change.old_image is not None:
        mapped = mapper.apply(change.old_image)
        return None if mapped.filtered or mapped.dead_reason else _complete_key(mapped.item, names)
    if change.event == "INSERT":
        return None
    # No old image (a NEW_IMAGE view or an incremental export's delete): the key alone.
    mapped = mapper.apply(change.keys, use_filter=False)
    return None if mapped.dead_reason else _complete_key(mapped.item, names)


def target_write(change: Change, mapper: ItemMapper, key_schema: KeySchema) -> TargetWrite:
    names = tuple(n for n, _t in key_schema)
    put: Item | None = None
    dead: tuple[str, str, str] | None = None
    filtered = False
    if change.new_image is not None:
        mapped = mapper.apply(change.new_image)
        if mapped.dead_reason:
            dead = ("mapping", "MappingFailed", mapped.dead_reason)
        elif mapped.filtered:
            filtered = True
        else:
            values = {k: json.dumps(v, ensure_ascii=False) for k, v in mapped.item.items()}
            problem = item_problem(values, json.dumps(mapped.item, ensure_ascii=False), key_schema)
            if problem:
                dead = ("write", *problem)
            else:
                put = mapped.item
    old = _old_key(change, mapper, names)
    if old is None and change.removed and change.old_image is None:
        dead = dead or (
            "mapping",
            "NoOldImage",
            "a REMOVE without OldImage whose target key cannot be derived from the source key alone; "
            "use a NEW_AND_OLD_IMAGES stream",
        )
    moved = old is not None and (put is None or key_text(put, names) != key_text(old, names))
    return TargetWrite(put=put, deletes=(old,) if old is not None and moved else (), filtered=filtered, dead=dead)


def version_key(keys: Item, source_key_names: tuple[str, ...]) -> tuple[str, str]:
    """(hash key of the version item, canonical source key text) of a source item."""
    text = key_text(keys, source_key_names)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16, person=b"ddbm-repl").hexdigest(), text


def transaction(
    change: Change,
    write: TargetWrite,
    target_table: str,
    version_table: str,
    source_key_names: tuple[str, ...],
) -> dict[str, Any] | None:
    """The TransactWriteItems request: the version guard, then the target writes.

    A stream change puts its version only if the key's stored version is older (or absent);
    an incremental export's change (no version) applies only where replication never wrote.
    None when there is nothing to write.
    """
    digest, text = version_key(change.keys, source_key_names)
    actions: list[dict[str, Any]] = []
    if change.version is not None:
        item = {VERSION_KEY: {"S": digest}, VERSION_ATTR: {"S": change.version}, SOURCE_KEY_ATTR: {"S": text}}
        actions.append(
            {
                "Put": {
                    "TableName": version_table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(#k) OR #v < :v",
                    "ExpressionAttributeNames": {"#k": VERSION_KEY, "#v": VERSION_ATTR},
                    "ExpressionAttributeValues": {":v": {"S": change.version}},
                }
            }
        )
    elif write.empty:
        return None
    else:
        actions.append(
            {
                "ConditionCheck": {
                    "TableName": version_table,
                    "Key": {VERSION_KEY: {"S": digest}},
                    "ConditionExpression": "attribute_not_exists(#k)",
                    "ExpressionAttributeNames": {"#k": VERSION_KEY},
                }
            }
        )
    if write.put is not None:
        actions.append({"Put": {"TableName": target_table, "Item": write.put}})
    actions += [{"Delete": {"TableName": target_table, "Key": key}} for key in write.deletes]
    return {"TransactItems": actions}
