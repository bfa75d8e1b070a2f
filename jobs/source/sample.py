"""Read a small sample of items from an export, on the driver, without Spark.

Streams the first lines of the first data files: enough for typed access, ``plan`` and the
notebooks, and cheap even for a huge export (it never downloads a whole file).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import zlib
from typing import Any

from jobs import aws
from jobs.aws import AccountSpec
from jobs.core.errors import InvalidItemError
from jobs.source.ion_format import line_to_item
from jobs.source.manifests import LoadedExport

log = logging.getLogger(__name__)


def sample_lines(account: AccountSpec, export: LoadedExport, limit: int = 1000) -> list[tuple[str, int, str]]:
    """Up to ``limit`` (file key, line number, line) from the export's non-empty data files."""
    s3 = aws.client(account, "s3")
    out: list[tuple[str, int, str]] = []
    files = [f for f in export.files if f.item_count > 0]
    per_file = max(1, -(-limit // max(1, len(files))))
    for entry in files:
        body = s3.get_object(Bucket=export.bucket, Key=entry.key)["Body"]
        lines: list[tuple[str, int, str]] = []
        try:
            with gzip.GzipFile(fileobj=body) as raw, io.TextIOWrapper(raw, encoding="utf-8") as text:
                for number, line in enumerate(text, start=1):
                    lines.append((entry.key, number, line.rstrip("\n")))
                    if number >= per_file or len(out) + len(lines) >= limit:
                        break
        except (EOFError, OSError, zlib.error, UnicodeDecodeError) as exc:
            # a damaged file contributes nothing to the sample; the read stage names it in the report
            log.warning("sample: skipping s3://%s/%s (%s)", export.bucket, entry.key, exc)
            continue
        out += lines
        if len(out) >= limit:
            break
    return out


def _json_item(line: str, _where: str) -> dict[str, Any]:
    item = json.loads(line)["Item"]
    if not isinstance(item, dict) or not item:
        raise ValueError("not an export record")
    return item


def sample_items(account: AccountSpec, export: LoadedExport, limit: int = 1000) -> list[dict[str, Any]]:
    """The items of the sampled lines. A line that is not an export record is left out with a
    warning naming it: the sample only informs (``plan``, the preflight, the inferred types), and
    the load stage dead-letters that line with its reason."""
    parse = line_to_item if export.summary.output_format == "ION" else _json_item
    items: list[dict[str, Any]] = []
    left_out: list[str] = []
    for key, number, line in sample_lines(account, export, limit):
        if not line.strip():
            continue
        where = f"s3://{export.bucket}/{key} line {number}"
        try:
            items.append(parse(line, where))
        except (ValueError, KeyError, TypeError, InvalidItemError):
            left_out.append(where)
    if left_out:
        log.warning(
            "sample: %d line(s) are not export records and are left out of the sample (first: %s); "
            "the load dead-letters them with the reason",
            len(left_out),
            left_out[0],
        )
    return items
