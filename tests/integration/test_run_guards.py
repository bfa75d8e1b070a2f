"""Guards around the data (ADR 0013), on the real local stack: preflight of the target's key,
a non-empty target as a decision, a no-op rerun that touches nothing, one run per run id."""

from __future__ import annotations

import dataclasses
import gzip
import json
import subprocess
import time
from typing import Any

import pytest
import yaml

from jobs import aws
from jobs.aws import tables
from jobs.capacity import table_capacity
from jobs.capacity.record import load_record
from jobs.cli.main import main
from jobs.config import JobConfig, parse_config
from jobs.ledger import LedgerStore
from jobs.local import datagen, demo
from jobs.run.lease import LEASE_NAME, Lease, LeaseHeldError, RunLease
from jobs.run.migrate import run_guarded, run_migration
from jobs.sink.existing_items import START_NAME, NonEmptyTargetError
from jobs.sink.import_table import IMPORT_POINTER, staging_prefix
from jobs.sink.preflight import PreflightError
from jobs.sink.writer import put_items
from jobs.source.export import manifest_uri, request_export
from jobs.source.export_format import checksum_keys, files_manifest_line, md5_base64

from .conftest import LOAD_PATHS, make_config
from .test_capacity import CLI, _create
from .test_dead_letters import _dead_letters
from .test_migration import _damage

ID_KEY = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
}
PK_AS_NUMBER = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "N"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ],
}


def _exported(local_stack, source_table, names, items: int, **sections: Any) -> JobConfig:
    source = source_table(list(datagen.make_items(items)))
    config = make_config(local_stack, source, names("tgt"), names("run"), **sections)
    request_export(config.source, lambda _m: None)
    return config


def _run_objects(config: JobConfig, folder: str) -> list[str]:
    store = LedgerStore.for_run(config)
    listing = aws.client(store.account, "s3").list_objects_v2(Bucket=store.bucket, Prefix=f"{store.prefix}{folder}")
    return [o["Key"] for o in listing.get("Contents", [])]


@pytest.mark.parametrize(
    ("definition", "target_key", "first"),
    [
        (ID_KEY, "id S (HASH)", "the item has no 'id', a key attribute of the target table (type S)"),
        (PK_AS_NUMBER, "pk N (HASH), sk N (RANGE)", "key attribute 'pk' is of type S, but the target table's"),
    ],
    ids=["other-key-name", "other-key-type"],
)
def test_preflight_refuses_a_target_whose_key_no_item_fits_before_any_read_or_write(
    local_stack, buckets, spark, source_table, names, tmp_path, capsys, definition, target_key, first
):
    config = _exported(local_stack, source_table, names, 300)
    tables.create_table(local_stack.account("target"), config.target_table, definition)
    with pytest.raises(PreflightError) as refused:
        run_migration(config, spark)
    message = str(refused.value)
    assert f"  target key:    {target_key}\n" in message
    # the sample's own shape: every item has pk (S) and sk (N)
    assert "  mapped sample: 300 items; " in message and "pk S (in 300)" in message and "sk N (in 300)" in message
    assert f"  first item:    {first}" in message
    assert _run_objects(config, "ledger/") == [] and _run_objects(config, "dead-letters/") == []
    assert tables.count_items(local_stack.account("target"), config.target_table) == 0
    # the command line: exit 2, both schemas on standard error
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(config.raw))
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"target key:    {target_key}" in err and "mapped sample: 300 items" in err
    assert _run_objects(config, "ledger/") == []


def test_preflight_applies_the_mapping_to_the_sample(local_stack, buckets, spark, source_table, names):
    mapping = {"key": {"id": "concat(pk, '#', CAST(sk AS STRING))"}}
    config = _exported(local_stack, source_table, names, 120, mapping=mapping)
    tables.create_table(local_stack.account("target"), config.target_table, ID_KEY)
    report = run_migration(config, spark)
    assert report.success, report.errors
    assert (report.items_read, report.items_written) == (120, 120)
    assert tables.count_items(local_stack.account("target"), config.target_table) == 120


def test_preflight_for_the_import_sink(local_stack, buckets, spark, source_table, names):
    import_section = {"bucket": demo.ARTIFACT_BUCKET, "key_schema": [{"name": "id", "type": "S"}]}
    config = _exported(local_stack, source_table, names, 50, target={"mode": "import", "import": import_section})
    with pytest.raises(PreflightError, match=r"target key:    id S \(HASH\)"):
        run_migration(config, spark)
    assert _run_objects(config, "ledger/") == [] and _run_objects(config, IMPORT_POINTER) == []
    bucket, prefix = staging_prefix(config.sink)
    assert (
        aws.client(local_stack.account("target"), "s3").list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"] == 0
    )


