"""Start, describe and stop the local stack on free loopback ports.

* DynamoDB Local, ``-inMemory``, without ``-sharedDb``: one database per access key id, so
  the key ids ``source`` and ``target`` stand in for two AWS accounts.
* A moto server for S3, STS and IAM. Its default account is the target account; the source
  account is reached by assuming a role in it (moto's STS credentials act as that account).

State (ports, PIDs) is kept in ``<home>/stack.json`` so ``ddb-migrate local down`` can stop
what ``up`` started. :func:`running` is a context manager that always tears down.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from jobs.aws import AccountSpec
from jobs.core.errors import LocalStackError
from jobs.local.fetch import JAR, dynamodb_local_dir

REGION = "us-east-1"
SOURCE_ACCOUNT_ID = "111111111111"
TARGET_ACCOUNT_ID = "123456789012"  # moto's default account (MOTO_ACCOUNT_ID would override assumed roles too)
SECRET = "local-only-secret"  # noqa: S105 - emulator credentials, not a secret
SOURCE_ROLE_ARN = f"arn:aws:iam::{SOURCE_ACCOUNT_ID}:role/ddb-migrate-source"
EXTERNAL_ID = "ddb-migrate-local"


def default_home() -> Path:
    return Path(os.environ.get("DDB_MIGRATE_HOME", ".local-stack")).resolve()


def default_cache() -> Path:
    return Path(os.environ.get("DDB_MIGRATE_CACHE", ".cache")).resolve()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Stack:
    """A running local stack: where its services listen and how to stop them."""

    dynamodb_port: int
    moto_port: int
    dynamodb_pid: int
    moto_pid: int
    home: str

    @property
    def dynamodb_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}"

    @property
    def moto_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def account(self, name: str) -> AccountSpec:
        """``source`` or ``target`` as an AccountSpec pointed at the emulators."""
        endpoints = (("default", self.moto_endpoint), ("dynamodb", self.dynamodb_endpoint))
        if name == "source":
            return AccountSpec(
                name="source",
                region=REGION,
                access_key_id="source",
                secret_access_key=SECRET,
                role_arn=SOURCE_ROLE_ARN,
                external_id=EXTERNAL_ID,
                endpoints=endpoints,
                session_name="ddb-migrate-source",
            )
        if name == "target":
            return AccountSpec(
                name="target",
                region=REGION,
                access_key_id="target",
                secret_access_key=SECRET,
                endpoints=endpoints,
                session_name="ddb-migrate-target",
            )
        raise LocalStackError(f"unknown local account {name!r}; use 'source' or 'target'")

    def account_config(self, name: str) -> dict[str, object]:
        """The ``accounts.<name>`` section of a job config for this stack."""
        spec = self.account(name)
        doc: dict[str, object] = {
            "region": spec.region,
            "access_key_id": spec.access_key_id,
            "secret_access_key": spec.secret_access_key,
            "endpoints": {"default": self.moto_endpoint, "dynamodb": self.dynamodb_endpoint},
        }
        if spec.role_arn:
            doc.update(role_arn=spec.role_arn, external_id=spec.external_id)
        return doc

    def shell_exports(self) -> str:
        """``export`` lines for the AWS CLI, boto3 or a notebook (the target account is the default)."""
        return "\n".join(
            [
                f"export DDB_MIGRATE_DYNAMODB_ENDPOINT={self.dynamodb_endpoint}",
                f"export DDB_MIGRATE_MOTO_ENDPOINT={self.moto_endpoint}",
                f"export AWS_ENDPOINT_URL_DYNAMODB={self.dynamodb_endpoint}",
                f"export AWS_ENDPOINT_URL_S3={self.moto_endpoint}",
                f"export AWS_ENDPOINT_URL_STS={self.moto_endpoint}",
                f"export AWS_ENDPOINT_URL_IAM={self.moto_endpoint}",
                f"export AWS_DEFAULT_REGION={REGION}",
                "# target account (the default credentials)",
                "export AWS_ACCESS_KEY_ID=target",
                f"export AWS_SECRET_ACCESS_KEY={SECRET}",
                "# source account: DynamoDB key id; S3/STS through the role below",
                "export SOURCE_AWS_ACCESS_KEY_ID=source",
                f"export SOURCE_AWS_SECRET_ACCESS_KEY={SECRET}",
                f"export SOURCE_ROLE_ARN={SOURCE_ROLE_ARN}",
                f"export SOURCE_EXTERNAL_ID={EXTERNAL_ID}",
            ]
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _wait_http(url: str, process: subprocess.Popen[bytes], name: str, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalStackError(
                f"{name} exited with code {process.returncode} at start-up: {log.read_text(errors='replace')[-800:]}"
            )
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # it answered
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise LocalStackError(f"{name} did not answer on {url} within {timeout_s:.0f}s; see {log}")


def _spawn(
    command: list[str],
    log: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        command, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True
    )  # its own process group, so down() can stop it whole


def start_moto(home: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A moto server (S3, STS, IAM, KMS, Glue, ...) on a free loopback port, answering."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}  # it would override assumed roles
    log = home / f"moto-{port}.log"
    moto = _spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log, env=env)
    try:
        _wait_http(f"http://127.0.0.1:{port}/moto-api/", moto, "moto server", log)
    except BaseException:
        stop_process(moto.pid)
        raise
    return moto, port


def start_dynamodb_local(
    home: Path, cache: Path, port: int | None = None, db_path: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """DynamoDB Local on a free loopback port, answering: in memory, or on disk under ``db_path``."""
    java = shutil.which("java")
    if java is None:
        raise LocalStackError("java is not on PATH", hint="install a Java 17 runtime for DynamoDB Local")
    ddb_dir = dynamodb_local_dir(cache.resolve())
    port = port or free_port()
    log = home / f"dynamodb-local-{port}.log"
    storage = ["-dbPath", str(db_path)] if db_path else ["-inMemory"]
    command = [
        java,
        f"-Djava.library.path={ddb_dir / 'DynamoDBLocal_lib'}",
        "-Xmx2g",
        "-jar",
        str(ddb_dir / JAR),
        *storage,
        "-port",
        str(port),
    ]
    ddb = _spawn(command, log, cwd=ddb_dir)
    try:
        _wait_http(f"http://127.0.0.1:{port}", ddb, "DynamoDB Local", log)
    except BaseException:
        stop_process(ddb.pid)
        raise
    return ddb, port


def start(home: Path | None = None, cache: Path | None = None) -> Stack:
    """Start both emulators on free loopback ports and record them; stop both if either fails."""
    home = (home or default_home()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    ddb, ddb_port = start_dynamodb_local(home, cache or default_cache())
    try:
        moto, moto_port = start_moto(home)
    except BaseException:
        stop_process(ddb.pid)
        raise
    stack = Stack(ddb_port, moto_port, ddb.pid, moto.pid, str(home))
    (home / "stack.json").write_text(json.dumps(asdict(stack), indent=2))
    return stack


def stop_process(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    for _ in range(50):
        if not _alive(pid):
            break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def stop(stack: Stack) -> None:
    """Stop both processes (and their children) and forget the stack."""
    for pid in (stack.dynamodb_pid, stack.moto_pid):
        stop_process(pid)
    state = Path(stack.home) / "stack.json"
    state.unlink(missing_ok=True)


def current(home: Path | None = None) -> Stack | None:
    """The stack recorded under ``home``, if its processes are still alive."""
    state = (home or default_home()) / "stack.json"
    if not state.is_file():
        return None
    stack = Stack(**json.loads(state.read_text()))
    if not (_alive(stack.dynamodb_pid) and _alive(stack.moto_pid)):
        return None
    return stack


@contextlib.contextmanager
def running(home: Path | None = None, cache: Path | None = None) -> Iterator[Stack]:
    """A stack for the duration of a block; torn down however the block ends, and before the
    process ends on a SIGTERM (:func:`stopped_on_terminate`)."""
    stack = start(home, cache)
    with stopped_on_terminate(stack):
        try:
            yield stack
        finally:
            stop(stack)


@contextlib.contextmanager
def stopped_on_terminate(stack: Stack) -> Iterator[None]:
    """Within the block, a SIGTERM stops ``stack`` first, then ends the process as SIGTERM does.

    Python's default action ends the process without running any ``finally``: the bench killed
    by ``kill`` or by a CI timeout used to leave its DynamoDB Local and moto running. Installed
    only in the main thread (where signal handlers live) and where SIGTERM has its default
    action, which is put back afterwards."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def stop_then_terminate(signum: int, _frame: object) -> None:
        stop(stack)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, stop_then_terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
