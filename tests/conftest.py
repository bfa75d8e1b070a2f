"""Shared fixtures. Services are real processes on loopback, started once per session and
always stopped, whatever the tests do."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from jobs.local import stack

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROOT = Path(__file__).resolve().parent.parent
TIERS = {"unit", "spark", "integration", "terraform", "notebooks"}  # the folder is the marker

# Property tests: a fast default, 300 examples in CI (which sets CI=true).
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its tier from its folder, so `make unit` (-m unit) cannot miss a new
    file; a test outside the tier folders is a collection error."""
    tests = Path(__file__).resolve().parent
    for item in items:
        parts = Path(str(item.path)).resolve().relative_to(tests).parts
        tier = parts[0] if len(parts) > 1 else ""
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in one of tests/{{{','.join(sorted(TIERS))}}}/")
        item.add_marker(getattr(pytest.mark, tier))


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
def spark() -> Iterator[SparkSession]:
    """One local Spark session for the whole run (the same code Glue runs)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from jobs.spark import get_spark

    session = get_spark("ddb-migrate-tests", master="local[2]")
    yield session
    session.stop()
