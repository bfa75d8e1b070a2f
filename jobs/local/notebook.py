"""Defaults for the notebooks: a small demo export on the local stack, started or reused."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from jobs import aws
from jobs.aws import tables
from jobs.config import JobConfig, parse_config
from jobs.config.tables import table_name
from jobs.core.attrvalue import Item
from jobs.ledger import LedgerStore
from jobs.local import datagen, demo, stack
from jobs.mapping.diff import path_diff
from jobs.mapping.spec import MappingSpec
from jobs.sink.writer import put_items
from jobs.source.export import manifest_uri, request_export

if TYPE_CHECKING:
    import pandas as pd

SOURCE_TABLE = "notebook-orders"


def _running(home: Path | None) -> stack.Stack:
    return stack.current(home) or stack.start(home)  # like `ddb-migrate local up`; `local down` stops it


def local_config(items: int = 2000, remapped: bool = False, home: Path | None = None) -> str:
    """Path of a job config for a demo export on the local stack (created on first use)."""
    running = _running(home)
    demo.prepare_buckets(running)
    source = running.account("source")
    tables.create_table(source, SOURCE_TABLE, datagen.key_schema())
    if tables.count_items(source, SOURCE_TABLE) < items:
        put_items(source, SOURCE_TABLE, datagen.make_items(items))
    target_table = "notebook-orders-v2" if remapped else "notebook-orders-copy"
    doc: dict[str, Any] = demo.demo_config(running, SOURCE_TABLE, target_table, "notebook")
    config = parse_config(doc)
    try:
        doc["source"]["export"]["manifest"] = manifest_uri(config.source)
    except Exception:
        doc["source"]["export"]["manifest"] = request_export(config.source, lambda _m: None).manifest_uri
    if remapped:
        doc["mapping"] = demo.DEMO_MAPPING
        doc["run_id"] = "notebook-remapped"
        tables.create_table(running.account("target"), target_table, demo.REMAPPED_KEYS)
    path = Path(running.home) / f"notebook-{'remapped' if remapped else 'copy'}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return str(path)


def local_validation(home: Path | None = None) -> tuple[str, str]:
    """(config path, report dir) of a validated demo migration on the local stack (run on first use)."""
    from jobs.config import load_config
    from jobs.run.migrate import run_migration
    from jobs.spark import get_spark
    from jobs.validate.validation import read_run_report, validate

    config_path = local_config(home=home)
    config = load_config(config_path)
    tables.create_table(config.account("target"), config.target_table, datagen.key_schema())
    _uri, report = read_run_report(config)
    if not report or not report.get("success"):
        run_migration(config, get_spark())
    report_dir = Path(_running(home).home) / "notebook-validation"
    if not (report_dir / "validation.json").is_file():
        validate(config, report_dir, spark=get_spark())
    return config_path, str(report_dir)


def save_figure(fig: Any, folder: str, name: str) -> None:
    """Notebook plots show inline; with ``folder`` set, each is also saved there as a PNG."""
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(folder) / name, dpi=100, bbox_inches="tight")


def mapping_preview(pairs: list[dict[str, Any]], spec: MappingSpec) -> list[dict[str, Any]]:
    """Rows of the mapping preview: for each sampled item (1, 2, ...) each attribute path's
    source path -> target path, value before and after, and what changed (``jobs.mapping.diff``)."""
    return [
        {"item": number, **vars(row)}
        for number, pair in enumerate(pairs, start=1)
        for row in path_diff(pair["before"], pair["after"], spec)
    ]


def mapping_changes(rows: list[dict[str, Any]]) -> list[str]:
    """Each distinct change in the preview once, as ``old path -> new path: what``, in first-seen order."""
    lines: dict[str, None] = {}
    for row in rows:
        if not row["change"]:
            continue
        source, target = row["source_path"], row["target_path"]
        where = f"{source} -> {target}" if source and target and source != target else source or target
        lines[f"{where}: {row['change']}"] = None
    return list(lines)


@dataclass
class KeySideBySide:
    """One key's item in the source table and in the target table, path by path."""

    source: Item | None  # None: no item with that key
    target: Item | None
    rows: list[dict[str, Any]] = field(default_factory=list)  # path, source, target, equal, change

    def summary(self) -> str:
        if self.source is None or self.target is None:
            where = " and ".join(n for n, i in (("source", self.source), ("target", self.target)) if i is None)
            return f"no item with that key in the {where}"
        unequal = sum(1 for r in self.rows if not r["equal"])
        return f"{len(self.rows)} paths, {unequal} not equal" if unequal else f"{len(self.rows)} paths, all equal"


def a_key(config: JobConfig) -> Item:
    """The key of one item of the source table (the first a Scan returns), to look at by default."""
    account, name = config.account(config.source_account), table_name(config.source_table)
    names = tables.key_names(account, name)
    first = tables.sample_items(account, name, limit=1)
    if not first:
        raise ValueError(f"the source table {name!r} is empty: give a key")
    return {k: first[0][k] for k in names}


def side_by_side(config: JobConfig, key: Item, target_key: Item | None = None) -> KeySideBySide:
    """Fetch one key from the source table and the target table (GetItem, consistent, through the
    config's accounts) and line their attributes up by path, the mapping's renames included.
    ``target_key`` is the key in the target when the mapping redesigns it; by default the same."""
    source = tables.get_item(config.account(config.source_account), table_name(config.source_table), key)
    target = tables.get_item(config.account(config.target_account), config.target_table, target_key or key)
    rows = []
    for row in path_diff(source or {}, target or {}, config.mapping):
        moved = row.source_path and row.target_path and row.source_path != row.target_path
        path = f"{row.source_path} -> {row.target_path}" if moved else row.source_path or row.target_path
        rows.append({"path": path, "source": row.before, "target": row.after, "equal": row.equal, "change": row.change})
    return KeySideBySide(source, target, rows)


def run_frame(config: JobConfig, what: Literal["ledger", "dead-letters"]) -> pd.DataFrame:
    """The run's ledger (one row per finished data file) or its dead letters (one row per item)
    as a pandas frame, read from ``<run prefix>/<what>/`` with awswrangler, through the output
    account's own boto3 session and S3 endpoint (the local stack's, an override, or AWS's)."""
    import awswrangler as wr
    import pandas as pd

    store = LedgerStore.for_run(config)
    account = config.account(config.output_account)
    previous = wr.config.s3_endpoint_url
    wr.config.s3_endpoint_url = aws.endpoint_url(account, "s3")  # awswrangler takes it from its config only
    try:
        frame = wr.s3.read_json(
            f"s3://{store.bucket}/{store.prefix}{what}/",
            lines=True,  # a ledger entry is one line; dead letters are JSON lines
            boto3_session=aws.session(account),
            path_suffix=".json" if what == "ledger" else ".jsonl",
            ignore_empty=True,
            dtype=False,  # keep numbers and text as written
        )
    except wr.exceptions.NoFilesFound:
        return pd.DataFrame()
    finally:
        wr.config.s3_endpoint_url = previous
    return frame
