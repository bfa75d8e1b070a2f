"""Build the replicator's Lambda package: the ``jobs`` sources, nothing else.

The Lambda Python runtime provides boto3 (with botocore and urllib3); the handler's import path
needs nothing more (no Spark, pandas, pyarrow or YAML; ``tests/unit/test_lambda_package.py``
checks it). ``make lambda`` writes it to ``dist/replicator.zip``: a
reproducible zip: sorted entries with a fixed timestamp.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HANDLER = "jobs.streams.handler.handler"
_ROOT = Path(__file__).resolve().parents[1]
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def build(out: Path) -> Path:
    """Write the zip to ``out``; return it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in _ROOT.rglob("*.py") if "local" not in p.relative_to(_ROOT).parts)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            entry = zipfile.ZipInfo(f"jobs/{path.relative_to(_ROOT).as_posix()}", _FIXED_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    return out
