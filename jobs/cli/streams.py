"""The commands after the full load: replicate (the stream), catch-up (an incremental export)
and cutover."""

from __future__ import annotations

import json
import signal
import threading

from jobs.cli.summary import say, summarize
from jobs.config import JobConfig
from jobs.core.errors import ConfigError
from jobs.streams.catchup import apply_incremental_export, parse_time, request_incremental_export
from jobs.streams.cutover import cutover
from jobs.streams.redrive import redrive
from jobs.streams.replicate import prepare, record_window, replicator_for, run_replication, write_plan


def catch_up_main(config: JobConfig, start: str | None, end: str | None, manifest: str | None) -> int:
    """The CLI: request (or read) the export, apply it, record the window when it succeeded."""
    if manifest is None:
        if not (start and end):
            raise ConfigError("catch-up needs --from and --to (or --manifest of an existing incremental export)")
        window = (parse_time(start, "--from"), parse_time(end, "--to"))
        if window[0] >= window[1]:
            raise ConfigError("--from must be before --to")
        manifest = request_incremental_export(config, *window, say=say)
    report, export = apply_incremental_export(config, manifest)
    raw = export.summary.raw
    say(summarize(report))
    print(report.to_json())
    if report.success:
        window_start = parse_time(str(raw.get("exportFromTime")), "exportFromTime")
        window_end = parse_time(str(raw.get("exportToTime")), "exportToTime")
        record_window(config, window_start, window_end, export.uri)
    return 0 if report.success else 1


def cutover_main(config: JobConfig, report_dir: str, yes: bool, drain: bool) -> int:
    verdict = cutover(config, report_dir, yes=yes, drain=drain, say=say)
    print(verdict.render())
    return 0 if verdict.go else 1


def replicate_main(config: JobConfig, follow: bool, plan_only: bool, redrive_queue: str | None = None) -> int:
    """The CLI: 0 when every change was applied, 1 when some were dead-lettered."""
    if plan_only:  # for the Lambda function: same checks, the version table comes with Terraform
        print(write_plan(config, prepare(config, version_table=False)))
        return 0
    if redrive_queue:
        replicator = replicator_for(config, prepare(config))
        try:
            summary = redrive(config, redrive_queue, replicator)
        finally:
            replicator.close()
        print(json.dumps(summary, indent=2))
        return 1 if summary["dead"] or summary["retry"] or summary["not_batch_descriptions"] else 0
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if follow else None
    try:
        summary = run_replication(config, follow=follow, stop=stop)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    print(json.dumps(summary, indent=2))
    if summary["dead"] or summary["retry"]:
        say(f"dead letters: {', '.join(summary['dead_letters'])}")
        return 1
    return 0
