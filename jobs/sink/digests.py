"""Item digests as Arrow batches: the per-batch step both sides of a comparison run in Spark.

Rows go in as (file_key, line_no, item, error) — ``item`` a map of attribute name -> wire JSON,
``error`` set only on the trailer of an export file that could not be read — and come out as
one digest row per item (see :mod:`jobs.core.canonical`), plus one row per unreadable file.
The target scan feeds already-parsed items to :class:`DigestBuilder` directly. The digests of
single attributes are made only for the items whose content differs (:func:`attribute_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from jobs import aws
from jobs.core.canonical import (
    ItemDigest,
    attribute_digests,
    canonical_value,
    canonical_wire,
    digest_canonical,
    sampled,
)
from jobs.source.read import files_at

if TYPE_CHECKING:
    from pyspark import Broadcast

DIGEST_SCHEMA = pa.schema(
    [
        ("file_key", pa.string()),
        ("line_no", pa.int64()),
        ("key", pa.string()),
        ("key_hash", pa.binary()),
        ("content_hash", pa.binary()),
        ("error", pa.string()),
    ]
)
SPARK_DIGEST_SCHEMA = "file_key string, line_no long, key string, key_hash binary, content_hash binary, error string"
# Attribute digests of the items whose content differs, by key digest (ADR 0005 addendum).
ATTRIBUTES_SCHEMA = pa.schema([("key_hash", pa.binary()), ("attributes", pa.map_(pa.string(), pa.binary()))])
SPARK_ATTRIBUTES_SCHEMA = "key_hash binary, attributes map<string,binary>"
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
        self._clear()

    def _clear(self) -> None:
        self.rows: dict[str, list[Any]] = {name: [] for name in DIGEST_SCHEMA.names}

    def __len__(self) -> int:
        return len(self.rows["file_key"])

    def _append(self, file_key: str, line_no: int, digest: ItemDigest | None, error: str | None) -> None:
        r = self.rows
        r["file_key"].append(file_key)
        r["line_no"].append(line_no)
        r["key"].append(digest and digest.key)
        r["key_hash"].append(digest and digest.key_hash)
        r["content_hash"].append(digest and digest.content)
        r["error"].append(error)

    def add_canonical(self, file_key: str, line_no: int, canonical: Mapping[str, str]) -> None:
        """An item given as attribute name -> canonical text."""
        s = self.settings
        digest = digest_canonical(canonical, s.key_names, s.keys_only, s.fraction)
        if digest is not None:
            self._append(file_key, line_no, digest, None)

    def add_item(self, file_key: str, line_no: int, item: Mapping[str, Any]) -> None:
        """An item given as attribute name -> parsed AttributeValue (a Scan page's). DynamoDB only
        returns valid values, for which :func:`canonical_value` (the C encoder) is exact."""
        wanted = self.settings.key_names if self.settings.keys_only else item
        self.add_canonical(file_key, line_no, {n: canonical_value(item[n], n) for n in wanted if n in item})

    def add_error(self, file_key: str, line_no: int, error: str) -> None:
        self._append(file_key, line_no, None, error)

    def batch(self) -> pa.RecordBatch:
        """The rows collected so far, as one batch; the builder starts empty again."""
        arrays = [pa.array(self.rows[f.name], f.type) for f in DIGEST_SCHEMA]
        self._clear()
        return pa.RecordBatch.from_arrays(arrays, schema=DIGEST_SCHEMA)


def attributes_batch(rows: Sequence[tuple[bytes, Mapping[str, str]]]) -> pa.RecordBatch:
    """(key digest, attribute name -> canonical text) pairs as rows of ATTRIBUTES_SCHEMA."""
    digests = [(key_hash, list(attribute_digests(canonical).items())) for key_hash, canonical in rows]
    return pa.RecordBatch.from_pylist(
        [{"key_hash": key_hash, "attributes": pairs} for key_hash, pairs in digests], schema=ATTRIBUTES_SCHEMA
    )


def python_values(array: pa.Array | pa.ChunkedArray) -> list[Any]:
    """Arrow -> Python values through numpy: many times faster than ``to_pylist`` for strings."""
    return array.to_numpy(zero_copy_only=False).tolist()  # type: ignore[no-any-return]


def digest_rows(batches: Iterator[pa.RecordBatch], settings: DigestSettings) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: item rows in, digest rows out (one output batch per input batch).

    The item maps are taken apart as flat arrays of names and wire texts, and each text is
    canonicalised on its own (:func:`canonical_wire`), so most attributes are never parsed.
    """
    wanted = frozenset(settings.key_names) if settings.keys_only else None
    for batch in batches:
        builder = DigestBuilder(settings)
        items = batch.column("item")
        if isinstance(items, pa.ChunkedArray):
            items = items.combine_chunks()
        names, texts = python_values(items.keys), python_values(items.items)
        offsets = python_values(items.offsets)
        present = python_values(items.is_valid())
        file_keys, line_nos, errors = (python_values(batch.column(c)) for c in ("file_key", "line_no", "error"))
        for row, (file_key, line_no, error) in enumerate(zip(file_keys, line_nos, errors, strict=True)):
            if error is not None:
                builder.add_error(file_key, line_no, error)
            elif present[row]:
                pairs = zip(names[offsets[row] : offsets[row + 1]], texts[offsets[row] : offsets[row + 1]], strict=True)
                builder.add_canonical(
                    file_key,
                    line_no,
                    {n: canonical_wire(t, n) for n, t in pairs if wanted is None or n in wanted},
                )
        if len(builder):
            yield builder.batch()


def attribute_rows(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: (key_hash, item) rows in (``item`` as in :func:`digest_rows`), their
    attribute digests out."""
    for batch in batches:
        hashes, items = batch.column("key_hash").to_pylist(), batch.column("item").to_pylist()
        rows = [(h, {n: canonical_wire(t, n) for n, t in item}) for h, item in zip(hashes, items, strict=True) if item]
        if rows:
            yield attributes_batch(rows)


def to_ipc(batch: pa.RecordBatch) -> bytes:
    """One file's digest rows as an Arrow IPC stream (what the load stores per finished file)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, DIGEST_SCHEMA) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue().to_pybytes())


def narrowed(batch: pa.RecordBatch, settings: DigestSettings) -> pa.RecordBatch:
    """Stored full digests cut down to what this validation asks for (sample, keys only)."""
    if settings.fraction < 1.0:
        keep = [h is not None and sampled(h, settings.fraction) for h in python_values(batch.column("key_hash"))]
        batch = batch.filter(pa.array(keep, pa.bool_()))
    if settings.keys_only:
        nulls = pa.nulls(batch.num_rows, DIGEST_SCHEMA.field("content_hash").type)
        batch = batch.set_column(DIGEST_SCHEMA.get_field_index("content_hash"), "content_hash", nulls)
    return batch


def from_ipc(data: bytes, settings: DigestSettings) -> Iterator[pa.RecordBatch]:
    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        for batch in reader:
            yield narrowed(batch, settings)


@dataclass(frozen=True)
class StoredDigests:
    """Where a run's stored digests are; picklable."""

    account: Any  # AccountSpec of the run's output
    bucket: str
    settings: DigestSettings
    keys: Broadcast[tuple[str, ...]]  # the digest objects, looked up by position (files_at)


def read_stored(batches: Iterator[pa.RecordBatch], stored: StoredDigests) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: digest object positions in (:func:`jobs.source.sources.files_frame`),
    their digest rows out."""
    s3 = aws.client(stored.account, "s3")
    for key in files_at(batches, stored.keys):
        yield from from_ipc(s3.get_object(Bucket=stored.bucket, Key=key)["Body"].read(), stored.settings)
