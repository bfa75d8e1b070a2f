"""The other source and sink: a table without PITR copied by a paced parallel scan, and
a new table created by ImportTable from staged files, both validated with the same suite."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from typing import Any

import pytest

from jobs import aws
from jobs.aws import tables
from jobs.cli.commands import cleanup_main, finalize_main
from jobs.config import parse_s3_uri
from jobs.ledger import LedgerStore
from jobs.local import datagen, demo
from jobs.run.costs import PRICE_PER_MILLION_WRU
from jobs.run.migrate import run_migration
from jobs.run.plan import PRICE_PER_GB_IMPORT, make_plan, render
from jobs.run.post import finalize
from jobs.sink.collisions import CollisionError
from jobs.sink.import_table import staging_prefix
from jobs.source.export import request_export
from jobs.validate.validation import ValidationOptions, validate

from .conftest import by_key, make_config, s3

PK_ONLY = {"name": "PK", "type": "S"}
SCAN = {"mode": "scan", "scan": {"segments": 5, "read_units_per_s": 4000, "consistent_read": True, "page_limit": 50}}


def test_a_table_without_pitr_migrates_by_scan_and_validates_clean(
    local_stack, buckets, spark, source_table, names, tmp_path
):
    items = list(datagen.make_items(420))
    source = source_table(items)
    # DynamoDB Local has no PITR at all (DescribeContinuousBackups is an unknown operation there),
    # so no export of this table could exist: the scan is the only way to read it.
    target = names("tgt")
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    config = make_config(local_stack, source, target, names("scan"), source={**SCAN})
    assert config.account(config.source_account).external_id, "the scan must read through the assumed role"

    report = run_migration(config, spark)

    assert report.success, report.errors
    assert (report.items_read, report.items_written, report.files_total) == (420, 420, 5)
    assert report.manifest_item_count is None  # a live table has no manifest count to compare with
    source_items = by_key(tables.scan_items(local_stack.account("source"), source))
    assert by_key(tables.scan_items(local_stack.account("target"), target)) == source_items

    result = validate(config, tmp_path / "report", ValidationOptions(read_units_per_s=None), spark)
    assert result.success, result.failed_expectations
    assert result.counts["match"] == 420 and result.counts["content_mismatch"] == 0
    assert result.source["export"] == f"dynamodb-scan://source/{source}"

    again = run_migration(config, spark)  # resumable per segment: every segment is already done
    assert again.success and again.files_skipped == 5 and again.items_read == 420


def test_a_failing_segment_is_named_and_only_it_is_scanned_again(local_stack, buckets, spark, source_table, names):
    source = source_table(list(datagen.make_items(200)))
    target = names("tgt")
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    run_id = names("scan-fail")
    # a scan that is not allowed to retry, against a table that is not there: every segment fails
    missing = make_config(local_stack, source + "-gone", target, run_id, source={**SCAN, "table": source + "-gone"})
    with pytest.raises(Exception, match=r"does not exist|not found|ResourceNotFound"):
        run_migration(missing, spark)
    config = make_config(local_stack, source, target, run_id, source={**SCAN})
    report = run_migration(config, spark)
    assert report.success and report.files_skipped == 0 and report.items_written == 200


def moto_parsable(value: Any) -> Any:
    """An item moto's ImportTable can read. Its simplified JSON parser drops a whole file holding an
    empty map, and does not decode escapes (quotes, backslashes, control and non-ASCII characters
    arrive mangled). Real DynamoDB has none of these problems; every type, nested, stays in."""
    if isinstance(value, dict):
        return {moto_parsable(k): moto_parsable(v) for k, v in value.items() if v != {"M": {}}}
    if isinstance(value, list):
        return [moto_parsable(v) for v in value if v != {"M": {}}]
    if isinstance(value, str):
        return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in value)
    return value


def _import_config(local_stack, source_name, target_name, run_id, **extra):
    target_account = {**local_stack.account_config("target")}
    target_account["endpoints"] = {"default": local_stack.moto_endpoint, "dynamodb": local_stack.moto_endpoint}
    doc_accounts = {"source": local_stack.account_config("source"), "target": target_account}
    sections = {
        "accounts": doc_accounts,
        "target": {"mode": "import", "import": {"bucket": demo.ARTIFACT_BUCKET, "prefix": "imports", "files": 3}},
        **extra,
    }
    return make_config(local_stack, source_name, target_name, run_id, **sections)


def test_a_new_table_is_created_by_import_with_the_ledger_carrying_its_counts(
    local_stack, buckets, spark, source_table, names, tmp_path
):
    items = [moto_parsable(i) for i in datagen.make_items(300)]
    source = source_table(items)
    target = names("imported")
    config = _import_config(local_stack, source, target, names("import"), source={**SCAN})
    target_account = config.account(config.target_account)
    assert not tables.exists(target_account, target)

    report = run_migration(config, spark)

    assert report.success, report.errors
    assert (report.items_read, report.items_written, report.items_dead_lettered) == (300, 300, 0)
    assert report.target_import is not None
    assert report.target_import["status"] == "COMPLETED"
    assert (report.target_import["processed_items"], report.target_import["imported_items"]) == (300, 300)
    assert report.target_import["errors"] == 0
    stored = LedgerStore.for_run(config).get_json("run-report.json")
    assert stored is not None and stored["target_import"]["imported_items"] == 300

    # staged as DYNAMODB_JSON gzip, spread over the requested files, each in hash (not key) order
    bucket, prefix = staging_prefix(config.sink)
    client = s3(local_stack)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    assert len(keys) == 3
    per_file = []
    for key in keys:
        lines = gzip.decompress(client.get_object(Bucket=bucket, Key=key)["Body"].read()).decode().splitlines()
        per_file.append([json.loads(line)["Item"] for line in lines])
    assert sum(len(f) for f in per_file) == 300 and min(len(f) for f in per_file) >= 50
    for staged in per_file:
        keys_in_order = [(i["pk"]["S"], int(i["sk"]["N"])) for i in staged]
        assert keys_in_order != sorted(keys_in_order)

    assert tables.key_schema(target_account, target) == (("pk", "S"), ("sk", "N"))
    assert by_key(tables.scan_items(target_account, target)) == by_key(items)
    result = validate(config, tmp_path / "report", ValidationOptions(read_units_per_s=None), spark)
    assert result.success, result.failed_expectations
    assert result.counts["match"] == 300

    # the post-migration steps: finalize needs the alarm Terraform's target module makes
    steps = {step.name: step for step in finalize(config)}
    assert steps["point-in-time recovery"].ok and steps["deletion protection"].ok
    assert not steps["alarm WriteThrottleEvents on the table"].ok
    aws.client(target_account, "cloudwatch").put_metric_alarm(
        AlarmName=f"{target}-write-throttles",
        Namespace="AWS/DynamoDB",
        MetricName="WriteThrottleEvents",
        Dimensions=[{"Name": "TableName", "Value": target}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert finalize_main(config) == 0
    described = aws.client(target_account, "dynamodb").describe_table(TableName=target)["Table"]
    assert described["DeletionProtectionEnabled"] is True

    # cleanup lists the staging files, deletes nothing without --yes, and then only them
    assert cleanup_main(config, roles=[], yes=False) == 0
    assert len(client.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]) == 3
    assert cleanup_main(config, roles=[], yes=True) == 0
    assert client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount") == 0
    assert LedgerStore.for_run(config).get_json("run-report.json") is not None
    assert tables.count_items(target_account, target) == 300


def test_import_refuses_an_existing_table_and_colliding_keys_before_staging(
    local_stack, buckets, spark, source_table, names
):
    source = source_table(list(datagen.make_items(60)))
    existing = names("exists")
    config = _import_config(local_stack, source, existing, names("import-exists"), source={**SCAN})
    tables.create_table(config.account(config.target_account), existing, datagen.key_schema())
    with pytest.raises(Exception, match="already exists"):
        run_migration(config, spark)

    # 'customer#0042'[:10] is 'customer#0' for every item: ImportTable would keep
    # an arbitrary one of each
    colliding = _import_config(
        local_stack,
        source,
        names("collide"),
        names("import-collide"),
        source={**SCAN},
        mapping={"key": {"PK": "substring(pk, 1, 10)"}},
        target={"mode": "import", "import": {"bucket": demo.ARTIFACT_BUCKET, "key_schema": [PK_ONLY]}},
    )
    with pytest.raises(CollisionError, match="nothing was written"):
        run_migration(colliding, spark)
    bucket, prefix = staging_prefix(colliding.sink)
    assert s3(local_stack).list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0) == 0
    assert not tables.exists(colliding.account(colliding.target_account), colliding.target_table)
    assert parse_s3_uri(f"s3://{bucket}/{prefix}")[0] == demo.ARTIFACT_BUCKET


def test_items_the_import_did_not_take_fail_the_run_with_the_counts(local_stack, buckets, spark, source_table, names):
    """moto's ImportTable skips a whole file holding an empty map (see moto_parsable): the same
    thing, from our side, as a real import rejecting items. The run must not call that success."""
    items = list(datagen.make_items(40))
    items[0]["empty"] = {"M": {}}
    source = source_table(items)
    config = _import_config(local_stack, source, names("lossy"), names("import-lossy"), source={**SCAN})
    config = replace(config, import_settings=replace(config.import_settings, files=1))
    report = run_migration(config, spark)
    assert report.items_written == 40 and report.target_import is not None
    assert report.target_import["imported_items"] == 0
    assert not report.success
    assert any("took 0 of 40 staged items" in e for e in report.errors)


def test_plan_compares_writes_with_import_for_a_new_table(local_stack, buckets, spark, source_table, names):
    source = source_table(list(datagen.make_items(200)))
    config = make_config(local_stack, source, names("new"), names("plan"), source={**SCAN})
    report = make_plan(config, spark)
    assert report.new_target and [p["path"] for p in report.paths] == ["write", "import"]
    write, imported = report.paths
    assert write["cost_usd"] == round(report.write_units_estimate / 1e6 * PRICE_PER_MILLION_WRU, 2)
    assert imported["cost_usd"] == round(report.total_bytes_estimate / 1e9 * PRICE_PER_GB_IMPORT, 2)
    assert report.recommended == ("import" if imported["cost_usd"] <= write["cost_usd"] else "write")
    text = render(report)
    assert "write :" in text and "import:" in text and f"recommended: target.mode: {report.recommended}" in text
    assert not tables.exists(config.account(config.target_account), config.target_table)


def test_cleanup_removes_only_the_runs_own_export_and_only_with_yes(
    local_stack, buckets, spark, source_table, names, capsys
):
    source = source_table(list(datagen.make_items(50)))
    target = names("tgt")
    config = make_config(local_stack, source, target, names("clean"))
    exported = request_export(config.source, lambda _m: None)
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    assert run_migration(config, spark).success
    bucket, summary_key = parse_s3_uri(exported.manifest_uri)
    folder = summary_key.rsplit("/", 1)[0] + "/"
    client = s3(local_stack)
    before = client.list_objects_v2(Bucket=bucket, Prefix=folder)["KeyCount"]
    assert before >= 4  # manifests, checksums and data files

    assert cleanup_main(config, roles=[], yes=False) == 0
    assert f"would delete {before} export objects" in capsys.readouterr().out
    assert client.list_objects_v2(Bucket=bucket, Prefix=folder)["KeyCount"] == before

    # an export the user gave (source.export.manifest) is never touched, even with --yes
    given = {"export": {"manifest": exported.manifest_uri}}
    mine = make_config(local_stack, source, target, names("clean-mine"), source=given)
    assert cleanup_main(mine, roles=[], yes=True) == 0
    assert "not made by `ddb-migrate export` for this run" in capsys.readouterr().out
    assert client.list_objects_v2(Bucket=bucket, Prefix=folder)["KeyCount"] == before

    assert cleanup_main(config, roles=[], yes=True) == 0
    assert client.list_objects_v2(Bucket=bucket, Prefix=folder)["KeyCount"] == 0
    assert tables.count_items(local_stack.account("source"), source) == 50
    assert LedgerStore.for_run(config).get_json("run-report.json") is not None

    # a user-supplied export is never touched
    mine = make_config(
        local_stack, source, target, names("clean-mine"), source={"export": {"manifest": exported.manifest_uri}}
    )
    assert cleanup_main(mine, roles=[], yes=True) == 0
    assert "not made by `ddb-migrate export` for this run" in capsys.readouterr().out
