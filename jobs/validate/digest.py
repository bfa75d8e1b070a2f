"""Item digests as Arrow batches: the per-batch step both sides of a comparison run in Spark.

Rows go in as (file_key, line_no, item, error) — ``item`` a map of attribute name -> wire JSON,
``error`` set only on the trailer of an export file that could not be read — and come out as
one digest row per item (see :mod:`jobs.validate.canonical`), plus one row per unreadable file.
The target scan feeds already-parsed items to :class:`DigestBuilder` directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from jobs.validate.canonical import digest_item
from jobs.write import item_body

DIGEST_SCHEMA = pa.schema(
    [
        ("file_key", pa.string()),
        ("line_no", pa.int64()),
        ("key", pa.string()),
        ("key_hash", pa.binary()),
        ("content_hash", pa.binary()),
        ("attributes", pa.map_(pa.string(), pa.binary())),
        ("error", pa.string()),
    ]
)
SPARK_DIGEST_SCHEMA = (
    "file_key string, line_no long, key string, key_hash binary, content_hash binary, "
    "attributes map<string,binary>, error string"
)
DIGEST_INPUT_COLUMNS = ("file_key", "line_no", "item", "error")


@dataclass(frozen=True)
class DigestSettings:
    """Picklable: travels in the Spark closure."""

    key_names: tuple[str, ...]
    keys_only: bool = False
    fraction: float = 1.0


class DigestBuilder:
    """Collects digest rows and turns them into one Arrow batch."""

    def __init__(self, settings: DigestSettings) -> None:
        self.settings = settings
        self.columns: dict[str, list[Any]] = {name: [] for name in DIGEST_SCHEMA.names}

    def __len__(self) -> int:
        return len(self.columns["file_key"])

    def _append(self, **values: Any) -> None:
        for name, column in self.columns.items():
            column.append(values.get(name))

    def add_item(self, file_key: str, line_no: int, item: Mapping[str, Any]) -> None:
        s = self.settings
        digest = digest_item(item, s.key_names, s.keys_only, s.fraction)
        if digest is None:
            return
        attributes = list(digest.attributes.items()) if digest.attributes is not None else None
        self._append(
            file_key=file_key,
            line_no=line_no,
            key=digest.key,
            key_hash=digest.key_hash,
            content_hash=digest.content,
            attributes=attributes,
        )

    def add_error(self, file_key: str, line_no: int, error: str) -> None:
        self._append(file_key=file_key, line_no=line_no, error=error)

    def batch(self) -> pa.RecordBatch:
        arrays = [pa.array(self.columns[f.name], f.type) for f in DIGEST_SCHEMA]
        self.columns = {name: [] for name in DIGEST_SCHEMA.names}
        return pa.RecordBatch.from_arrays(arrays, schema=DIGEST_SCHEMA)


def digest_rows(batches: Iterator[pa.RecordBatch], settings: DigestSettings) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: item rows in, digest rows out (one output batch per input batch)."""
    wanted = frozenset(settings.key_names) if settings.keys_only else None
    for batch in batches:
        builder = DigestBuilder(settings)
        columns = [batch.column(name).to_pylist() for name in DIGEST_INPUT_COLUMNS]
        for file_key, line_no, pairs, error in zip(*columns, strict=True):
            if error is not None:
                builder.add_error(file_key, line_no, error)
            elif pairs is not None:
                wanted_pairs = pairs if wanted is None else [(n, t) for n, t in pairs if n in wanted]
                builder.add_item(file_key, line_no, json.loads(item_body(wanted_pairs)))
        if len(builder):
            yield builder.batch()
