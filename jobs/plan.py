"""`ddb-migrate plan`: a dry run that reads the manifests and a sample, applies the mapping,
and estimates size, write units, cost and time. It writes nothing anywhere."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import SparkSession

from jobs import tables
from jobs.attrvalue import item_size, write_units
from jobs.capacity.budget import write_budget
from jobs.capacity.preview import CapacityPreview, TablePreview, finish_preview, preview_capacity, render_capacity
from jobs.checks import item_problem
from jobs.config import JobConfig
from jobs.mapping.compile import sample_rows
from jobs.pipeline import compiled_mapping, open_export
from jobs.sample import sample_items
from jobs.write import item_body

# On-demand write request units, USD per million (us-east-1 list price since Nov 2024).
PRICE_PER_MILLION_WRU = 0.625


@dataclass
class PlanReport:
    export_uri: str
    items: int
    files: int
    sample_size: int
    sample_filtered: int
    sample_dead: list[dict[str, Any]] = field(default_factory=list)
    sample_collisions: list[dict[str, Any]] = field(default_factory=list)
    avg_item_bytes: float = 0.0
    total_bytes_estimate: int = 0
    items_per_write_unit: float = 0.0
    write_units_estimate: int = 0
    cost_usd_on_demand: float = 0.0
    write_rate_wcu_per_s: float | None = None
    rate_source: str = ""
    seconds_estimate: float | None = None
    before_after: list[dict[str, Any]] = field(default_factory=list)
    capacity: list[dict[str, Any]] = field(default_factory=list)
    capacity_notes: list[str] = field(default_factory=list)


def make_plan(config: JobConfig, spark: SparkSession, sample_limit: int = 1000) -> PlanReport:
    export = open_export(config)
    sample = sample_items(config.account(config.export.read_account), export, sample_limit)
    mapping = compiled_mapping(spark, config, export)
    rows = mapping.transform(sample_rows(spark, sample)).collect()
    try:
        key_schema = tables.key_schema(config.account(config.target_account), config.target_table)
    except Exception:
        key_schema = ()
    report = PlanReport(
        export.uri, export.summary.item_count, len(export.files), len(sample), sum(1 for r in rows if r["filtered"])
    )
    sizes: list[int] = []
    keys: Counter[str] = Counter()
    for source, row in zip(sample, rows, strict=True):
        if row["filtered"]:
            continue
        if row["dead_reason"]:
            report.sample_dead.append({"line": row["line_no"], "reason": row["dead_reason"]})
            continue
        pairs = list(row["item"].items())
        body = item_body(pairs)
        problem = item_problem(dict(pairs), body, key_schema)
        if problem:
            report.sample_dead.append({"line": row["line_no"], "reason": problem[1]})
            continue
        item = json.loads(body)
        sizes.append(item_size(item))
        keys[json.dumps([item.get(k) for k, _t in key_schema], sort_keys=True)] += 1
        if len(report.before_after) < 3:
            report.before_after.append({"before": source, "after": item})
    report.sample_collisions = [{"key": k, "items": n} for k, n in keys.items() if n > 1][:10]
    if sizes:
        units = [write_units(s) for s in sizes]
        kept = len(sizes) / max(1, len(sample))
        report.avg_item_bytes = round(sum(sizes) / len(sizes), 1)
        report.total_bytes_estimate = int(report.avg_item_bytes * export.summary.item_count * kept)
        report.items_per_write_unit = round(len(units) / sum(units), 3)
        report.write_units_estimate = int(sum(units) / len(units) * export.summary.item_count * kept)
        report.cost_usd_on_demand = round(report.write_units_estimate / 1e6 * PRICE_PER_MILLION_WRU, 2)
    now = datetime.now(UTC)
    capacity = preview_capacity(config, now)
    budget = write_budget(config.write, capacity.target_during)  # the same function the job uses
    report.write_rate_wcu_per_s, report.rate_source = budget.units_per_s, budget.source
    if report.write_rate_wcu_per_s:
        report.seconds_estimate = round(report.write_units_estimate / report.write_rate_wcu_per_s, 1)
    finish_preview(capacity, now, report.seconds_estimate)
    report.capacity = [asdict(t) for t in capacity.tables]
    report.capacity_notes = capacity.notes
    return report


def capacity_preview_of(report: PlanReport) -> CapacityPreview:
    return CapacityPreview(tables=[TablePreview(**t) for t in report.capacity], notes=report.capacity_notes)


def render(report: PlanReport) -> str:
    def brief(item: dict[str, Any]) -> str:
        text = json.dumps(item, ensure_ascii=False, sort_keys=True)
        return text if len(text) < 400 else text[:397] + "..."

    lines = [
        f"plan for {report.export_uri}",
        f"  items: {report.items:,} in {report.files} data files (sample of {report.sample_size}: "
        f"{report.sample_filtered} filtered, {len(report.sample_dead)} would be dead-lettered)",
        f"  average item after mapping: {report.avg_item_bytes:,.0f} bytes; "
        f"total ~{report.total_bytes_estimate:,} bytes",
        f"  items per 1 KB write unit: {report.items_per_write_unit}",
        f"  write units: ~{report.write_units_estimate:,}; on-demand cost ~${report.cost_usd_on_demand:,.2f} "
        f"(at ${PRICE_PER_MILLION_WRU}/million WRU)",
    ]
    if report.seconds_estimate is not None:
        lines.append(
            f"  time at {report.write_rate_wcu_per_s:,.0f} WCU/s ({report.rate_source}): "
            f"~{report.seconds_estimate:,.0f} s ({report.seconds_estimate / 3600:.2f} h)"
        )
    else:
        lines.append(f"  time: unknown; write rate: {report.rate_source}")
    lines += render_capacity(capacity_preview_of(report))
    for dead in report.sample_dead[:5]:
        lines.append(f"  dead letter in sample, line {dead['line']}: {dead['reason']}")
    for collision in report.sample_collisions:
        lines.append(f"  COLLISION in sample: {collision['items']} items map to key {collision['key']}")
    for pair in report.before_after:
        lines += ["  before: " + brief(pair["before"]), "  after:  " + brief(pair["after"])]
    return "\n".join(lines)


def plan_main(config: JobConfig, as_json: bool = False) -> int:
    from jobs.spark import get_spark

    report = make_plan(config, get_spark())
    print(json.dumps(asdict(report), indent=2, default=str) if as_json else render(report))
    return 0
