"""DynamoDB's JSON protocol spoken directly: signed POSTs with bodies we build as text.

Export lines already hold items in the protocol's own wire form (numbers as strings, binary as
base64), so the writer splices them into a BatchWriteItem body without decoding a single
value: nothing can be rounded or re-encoded, and no per-value Python conversion is paid.
"""

from __future__ import annotations

import json
import ssl
import threading
from typing import Any, Protocol
from urllib.parse import urlsplit

from jobs import aws
from jobs.aws import AccountSpec
from jobs.aws.http1 import Connection
from jobs.aws.sigv4 import DynamoSigner
from jobs.core.errors import MigrationError, TerminalError, is_throttling_code, is_transient_code
from jobs.core.fastjson import loads

CONNECT_TIMEOUT_S = 5.0


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
    """A minimal signed client for DynamoDB's JSON protocol (thread-safe).

    Each calling thread keeps one keep-alive connection (:mod:`jobs.aws.http1`): a request is one
    write and its answer is read without ``http.client``'s header parser, which the writer pays
    once per 25 items (ADR 0014). A connection the server closed while it sat idle is found
    before it is reused, as urllib3 does, and replaced.
    """

    def __init__(self, spec: AccountSpec, pool_size: int = 16, timeout_s: float = 30.0) -> None:
        self.spec = spec
        self.url = aws.endpoint_url(spec, "dynamodb")
        self._credentials = aws.frozen_credentials(spec, "dynamodb")
        self._signer = DynamoSigner(self.url, spec.region)
        self.pool_size = pool_size  # the callers' threads: one connection each
        self.timeout_s = timeout_s
        parts = urlsplit(self.url)
        self._address = (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._local = threading.local()
        self._opened: list[Connection] = []
        self._lock = threading.Lock()

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
        fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head = (
            f"POST / HTTP/1.1\r\nHost: {self._signer.host}\r\n{fields}"
            f"Accept-Encoding: identity\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        connection = self._connection()
        try:
            status, data = connection.post(head.encode("latin-1"), payload)
        except OSError as exc:  # refused, reset, timed out, or an answer that broke HTTP (closed by post)
            raise DynamoCallError(operation, 0, "ConnectionError", f"{type(exc).__name__}: {exc}") from exc
        return read_response(operation, status, data)

    def _connection(self) -> Connection:
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            host, port = self._address
            connection = Connection(host, port, self.timeout_s, CONNECT_TIMEOUT_S, self._tls)
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        elif connection.dropped():
            connection.close()  # reconnects on the next request
        return connection

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()


def read_response(operation: str, status: int, data: bytes | None) -> dict[str, Any]:
    """The parsed body of a 200 answer; any other answer is raised as a DynamoCallError."""
    text = data.decode("utf-8") if data else "{}"
    if status == 200:
        parsed: dict[str, Any] = loads(text)  # a Scan page is up to 1 MB
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
