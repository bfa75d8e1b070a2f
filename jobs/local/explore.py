"""Exploration helpers for the notebooks: tables (pandas) about an export and its items.

The notebooks only call these and plot; nothing reusable lives in a notebook.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import awswrangler as wr
import pandas as pd

from jobs import aws
from jobs.aws import AccountSpec
from jobs.core.attrvalue import item_size, write_units
from jobs.mapping.inventory import inventory
from jobs.source.export_format import export_folder
from jobs.source.manifests import LoadedExport
from jobs.source.read import ReadSettings, file_problem

MAX_ITEM_BYTES = 400 * 1024


def export_objects(account: AccountSpec, export: LoadedExport) -> pd.DataFrame:
    """Every object in the export's folder (awswrangler), for a look at what is there."""
    folder = f"s3://{export.bucket}/{export_folder(export.summary_key)}"
    if account.endpoint("s3"):  # an emulator: awswrangler takes endpoints from its global config
        wr.config.s3_endpoint_url = account.endpoint("s3")
    described = wr.s3.describe_objects(folder, boto3_session=aws.session(account))
    return pd.DataFrame(
        [{"object": uri.removeprefix(folder), "bytes": meta.get("ContentLength")} for uri, meta in described.items()]
    ).sort_values("object", ignore_index=True)


def data_files(account: AccountSpec, export: LoadedExport, verify: bool = True) -> pd.DataFrame:
    """The manifest's data files with item counts and, optionally, whether each checks out."""
    settings = ReadSettings(account=account, bucket=export.bucket)
    rows = []
    for entry in export.files:
        problem = file_problem(settings, entry.key, entry.item_count, entry.md5) if verify else None
        rows.append(
            {
                "file": entry.key.rsplit("/", 1)[-1],
                "items": entry.item_count,
                "md5": entry.md5,
                "status": "ok" if problem is None else problem,
            }
        )
    return pd.DataFrame(rows)


def attribute_inventory(items: list[dict[str, Any]]) -> pd.DataFrame:
    """Per attribute: share of items that have it, DynamoDB types seen, whether types are mixed."""
    stats = inventory(items)
    rows = [
        {
            "attribute": s.name,
            "present_pct": round(100 * s.present / max(1, len(items)), 1),
            "types": ", ".join(f"{t}:{n}" for t, n in s.types.most_common()),
            "mixed_types": len(set(s.types) - {"NULL"}) > 1,
        }
        for s in stats.values()
    ]
    return pd.DataFrame(rows).sort_values(["present_pct", "attribute"], ascending=[False, True], ignore_index=True)


def item_sizes(items: list[dict[str, Any]]) -> pd.DataFrame:
    """Billed size and write units of each item."""
    sizes = [item_size(i) for i in items]
    return pd.DataFrame({"bytes": sizes, "write_units": [write_units(s) for s in sizes]})


def partition_keys(items: list[dict[str, Any]], key: str, top: int = 20) -> pd.DataFrame:
    """Items per partition-key value, hottest first."""
    counts = Counter(str(next(iter(i[key].values()))) for i in items if key in i)
    return pd.DataFrame(counts.most_common(top), columns=[key, "items"])
