"""Shared fixtures. Services are real processes on loopback, started once per session and
always stopped, whatever the tests do."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.local import stack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = Path(os.environ.get("DDB_MIGRATE_HOME") or tmp_path_factory.mktemp("local-stack")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


@pytest.fixture(scope="session")
def local_stack(stack_home: Path) -> Iterator[stack.Stack]:
    """DynamoDB Local (accounts 'source' and 'target' by key id) and moto, for the whole session."""
    with stack.running(stack_home, ROOT / ".cache") as running:
        yield running


@pytest.fixture(scope="session")
def moto_endpoint(stack_home: Path) -> Iterator[str]:
    """A moto server of its own, for tests that fill it with many resources (Terraform)."""
    process, port = stack.start_moto(stack_home)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stack.stop_process(process.pid)


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """One local Spark session for the whole run (the same code Glue runs)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from jobs.spark import get_spark

    session = get_spark("ddb-migrate-tests", master="local[2]")
    yield session
    session.stop()
