"""`ddb-migrate`: the command line. Each subcommand is a thin shell over the pipeline."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from jobs.cli.glue_control import add_glue_commands
from jobs.cli.summary import say
from jobs.core.errors import MigrationError


def _cmd_local(args: argparse.Namespace) -> int:
    from jobs.local import stack

    if args.action == "up":
        running = stack.current()
        if running is None:
            running = stack.start()
            say(f"started DynamoDB Local (pid {running.dynamodb_pid}) and moto (pid {running.moto_pid})")
        print(running.shell_exports())
        return 0
    if args.action == "down":
        running = stack.current()
        if running is None:
            say("no local stack is running")
            return 0
        stack.stop(running)
        say("local stack stopped")
        return 0
    running = stack.current()
    if running is None:
        print("local stack: not running")
        return 3
    print(
        f"local stack: running\n  DynamoDB Local {running.dynamodb_endpoint} (pid {running.dynamodb_pid})\n"
        f"  moto {running.moto_endpoint} (pid {running.moto_pid})"
    )
    return 0


def _load(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from jobs.config import load_config, s3_text_reader

    return load_config(args.config, run_id=args.run_id, reader=s3_text_reader)


def _cmd_export(args: argparse.Namespace) -> int:
    from jobs.source.export import request_export

    result = request_export(_load(args).source, say)
    print(result.manifest_uri)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from jobs.cli.commands import run_main

    return run_main(_load(args), report_path=args.report)


def _cmd_validate(args: argparse.Namespace) -> int:
    from jobs.cli.commands import validate_main

    return validate_main(
        _load(args),
        args.report_dir,
        args.sample,
        args.keys_only,
        args.target_export,
        args.max_samples,
        read_units_per_s=args.max_read_units,
        recompute_expected=args.recompute_expected,
    )


def _cmd_plan(args: argparse.Namespace) -> int:
    from jobs.cli.commands import plan_main

    return plan_main(_load(args), as_json=args.json)


def _cmd_dlq(args: argparse.Namespace) -> int:
    from jobs.cli.commands import replay_main

    return replay_main(_load(args))


def _cmd_finalize(args: argparse.Namespace) -> int:
    from jobs.cli.commands import finalize_main

    return finalize_main(_load(args))


def _cmd_cleanup(args: argparse.Namespace) -> int:
    from jobs.cli.commands import cleanup_main

    return cleanup_main(_load(args), roles=args.role or [], yes=args.yes)


def _cmd_capacity(args: argparse.Namespace) -> int:
    from jobs.cli.capacity import restore_main, show_main

    if args.capacity_command == "show":
        return show_main(_load(args))
    return restore_main(_load(args), force=args.force)


def _cmd_schema(args: argparse.Namespace) -> int:
    from jobs.cli.schema import copy_main

    return copy_main(_load(args), dry_run=args.dry_run)


def _cmd_replicate(args: argparse.Namespace) -> int:
    from jobs.cli.streams import replicate_main

    return replicate_main(_load(args), follow=args.follow, plan_only=args.write_plan, redrive_queue=args.redrive_dlq)


def _cmd_catch_up(args: argparse.Namespace) -> int:
    from jobs.cli.streams import catch_up_main

    return catch_up_main(_load(args), args.from_time, args.to_time, args.manifest)


def _cmd_cutover(args: argparse.Namespace) -> int:
    from jobs.cli.streams import cutover_main

    return cutover_main(_load(args), args.report_dir, yes=args.yes, drain=not args.no_drain)


def _cmd_config(args: argparse.Namespace) -> int:
    from jobs.config import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from jobs.local.demo import run_demo

    return run_demo(Path(args.output), items=args.items)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ddb-migrate",
        description=(
            "Migrate DynamoDB tables across AWS accounts: export -> Spark -> target table, with nothing lost."
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    local = commands.add_parser("local", help="start, stop or inspect the embedded local stack")
    local.add_argument("action", choices=("up", "down", "status"))
    local.set_defaults(handler=_cmd_local)

    def with_config(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--config", required=True, help="job config YAML (local path or s3:// URI)")
        sub.add_argument("--run-id", help="override the config's run_id (reuse one to resume a run)")
        return sub

    with_config("export", "export the source table to S3 (ExportTableToPointInTime, or a local scan)").set_defaults(
        handler=_cmd_export
    )
    run = with_config("run", "run the migration job on Spark (local, spark-submit or Glue)")
    run.add_argument("--report", help="also write the run report JSON to this local path")
    run.set_defaults(handler=_cmd_run)

    val = with_config("validate", "compare the target table with the source export (Data Docs + validation.json)")
    val.add_argument("--report-dir", required=True, help="local folder or s3:// prefix for the report")
    val.add_argument("--sample", type=float, help="validate a deterministic sample (0-1] of the keys")
    val.add_argument("--keys-only", action="store_true", help="compare keys only, not content")
    val.add_argument("--target-export", help="s3://.../manifest-summary.json of an export of the target")
    val.add_argument("--max-samples", type=int, default=20, help="sample keys per class in validation.json")
    val.add_argument("--max-read-units", type=float, default=2000.0, help="scan budget in RCU/s over all segments")
    val.add_argument(
        "--recompute-expected",
        action="store_true",
        help="re-read and map the source for the expected side, even when the run stored its digests",
    )
    val.set_defaults(handler=_cmd_validate)

    plan = with_config("plan", "dry run: sample, map and estimate size, write units, cost and time; writes nothing")
    plan.add_argument("--json", action="store_true", help="print the estimate as JSON")
    plan.set_defaults(handler=_cmd_plan)

    with_config("finalize", "after cutover: PITR and deletion protection on, Terraform's alarms present").set_defaults(
        handler=_cmd_finalize
    )
    clean = with_config("cleanup", "delete the run's temporary export, staging and replayed dead letters")
    clean.add_argument("--role", action="append", help="also delete this IAM role (must be tagged temporary)")
    clean.add_argument("--yes", action="store_true", help="really delete; without it, only list")
    clean.set_defaults(handler=_cmd_cleanup)
    rep = with_config("replicate", "apply the source table's stream to the target through the mapping")
    rep.add_argument("--follow", action="store_true", help="keep following the stream until Ctrl-C")
    rep.add_argument("--write-plan", action="store_true", help="only write the plan the Lambda function reads")
    rep.add_argument("--redrive-dlq", metavar="QUEUE_URL", help="apply the batches the Lambda function gave up on")
    rep.set_defaults(handler=_cmd_replicate)

    catch = with_config("catch-up", "apply an incremental export of [--from, --to) through the mapping")
    catch.add_argument("--from", dest="from_time", help="start of the window (ISO 8601 or epoch seconds)")
    catch.add_argument("--to", dest="to_time", help="end of the window, exclusive")
    catch.add_argument("--manifest", help="s3://.../manifest-summary.json of an existing incremental export")
    catch.set_defaults(handler=_cmd_catch_up)

    cut = with_config("cutover", "report the lag, stop the writers, drain, validate, print go/no-go")
    cut.add_argument("--yes", action="store_true", help="writes to the source have stopped: do not ask")
    cut.add_argument("--report-dir", required=True, help="local folder or s3:// prefix for the validation report")
    cut.add_argument("--no-drain", action="store_true", help="the Lambda function drains the stream, not this command")
    cut.set_defaults(handler=_cmd_cutover)

    dlq = commands.add_parser("dlq", help="dead letters of a run")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    replay = dlq_commands.add_parser("replay", help="re-drive a run's dead letters after a fix")
    replay.add_argument("--config", required=True, help="job config YAML (local path or s3:// URI)")
    replay.add_argument("--run-id", help="the run whose dead letters to replay")
    replay.set_defaults(handler=_cmd_dlq)

    capacity = commands.add_parser("capacity", help="capacity a run raised: show it, or restore it after a crash")
    capacity_commands = capacity.add_subparsers(dest="capacity_command", required=True, metavar="ACTION")
    for action, text in (
        ("show", "the run's capacity record: original settings, during the run, now"),
        ("restore", "restore the tables a run raised to their recorded original settings"),
    ):
        sub = capacity_commands.add_parser(action, help=text)
        sub.add_argument("--config", required=True, help="job config YAML (local path or s3:// URI)")
        sub.add_argument("--run-id", required=True, help="the run whose capacity record to use")
        if action == "restore":
            sub.add_argument("--force", action="store_true", help="restore again even if the record says restored")
        sub.set_defaults(handler=_cmd_capacity)

    schema = commands.add_parser("schema", help="the target table's definition, from the source table's")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    copy = schema_commands.add_parser(
        "copy", help="create the missing target table from the source's definition, through the mapping"
    )
    copy.add_argument("--config", required=True, help="job config YAML (local path or s3:// URI)")
    copy.add_argument("--dry-run", action="store_true", help="print the plan (a diff); change nothing")
    copy.set_defaults(handler=_cmd_schema, run_id=None)

    config = commands.add_parser("config", help="the job config file itself")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_commands.add_parser(
        "schema", help="print the JSON Schema of a job config, for editors to validate job.yaml"
    ).set_defaults(handler=_cmd_config)

    add_glue_commands(commands)

    demo = commands.add_parser("demo", help="a whole migration on the embedded local stack")
    demo.add_argument("--output", default="demo-output")
    demo.add_argument("--items", type=int, default=10_000)
    demo.set_defaults(handler=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("botocore", "urllib3", "py4j", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.handler(args))
    except MigrationError as error:
        say(f"error: {error}")
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
