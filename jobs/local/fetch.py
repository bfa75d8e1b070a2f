"""Fetch AWS's DynamoDB Local from the npm registry, once, into a git-ignored cache."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from jobs.core.errors import LocalStackError

NPM_PACKAGE = "amplify-dynamodb-simulator@2.9.30"  # carries DynamoDB Local 1.25.1
JAR = "DynamoDBLocal.jar"


def dynamodb_local_dir(cache: Path) -> Path:
    """The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib/, fetched on first use."""
    target = cache / "dynamodb-local"
    if (target / JAR).is_file() and (target / "DynamoDBLocal_lib").is_dir():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise LocalStackError("npm is not on PATH", hint="install Node.js and npm; DynamoDB Local comes from npm")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        try:
            subprocess.run(
                [npm, "pack", NPM_PACKAGE, "--silent", "--pack-destination", work],
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = getattr(exc, "stderr", "") or ""
            raise LocalStackError(
                f"`npm pack {NPM_PACKAGE}` failed: {detail.strip()[:500]}",
                hint="check that the npm registry is reachable",
            ) from exc
        archive = next(Path(work).glob("*.tgz"))
        staging = Path(work) / "out"
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("package/emulator/")]
            tar.extractall(staging, members=members, filter="data")
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging / "package" / "emulator"), target)
    if not (target / JAR).is_file():
        raise LocalStackError(f"{NPM_PACKAGE} did not contain emulator/{JAR}")
    return target
