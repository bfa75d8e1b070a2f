"""plan's costs: every line has its quantity and its price's source, and the numbers follow."""

from __future__ import annotations

import pytest

from jobs.run.costs import CostInputs, as_dicts, estimate_costs, glue_seconds, render_costs


def test_each_cost_line_names_its_price_and_the_sums_follow() -> None:
    lines = estimate_costs(
        CostInputs(
            items=10_000_000,
            write_units=12_000_000,
            table_bytes=5_000_000_000,
            data_files=400,
            write_units_per_s=32_000.0,
        )
    )
    assert [line.item for line in lines] == [
        "DynamoDB writes (on-demand)",
        "DynamoDB export to S3",
        "AWS Glue",
        "S3 requests and storage",
    ]
    writes, export, glue, s3 = lines
    assert writes.usd == pytest.approx(12 * 0.625)
    assert export.usd == pytest.approx(5 * 0.10)
    # 9 executors x 4 vCPU / 350 µs = 102,857 items/s; the budget, 12M WU / 32,000 WU/s = 375 s, is slower
    assert glue_seconds(CostInputs(10_000_000, 12_000_000, None, 400, 32_000.0)) == pytest.approx(375.0)
    assert glue.usd == pytest.approx(10 * 375 / 3600 * 0.44)
    assert s3.usd == pytest.approx(402 / 1000 * 0.0004 + 802 / 1000 * 0.005 + 5 * 0.023)
    assert all("us-east-1 list price" in line.price for line in lines)
    rendered = render_costs(as_dicts(lines))
    assert rendered[0] == "  costs (us-east-1 list prices; each line names its price):"
    assert rendered[-1] == f"    {'total':<28} ~${sum(line.usd for line in lines):,.2f}"


def test_a_scan_has_no_export_line_and_glue_bills_a_minute_at_least() -> None:
    lines = estimate_costs(
        CostInputs(items=100, write_units=100, table_bytes=None, data_files=4, write_units_per_s=None)
    )
    assert [line.item for line in lines] == ["DynamoDB writes (on-demand)", "AWS Glue", "S3 requests and storage"]
    assert lines[1].usd == pytest.approx(10 * 60 / 3600 * 0.44)
