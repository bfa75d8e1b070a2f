from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jobs import aws
from jobs.aws import tables
from jobs.config import JobConfig, parse_config
from jobs.core.attrvalue import Item
from jobs.local import datagen, demo
from jobs.local.stack import Stack
from jobs.sink.writer import put_items

_counter = itertools.count()

# Both load paths of a plain copy (ADR 0014): tests parametrized with this assert which one ran.
LOAD_PATHS = pytest.mark.parametrize("load_path", ["direct", "spark"])


@pytest.fixture(scope="session")
def buckets(local_stack: Stack) -> None:
    demo.prepare_buckets(local_stack)


@pytest.fixture
def names() -> Callable[[str], str]:
    """Unique table names / run ids per test, so tests never share state."""
    stamp = f"{int(time.time() * 1000) % 10**8}-{next(_counter)}"
    return lambda base: f"{base}-{stamp}"


def make_config(local_stack: Stack, source_table: str, target_table: str, run_id: str, **sections: Any) -> JobConfig:
    doc = demo.demo_config(local_stack, source_table, target_table, run_id)
    for key, value in sections.items():
        doc[key] = {**doc.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_config(doc, f"<test {run_id}>")


@pytest.fixture
def source_table(local_stack: Stack, names: Callable[[str], str]) -> Iterator[Callable[[list[Item]], str]]:
    """Create and fill a source table in the 'source' account; returns its name."""
    created: list[str] = []

    def build(items: list[Item]) -> str:
        name = names("src")
        tables.create_table(local_stack.account("source"), name, datagen.key_schema())
        put_items(local_stack.account("source"), name, items)
        created.append(name)
        return name

    yield build
    for name in created:
        tables.delete_table(local_stack.account("source"), name)


def canonical(item: Item) -> Any:
    """An item with set elements sorted (sets have no order); everything else exactly as is."""

    def value(av: dict[str, Any]) -> Any:
        kind, inner = next(iter(av.items()))
        if kind in ("SS", "NS", "BS"):
            return {kind: sorted(inner)}
        if kind == "L":
            return {"L": [value(v) for v in inner]}
        if kind == "M":
            return {"M": {k: value(v) for k, v in inner.items()}}
        return av

    return {name: value(av) for name, av in item.items()}


def by_key(items: list[Item], keys: tuple[str, ...] = ("pk", "sk")) -> dict[tuple[str, ...], Any]:
    out = {}
    for item in items:
        key = tuple(str(item[k]) for k in keys)
        assert key not in out, f"duplicate key {key}"
        out[key] = canonical(item)
    return out


def s3(local_stack: Stack) -> Any:
    return aws.client(local_stack.account("target"), "s3")


@pytest.fixture
def made(local_stack: Stack) -> Iterator[Callable[[str, str, dict[str, Any] | None], str]]:
    """Create a table (or, without a definition, only note one schema copy creates); each is
    deleted afterwards, its deletion protection turned off first."""
    created: list[tuple[str, str]] = []

    def build(account: str, name: str, definition: dict[str, Any] | None = None) -> str:
        if definition is not None:
            aws.client(local_stack.account(account), "dynamodb").create_table(TableName=name, **definition)
        created.append((account, name))
        return name

    yield build
    for account, name in created:
        ddb = aws.client(local_stack.account(account), "dynamodb")
        if tables.exists(local_stack.account(account), name):
            ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
            tables.delete_table(local_stack.account(account), name)
