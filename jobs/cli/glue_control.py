"""`ddb-migrate glue start|follow|stop --config FILE`: launch the Glue deployment and watch it.

The names come from the config's ``glue.name_prefix`` (the Terraform target module's
``name_prefix``) or ``--name-prefix``. `start` starts the workflow (export → migrate →
validate, one run id per workflow run), resumes a failed workflow run (``--resume``) or runs
one job (``--job``), then follows it unless ``--no-follow``. `follow` prints the state of each
step, the run's progress line (the one local runs show, read from the job's log) and the log's
new lines; Ctrl-C asks whether to stop the run. The exit code comes from the final state:
0 succeeded, 1 anything else, 130 left running.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from jobs.aws import clients
from jobs.cli.summary import say
from jobs.config import JobConfig, load_config, s3_text_reader
from jobs.core.errors import ConfigError
from jobs.run import glue_runs
from jobs.run.glue_runs import STEPS, GlueNames, LaunchState

Ask = Callable[[str], str]


def _names(args: argparse.Namespace, config: JobConfig) -> GlueNames:
    prefix = args.name_prefix or config.glue_name_prefix
    if not prefix:
        raise ConfigError(
            f"{config.path}: glue.name_prefix is not set: give the Terraform target module's name_prefix"
            " there or with --name-prefix"
        )
    return GlueNames(prefix)


def describe(launch: LaunchState) -> str:
    """One status line: the Glue run, its state, the migration run id, each step's state."""
    parts = [f"{launch.kind} run {launch.glue_run_id}: {launch.state}"]
    if launch.run_id:
        parts.append(f"run id {launch.run_id}")
    parts += [f"{job.job.rsplit('-', 1)[-1]} {job.state}" for job in launch.jobs]
    return " | ".join(parts)


def _read(glue: Any, names: GlueNames, kind: str, glue_run_id: str, step: str | None) -> LaunchState:
    if kind == "workflow":
        return glue_runs.workflow_state(glue, names, glue_run_id)
    return glue_runs.job_launch_state(glue, names, step or "migrate", glue_run_id)


class _LogTail:
    """New lines of the running steps' output logs, and the last progress line among them."""

    def __init__(self, logs: Any, names: GlueNames) -> None:
        self.logs, self.group = logs, f"{names.log_group_prefix}/output"
        self.after: dict[str, int] = {}
        self.progress: str | None = None

    def poll(self, launch: LaunchState) -> list[str]:
        lines: list[str] = []
        for job in launch.jobs:
            events = glue_runs.new_log_events(self.logs, self.group, job.run_id, self.after.get(job.run_id, 0))
            if events:
                self.after[job.run_id] = events[-1]["timestamp"]
            messages = [event["message"].rstrip() for event in events]
            self.progress = glue_runs.progress_line(messages) or self.progress
            lines += [f"[{job.job.rsplit('-', 1)[-1]}] {m}" for m in messages if not glue_runs.progress_line([m])]
        return lines


