"""DynamoDB's JSON protocol spoken directly: signed POSTs with bodies we build as text.

Export lines already hold items in the protocol's own wire form (numbers as strings, binary as
base64), so the writer splices them into a BatchWriteItem body without decoding a single
value: nothing can be rounded or re-encoded, and no per-value Python conversion is paid.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import urllib3

from jobs import aws
from jobs.aws import AccountSpec
from jobs.aws.sigv4 import DynamoSigner
from jobs.core.errors import MigrationError, TerminalError, is_throttling_code, is_transient_code


class DynamoCallError(MigrationError):
    """A DynamoDB error response, transient or not; ``code`` is the short error type.

    ``status`` 0 and code ``ConnectionError`` mean no response arrived at all.
    """

    def __init__(self, operation: str, status: int, code: str, message: str) -> None:
        self.operation, self.status, self.code = operation, status, code
        self.transient = is_transient_code(code, status)
        self.throttled = is_throttling_code(code)
        super().__init__(f"{operation} failed: HTTP {status} {code}: {message}")


class DynamoCaller(Protocol):
    """What a sender needs of the wire: one operation, a body in, the parsed answer out."""

    def call(self, operation: str, body: str) -> dict[str, Any]: ...


class DynamoWire:
    """A minimal signed client for DynamoDB's JSON protocol (thread-safe)."""

    def __init__(self, spec: AccountSpec, pool_size: int = 16, timeout_s: float = 30.0) -> None:
        self.spec = spec
        self.url = aws.endpoint_url(spec, "dynamodb")
        self._credentials = aws.frozen_credentials(spec, "dynamodb")
        self._signer = DynamoSigner(self.url, spec.region)
        self._http = urllib3.PoolManager(
            maxsize=pool_size,
            block=True,
            retries=False,
            timeout=urllib3.Timeout(connect=5.0, read=timeout_s),
        )

    def call(self, operation: str, body: str) -> dict[str, Any]:
        """POST ``body`` as ``operation``; return the parsed response or raise DynamoCallError."""
        payload = body.encode("utf-8")
        credentials = self._credentials.get_frozen_credentials()
        headers = self._signer.headers(
            f"DynamoDB_20120810.{operation}",
            payload,
            credentials.access_key or "",
            credentials.secret_key or "",
            credentials.token,
        )
        try:
            response = self._http.request("POST", self.url, body=payload, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            raise DynamoCallError(operation, 0, "ConnectionError", f"{type(exc).__name__}: {exc}") from exc
        return read_response(operation, response.status, response.data)

    def close(self) -> None:
        self._http.clear()


def read_response(operation: str, status: int, data: bytes | None) -> dict[str, Any]:
    """The parsed body of a 200 answer; any other answer is raised as a DynamoCallError."""
    text = data.decode("utf-8") if data else "{}"
    if status == 200:
        parsed: dict[str, Any] = json.loads(text)
        return parsed
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = {"message": text[:200]}
    code = str(doc.get("__type", "Unknown")).rsplit("#", 1)[-1]
    message = str(doc.get("message") or doc.get("Message") or "")
    raise DynamoCallError(operation, status, code, message)


def as_terminal(error: DynamoCallError, where: str, hint: str) -> TerminalError:
    """Re-raise a non-retryable DynamoDB error with the context the user needs."""
    return TerminalError(f"{where}: {error}", hint=hint)