def test_a_non_empty_target_is_refused_at_the_first_start(local_stack, buckets, spark, source_table, names):
    config = _exported(local_stack, source_table, names, 200)
    account = local_stack.account("target")
    tables.create_table(account, config.target_table, datagen.key_schema())
    foreign = [{"pk": {"S": f"foreign-{n}"}, "sk": {"N": str(n)}} for n in range(100)]
    put_items(account, config.target_table, foreign)
    with pytest.raises(NonEmptyTargetError, match="already holds items, and this is the first start of run"):
        run_migration(config, spark)
    assert tables.count_items(account, config.target_table) == 100
    assert _run_objects(config, "ledger/") == [] and _run_objects(config, START_NAME) == []

    overwrite = parse_config({**config.raw, "target": {**config.raw["target"], "existing_items": "overwrite"}})
    report = run_migration(overwrite, spark)
    assert report.success, report.errors
    assert (report.items_written, report.existing_items, report.target_had_items) == (200, "overwrite", True)
    assert tables.count_items(account, config.target_table) == 300  # the 100 foreign items stay


def test_a_resume_is_not_a_non_empty_target_and_a_finished_run_is_a_no_op(
    local_stack, buckets, spark, source_table, names
):
    config = _exported(local_stack, source_table, names, 400)
    account = local_stack.account("target")
    tables.create_table(account, config.target_table, datagen.key_schema())
    first = run_migration(config, spark)
    assert first.success and (first.existing_items, first.target_had_items) == ("refuse", False)
    # one file "unfinished" (a crash before its ledger row): the resume loads it again, not refused
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    ledger = sorted(_run_objects(config, "ledger/"))
    lost = json.loads(s3.get_object(Bucket=store.bucket, Key=ledger[0])["Body"].read())
    s3.delete_object(Bucket=store.bucket, Key=ledger[0])
    resumed = run_migration(config, spark)
    assert resumed.success, resumed.errors
    assert (resumed.items_processed, resumed.items_read, resumed.files_skipped) == (lost["read"], 400, 4)
    assert (resumed.existing_items, resumed.target_had_items) == ("refuse", False)
    assert tables.count_items(account, config.target_table) == 400
    again = run_migration(config, spark)
    assert again.notes == ["nothing to do: 5 files already finished"]
    assert (again.items_processed, again.items_per_s, again.items_read, again.success) == (0, 0.0, 400, True)


def test_a_no_op_rerun_changes_no_capacity(local_stack, buckets, spark, source_table, names):
    config = _exported(local_stack, source_table, names, 200, capacity={"target": {"write_units": 300}})
    account = local_stack.account("target")
    _create(account, config.target_table, provisioned=True)
    assert run_guarded(config, spark).success
    record = load_record(LedgerStore.for_run(config))
    assert record is not None and record.state == "restored"
    history = list(record.history)
    rerun = run_guarded(config, spark)
    assert rerun.success and rerun.report.notes == ["nothing to do: 5 files already finished"]
    after = load_record(LedgerStore.for_run(config))
    assert after is not None and after.history == history  # no raise, no restore recorded
    assert table_capacity.describe(account, config.target_table).base.write == 5


def _put_lease(config: JobConfig, renewed_at: float, holder: str = "other-host pid 4242 (test)") -> None:
    store = LedgerStore.for_run(config)
    lease = Lease(config.run_id, holder, "2026-01-01 00:00:00 UTC", renewed_at, 60.0)
    aws.client(store.account, "s3").put_object(Bucket=store.bucket, Key=store.prefix + LEASE_NAME, Body=lease.body())


def test_a_live_lease_refuses_and_an_expired_one_is_taken_over(local_stack, buckets, spark, source_table, names):
    config = _exported(local_stack, source_table, names, 100)
    tables.create_table(local_stack.account("target"), config.target_table, datagen.key_schema())
    _put_lease(config, time.time())
    with pytest.raises(LeaseHeldError) as refused:
        run_guarded(config, spark)
    assert "held by other-host pid 4242 (test) since 2026-01-01 00:00:00 UTC" in str(refused.value)
    assert _run_objects(config, "ledger/") == []
    _put_lease(config, time.time() - 61)  # its holder was killed a minute ago
    outcome = run_guarded(config, spark)
    assert outcome.success and outcome.report.items_written == 100
    assert _run_objects(config, LEASE_NAME) == []  # released at the end


