"""`ddb-migrate local up|down|status|init`: the embedded stack of emulators, and a sample to try every command on."""

from __future__ import annotations

import argparse
from pathlib import Path

from jobs.cli.summary import say


def local_main(args: argparse.Namespace) -> int:
    from jobs.local import stack

    if args.action == "up":
        running = stack.current()
        if running is None:
            running = stack.start()
            say(f"started DynamoDB Local (pid {running.dynamodb_pid}) and moto (pid {running.moto_pid})")
        print(running.shell_exports())
        return 0
    if args.action == "init":
        return _local_init(Path(args.dir), args.items)
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


def _local_init(folder: Path, items: int) -> int:
    from jobs.core.errors import LocalStackError
    from jobs.local import sample, stack

    running = stack.current()
    if running is None:
        raise LocalStackError(
            f"no local stack is running (DDB_MIGRATE_HOME={stack.default_home()})",
            hint="start it with `ddb-migrate local up`, then rerun `ddb-migrate local init`",
        )
    path = sample.init_sample(running, folder, items)
    print("\nNow try, in this order:")
    for command in sample.next_commands(path, folder / "validation", before_run=True):
        print(f"  {command}")
    print(f"\n{sample.stop_hint(running)}")
    return 0
