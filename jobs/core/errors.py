"""One root error for the whole tool, split into transient (retry) and terminal (stop).

Every message says what failed, where (file, line, key or attribute) and what to do next.
Whether something is retried is decided here and nowhere else: :func:`is_transient` for an
error, :func:`is_transient_code` for an error code that AWS returned.
"""

from __future__ import annotations

# Error codes worth retrying with backoff. An error response names its code in ``__type``
# ("ThrottlingException"); a TransactionCanceledException names one per action, in a shorter
# form ("ThrottlingError"). Both forms are listed; neither can be mistaken for the other.
THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        # cancellation reasons
        "ProvisionedThroughputExceeded",
        "ThrottlingError",
    }
)
TRANSIENT_CODES = THROTTLING_CODES | frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "LimitExceededException",
        "TransactionInProgressException",
        "ExpiredTokenException",  # the credentials refresh before the next attempt
        "ConnectionError",  # no answer at all: refused, reset or timed out
        # cancellation reasons
        "TransactionConflict",
    }
)


class MigrationError(Exception):
    """Root of every error this tool raises on purpose.

    ``transient`` marks an error worth retrying; a subclass sets it for all its instances
    (:class:`TransientError`) or per instance, from the error code (DynamoDB's wire errors).
    """

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


def is_throttling_code(code: str) -> bool:
    """The service asked us to slow down: counted as a throttle, then retried."""
    return code in THROTTLING_CODES


def is_transient_code(code: str, status: int | None = None) -> bool:
    """An AWS error code (with its HTTP status, when there was one) that is worth retrying:
    throttling, any 5xx, a lost connection. Validation, access denied and the like are not."""
    return code in TRANSIENT_CODES or (status is not None and status >= 500)


def is_transient(error: BaseException) -> bool:
    """Whether retrying ``error`` may succeed; only errors this tool raises on purpose say so."""
    return isinstance(error, MigrationError) and error.transient