def test_the_lease_heartbeat_renews_and_release_leaves_a_foreign_lease(local_stack, buckets, names):
    config = make_config(local_stack, "src", names("tgt"), names("run"))
    store = LedgerStore.for_run(config)
    with RunLease(store, config.run_id, ttl_s=0.6) as lease:
        first = lease.etag
        time.sleep(0.7)  # two heartbeats
        assert lease.etag != first and lease.lost is None
        _put_lease(config, time.time())  # someone else replaces it
        time.sleep(0.5)
        assert lease.lost is not None and "taken over by other-host pid 4242" in lease.lost
    assert _run_objects(config, LEASE_NAME) != []  # not deleted: it is not this run's any more


def test_two_concurrent_runs_of_one_id_one_refuses_nothing_written_twice(
    local_stack, buckets, source_table, names, tmp_path
):
    source = source_table(list(datagen.make_items(2400)))
    doc = demo.demo_config(local_stack, source, names("tgt"), names("run"))
    doc["write"] = {"concurrency": 2, "max_write_units_per_s": 600}  # about 4 s of writing
    doc["source"]["export"]["local_segments"] = 6
    config = parse_config(doc)
    request_export(config.source, lambda _m: None)
    tables.create_table(local_stack.account("target"), config.target_table, datagen.key_schema())
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc))
    command = [*CLI, "run", "--config", str(path), "--json"]  # the report on stdout
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _run_objects(config, LEASE_NAME):
            assert first.poll() is None and time.monotonic() < deadline, "the first run never took its lease"
            time.sleep(0.1)
        second = subprocess.run(command, capture_output=True, text=True, timeout=300)
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 2, second.stderr[-2000:]
    assert f"run {config.run_id} is already running: its lease is held by " in second.stderr
    assert " since 20" in second.stderr
    assert "units of" not in second.stderr  # refused before it opened the source
    assert first.returncode == 0, err[-3000:]
    report = json.loads(out)
    assert (report["items_read"], report["items_written"], report["files_done"]) == (2400, 2400, 7)
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    rows = [
        json.loads(s3.get_object(Bucket=store.bucket, Key=k)["Body"].read()) for k in _run_objects(config, "ledger/")
    ]
    assert len(rows) == 7 and sum(r["written"] for r in rows) == 2400  # each file loaded once
    assert tables.count_items(local_stack.account("target"), config.target_table) == 2400


def _replace_data_file(local_stack, config: JobConfig, spoil: Any) -> str:
    """Spoil the largest data file and make the files manifest (and its checksum) agree with it."""
    client, bucket, files_key, entries, victim = _damage(local_stack, manifest_uri(config.source), spoil)
    data = client.get_object(Bucket=bucket, Key=victim.key)["Body"].read()
    fixed = [dataclasses.replace(e, md5=md5_base64(data)) if e.key == victim.key else e for e in entries]
    text = ("\n".join(files_manifest_line(e) for e in fixed) + "\n").encode()
    client.put_object(Bucket=bucket, Key=files_key, Body=text)
    client.put_object(Bucket=bucket, Key=checksum_keys(files_key)[0], Body=md5_base64(text).encode())
    return str(victim.key)


@LOAD_PATHS
def test_malformed_attribute_values_are_dead_lettered_at_the_read_stage(
    local_stack, buckets, spark, source_table, names, load_path
):
    config = _exported(local_stack, source_table, names, 300, write={"path": load_path})
    tables.create_table(local_stack.account("target"), config.target_table, datagen.key_schema())
    bad = {
        "tag": ({"XX": "1"}, "attribute tag: unknown type 'XX'"),
        "m": ({"M": {"n": {"N": "12abc"}}}, "attribute m.n (N): '12abc' is not a number"),
        "ns": ({"NS": ["1", "1.0"]}, "attribute ns: NS contains the duplicate '1.0'"),
        "b": ({"B": "not base64!"}, "attribute b (B): 'not base64!' is not valid base64"),
    }

    def spoil(data: bytes) -> bytes:
        lines = gzip.decompress(data).decode().splitlines()
        for number, (name, (value, _reason)) in enumerate(bad.items()):
            record = json.loads(lines[number])
            record["Item"][name] = value
            lines[number] = json.dumps(record)
        return gzip.compress(("\n".join(lines) + "\n").encode())

    victim = _replace_data_file(local_stack, config, spoil)
    report = run_migration(config, spark)
    assert (report.items_read, report.items_written, report.items_dead_lettered) == (300, 296, 4)
    assert report.reconciled and not report.success
    letters = sorted(_dead_letters(config), key=lambda d: d["line"])
    assert [(d["line"], d["stage"], d["error"]) for d in letters] == [
        (n, "read", "InvalidExportLine") for n in (1, 2, 3, 4)
    ]
    for letter, (_name, (_value, reason)) in zip(letters, bad.items(), strict=True):
        assert letter["reason"].startswith(f"{victim} line {letter['line']}: {reason}"), letter["reason"]
    assert tables.count_items(local_stack.account("target"), config.target_table) == 296
