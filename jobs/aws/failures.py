"""What kind of AWS failure an exception is, in words a person can act on.

Three kinds are common at the start of a run and have nothing to do with the data: the
endpoint cannot be reached, the credentials are missing or refused, or the identity lacks a
permission. :func:`classify` names them, with the operation, the endpoint when there is one,
and what to do next. It returns ``None`` for anything else. Printing is the CLI's job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botocore import exceptions as boto

log = logging.getLogger(__name__)

CONNECTION, CREDENTIALS, PERMISSION = "connection", "credentials", "permission"

# Error codes AWS (and the emulators) return for credentials that are missing, wrong or expired.
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "MissingAuthenticationToken",
        "InvalidToken",
    }
)
# ... and for an identity that is known but not allowed to do what it asked.
PERMISSION_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "UnauthorizedOperation",
        "Forbidden",
        "AllAccessDisabled",
    }
)
HINTS = {
    CONNECTION: "check the endpoint and the network; locally, `ddb-migrate local status` shows whether the "
    "stack runs and `ddb-migrate local up` starts it",
    CREDENTIALS: "check the account's profile, keys or role_arn/external_id under `accounts:` in the config, "
    "or refresh your session (e.g. `aws sso login`)",
    PERMISSION: "grant the operation named above to that identity; the Terraform modules' policies list "
    "what each step needs",
}


@dataclass(frozen=True)
class AwsFailure:
    """One of the three kinds, with a one-line message and what to do about it."""

    kind: str
    message: str
    hint: str

    def line(self) -> str:
        return f"{self.message} -> {self.hint}"


def _client_error(error: boto.ClientError) -> AwsFailure | None:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    said = str(details.get("Message") or "").strip()
    operation = error.operation_name
    if code in CREDENTIAL_CODES:
        message = f"{operation} refused the credentials: {code} {said}".rstrip()
        return AwsFailure(CREDENTIALS, message, HINTS[CREDENTIALS])
    if code in PERMISSION_CODES or (status == 403 and code not in CREDENTIAL_CODES):
        return AwsFailure(PERMISSION, f"{operation} was denied: {code} {said}".rstrip(), HINTS[PERMISSION])
    return None


def classify(error: BaseException) -> AwsFailure | None:
    """The kind of ``error`` (or of the error it was raised from), or None when it is none of the three."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _classify_one(current)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


def _classify_one(error: BaseException) -> AwsFailure | None:
    if isinstance(error, boto.EndpointConnectionError | boto.ConnectTimeoutError | boto.ConnectionClosedError):
        where = getattr(error, "kwargs", {}).get("endpoint_url", "")
        return AwsFailure(CONNECTION, f"cannot reach {where or 'the AWS endpoint'}", HINTS[CONNECTION])
    if isinstance(error, boto.ReadTimeoutError):
        where = getattr(error, "kwargs", {}).get("endpoint_url", "")
        return AwsFailure(CONNECTION, f"no answer from {where or 'the AWS endpoint'} in time", HINTS[CONNECTION])
    if isinstance(error, boto.NoCredentialsError | boto.PartialCredentialsError | boto.ProfileNotFound):
        return AwsFailure(CREDENTIALS, str(error), HINTS[CREDENTIALS])
    if isinstance(error, boto.ClientError):
        return _client_error(error)
    return None


def announce_connection_retry(attempts: int = 0, caught_exception: Any = None, **details: Any) -> None:
    """botocore ``needs-retry`` hook: say that a call waits for an unreachable endpoint, so
    botocore's retries (up to about 20 s) are not a silent pause. Returns None: it never
    changes botocore's decision."""
    if caught_exception is None:
        return
    failure = _classify_one(caught_exception)
    if failure is not None and failure.kind == CONNECTION:
        operation = getattr(details.get("operation"), "name", "a call")
        log.info("%s: %s (attempt %d failed); retrying with backoff", operation, failure.message, attempts)
