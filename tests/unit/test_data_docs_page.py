"""The Data Docs index page as a person reads it, from a hand-made result: the facts, what the
row-count check compared, expected against actual, and nothing fetched from the network."""

from __future__ import annotations

import html
import re

from jobs.validate.docs import link, offline, render_index
from jobs.validate.report import ValidationResult


def _result() -> ValidationResult:
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    return ValidationResult(
        success=False,
        mode="full",
        run_id="orders-1",
        source={"table": "orders", "export": "s3://exports/orders/manifest-summary.json"},
        target={"table": "orders-copy", "read": "parallel scan"},
        counts={
            "match": 7,
            "missing_in_target": 1,
            "unexpected_in_target": 1,
            "content_mismatch": 1,
            "unreadable_file": 0,
        },
        expected_rows=9,
        target_rows=9,
        duplicate_keys={"expected": 0, "target": 0},
        mismatched_attributes={"name": 1},
        ledger={
            "found": True,
            "uri": "s3://runs/orders-1/run-report.json",
            "status": "reconciled",
            "read": 9,
            "written": 9,
            "filtered": 0,
            "dead_lettered": 0,
        },
        expectations=[
            {
                "expectation": "Row counts only: the target holds as many items as expected (keys are checked below)",
                "type": "expect_column_pair_values_to_be_equal",
                "success": True,
                "column": ["expected_rows", "target_rows"],
                "unexpected_count": 0,
                "sample_values": [],
                "page": None,
            },
            {
                "expectation": "Nothing is missing: every expected key is in the target",
                "type": "t",
                "success": False,
                "column": "missing_in_target",
                "unexpected_count": 1,
                "sample_values": ['{"pk":{"S":"a"}}'],
                "page": "validations/keys.html",
            },
        ],
        samples={
            "missing_in_target": [{"key": {"pk": {"S": "m"}}, "expected_from": {"file": "data/f.json.gz", "line": 4}}],
            "unexpected_in_target": [{"key": {"pk": {"S": "u"}}}],
            "content_mismatch": [
                {
                    "key": key,
                    "attributes": ["name"],
                    "differences": [
                        {"attribute": "name", "path": "name", "expected": '{"S":"x"}', "actual": '{"S":"<y>"}'}
                    ],
                }
            ],
        },
        timings={"total_s": 3.25},
        validated_at="2026-12-06T04:00:00+00:00",
    )


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_index_page_states_the_facts_and_the_examples():
    page = render_index(_result())
    assert "<script" not in page and "http" not in page
    text = _text(page)
    for fact in (
        "ddb-migrate validation FAILED: 1 of 2 expectations run id orders-1 ",
        "source table orders , export s3://exports/orders/manifest-summary.json ",
        "target table orders-copy , read by parallel scan mode full validated at 2026-12-06T04:00:00+00:00 took 3.2 s ",
        "unreadable export files 9 9 7 1 1 1 0 ",
        "compared 9 expected with 9 in the target; equal counts, yet 1 missing and 1 unexpected: see the key checks",
        "✗ FAILED Nothing is missing: every expected key is in the target 1 ",
        '(1 of 1) key expected from (export file, line) {"pk":{"S":"m"}} data/f.json.gz line 4 ',
        'Unexpected in the target: found, not expected (1 of 1) key {"pk":{"S":"u"}} ',
        '{"pk":{"S":"a"},"sk":{"N":"1"}} name {"S":"x"} {"S":"<y>"} ',
        "run report s3://runs/orders-1/run-report.json : read 9, written 9, filtered 0, dead-lettered 0; reconciled.",
    ):
        assert fact in text, fact
    assert '<a href="validations/keys.html">Nothing is missing' in page
    assert "&lt;y&gt;" in page  # values are escaped, never markup


def test_gx_pages_lose_only_their_cdn_assets():
    page = (
        '<head><link rel="stylesheet" href="https://cdn.example/b.css"/><link rel="icon" href="favicon.ico">'
        '<script src="https://cdn.example/j.js"></script><script>var local = 1;</script></head>'
        '<body><a href="https://greatexpectations.io">GX</a></body>'
    )
    assert offline(page) == (
        '<head><link rel="icon" href="favicon.ico"><script>var local = 1;</script></head>'
        '<body><a href="https://greatexpectations.io">GX</a></body>'
    )


def test_the_link_to_open_is_a_file_uri_for_a_local_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert link("s3://runs/orders-1/validation/index.html") == "s3://runs/orders-1/validation/index.html"
    assert link("report/index.html") == f"file://{tmp_path.resolve()}/report/index.html"
