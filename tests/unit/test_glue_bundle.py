"""scripts/build_glue_bundle.py without the network: the lock is the only source of pins,
Glue's own packages stay out, and the zip's bytes (so its name) depend on its wheels only."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_glue_bundle.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_glue_bundle", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle = _load()


def _wheel(folder: Path, name: str, version: str, body: bytes = b"x") -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    path.write_bytes(body)
    return path


def test_platform_tags_cover_glue_5s_glibc_2_34_and_manylinux2014() -> None:
    tags = bundle.glue_platform_tags()
    assert tags[0] == "manylinux_2_34_x86_64"
    assert {"manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"} <= set(tags)
    assert not any("2_35" in tag for tag in tags)


def test_the_lock_must_pin_every_line(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("boto3==1.44.8\nPyYAML==6.0.4  # comment\n", encoding="utf-8")
    assert bundle.read_lock(lock) == {"boto3": "1.44.8", "pyyaml": "6.0.4"}
    lock.write_text("boto3>=1.34\n", encoding="utf-8")
    with pytest.raises(bundle.BundleError, match="not pinned"):
        bundle.read_lock(lock)


def test_glues_own_packages_are_left_out_and_versions_must_be_the_locks(tmp_path: Path) -> None:
    lock = {"boto3": "1.44.8", "numpy": "1.26.4", "typing-extensions": "4.16.0"}
    _wheel(tmp_path, "boto3", "1.44.8")
    _wheel(tmp_path, "numpy", "1.26.4")
    _wheel(tmp_path, "typing_extensions", "4.16.0")
    chosen = bundle.select_wheels(tmp_path, lock)
    assert [wheel.name.split("-")[0] for wheel in chosen] == ["boto3", "typing_extensions"]

    _wheel(tmp_path, "six", "1.17.0")
    with pytest.raises(bundle.BundleError, match="does not pin"):
        bundle.select_wheels(tmp_path, lock)
    (tmp_path / "six-1.17.0-py3-none-any.whl").unlink()
    (tmp_path / "boto3-1.44.8-py3-none-any.whl").rename(tmp_path / "boto3-1.44.9-py3-none-any.whl")
    with pytest.raises(bundle.BundleError, match=r"lock pins 1\.44\.8"):
        bundle.select_wheels(tmp_path, lock)


def test_the_zip_is_the_same_bytes_for_the_same_wheels(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = [_wheel(tmp_path / "a", "b", "1", b"B"), _wheel(tmp_path / "a", "a", "1", b"A")]
    second = [_wheel(tmp_path / "b", "a", "1", b"A"), _wheel(tmp_path / "b", "b", "1", b"B")]
    bundle.write_zip(first, tmp_path / "one.zip")
    bundle.write_zip(second, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        assert archive.namelist() == ["a-1-py3-none-any.whl", "b-1-py3-none-any.whl"]


def test_a_runtime_dependency_missing_from_the_lock_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(bundle.BundleError, match="pins no version of awswrangler"):
        bundle.download_wheels(["awswrangler"], {"boto3": "1.44.8"}, tmp_path / "wheels")
