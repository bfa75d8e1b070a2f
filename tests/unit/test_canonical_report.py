"""The pure pieces around canonical hashing: naming differences, the ledger check, scan pacing
and the validate job's arguments."""

from __future__ import annotations

import pytest

from jobs.cli.glue import parse_validate_args
from jobs.source.scan import ReadPacer, page_units
from jobs.validate.report import attribute_differences, ledger_status, truncate
from jobs.validate.validation import ValidationOptions


def test_a_difference_is_located_inside_nested_maps_and_lists():
    expected = {"p": {"M": {"a": {"M": {"geo": {"M": {"cell": {"B": "3q2+7w=="}, "n": {"N": "1"}}}}}}}}
    actual = {"p": {"M": {"a": {"M": {"geo": {"M": {"cell": {"B": "3q2+7A=="}, "n": {"N": "1E0"}}}}}}}}
    (found,) = attribute_differences(expected, actual, ["p"], 400)
    assert found == {
        "attribute": "p",
        "path": "p.a.geo.cell",
        "expected": '{"B":"3q2+7w=="}',
        "actual": '{"B":"3q2+7A=="}',
    }
    lists = attribute_differences(
        {"l": {"L": [{"S": "a"}, {"S": "b"}]}}, {"l": {"L": [{"S": "a"}, {"S": "c"}]}}, ["l"], 400
    )
    assert [d["path"] for d in lists] == ["l[1]"]


def test_sets_name_their_extra_elements_and_reordered_lists_say_so():
    (tags,) = attribute_differences({"t": {"SS": ["a", "b"]}}, {"t": {"SS": ["c", "a"]}}, ["t"], 400)
    assert (tags["only_in_expected"], tags["only_in_actual"]) == (["b"], ["c"])
    (order,) = attribute_differences(
        {"l": {"L": [{"N": "1"}, {"N": "2"}]}}, {"l": {"L": [{"N": "2"}, {"N": "1"}]}}, ["l"], 400
    )
    assert "different order" in order["note"]


def test_a_missing_attribute_and_long_values_are_shown_truncated():
    (gone,) = attribute_differences({"x": {"S": "y" * 1000}}, {}, ["x"], 50)
    assert gone["actual"] is None and gone["expected"].endswith("(1008 chars)") and len(gone["expected"]) < 80
    assert truncate("short", 10) == "short"


def test_the_ledger_check_reconciles_or_says_what_is_wrong():
    ok = ledger_status(
        {"items_read": 10, "items_written": 7, "items_filtered": 2, "items_dead_lettered": 1, "success": True},
        "s3://b/r/run-report.json",
    )
    assert ok["status"] == "reconciled" and ok["accounted"] == 10
    off = ledger_status({"items_read": 10, "items_written": 7}, "s3://b/r/run-report.json")
    assert off["status"] == "items read (10) != written (7) + filtered (0) + dead-lettered (0) = 7"
    missing = ledger_status(None, "s3://b/r/run-report.json")
    assert not missing["found"] and missing["status"].startswith("no run report at s3://b/r/run-report.json")


def test_the_pacer_holds_a_segment_to_its_share_of_the_read_rate():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = ReadPacer(100.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        pacer.spend(50.0)  # 500 units at 100/s: 5 s in all
    assert now[0] == pytest.approx(5.0)
    ReadPacer(None, clock=lambda: 0.0, sleep=sleep).spend(1e9)  # unpaced: never sleeps
    assert len(slept) == 10


def test_page_units_are_what_dynamodb_reports_or_an_estimate():
    assert page_units({"ConsumedCapacity": {"CapacityUnits": 12.5}}, True) == 12.5
    assert page_units({"ScannedCount": 1000}, True) == 250.0
    assert page_units({"ScannedCount": 1000}, False) == 125.0
    assert page_units({"Count": 0}, True) == 1.0


def test_glue_style_arguments():
    args = parse_validate_args(
        [
            "--JOB_ID",
            "j",
            "--config",
            "s3://b/c.yaml",
            "--run_id",
            "r1",
            "--report_dir",
            "s3://b/reports/r1",
            "--sample",
            "0.1",
            "--keys_only",
            "true",
        ]
    )
    assert (args.config, args.run_id, args.report_dir, args.sample, args.keys_only) == (
        "s3://b/c.yaml",
        "r1",
        "s3://b/reports/r1",
        0.1,
        True,
    )
    flag = parse_validate_args(["--config", "c.yaml", "--report-dir", "out", "--keys-only"])
    assert flag.keys_only is True and flag.sample is None and flag.run_id is None
    assert parse_validate_args(["--config", "c", "--report-dir", "o", "--keys-only", "false"]).keys_only is False
    workflow = parse_validate_args(["--config", "c", "--WORKFLOW_RUN_ID", "wr_1", "--run-id", ""])
    assert (workflow.report_dir, workflow.run_id, workflow.workflow_run_id) == (None, None, "wr_1")


@pytest.mark.parametrize(
    "options",
    [
        ValidationOptions(sample=0),
        ValidationOptions(sample=1.5),
        ValidationOptions(max_samples=-1),
        ValidationOptions(read_units_per_s=0),
    ],
)
def test_bad_options_are_refused(options):
    from jobs.core.errors import ConfigError

    with pytest.raises(ConfigError):
        options.check()
