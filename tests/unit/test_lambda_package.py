"""The Lambda package imports the handler with only what the Lambda runtime has (no orjson either:
jobs.core.fastjson falls back to the json module)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from jobs.streams.package import HANDLER, build

_PROBE = """
import sys
for name in ("pyspark", "pandas", "pyarrow", "yaml", "great_expectations", "awswrangler", "amazon", "numpy", "orjson"):
    sys.modules[name] = None  # importing any of them now fails
sys.path.insert(0, sys.argv[1])
import importlib
module, function = sys.argv[2].rsplit(".", 1)
handler = getattr(importlib.import_module(module), function)
print(handler.__module__, sys.modules[module].__file__, sorted(m for m in sys.modules if m.startswith("jobs")))
"""


def test_the_handler_imports_without_spark_pandas_pyarrow_or_yaml(tmp_path):
    package = build(tmp_path / "replicator.zip")
    names = zipfile.ZipFile(package).namelist()
    assert "jobs/streams/handler.py" in names and not any(n.startswith("jobs/local/") for n in names)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(package), HANDLER], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"jobs.streams.handler {package}/jobs/streams/handler.py ")
    assert "jobs.run.migrate" not in result.stdout and "jobs.config" not in result.stdout


def test_the_package_is_reproducible(tmp_path):
    assert build(tmp_path / "a.zip").read_bytes() == build(tmp_path / "b.zip").read_bytes()