def follow(
    glue: Any,
    logs: Any,
    names: GlueNames,
    kind: str,
    glue_run_id: str,
    step: str | None = None,
    interval_s: float = 10.0,
    ask: Ask = input,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Follow a run until it ends; Ctrl-C asks whether to stop it. 0 if it succeeded."""
    tail = _LogTail(logs, names)
    last = ""
    while True:
        try:
            launch = _read(glue, names, kind, glue_run_id, step)
            for line in tail.poll(launch):
                say(line)
            status = describe(launch) + (f" | {tail.progress}" if tail.progress else "")
            if status != last:
                say(status)
                last = status
            if launch.finished:
                return 0 if launch.succeeded else 1
            sleep(interval_s)
        except KeyboardInterrupt:
            answer = ask(f"\nstop {kind} run {glue_run_id}? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                say(f"left running; follow it again with `ddb-migrate glue follow` ({kind} run {glue_run_id})")
                return 130
            glue_runs.stop(glue, names, _read(glue, names, kind, glue_run_id, step))
            say(f"asked Glue to stop {kind} run {glue_run_id}")


def _target_clients(config: JobConfig) -> tuple[Any, Any]:
    account = config.account(config.target_account)
    return clients.client(account, "glue"), clients.client(account, "logs")


def _load(args: argparse.Namespace) -> JobConfig:
    return load_config(args.config, reader=s3_text_reader)


def start_main(args: argparse.Namespace, ask: Ask = input) -> int:
    config = _load(args)
    names = _names(args, config)
    glue, logs = _target_clients(config)
    if args.resume:
        glue_run_id, kind = glue_runs.resume_workflow(glue, names, args.resume), "workflow"
        say(f"resumed workflow run {args.resume} as {glue_run_id} ({names.workflow})")
    elif args.job:
        glue_run_id, kind = glue_runs.start_job(glue, names, args.job, args.run_id), "job"
        say(
            f"started {names.job(args.job)}: job run {glue_run_id}" + (f", run id {args.run_id}" if args.run_id else "")
        )
    else:
        if args.run_id:
            raise ConfigError("--run-id goes with --job: a workflow run derives its own run id (ADR 0010)")
        glue_run_id, kind = glue_runs.start_workflow(glue, names), "workflow"
        say(f"started {names.workflow}: workflow run {glue_run_id} (export, migrate, validate)")
    if args.no_follow:
        print(glue_run_id)
        return 0
    return follow(glue, logs, names, kind, glue_run_id, args.job, args.interval, ask=ask)


def _which(args: argparse.Namespace, glue: Any, names: GlueNames) -> tuple[str, str]:
    if args.job:
        if not args.job_run_id:
            raise ConfigError("--job needs --job-run-id (the id `ddb-migrate glue start --job` printed)")
        return "job", args.job_run_id
    return "workflow", args.workflow_run_id or glue_runs.latest_workflow_run(glue, names)


def follow_main(args: argparse.Namespace, ask: Ask = input) -> int:
    config = _load(args)
    names = _names(args, config)
    glue, logs = _target_clients(config)
    kind, glue_run_id = _which(args, glue, names)
    return follow(glue, logs, names, kind, glue_run_id, args.job, args.interval, ask=ask)


def stop_main(args: argparse.Namespace, ask: Ask = input) -> int:
    config = _load(args)
    names = _names(args, config)
    glue, _logs = _target_clients(config)
    kind, glue_run_id = _which(args, glue, names)
    launch = _read(glue, names, kind, glue_run_id, args.job)
    say(describe(launch))
    if launch.finished:
        say("already finished: nothing to stop")
        return 0 if launch.succeeded else 1
    if not args.yes and ask(f"stop {kind} run {glue_run_id}? [y/N] ").strip().lower() not in ("y", "yes"):
        say("not stopped")
        return 1
    glue_runs.stop(glue, names, launch)
    say(f"asked Glue to stop {kind} run {glue_run_id}")
    return 0


def add_glue_commands(commands: Any) -> None:
    """The `glue` command and its start, follow and stop actions."""
    glue = commands.add_parser("glue", help="start, follow or stop the migration on AWS Glue (Terraform's jobs)")
    actions = glue.add_subparsers(dest="glue_command", required=True, metavar="ACTION")
    texts = {
        "start": "start the workflow (export -> migrate -> validate), resume one, or run one job; then follow it",
        "follow": "follow a workflow or job run: state, progress line, log tail; Ctrl-C asks whether to stop it",
        "stop": "stop a workflow or job run",
    }
    handlers = {"start": start_main, "follow": follow_main, "stop": stop_main}
    for action, text in texts.items():
        sub = actions.add_parser(action, help=text)
        sub.add_argument("--config", required=True, help="job config YAML (local path or s3:// URI)")
        sub.add_argument("--name-prefix", help="the Terraform target module's name_prefix (default: glue.name_prefix)")
        sub.add_argument("--job", choices=STEPS, help="one job instead of the workflow")
        if action == "start":
            sub.add_argument("--run-id", help="with --job: the run id (reuse one to resume that run)")
            sub.add_argument("--resume", metavar="WORKFLOW_RUN_ID", help="resume a failed workflow run")
            sub.add_argument("--no-follow", action="store_true", help="print the Glue run id and return")
        else:
            sub.add_argument("--workflow-run-id", help="the workflow run (default: the latest)")
            sub.add_argument("--job-run-id", help="with --job: the job run")
        if action == "stop":
            sub.add_argument("--yes", action="store_true", help="do not ask")
        if action != "stop":
            sub.add_argument("--interval", type=float, default=10.0, help="seconds between polls (default 10)")
        sub.set_defaults(handler=lambda parsed, handler=handlers[action]: handler(parsed))
