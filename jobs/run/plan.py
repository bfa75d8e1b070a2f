"""`ddb-migrate plan`: a dry run that reads the manifests and a sample, applies the mapping,
and estimates size, write units, cost and time. It writes nothing anywhere."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import SparkSession

from jobs.aws import tables
from jobs.capacity.budget import write_budget
from jobs.capacity.preview import CapacityPreview, TablePreview, finish_preview, preview_capacity, render_capacity
from jobs.config import JobConfig
from jobs.core.attrvalue import item_size, write_units
from jobs.core.item_checks import item_problem
from jobs.core.phases import phase
from jobs.mapping.compile import sample_rows
from jobs.run.costs import PRICE_PER_MILLION_WRU, CostInputs, as_dicts, estimate_costs, render_costs
from jobs.sink.writer import item_body
from jobs.source.items import compiled_mapping
from jobs.source.sources import ExportSource, open_source

# Import from S3, USD per GB of uncompressed source data (us-east-1 list price).
PRICE_PER_GB_IMPORT = 0.15
# A new on-demand table takes up to 4,000 write request units per second before it has scaled.
NEW_TABLE_WRU_PER_S = 4000.0
# AWS publishes no import throughput: an assumption for the estimate only (see README, "plan").
ASSUMED_IMPORT_BYTES_PER_S = 25e6
ASSUMED_IMPORT_FIXED_S = 300.0


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
    new_target: bool = False
    paths: list[dict[str, Any]] = field(default_factory=list)  # batch writes vs ImportTable, new targets only
    recommended: str | None = None
    target_table: str = ""

    capacity: list[dict[str, Any]] = field(default_factory=list)
    capacity_notes: list[str] = field(default_factory=list)
    costs: list[dict[str, Any]] = field(default_factory=list)  # writes, export, Glue, S3: each with its price


def make_plan(config: JobConfig, spark: SparkSession, sample_limit: int = 1000) -> PlanReport:
    with phase("reading the source's manifests" if config.source_mode == "export" else "describing the source table"):
        items_from = open_source(config.source)
    with phase(f"sampling up to {sample_limit} items"):
        sample = items_from.sample(sample_limit)
    with phase(f"mapping the sample of {len(sample)} items"):
        mapping = compiled_mapping(spark, config.mapping, items_from)
        rows = mapping.transform(sample_rows(spark, sample)).collect()
    try:
        key_schema = tables.key_schema(config.account(config.target_account), config.target_table)
    except Exception:
        key_schema = ()
    item_count = items_from.item_count
    if item_count is None:  # a scanned table: DescribeTable's count, refreshed about every six hours
        item_count = items_from.approximate_items(items_from.files)
    report = PlanReport(
        items_from.uri, item_count, len(items_from.files), len(sample), sum(1 for r in rows if r["filtered"])
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
        report.total_bytes_estimate = int(report.avg_item_bytes * item_count * kept)
        report.items_per_write_unit = round(len(units) / sum(units), 3)
        report.write_units_estimate = int(sum(units) / len(units) * item_count * kept)
        report.cost_usd_on_demand = round(report.write_units_estimate / 1e6 * PRICE_PER_MILLION_WRU, 2)
    now = datetime.now(UTC)
    with phase("reading the tables' capacity"):
        capacity = preview_capacity(config, now)
    budget = write_budget(config.write, capacity.target_during)  # the same function the job uses
    report.write_rate_wcu_per_s, report.rate_source = budget.units_per_s, budget.source
    if report.write_rate_wcu_per_s:
        report.seconds_estimate = round(report.write_units_estimate / report.write_rate_wcu_per_s, 1)
    report.new_target = config.target_mode == "import" or not tables.exists(
        config.account(config.target_account), config.target_table
    )
    report.target_table = config.target_table
    if report.new_target:
        compare_paths(report, config)
    finish_preview(capacity, now, report.seconds_estimate)
    report.capacity = [asdict(t) for t in capacity.tables]
    report.capacity_notes = capacity.notes
    billed = items_from.export.summary.raw.get("billedSizeBytes") if isinstance(items_from, ExportSource) else None
    report.costs = as_dicts(
        estimate_costs(
            CostInputs(
                items=item_count,
                write_units=report.write_units_estimate,
                table_bytes=int(billed) if billed is not None else None,
                data_files=len(items_from.files),
                write_units_per_s=report.write_rate_wcu_per_s,
            )
        )
    )
    return report


def compare_paths(report: PlanReport, config: JobConfig) -> None:
    """For a table that does not exist yet: batch writes against ImportTable, in cost and time."""
    rate = report.write_rate_wcu_per_s or NEW_TABLE_WRU_PER_S * config.write.capacity_fraction
    gigabytes = report.total_bytes_estimate / 1e9
    write: dict[str, Any] = {
        "path": "write",
        "cost_usd": round(report.write_units_estimate / 1e6 * PRICE_PER_MILLION_WRU, 2),
        "seconds": round(report.write_units_estimate / rate, 1),
        "basis": f"{report.write_units_estimate:,} WRU at ${PRICE_PER_MILLION_WRU}/million, {rate:,.0f} WRU/s",
    }
    imported: dict[str, Any] = {
        "path": "import",
        "cost_usd": round(gigabytes * PRICE_PER_GB_IMPORT, 2),
        "seconds": round(ASSUMED_IMPORT_FIXED_S + report.total_bytes_estimate / ASSUMED_IMPORT_BYTES_PER_S, 1),
        "basis": f"{gigabytes:,.3f} GB at ${PRICE_PER_GB_IMPORT}/GB; no write capacity used; time assumed",
    }
    report.paths = [write, imported]
    report.recommended = "import" if float(imported["cost_usd"]) <= float(write["cost_usd"]) else "write"


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
    lines += render_costs(report.costs)
    if report.new_target:
        lines.append(f"  {report.target_table!r} is a new table: batch writes or ImportTable")
        for path in report.paths:
            lines.append(
                f"    {path['path']:<6}: ~${path['cost_usd']:,.2f}, ~{path['seconds']:,.0f} s ({path['basis']})"
            )
        lines.append(f"    recommended: target.mode: {report.recommended} (cheaper; the README's 'plan' has the model)")
    for dead in report.sample_dead[:5]:
        lines.append(f"  dead letter in sample, line {dead['line']}: {dead['reason']}")
    for collision in report.sample_collisions:
        lines.append(f"  COLLISION in sample: {collision['items']} items map to key {collision['key']}")
    for pair in report.before_after:
        lines += ["  before: " + brief(pair["before"]), "  after:  " + brief(pair["after"])]
    return "\n".join(lines)
