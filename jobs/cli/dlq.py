"""`ddb-migrate dlq list | show`: a run's dead letters, counted and shown, as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from jobs.config import JobConfig
from jobs.run.dead_letters import DeadLetters, read_dead_letters

ITEM_CHARS = 1000  # an item longer than this is cut in the text output; --json prints it whole


def list_main(config: JobConfig, as_json: bool = False) -> int:
    """Counts by stage and reason code."""
    found = read_dead_letters(config)
    if as_json:
        print(json.dumps(_without_examples(found), indent=2))
        return 0
    if not found.total:
        print(f"run {found.run_id}: no dead letters ({found.uri})")
        return 0
    print(f"run {found.run_id}: {found.total} dead letters in {found.objects} objects ({found.uri})")
    print(f"  {'stage':<8} {'reason code':<24} {'count':>7}  first reason")
    for group in found.groups:
        print(f"  {group.stage:<8} {group.error:<24} {group.count:>7,}  {group.first_reason}")
    where = f"--config {config.path} --run-id {found.run_id}"
    print(f"examples: ddb-migrate dlq show {where}; after a fix: ddb-migrate dlq replay {where}")
    return 0


def show_main(
    config: JobConfig, limit: int = 5, stage: str | None = None, error: str | None = None, as_json: bool = False
) -> int:
    """The first ``limit`` dead letters (optionally of one stage or reason code): key, reason, item."""
    found = read_dead_letters(config, examples=limit, stage=stage, error=error)
    if as_json:
        print(json.dumps(asdict(found), indent=2, ensure_ascii=False))
        return 0
    print(f"run {found.run_id}: {len(found.examples)} of {found.total} dead letters ({found.uri})")
    for number, example in enumerate(found.examples, start=1):
        print(
            f"[{number}] {example.stage} {example.error} at {example.file} line {example.line}"
            f" key {example.key or '(none: see the item)'}"
        )
        print(f"    reason: {example.reason}")
        text = example.item if isinstance(example.item, str) else json.dumps(example.item, ensure_ascii=False)
        cut = f" ... ({len(text):,} characters; --json prints it whole)" if len(text) > ITEM_CHARS else ""
        print(f"    item: {text[:ITEM_CHARS]}{cut}")
    return 0


def _without_examples(found: DeadLetters) -> dict[str, object]:
    doc = asdict(found)
    doc.pop("examples")
    return doc
