"""What a migration costs, line by line, each line naming the price it uses and where it is from.

Every price is the us-east-1 list price (other regions differ by a few percent; check AWS's
pricing pages for yours). Figures the tool cannot know (how many Glue workers the deployment
has) are the Terraform module's defaults, and say so.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

GB = 1e9
# DynamoDB on-demand write request units, USD per million (since Nov 2024).
PRICE_PER_MILLION_WRU = 0.625
# DynamoDB export to S3 (full export), USD per GB of table size (billedSizeBytes).
PRICE_PER_GB_EXPORT = 0.10
# AWS Glue, USD per DPU-hour (Spark jobs; G.1X = 1 DPU, G.2X = 2, ...), billed per second, 1 minute minimum.
PRICE_PER_DPU_HOUR = 0.44
# S3 Standard: storage per GB-month, PUT/LIST per 1,000 requests, GET per 1,000 requests.
PRICE_PER_GB_MONTH_S3 = 0.023
PRICE_PER_1000_PUT = 0.005
PRICE_PER_1000_GET = 0.0004
# `make bench` (README "Sizing on AWS"): at most 350 µs of client CPU per item, end to end.
CPU_SECONDS_PER_ITEM = 350e-6
WORKER_VCPUS = {"G.1X": 4, "G.2X": 8, "G.4X": 16, "G.8X": 32}
WORKER_DPUS = {"G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}
# The Terraform target module's migrate job (variables migrate_worker_type, migrate_number_of_workers).
DEFAULT_WORKER_TYPE = "G.1X"
DEFAULT_WORKERS = 10


@dataclass(frozen=True)
class CostLine:
    item: str
    usd: float
    basis: str  # the quantity and how it was found
    price: str  # the price used and its source


@dataclass(frozen=True)
class CostInputs:
    items: int
    write_units: int
    table_bytes: int | None  # the export's billedSizeBytes; None when there is no export (a scan)
    data_files: int
    write_units_per_s: float | None  # the writer's budget; None: no limit known
    workers: int = DEFAULT_WORKERS
    worker_type: str = DEFAULT_WORKER_TYPE


def glue_seconds(inputs: CostInputs) -> float:
    """The run's time on Glue: the slower of the executors' CPU and the writer's budget."""
    executors = max(1, inputs.workers - 1)  # one worker is the Spark driver
    cpu_items_per_s = executors * WORKER_VCPUS[inputs.worker_type] / CPU_SECONDS_PER_ITEM
    seconds = inputs.items / cpu_items_per_s
    if inputs.write_units_per_s:
        seconds = max(seconds, inputs.write_units / inputs.write_units_per_s)
    return max(60.0, seconds)  # Glue bills at least one minute


def estimate_costs(inputs: CostInputs) -> list[CostLine]:
    """Writes, the export, Glue and S3, each with its quantity, price and the price's source."""
    lines = [
        CostLine(
            "DynamoDB writes (on-demand)",
            inputs.write_units / 1e6 * PRICE_PER_MILLION_WRU,
            f"{inputs.write_units:,} write units, from the mapped sample's item sizes",
            f"${PRICE_PER_MILLION_WRU} per million WRU, DynamoDB on-demand, us-east-1 list price",
        )
    ]
    if inputs.table_bytes is not None:
        lines.append(
            CostLine(
                "DynamoDB export to S3",
                inputs.table_bytes / GB * PRICE_PER_GB_EXPORT,
                f"{inputs.table_bytes / GB:,.3f} GB table size (the export's billedSizeBytes); "
                "already paid if the export exists",
                f"${PRICE_PER_GB_EXPORT} per GB, DynamoDB full export to S3, us-east-1 list price",
            )
        )
    seconds = glue_seconds(inputs)
    dpu_hours = inputs.workers * WORKER_DPUS[inputs.worker_type] * seconds / 3600
    lines.append(
        CostLine(
            "AWS Glue",
            dpu_hours * PRICE_PER_DPU_HOUR,
            f"{dpu_hours:,.2f} DPU-hours: {inputs.workers} x {inputs.worker_type} (the Terraform module's default "
            f"unless you changed it) for ~{math.ceil(seconds):,} s, the slower of "
            f"{CPU_SECONDS_PER_ITEM * 1e6:.0f} µs CPU per item (make bench) and the write budget",
            f"${PRICE_PER_DPU_HOUR} per DPU-hour, AWS Glue Spark jobs, us-east-1 list price",
        )
    )
    stored_gb = (inputs.table_bytes or 0) / GB
    gets = inputs.data_files + 2  # each data file once, and the two manifests
    puts = 2 * inputs.data_files + 2  # a ledger entry and a digest object per file, the report and pointers
    lines.append(
        CostLine(
            "S3 requests and storage",
            gets / 1000 * PRICE_PER_1000_GET + puts / 1000 * PRICE_PER_1000_PUT + stored_gb * PRICE_PER_GB_MONTH_S3,
            f"{gets:,} GET, {puts:,} PUT, {stored_gb:,.3f} GB kept one month (the export, at most its table size)",
            f"${PRICE_PER_1000_GET}/1,000 GET, ${PRICE_PER_1000_PUT}/1,000 PUT, ${PRICE_PER_GB_MONTH_S3}/GB-month, "
            "S3 Standard, us-east-1 list price",
        )
    )
    return lines


def as_dicts(lines: list[CostLine]) -> list[dict[str, Any]]:
    return [asdict(line) for line in lines]


def render_costs(lines: list[dict[str, Any]]) -> list[str]:
    """The plan's cost section: one line per item with its price's source, then the total."""
    out = ["  costs (us-east-1 list prices; each line names its price):"]
    for line in lines:
        out.append(f"    {line['item']:<28} ~${line['usd']:,.2f}  {line['basis']}")
        out.append(f"    {'':<28}   price: {line['price']}")
    out.append(f"    {'total':<28} ~${sum(float(line['usd']) for line in lines):,.2f}")
    return out
