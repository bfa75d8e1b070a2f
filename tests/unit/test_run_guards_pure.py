"""The pure parts of the run guards (ADR 0013): the preflight's verdict, read-time validation of
AttributeValues, the warning for real keys in a config, the redacted external ID, the lease's
expiry, and the report's counters."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from jobs.aws import AccountSpec
from jobs.config import parse_config
from jobs.ledger import FileResult, RunReport
from jobs.run import lease as lease_module
from jobs.run.lease import Lease
from jobs.sink.preflight import PreflightError, check_target_keys, key_schema_text, sample_shape
from jobs.source.read import _json_row

KEY = (("pk", "S"), ("sk", "N"))


def _text(item: dict) -> dict[str, str]:
    return {name: json.dumps(value) for name, value in item.items()}


def test_preflight_passes_when_every_item_fits_and_warns_when_some_do_not(caplog) -> None:
    good = [_text({"pk": {"S": f"p{n}"}, "sk": {"N": str(n)}}) for n in range(3)]
    assert check_target_keys(KEY, good, "t").fitting == 3
    with caplog.at_level(logging.WARNING):
        shape = check_target_keys(KEY, [*good, _text({"pk": {"S": "x"}})], "t")
    assert (shape.items, shape.fitting) == (4, 3)
    assert "1 of 4 sampled items do not fit the key of t" in caplog.text


def test_preflight_passes_an_empty_sample() -> None:
    assert check_target_keys(KEY, [], "t").items == 0


def test_preflight_refuses_when_no_item_fits_and_shows_both_schemas() -> None:
    sample = [_text({"id": {"S": str(n)}, "sk": {"S": "x"}, "extra": {"L": []}}) for n in range(2)]
    with pytest.raises(PreflightError) as refused:
        check_target_keys(KEY, sample, "orders")
    assert str(refused.value).splitlines()[:4] == [
        "preflight: no sampled item fits the key of target table 'orders'; nothing was read or written",
        "  target key:    pk S (HASH), sk N (RANGE)",
        "  mapped sample: 2 items; sk S (in 2), id S (in 2), extra L (in 2)",
        "  first item:    the item has no 'pk', a key attribute of the target table (type S) -> point target.table "
        "at the right table, or add a mapping (mapping.rename, mapping.key) that produces the target's key "
        "attributes with their types",
    ]


def test_sample_shape_counts_types_per_attribute() -> None:
    shape = sample_shape(KEY, [_text({"pk": {"N": "1"}, "sk": {"N": "2"}}), _text({"pk": {"S": "a"}})])
    assert shape.attributes == (("pk", "N", 1), ("pk", "S", 1), ("sk", "N", 1))
    assert shape.fitting == 0 and key_schema_text(KEY) == "pk S (HASH), sk N (RANGE)"


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"pk": {"S": "a"}, "m": {"M": {"x": {"XX": "1"}}}}, "attribute m.x: unknown type 'XX'"),
        ({"pk": {"S": "a"}, "n": {"N": "1x"}}, "attribute n (N): '1x' is not a number"),
        ({"pk": {"S": "a"}, "l": {"L": [{"N": "1E+200"}]}}, "attribute l[0] (N): '1E+200' is outside"),
        ({"pk": {"S": "a"}, "b": {"B": "!!"}}, "attribute b (B): '!!' is not valid base64"),
        ({"pk": {"S": "a"}, "s": {"NS": ["1", "zz"]}}, "attribute s[1] (NS): 'zz' is not a number"),
        ({"pk": {"S": "a"}, "s": {"NS": ["1", "1.0"]}}, "attribute s: NS contains the duplicate '1.0'"),
        ({"pk": {"S": "a"}, "s": {"BS": []}}, "attribute s: BS must be a non-empty list"),
        ({"pk": {"S": "a"}, "s": {"SS": ["a", 1]}}, "attribute s[1] (SS): SS elements must be strings"),
    ],
)
def test_read_time_validation_names_the_path_and_the_tag(item: dict, reason: str) -> None:
    line = json.dumps({"Item": item})
    key, number, kept, error = _json_row("data/a.json.gz", 7, line)
    assert (key, number, kept) == ("data/a.json.gz", 7, line)  # the line is kept for the dead letter
    assert error is not None and error.startswith(f"data/a.json.gz line 7: {reason}")


@pytest.mark.parametrize(
    "line",
    [
        json.dumps({"Item": {"pk": {"S": "a"}, "n": {"N": "-12.50"}, "big": {"N": "9" * 38}, "z": {"NULL": True}}}),
        "not json at all",  # left to the parse step, which names the line
        json.dumps({"Keys": {}}),
    ],
)
def test_read_time_validation_passes_valid_items_and_leaves_other_lines_to_the_parser(line: str) -> None:
    assert _json_row("k", 1, line)[3] is None


def _doc(**account: object) -> dict:
    return {
        "accounts": {"a": {"region": "eu-west-1", **account}},
        "source": {
            "account": "a",
            "table": "src",
            "export": {"manifest": "s3://exports/x/manifest-summary.json", "read_account": "a"},
        },
        "target": {"account": "a", "table": "tgt"},
        "output": {"uri": "s3://artifacts/runs", "account": "a"},
    }


def test_a_config_with_long_term_keys_warns_without_repeating_them(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        parse_config(_doc(access_key_id="AKIAABCDEFGHIJKLMNOP", secret_access_key="s3cr3t/value"), "job.yaml")
    assert "job.yaml: accounts.a: access_key_id AKIA... and secret_access_key are AWS keys" in caplog.text
    assert "profile" in caplog.text and "role_arn" in caplog.text
    assert "ABCDEFGHIJKLMNOP" not in caplog.text and "s3cr3t" not in caplog.text


def test_emulator_keys_and_profiles_do_not_warn(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        parse_config(_doc(access_key_id="target", secret_access_key="target"))
        parse_config(_doc(profile="migration"))
    assert caplog.text == ""


def test_existing_items_defaults_to_refuse_and_takes_overwrite() -> None:
    assert parse_config(_doc()).existing_items == "refuse"
    doc = _doc()
    doc["target"]["existing_items"] = "overwrite"
    assert parse_config(doc).existing_items == "overwrite"
    doc["target"]["existing_items"] = "merge"
    with pytest.raises(Exception, match=r"target\.existing_items"):
        parse_config(doc)


def test_the_external_id_is_not_in_the_repr() -> None:
    spec = AccountSpec("source", "eu-west-1", role_arn="arn:aws:iam::111122223333:role/r", external_id="6c1f-secret")
    assert "6c1f-secret" not in repr(spec) and "role/r" in repr(spec)


def test_a_lease_expires_ttl_after_its_last_renewal() -> None:
    lease = Lease("run", "host pid 1 (x)", "2026-01-01 00:00:00 UTC", 1000.0, 60.0)
    assert lease.expires_at == 1060.0
    assert json.loads(lease.body())["holder"] == "host pid 1 (x)"


def test_the_rate_counts_only_this_invocations_items_and_server_errors_are_their_own_counter() -> None:
    before = [FileResult("a", read=900, written=900)]
    now = [FileResult("b", read=100, written=100, retries=3, server_errors=2)]
    report = RunReport.from_files("r", 2, now, 2.0, manifest_item_count=1000, skipped=1, previous=before)
    assert (report.items_read, report.items_processed, report.items_per_s) == (1000, 100, 50.0)
    assert (report.retries, report.server_errors, report.success) == (3, 2, True)


def test_a_holder_on_this_host_is_gone_only_when_its_process_has_ended() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    boot = lease_module.this_process().split(":")[0]
    assert boot, "this test runs on Linux, where /proc gives the boot id"

    def lease(process: str) -> Lease:
        return Lease("run", "h", "2026-01-01 00:00:00 UTC", 1000.0, 60.0, process)

    assert not lease(lease_module.this_process()).holder_gone()  # alive: only the TTL ends it
    assert lease(f"{boot}:{ended.pid}:1").holder_gone()  # ended
    assert lease(f"{boot}:{os.getpid()}:1").holder_gone()  # the pid now names another process
    assert not lease(f"other-boot:{ended.pid}:1").holder_gone()  # another host: wait for the TTL
    assert not lease("").holder_gone()  # a lease written without the field
    assert json.loads(lease("b:1:2").body())["process"] == "b:1:2"
