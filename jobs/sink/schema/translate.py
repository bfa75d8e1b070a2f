"""The target's definition from the source's: key and indexes carried through the mapping, the
source account's KMS key and account-bound resource policy left behind, each omission noted."""

from __future__ import annotations

from dataclasses import dataclass, replace

from jobs.config import SchemaSettings
from jobs.core.errors import ConfigError
from jobs.core.item_checks import KeySchema
from jobs.mapping.spec import MappingSpec
from jobs.sink.schema import policy
from jobs.sink.schema.carry import KEY_TYPES, carried_name, carry
from jobs.sink.schema.facts import TableFacts
from jobs.sink.schema.spec import MANAGED_KEY, OWNED_KEY, IndexSpec, TableSpec, described

KEY_HINT = "give the target's key as target.schema.key_schema: [{name: ..., type: S|N|B}, ...] (hash key first)"


@dataclass(frozen=True)
class Translation:
    """The wanted target table, and what of the source's definition it leaves out and why."""

    spec: TableSpec
    notes: tuple[str, ...] = ()


def target_key(source_key: KeySchema, mapping: MappingSpec, settings: SchemaSettings) -> KeySchema:
    """``target.schema.key_schema``; else ``mapping.key``'s typed entries; else the source key carried."""
    if settings.key_schema:
        return settings.key_schema
    if mapping.keys:
        untyped = [k.name for k in mapping.keys if k.type not in KEY_TYPES]
        if untyped or len(mapping.keys) > 2:
            raise ConfigError(
                f"mapping.key {', '.join(untyped) or 'has more than two entries'}: schema copy needs each key "
                "attribute's type (S, N or B)",
                hint="declare it as mapping.key.NAME: {expr: ..., type: S|N|B}, or " + KEY_HINT,
            )
        return tuple((k.name, str(k.type)) for k in mapping.keys)
    carried = [carry(mapping, name, kind) for name, kind in source_key]
    lost = [c.why for c in carried if c.type is None]
    if lost:
        raise ConfigError(f"the source's key cannot be carried to the target: {'; '.join(lost)}", hint=KEY_HINT)
    return tuple((c.name, str(c.type)) for c in carried)


def _index(index: IndexSpec, kind: str, mapping: MappingSpec, table_key: KeySchema) -> IndexSpec | str:
    """The index in the target, or the note saying why it is not copied."""
    carried = [carry(mapping, name, type_) for name, type_ in index.key]
    lost = [c.why for c in carried if c.type is None]
    if lost:
        return f"{kind} {index.name} is not copied: {'; '.join(lost)}"
    key = tuple((c.name, str(c.type)) for c in carried)
    if kind == "LSI" and key[0] != table_key[0]:
        return f"LSI {index.name} is not copied: its partition key {key[0][0]} is not the target table's"
    non_key = tuple(sorted(n for n in (carried_name(mapping, a) for a in index.non_key) if n is not None))
    projection = "KEYS_ONLY" if index.projection == "INCLUDE" and not non_key else index.projection
    return replace(index, key=key, non_key=non_key, projection=projection)


def _indexes(
    found: tuple[IndexSpec, ...], kind: str, mapping: MappingSpec, key: KeySchema, notes: list[str]
) -> tuple[IndexSpec, ...]:
    kept: list[IndexSpec] = []
    for index in found:
        result = _index(index, kind, mapping, key)
        if isinstance(result, str):
            notes.append(result)
        else:
            kept.append(result)
    return tuple(kept)


def _ttl(attribute: str | None, mapping: MappingSpec, notes: list[str]) -> str | None:
    if attribute is None:
        return None
    carried = carry(mapping, attribute, "N")
    if carried.type != "N":
        notes.append(f"TTL is not copied: {carried.why or f'{carried.name} is no longer a number'}")
        return None
    return carried.name


def _sse(source: str, settings: SchemaSettings, notes: list[str]) -> str:
    if settings.kms_key_arn:
        return settings.kms_key_arn
    if source == OWNED_KEY:
        return OWNED_KEY
    notes.append(
        f"SSE: the source's KMS key ({source}) belongs to the source account; the target uses its AWS managed "
        "key (set target.schema.kms_key_arn for a key of the target account)"
    )
    return MANAGED_KEY


def _policy(text: str | None, source_arn: str, notes: list[str]) -> str | None:
    if text is None:
        return None
    named = policy.source_mentions(text, policy.account_of(source_arn))
    if named:
        notes.append(f"resource policy is not copied: it names the source account ({', '.join(named)})")
        return None
    return text


def target_spec(source: TableFacts, name: str, mapping: MappingSpec, settings: SchemaSettings) -> Translation:
    """The table schema copy creates for ``source`` under ``name``."""
    have = described(source)
    notes: list[str] = []
    key = target_key(have.key, mapping, settings)
    spec = replace(
        have,
        name=name,
        key=key,
        gsis=_indexes(have.gsis, "GSI", mapping, key, notes),
        lsis=_indexes(have.lsis, "LSI", mapping, key, notes),
        ttl_attribute=_ttl(have.ttl_attribute, mapping, notes),
        sse=_sse(have.sse, settings, notes),
        resource_policy=_policy(have.resource_policy, source.arn, notes),
    )
    return Translation(spec, tuple(notes))
