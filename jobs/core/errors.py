"""One root error for the whole tool, split into transient (retry) and terminal (stop).

Every message says what failed, where (file, line, key or attribute) and what to do next.
"""

from __future__ import annotations


class MigrationError(Exception):
    """Root of every error this tool raises on purpose."""

    transient = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(f"{message} -> {hint}" if hint else message)


class TransientError(MigrationError):
    """Throttling, 5xx, timeouts: worth retrying with backoff."""

    transient = True


class TerminalError(MigrationError):
    """Validation, access denied, bad input: retrying will not help."""


class ConfigError(TerminalError):
    """The job configuration is invalid; the message names the field."""


class ExportFormatError(TerminalError):
    """An export manifest or data file is malformed or does not match its manifest."""


class InvalidItemError(TerminalError):
    """An item or attribute value is not valid DynamoDB JSON; names the attribute path."""


class LocalStackError(TerminalError):
    """The embedded local stack could not be fetched, started or reached."""


class WriteFailedError(TerminalError):
    """Items could not be written before the configured deadline, or were rejected."""
