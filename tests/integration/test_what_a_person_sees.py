"""What a person sees at the terminal: the first line within 5 s, every phase named with its
time, no third-party noise, one line per setup failure, a progress line that agrees with the
ledger, and the dead letters readable without opening S3."""

from __future__ import annotations

import itertools
import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from jobs.aws import tables
from jobs.cli.dlq import ITEM_CHARS
from jobs.cli.main import main
from jobs.config import parse_config
from jobs.local import datagen, demo
from jobs.local.stack import Stack
from jobs.run.migrate import run_migration
from jobs.source.export import request_export

from .conftest import s3

CLI = [sys.executable, "-m", "jobs.cli"]
FIRST_LINE_WITHIN_S = 5.0


def _timed_run(command: list[str], timeout: float = 600) -> tuple[int, list[tuple[float, str]], str]:
    """Run a CLI command; its exit code, each stderr line with the seconds since the start, and stdout."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []
    out: list[str] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    def read_stdout() -> None:
        assert process.stdout is not None
        out.append(process.stdout.read())

    readers = [threading.Thread(target=read_stderr), threading.Thread(target=read_stdout)]
    for reader in readers:
        reader.start()
    code = process.wait(timeout=timeout)
    for reader in readers:
        reader.join(timeout=10)
    return code, lines, "".join(out)


def _texts(lines: list[tuple[float, str]]) -> list[str]:
    """The lines without their ``[  1.2s] `` prefix."""
    return [text.split("] ", 1)[1] if text.startswith("[") else text for _t, text in lines]


def _write_config(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return str(path)


def _exported(
    local_stack: Stack,
    source_table: Callable[[list[Any]], str],
    names: Callable[[str], str],
    items: list[Any],
    mapping: dict[str, Any] | None = None,
) -> dict[str, Any]:
    source = source_table(items)
    target = names("tgt")
    doc = demo.demo_config(local_stack, source, target, names("run"))
    if mapping:
        doc["mapping"] = mapping
    result = request_export(parse_config(doc).source, lambda _m: None)
    doc["source"]["export"]["manifest"] = result.manifest_uri
    tables.create_table(local_stack.account("target"), target, datagen.key_schema())
    return doc


def _assert_no_silence_outside_a_named_phase(lines: list[tuple[float, str]]) -> None:
    """A pause over 5 s happens only while a phase that was named is running."""
    running: set[str] = set()
    for (at, before), (then, _after) in itertools.pairwise(lines):
        text = _texts([(at, before)])[0]
        if text.endswith(" ..."):
            running.add(text.removesuffix(" ..."))
        for name in list(running):
            if text.startswith((f"{name}: done in ", f"{name}: failed after ")):
                running.discard(name)
        assert then - at <= 5 or running, (before, then - at)


def test_run_says_what_it_does_within_5_s_names_each_phase_and_ends_with_a_summary(
    local_stack, buckets, source_table, names, tmp_path
):
    doc = _exported(local_stack, source_table, names, list(datagen.make_items(300)))
    path = _write_config(tmp_path, doc)
    code, lines, stdout = _timed_run([*CLI, "run", "--config", path])
    assert code == 0, "\n".join(t for _s, t in lines)
    assert lines[0][0] < FIRST_LINE_WITHIN_S, lines[:3]
    texts = _texts(lines)
    assert texts[0] == f"run {doc['run_id']}: {doc['source']['table']} -> {doc['target']['table']}"
    started = [t.removesuffix(" ...") for t in texts if t.endswith(" ...")]
    assert started == [
        "loading Spark and Great Expectations",
        "starting Spark",
        "reading the source's manifests",
        "reading the run's ledger",
        "sampling the source and checking the mapping",
        f"loading 5 units into {doc['target']['table']} (direct path)",  # a plain copy: no Spark parse or map
    ]
    for name in started:  # each phase says how long it took
        assert any(t.startswith(f"{name}: done in ") and t.endswith(" s") for t in texts), name
    assert not any("great_expectations" in t or "py4j" in t or "Traceback" in t for t in texts)
    assert texts[-1].startswith(f"run {doc['run_id']} succeeded: read 300, written 300, filtered 0, dead-lettered 0;")
    assert stdout == ""  # the report JSON only with --json
    _assert_no_silence_outside_a_named_phase(lines)

    code, lines, stdout = _timed_run([*CLI, "run", "--config", path, "--json"])
    assert code == 0
    report = json.loads(stdout)
    stored = json.loads(
        s3(local_stack)
        .get_object(Bucket="ddb-migrate-demo-artifacts", Key=f"runs/{doc['run_id']}/run-report.json")["Body"]
        .read()
    )
    assert report == stored
    assert (report["items_read"], report["files_skipped"], report["files_total"]) == (300, 5, 5)


def test_plan_says_what_it_does_within_5_s(local_stack, buckets, source_table, names, tmp_path):
    doc = _exported(local_stack, source_table, names, list(datagen.make_items(50)))
    code, lines, stdout = _timed_run([*CLI, "plan", "--config", _write_config(tmp_path, doc)])
    assert code == 0, "\n".join(t for _s, t in lines)
    assert lines[0][0] < FIRST_LINE_WITHIN_S, lines[:3]
    texts = _texts(lines)
    assert texts[0] == f"plan {doc['run_id']}: {doc['source']['table']} -> {doc['target']['table']}"
    assert [t.removesuffix(" ...") for t in texts if t.endswith(" ...")] == [
        "loading Spark and Great Expectations",
        "starting Spark",
        "reading the source's manifests",
        "sampling up to 1000 items",
        "mapping the sample of 50 items",
        "reading the tables' capacity",
    ]
    assert stdout.startswith("plan for s3://ddb-migrate-demo-exports/")
    out = stdout.splitlines()
    costs = out[out.index("  costs (us-east-1 list prices; each line names its price):") + 1 :]
    assert [line[4:32].strip() for line in costs if "~$" in line] == [
        "DynamoDB writes (on-demand)",
        "DynamoDB export to S3",
        "AWS Glue",
        "S3 requests and storage",
        "total",
    ]
    assert sum(1 for line in costs if line.strip().startswith("price: $")) == 4
    _assert_no_silence_outside_a_named_phase(lines)


def test_progress_counts_every_dead_letter_as_the_ledger_does_and_dlq_shows_them(
    local_stack, buckets, spark, source_table, names, caplog, capsys, tmp_path
):
    items = [{**datagen.make_item(i), "qty": {"S": str(i)}} for i in range(60)]
    for i in (5, 17, 42):
        items[i]["qty"] = {"S": "three"}  # the cast to N fails: three mapping dead letters
    doc = _exported(local_stack, source_table, names, items, mapping={"cast": {"qty": "N"}})
    with caplog.at_level(logging.INFO, logger="jobs.core.progress"):
        report = run_migration(parse_config(doc), spark)
    assert (report.items_read, report.items_written, report.items_dead_lettered) == (60, 57, 3)
    final = [r.getMessage() for r in caplog.records if r.name == "jobs.core.progress"][-1]
    assert final.startswith("files 5/5 | items 60/60 | ")
    assert "| dead 3 |" in final

    path = _write_config(tmp_path, doc)
    capsys.readouterr()
    assert main(["dlq", "list", "--config", path, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert (listed["total"], listed["run_id"]) == (3, doc["run_id"])
    assert [(g["stage"], g["error"], g["count"]) for g in listed["groups"]] == [("mapping", "MappingFailed", 3)]
    assert "qty" in listed["groups"][0]["first_reason"]

    assert main(["dlq", "show", "--config", path, "-n", "3", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    expected = {f"pk={items[i]['pk']['S']}, sk={items[i]['sk']['N']}" for i in (5, 17, 42)}
    assert {e["key"] for e in shown["examples"]} == expected
    assert all(e["stage"] == "mapping" and e["item"]["qty"] == {"S": "three"} for e in shown["examples"])
    assert all(e["file"].endswith(".json.gz") and e["line"] > 0 for e in shown["examples"])

    uri, run_id, first = listed["uri"], doc["run_id"], listed["groups"][0]["first_reason"]
    assert main(["dlq", "list", "--config", path]) == 0
    where = f"--config {path} --run-id {run_id}"
    assert capsys.readouterr().out.splitlines() == [
        f"run {run_id}: 3 dead letters in {listed['objects']} objects ({uri})",
        f"  {'stage':<8} {'reason code':<24} {'count':>7}  first reason",
        f"  {'mapping':<8} {'MappingFailed':<24} {3:>7}  {first}",
        f"examples: ddb-migrate dlq show {where}; after a fix: ddb-migrate dlq replay {where}",
    ]
    one = shown["examples"][0]
    text = json.dumps(one["item"], ensure_ascii=False)
    assert len(text) > ITEM_CHARS  # the generated items are long: the text output cuts them
    assert main(["dlq", "show", "--config", path, "-n", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"run {run_id}: 1 of 3 dead letters ({uri})",
        f"[1] mapping MappingFailed at {one['file']} line {one['line']} key {one['key']}",
        f"    reason: {one['reason']}",
        f"    item: {text[:ITEM_CHARS]} ... ({len(text):,} characters; --json prints it whole)",
    ]


def test_an_unreachable_endpoint_is_one_line_with_a_hint_and_exit_2(tmp_path):
    doc = {
        "run_id": "unreachable-1",
        "accounts": {
            "target": {
                "region": "us-east-1",
                "access_key_id": "target",
                "secret_access_key": "x",
                "endpoints": {"default": "http://127.0.0.1:9"},  # discard port: nothing listens
            }
        },
        "source": {
            "account": "target",
            "table": "src1",
            "export": {"manifest": "s3://bkt1/AWSDynamoDB/x/manifest-summary.json"},
        },
        "target": {"account": "target", "table": "tgt1"},
        "output": {"uri": "s3://bkt1/runs", "account": "target"},
    }
    code, lines, stdout = _timed_run([*CLI, "capacity", "show", "--config", _write_config(tmp_path, doc)], timeout=120)
    texts = _texts(lines)
    assert code == 2 and stdout == ""
    assert texts[-1] == (
        "error: cannot reach http://127.0.0.1:9/bkt1/runs/unreachable-1/capacity.json -> check the endpoint and the "
        "network; locally, `ddb-migrate local status` shows whether the stack runs and `ddb-migrate local up` starts it"
    )
    retries = texts[:-1]  # botocore's retries, each announced, so the wait is never silent
    assert retries and all(t.startswith("GetObject: cannot reach http://127.0.0.1:9/") for t in retries)
    assert not any("Traceback" in t for t in texts)


def test_capacity_show_takes_the_run_id_from_the_config_and_asks_when_there_is_none(local_stack, buckets, tmp_path):
    doc = demo.demo_config(local_stack, "src-none", "tgt-none", "run-from-config")
    path = _write_config(tmp_path, doc)
    result = subprocess.run([*CLI, "capacity", "show", "--config", path], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "run run-from-config: no capacity record (s3://ddb-migrate-demo-artifacts/runs/run-from-config/capacity.json)\n"
    )
    del doc["run_id"]
    path = _write_config(tmp_path, doc)
    result = subprocess.run([*CLI, "capacity", "show", "--config", path], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {path}: which run? the config sets no run_id -> pass --run-id ID, or set run_id in the config "
        "(the run id `ddb-migrate run` printed)\n"
    )


def _on_a_terminal(command: list[str], timeout: float = 600) -> tuple[int, str]:
    """Run a CLI command with its standard error on a pseudo-terminal; exit code and what it drew."""
    import os
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=slave, text=True)
    os.close(slave)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    return process.wait(timeout=timeout), drawn.decode("utf-8", "replace")


def test_validate_on_a_terminal_draws_a_bar_of_spark_tasks(local_stack, buckets, source_table, names, tmp_path):
    doc = _exported(local_stack, source_table, names, list(datagen.make_items(1000)))
    path = _write_config(tmp_path, doc)
    code, lines, _out = _timed_run([*CLI, "run", "--config", path])
    assert code == 0, "\n".join(t for _s, t in lines)
    code, drawn = _on_a_terminal([*CLI, "validate", "--config", path, "--report-dir", str(tmp_path / "report")])
    assert code == 0, drawn
    bars = [part for part in drawn.split("\r\x1b[K") if "validating: " in part and "%|" in part]
    assert bars and all(" tasks" in b for b in bars), drawn  # tqdm's meter over Spark tasks
    assert not re.search(r"validating: [^\r\n]*still at it", drawn), drawn  # the bar replaces their heartbeats
    assert "PASSED" in drawn, drawn
