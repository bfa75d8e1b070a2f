"""Defaults for the notebooks: a small demo export on the local stack, started or reused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from jobs.aws import tables
from jobs.config import parse_config
from jobs.local import datagen, demo, stack
from jobs.sink.writer import put_items
from jobs.source.export import manifest_uri, request_export

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
