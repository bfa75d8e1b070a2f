"""One keep-alive HTTP/1.1 connection that POSTs a body and reads the answer, and nothing more.

The writer sends one BatchWriteItem per 25 items, so what each exchange costs on the client
counts. ``http.client`` sends the head and the body in two writes and parses every answer's
headers with the ``email`` package: 490–620 µs of CPU per exchange next to DynamoDB Local,
where this connection takes about 275 (ADR 0014, sixth addendum). It writes the request in one
``sendall`` and reads the answer's head with ``bytes.find`` and ``str.split``.

What an answer may be is HTTP/1.1's, not only what DynamoDB sends today: a body framed by
``Content-Length``, by chunked transfer coding, or by the server closing the connection; none
after ``204`` and ``304``; interim ``1xx`` answers are skipped; ``Connection: close`` (or
HTTP/1.0 without keep-alive) closes the connection after the answer. Anything else (a head over
64 KiB, a malformed status line or chunk size, the peer closing mid-answer) raises
:class:`HttpError`, an ``OSError``, so callers treat it as the connection failing: the wire
closes it and the writer retries.
"""

from __future__ import annotations

import select
import socket
import ssl

MAX_HEAD_BYTES = 64 * 1024
_READ_BYTES = 256 * 1024


class HttpError(OSError):
    """The peer's answer broke HTTP/1.1, or the connection ended inside it."""


class Connection:
    """A client connection to one ``host:port``; not thread-safe (the wire keeps one per thread)."""

    def __init__(
        self,
        host: str,
        port: int,
        timeout_s: float,
        connect_timeout_s: float,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.address = (host, port)
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.tls = tls
        self.sock: socket.socket | None = None
        self._pending = b""  # bytes read past the end of the last answer

    def post(self, head: bytes, payload: bytes) -> tuple[int, bytes]:
        """Send ``head`` (request line and headers, ending in a blank line) and ``payload`` in one
        write; return the final answer's status and body. Opens the connection when it is closed."""
        if self.sock is None:
            self._open()
        try:
            assert self.sock is not None
            self.sock.sendall(head + payload)
            return self._answer()
        except BaseException:
            self.close()  # whatever was half-read is lost with it: the next call starts clean
            raise

    def dropped(self) -> bool:
        """True when an idle open connection is readable, which means the server closed it (or
        sent what nobody asked for): either way it must not carry the next request."""
        if self.sock is None:
            return False
        if self._pending:
            return True
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(0))

    def close(self) -> None:
        sock, self.sock, self._pending = self.sock, None, b""
        if sock is not None:
            sock.close()

    def _open(self) -> None:
        sock = socket.create_connection(self.address, timeout=self.connect_timeout_s)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_hostname=self.address[0])
            sock.settimeout(self.timeout_s)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def _recv(self) -> bytes:
        assert self.sock is not None
        data = self.sock.recv(_READ_BYTES)
        if not data:
            raise HttpError(f"{self.address[0]}:{self.address[1]} closed the connection inside an answer")
        return data

    def _answer(self) -> tuple[int, bytes]:
        while True:
            version, status, fields = self._head()
            if 100 <= status < 200:
                continue  # an interim answer (100 Continue, 103 Early Hints): the final one follows
            body = b"" if status in (204, 304) else self._body(fields)  # never a body, whatever the head says
            connection = fields.get("connection", "").lower()
            if connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive"):
                self.close()
            return status, body

    def _head(self) -> tuple[str, int, dict[str, str]]:
        data = self._pending
        while (end := data.find(b"\r\n\r\n")) < 0:
            if len(data) > MAX_HEAD_BYTES:
                raise HttpError(f"the answer's head is over {MAX_HEAD_BYTES} bytes")
            data += self._recv()
        self._pending = data[end + 4 :]
        status_line, *lines = data[:end].decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit() or rest[3:4] not in ("", " "):
            raise HttpError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        fields: dict[str, str] = {}
        for line in lines:
            name, colon, value = line.partition(":")
            if colon:
                fields[name.strip().lower()] = value.strip()
        return version, int(code), fields

    def _body(self, fields: dict[str, str]) -> bytes:
        if "chunked" in fields.get("transfer-encoding", "").lower():
            return self._chunked()
        length = fields.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise HttpError(f"Content-Length is not a number: {length[:40]!r}")
            return self._exactly(int(length))
        return self._to_end()

    def _exactly(self, size: int) -> bytes:
        parts, have = [self._pending], len(self._pending)
        while have < size:
            part = self._recv()
            parts.append(part)
            have += len(part)
        data = b"".join(parts)
        self._pending = data[size:]
        return data[:size]

    def _line(self) -> bytes:
        data = self._pending
        while (end := data.find(b"\r\n")) < 0:
            if len(data) > MAX_HEAD_BYTES:
                raise HttpError("a chunk-size line is too long")
            data += self._recv()
        self._pending = data[end + 2 :]
        return data[:end]

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_text = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HttpError(f"not a chunk size: {size_text[:40]!r}") from None
            if size == 0:
                while self._line():  # trailer fields, up to the blank line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(size))
            if self._exactly(2) != b"\r\n":
                raise HttpError("a chunk does not end with CRLF")

    def _to_end(self) -> bytes:
        assert self.sock is not None
        parts = [self._pending]
        while part := self.sock.recv(_READ_BYTES):
            parts.append(part)
        self.close()  # the body ended with the connection
        return b"".join(parts)
