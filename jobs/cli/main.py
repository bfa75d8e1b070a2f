"""`ddb-migrate`: the command line. Each subcommand is a thin shell over the pipeline."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jobs.cli.glue_control import add_glue_commands
from jobs.cli.loading import begin, load_one, many_tables
from jobs.cli.local import local_main
from jobs.cli.logs import configure_logging
from jobs.cli.summary import each_table, report_failure, say
from jobs.core.phases import phase, set_heartbeat, set_live

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)
LOADING_LIBRARIES = "loading Spark and Great Expectations"
HEARTBEAT_ON_A_TERMINAL_S = 10.0
TABLE_HELP = "with a config that lists tables: act on this source table only"


def _cmd_export(args: argparse.Namespace) -> int:
    from jobs.source.export import request_export

    move = many_tables(args, "export")
    for job in move.jobs if move is not None else (load_one(args),):
        if move is not None:
            say(f"== table {job.source_table}")
        print(request_export(job.source, say).manifest_uri)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    move = many_tables(args, "run")
    if move is not None:
        with phase(LOADING_LIBRARIES):
            from jobs.cli.tables import run_move_main

        return run_move_main(move, report_path=args.report, as_json=args.json)
    config = begin(args, "run")
    with phase(LOADING_LIBRARIES):
        from jobs.cli.commands import run_main

    return run_main(config, report_path=args.report, as_json=args.json)


def _cmd_validate(args: argparse.Namespace) -> int:
    move = many_tables(args, "validate")
    if move is not None:
        with phase(LOADING_LIBRARIES):
            from jobs.cli.tables import validate_move_main

        return validate_move_main(
            move,
            args.report_dir,
            sample=args.sample,
            keys_only=args.keys_only,
            target_export=args.target_export,
            max_samples=args.max_samples,
            read_units_per_s=args.max_read_units,
            recompute_expected=args.recompute_expected,
        )
    config = begin(args, "validate")
    with phase(LOADING_LIBRARIES):
        from jobs.cli.commands import validate_main

    return validate_main(
        config,
        args.report_dir,
        args.sample,
        args.keys_only,
        args.target_export,
        args.max_samples,
        read_units_per_s=args.max_read_units,
        recompute_expected=args.recompute_expected,
    )


def _cmd_plan(args: argparse.Namespace) -> int:
    move = many_tables(args, "plan")
    if move is not None:
        with phase(LOADING_LIBRARIES):
            from jobs.cli.tables import plan_move_main

        return plan_move_main(move, as_json=args.json)
    config = begin(args, "plan")
    with phase(LOADING_LIBRARIES):
        from jobs.cli.commands import plan_main

    return plan_main(config, as_json=args.json)


def _cmd_dlq(args: argparse.Namespace) -> int:
    config = load_one(args, existing_run=True)
    if args.dlq_command != "replay":
        from jobs.cli import dlq

        if args.dlq_command == "list":
            return dlq.list_main(config, as_json=args.json)
        return dlq.show_main(config, args.limit, args.stage, args.error, as_json=args.json)
    log.info("dlq replay %s", config.run_id)
    with phase(LOADING_LIBRARIES):
        from jobs.cli.commands import replay_main

    return replay_main(config)


def _cmd_finalize(args: argparse.Namespace) -> int:
    from jobs.cli.commands import finalize_main

    return finalize_main(load_one(args))


def _cmd_cleanup(args: argparse.Namespace) -> int:
    from jobs.cli.commands import cleanup_main

    move = many_tables(args, "cleanup", existing_run=True)
    if move is not None:
        return each_table(move, lambda job: cleanup_main(job, roles=args.role or [], yes=args.yes))
    return cleanup_main(load_one(args, existing_run=True), roles=args.role or [], yes=args.yes)


def _cmd_capacity(args: argparse.Namespace) -> int:
    from jobs.cli.capacity import restore_main, show_main

    move = many_tables(args, "capacity", existing_run=True)
    if move is not None:
        if args.capacity_command == "show":
            return each_table(move, show_main)
        return each_table(move, lambda job: restore_main(job, force=args.force))
    config = load_one(args, existing_run=True)
    if args.capacity_command == "show":
        return show_main(config)
    return restore_main(config, force=args.force)


def _cmd_schema(args: argparse.Namespace) -> int:
    from jobs.cli.schema import copy_main, copy_move_main

    move = many_tables(args, "schema copy")
    if move is not None:
        return copy_move_main(move, dry_run=args.dry_run)
    return copy_main(load_one(args), dry_run=args.dry_run)


def _cmd_replicate(args: argparse.Namespace) -> int:
    from jobs.cli.streams import replicate_main

    return replicate_main(load_one(args), follow=args.follow, plan_only=args.write_plan, redrive_queue=args.redrive_dlq)


def _cmd_catch_up(args: argparse.Namespace) -> int:
    from jobs.cli.streams import catch_up_main

    return catch_up_main(load_one(args), args.from_time, args.to_time, args.manifest)


def _cmd_cutover(args: argparse.Namespace) -> int:
    from jobs.cli.streams import cutover_main

    return cutover_main(load_one(args), args.report_dir, yes=args.yes, drain=not args.no_drain)


def _cmd_config(args: argparse.Namespace) -> int:
    from jobs.config import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from jobs.local.demo import run_demo

    return run_demo(Path(args.output), items=args.items)


def _on_a_run(sub: argparse.ArgumentParser, what: str) -> None:
    """The arguments of a command on a run that exists: its config, its id, one table of a move."""
    sub.add_argument("--config", required=True, help="job config YAML (local path or s3:// URI)")
    sub.add_argument("--run-id", help=f"the run whose {what} to use (default: the config's run_id)")
    sub.add_argument("--table", help=TABLE_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ddb-migrate",
        description=(
            "Migrate DynamoDB tables across AWS accounts: export -> Spark -> target table, with nothing lost."
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="-v: other libraries' logs and tracebacks; -vv: DEBUG"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    local = commands.add_parser(
        "local", help="start, stop or inspect the embedded local stack, or put a sample migration on it (init)"
    )
    local.add_argument(
        "action",
        choices=("up", "down", "status", "init"),
        help="up: start (or reuse); down: stop; status; init: a sample source table, its export, "
        "an empty target and job.yaml, on the running stack",
    )
    local.add_argument("--dir", default="local-sample", help="init: where to write job.yaml (default: local-sample)")
    local.add_argument("--items", type=int, default=1_000, help="init: items in the source table (default: 1000)")
    local.set_defaults(handler=local_main)

    def with_config(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--config", required=True, help="job config YAML (local path or s3:// URI)")
        sub.add_argument("--run-id", help="override the config's run_id (reuse one to resume a run)")
        sub.add_argument("--table", help=TABLE_HELP)
        return sub

    with_config("export", "export the source table to S3 (ExportTableToPointInTime, or a local scan)").set_defaults(
        handler=_cmd_export
    )
    run = with_config("run", "run the migration job on Spark (local, spark-submit or Glue)")
    run.add_argument("--report", help="also write the run report JSON to this local path")
    run.add_argument("--json", action="store_true", help="print the run report JSON on standard output")
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

    dlq = commands.add_parser("dlq", help="dead letters of a run: list, show, replay")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    for action, text in (
        ("list", "counts of a run's dead letters by stage and reason code"),
        ("show", "the first N dead letters: file, line, key, reason and the item as recorded"),
        ("replay", "re-drive a run's dead letters after a fix"),
    ):
        sub = dlq_commands.add_parser(action, help=text)
        _on_a_run(sub, "dead letters")
        if action != "replay":
            sub.add_argument("--json", action="store_true", help="print JSON")
        if action == "show":
            sub.add_argument("-n", "--limit", type=int, default=5, help="how many dead letters to show (default 5)")
            sub.add_argument("--stage", choices=("read", "mapping", "write"), help="only this stage")
            sub.add_argument("--error", help="only this reason code (e.g. ItemTooLarge, MappingFailed)")
        sub.set_defaults(handler=_cmd_dlq)

    capacity = commands.add_parser("capacity", help="capacity a run raised: show it, or restore it after a crash")
    capacity_commands = capacity.add_subparsers(dest="capacity_command", required=True, metavar="ACTION")
    for action, text in (
        ("show", "the run's capacity record: original settings, during the run, now"),
        ("restore", "restore the tables a run raised to their recorded original settings"),
    ):
        sub = capacity_commands.add_parser(action, help=text)
        _on_a_run(sub, "capacity record")
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
    copy.add_argument("--table", help=TABLE_HELP)
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
    _verbose_anywhere(parser)
    return parser


class OneLineLogs(logging.Filter):
    """Without ``-v``: no tracebacks in the log (the message stays, one line), and none of py4j's
    report that Ctrl-C interrupted a call to the JVM, which the run itself reports."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.module == "java_gateway" and record.getMessage().startswith("KeyboardInterrupt"):
            return False
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def _verbose_anywhere(parser: argparse.ArgumentParser) -> None:
    """Let ``-v`` follow the command too (``ddb-migrate run -v --config ...``)."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        subs: dict[str, argparse.ArgumentParser] = action.choices
        for sub in {id(p): p for p in subs.values()}.values():
            if not any("-v" in a.option_strings for a in sub._actions):
                sub.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
            _verbose_anywhere(sub)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verbosity = int(args.verbose or 0)
    configure_logging(verbosity)
    if sys.stderr.isatty():  # on Glue and in logs, a phase's heartbeat every 30 s
        set_heartbeat(HEARTBEAT_ON_A_TERMINAL_S)
        set_live(sys.stderr)  # phases that know their progress (validate's Spark tasks) draw a bar
    if not verbosity:
        for handler in logging.getLogger().handlers:
            handler.addFilter(OneLineLogs())
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as error:  # every error ends as one line; -v adds the traceback
        return report_failure(error, verbosity)


if __name__ == "__main__":
    sys.exit(main())
