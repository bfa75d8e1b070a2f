#!/usr/bin/env python3
"""Build the Glue 5.0 dependency bundle: one zip of wheels, named by its SHA-256.

    build_glue_bundle.py --jobs-wheel dist/ddb_migrate-0.1.0-py3-none-any.whl --out dist

What goes in (docs/adr/0010-running-on-glue.md):
- the project's wheel;
- every runtime dependency of the project (pyproject.toml [project].dependencies) and their
  dependencies, as wheels for Glue 5.0's platform (CPython 3.11, x86_64, glibc 2.34), each at
  the version requirements.lock pins: the lock is the only source of pins, and a dependency the
  lock does not pin stops the build;
- minus what Glue 5.0 ships and the job must not replace (Spark, numpy, pandas, pyarrow).

The zip holds wheels only, sorted, with fixed timestamps, so the same inputs give the same
bytes and the same name: `ddb_migrate-glue-bundle-<sha256>.zip`. A manifest of the same name
with `.json` lists the wheels and their SHA-256. Only the standard library is used here; pip
(run with the current interpreter) downloads the wheels.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

PYTHON_VERSION = "3.11"
ABI = "cp311"
# Glue 5.0 runs Amazon Linux 2023 with glibc 2.34: every manylinux tag up to 2.34 fits. pip
# does not expand a --platform tag to the older ones, so all of them are listed.
GLIBC_MINOR_MAX = 34
# Shipped by Glue 5.0 and left as Glue has them (the lock pins the same versions).
GLUE_PROVIDED = ("pyspark", "py4j", "numpy", "pandas", "pyarrow")
BUNDLE_PREFIX = "ddb_migrate-glue-bundle-"
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle cannot be built as asked; the message says why and what to do."""


def normalize(name: str) -> str:
    """A distribution name in PEP 503 normal form."""
    return re.sub(r"[-_.]+", "-", name).lower()


def glue_platform_tags() -> list[str]:
    """The manylinux platform tags a glibc 2.34 x86_64 system accepts, newest first."""
    tags = [f"manylinux_2_{minor}_x86_64" for minor in range(GLIBC_MINOR_MAX, 16, -1)]
    return [*tags, "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]


def read_lock(path: Path) -> dict[str, str]:
    """``name==version`` lines of the lock, by normalised name."""
    pins: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;]+)", line)
        if not match:
            raise BundleError(f"{path}: '{line}' is not pinned as name==version")
        pins[normalize(match.group(1))] = match.group(3)
    return pins


def runtime_requirements(pyproject: Path) -> list[str]:
    """Names of the project's runtime dependencies (pyproject.toml [project].dependencies)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    names = []
    for requirement in project.get("dependencies", []):
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if not match:
            raise BundleError(f"{pyproject}: cannot read the dependency '{requirement}'")
        names.append(normalize(match.group(1)))
    return names


def wheel_name_and_version(filename: str) -> tuple[str, str]:
    """Distribution name (normalised) and version from a wheel's file name."""
    parts = filename[: -len(".whl")].split("-")
    if len(parts) < 5:
        raise BundleError(f"'{filename}' is not a wheel file name")
    return normalize(parts[0]), parts[1]


def download_wheels(requirements: list[str], lock: dict[str, str], into: Path) -> None:
    """Let pip resolve the requirements against the lock's pins and fetch Glue-platform wheels."""
    missing = [name for name in requirements if name not in lock]
    if missing:
        raise BundleError(f"requirements.lock pins no version of {', '.join(missing)}: add them to the lock")
    pinned = into.parent / "runtime-requirements.txt"
    pinned.write_text("".join(f"{name}=={lock[name]}\n" for name in requirements), encoding="utf-8")
    constraints = into.parent / "constraints.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(lock.items())), encoding="utf-8")
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--only-binary=:all:", "--implementation", "cp", "--python-version", PYTHON_VERSION, "--abi", ABI,
        *(argument for tag in glue_platform_tags() for argument in ("--platform", tag)),
        "-r", str(pinned), "-c", str(constraints), "-d", str(into),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line] or result.stderr.splitlines()[-5:]
        raise BundleError("pip could not download the Glue wheels:\n" + "\n".join(errors))


def select_wheels(downloaded: Path, lock: dict[str, str]) -> list[Path]:
    """The downloaded wheels minus Glue's own packages; each must be at the lock's version."""
    chosen = []
    for wheel in sorted(downloaded.glob("*.whl")):
        name, version = wheel_name_and_version(wheel.name)
        if name in GLUE_PROVIDED:
            continue
        if name not in lock:
            raise BundleError(f"{name} {version} is needed at run time but requirements.lock does not pin it")
        if lock[name] != version:
            raise BundleError(f"pip chose {name} {version}, the lock pins {lock[name]}")
        chosen.append(wheel)
    leftovers = sorted(p.name for p in downloaded.iterdir() if p.suffix != ".whl")
    if leftovers:
        raise BundleError(f"pip downloaded non-wheel files: {', '.join(leftovers)}")
    return chosen


def write_zip(wheels: list[Path], target: Path) -> None:
    """A reproducible zip: sorted entries, fixed timestamps, stored (wheels are compressed)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for wheel in sorted(wheels, key=lambda path: path.name):
            info = zipfile.ZipInfo(wheel.name, date_time=ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            archive.writestr(info, wheel.read_bytes())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_bundle(jobs_wheel: Path, out: Path, lock_path: Path, pyproject: Path) -> Path:
    """Build the bundle into ``out`` and return its path."""
    if not jobs_wheel.is_file():
        raise BundleError(f"{jobs_wheel} does not exist: build the project's wheel first (make package)")
    lock = read_lock(lock_path)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="glue-bundle-") as scratch:
        downloaded = Path(scratch) / "wheels"
        downloaded.mkdir()
        download_wheels(runtime_requirements(pyproject), lock, downloaded)
        wheels = [*select_wheels(downloaded, lock), jobs_wheel]
        unnamed = Path(scratch) / "bundle.zip"
        write_zip(wheels, unnamed)
        digest = sha256_of(unnamed)
        target = out / f"{BUNDLE_PREFIX}{digest}.zip"
        for old in out.glob(f"{BUNDLE_PREFIX}*"):
            old.unlink()
        target.write_bytes(unnamed.read_bytes())
        manifest = {
            "bundle": target.name,
            "sha256": digest,
            "python": PYTHON_VERSION,
            "platforms": glue_platform_tags(),
            "glue_provided": list(GLUE_PROVIDED),
            "wheels": {wheel.name: sha256_of(wheel) for wheel in sorted(wheels, key=lambda path: path.name)},
        }
        target.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs-wheel", type=Path, required=True, help="the project's wheel")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    parser.add_argument("--lock", type=Path, default=Path("requirements.lock"))
    parser.add_argument("--pyproject", type=Path, default=Path("pyproject.toml"))
    args = parser.parse_args(argv)
    try:
        bundle = build_bundle(args.jobs_wheel, args.out, args.lock, args.pyproject)
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
