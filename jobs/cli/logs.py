"""How much a person sees: the tool's own lines by default, other libraries' only with ``-v``.

* no ``-v``: this tool's INFO lines (phases, progress), prefixed with the seconds since the
  command started; every other library (Great Expectations, py4j, Spark, botocore, urllib3,
  ...) at WARNING. Errors are one line with a hint, no traceback.
* ``-v``: this tool at DEBUG, the others at INFO, timestamps and logger names, tracebacks.
* ``-vv``: everything at DEBUG (botocore's wire log included).
"""

from __future__ import annotations

import logging
import sys
import time

OWN = "jobs"
# Libraries that log at INFO on their own: silenced by default even when they set their own level.
THIRD_PARTY = (
    "great_expectations",
    "py4j",
    "pyspark",
    "botocore",
    "boto3",
    "urllib3",
    "s3transfer",
    "awswrangler",
    "filelock",
    "asyncio",
)


class _SinceStart(logging.Formatter):
    """``[  12.3s] message`` for this tool's INFO lines; level and logger name for anything louder."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        elapsed = f"[{time.monotonic() - self.started:6.1f}s]"
        if record.levelno >= logging.WARNING:
            return f"{elapsed} {record.levelname} {record.name}: {message}"
        return f"{elapsed} {message}"


class _ThirdPartyQuiet(logging.Filter):
    """Drops other libraries' records below ``level``, whatever level they set on their own loggers."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == OWN or record.name.startswith(OWN + ".")
        return own or record.levelno >= self.level


def third_party_level(verbosity: int) -> int:
    """WARNING by default, INFO with ``-v``, DEBUG with ``-vv``."""
    return (logging.WARNING, logging.INFO, logging.DEBUG)[min(max(verbosity, 0), 2)]


def configure_logging(verbosity: int = 0) -> logging.Handler:
    """Send log records to standard error at the levels above; return the handler installed."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    if verbosity:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(_SinceStart())
    others = third_party_level(verbosity)
    handler.addFilter(_ThirdPartyQuiet(others))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity else logging.INFO)
    logging.getLogger(OWN).setLevel(logging.DEBUG if verbosity else logging.INFO)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(others)
    return handler
