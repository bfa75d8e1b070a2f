"""One classification of what is worth retrying, used by every caller."""

from __future__ import annotations

import pytest

from jobs.aws.wire import DynamoCallError
from jobs.core.errors import (
    ConfigError,
    TerminalError,
    TransientError,
    is_throttling_code,
    is_transient,
    is_transient_code,
)


@pytest.mark.parametrize(
    ("status", "code", "transient", "throttled"),
    [
        (400, "ProvisionedThroughputExceededException", True, True),
        (400, "ThrottlingException", True, True),
        (400, "RequestLimitExceeded", True, True),
        (500, "InternalServerError", True, False),
        (503, "ServiceUnavailable", True, False),
        (502, "Unknown", True, False),  # any 5xx, whatever its body says
        (400, "ExpiredTokenException", True, False),
        (400, "TransactionInProgressException", True, False),
        (0, "ConnectionError", True, False),
        (400, "ValidationException", False, False),
        (400, "AccessDeniedException", False, False),
        (400, "ResourceNotFoundException", False, False),
        (400, "TransactionCanceledException", False, False),
    ],
)
def test_dynamodb_errors_are_classified_by_code_and_status(
    status: int, code: str, transient: bool, throttled: bool
) -> None:
    error = DynamoCallError("BatchWriteItem", status, code, "message")
    assert (error.transient, error.throttled) == (transient, throttled)
    assert is_transient(error) is transient
    assert is_transient_code(code, status) is transient
    assert is_throttling_code(code) is throttled


@pytest.mark.parametrize(
    ("reason", "transient"),
    [
        ("ThrottlingError", True),
        ("ProvisionedThroughputExceeded", True),
        ("TransactionConflict", True),
        ("RequestLimitExceeded", True),
        ("InternalServerError", True),
        ("None", False),
        ("ConditionalCheckFailed", False),
        ("ValidationError", False),
        ("ItemCollectionSizeLimitExceeded", False),
    ],
)
def test_transaction_cancellation_reasons_use_the_same_list(reason: str, transient: bool) -> None:
    assert is_transient_code(reason) is transient


def test_the_error_classes_carry_the_same_mark() -> None:
    assert is_transient(TransientError("table still updating"))
    assert not is_transient(TerminalError("table missing"))
    assert not is_transient(ConfigError("write.concurency: unknown field"))
    assert not is_transient(RuntimeError("not raised on purpose"))
