"""Per-stage CPU of the load, µs per item, measured in this process on export-shaped items.

Each stage runs alone over the same items (``time.process_time``, so other processes do not
count), for both load paths: what the direct path does per item (ADR 0014) and what the
Spark path does in its Python worker after the JVM has parsed the line. What happens in the
JVM (``from_json``, the mapping, the collision check) and on the network is not in here: the
bench's end-to-end figures hold those.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pyarrow as pa
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from jobs.aws.sigv4 import DynamoSigner
from jobs.core.attrvalue import validate_item, validate_value
from jobs.core.canonical import canonical_value, canonical_wire, checked_canonical, digest_canonical
from jobs.core.item_checks import item_problem
from jobs.local.datagen import export_shaped_item
from jobs.sink.digests import DigestBuilder, DigestSettings, python_values, to_ipc
from jobs.sink.direct import record_item
from jobs.sink.writer import item_body
from jobs.source.export_format import export_line

KEY_SCHEMA = (("pk", "S"), ("sk", "N"))
TARGET = "DynamoDB_20120810.BatchWriteItem"


def _per_item(fn: Callable[[], Any], items: int) -> float:
    started = time.process_time()
    fn()
    return (time.process_time() - started) / items * 1e6


def _each(fn: Callable[[Any], Any], values: list[Any]) -> None:
    """``fn`` over every value, keeping no result (as the load path keeps none)."""
    for value in values:
        fn(value)


def _botocore_sign(bodies: list[bytes]) -> None:
    credentials = Credentials("AKID", "secret").get_frozen_credentials()
    for body in bodies:
        request = AWSRequest(method="POST", url="http://127.0.0.1:8000", data=body, headers={"X-Amz-Target": TARGET})
        SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)


def _validate_walk(item: dict[str, Any]) -> None:
    for name, value in item.items():
        validate_value(value, name)


def _digest_file(canonical: list[dict[str, str]]) -> bytes:
    builder = DigestBuilder(DigestSettings(tuple(n for n, _t in KEY_SCHEMA)))
    for line_no, texts in enumerate(canonical, start=1):
        builder.add_canonical("data/file.json.gz", line_no, texts)
    return to_ipc(builder.batch())


def stage_costs(count: int = 20_000) -> dict[str, float]:
    """Stage name -> µs of this process's CPU per item."""
    lines = [export_line(export_shaped_item(i)) for i in range(count)]
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))

    def read() -> list[str]:  # what verified_lines does: MD5, gunzip to count and check, gunzip to emit
        hashlib.md5(data, usedforsecurity=False).digest()
        gzip.decompress(data).decode("utf-8").count("\n")
        return gzip.decompress(data).decode("utf-8").splitlines()

    parsed = [record_item(line) for line in lines]
    items = [p[0] for p in parsed if p]
    bodies = [p[1] for p in parsed if p]
    pairs = [[(n, json.dumps(v, separators=(",", ":"))) for n, v in item.items()] for item in items]
    arrow = pa.array([list(p) for p in pairs], pa.map_(pa.string(), pa.string()))
    canonical = [checked_canonical(item) for item in items]

    def batch_bodies() -> list[bytes]:
        puts = ['{"PutRequest":{"Item":' + b + "}}" for b in bodies]
        return [('{"RequestItems":{"t":[' + ",".join(puts[s : s + 25]) + "]}}").encode() for s in range(0, count, 25)]

    requests = batch_bodies()
    signer = DynamoSigner("http://127.0.0.1:8000", "us-east-1")
    costs = {
        "read: MD5, gunzip twice, UTF-8, split": _per_item(read, count),
        "direct: parse the line (json.loads, before)": _per_item(partial(_each, json.loads, lines), count),
        "direct: parse line (fastjson.loads: orjson), cut body": _per_item(partial(_each, record_item, lines), count),
        "direct: validity check (path per value, before)": _per_item(partial(_each, _validate_walk, items), count),
        "direct: validity check (path-free first, now)": _per_item(partial(_each, validate_item, items), count),
        "direct: canonical texts (canonical_value)": _per_item(
            partial(_each, lambda i: {n: canonical_value(v, n) for n, v in i.items()}, items), count
        ),
        "direct: validity and canonical texts in one pass (walk)": _per_item(
            partial(_each, checked_canonical, items), count
        ),
        "direct: the same, maps and lists by the grammar (now)": _per_item(
            partial(_each, partial(checked_canonical, parsed=True), items), count
        ),
        "direct: key check on the canonical key texts": _per_item(
            partial(_each, lambda c: item_problem({k: c[k] for k, _t in KEY_SCHEMA}, "", KEY_SCHEMA), canonical),
            count,
        ),
        "spark path: item maps from Arrow (to_pylist, before)": _per_item(arrow.to_pylist, count),
        "spark path: item maps from Arrow (flat arrays, now)": _per_item(
            lambda: (python_values(arrow.keys), python_values(arrow.items), python_values(arrow.offsets)), count
        ),
        "spark path: body from pairs, key check": _per_item(
            partial(_each, lambda p: item_problem(dict(p), item_body(p), KEY_SCHEMA), pairs), count
        ),
        "spark path: canonical texts (canonical_wire)": _per_item(
            partial(_each, lambda p: {n: canonical_wire(t, n) for n, t in p}, pairs), count
        ),
        "both: digests (BLAKE2b of the key and of the item text)": _per_item(
            partial(_each, lambda c: digest_canonical(c, ("pk", "sk")), canonical), count
        ),
        "both: digest rows of a file, to Arrow IPC": _per_item(partial(_digest_file, canonical), count),
        "both: BatchWriteItem bodies, 25 items each": _per_item(batch_bodies, count),
        "sign: botocore SigV4Auth (before)": _per_item(lambda: _botocore_sign(requests), count),
        "sign: jobs.aws.sigv4 (now)": _per_item(
            lambda: [signer.headers(TARGET, r, "AKID", "secret") for r in requests], count
        ),
    }
    return {name: round(value, 2) for name, value in costs.items()}
