"""The wire's HTTP/1.1 connection against a real loopback socket that answers with scripted bytes:
every way HTTP/1.1 may frame an answer, answers split across many reads, keep-alive and close,
and answers that break the protocol (each one an OSError, so the writer retries it)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from jobs.aws.http1 import MAX_HEAD_BYTES, Connection, HttpError

HEAD = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n"


class Scripted:
    """A one-connection-at-a-time loopback server: each request read gets the next scripted answer,
    written in pieces of ``piece`` bytes. ``None`` after an answer closes the connection once that
    answer is written."""

    def __init__(self, answers: list[bytes | None], piece: int = 1 << 16) -> None:
        self.answers, self.piece = answers, piece
        self.requests: list[bytes] = []
        self.accepted = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.answers:
            try:
                peer, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            with peer:
                while self.answers:
                    request = self._request(peer)
                    if request is None:
                        break
                    self.requests.append(request)
                    answer = self.answers.pop(0) or b""
                    for start in range(0, len(answer), self.piece):
                        peer.sendall(answer[start : start + self.piece])
                    if self.answers and self.answers[0] is None:
                        self.answers.pop(0)
                        break

    @staticmethod
    def _request(peer: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = peer.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(
            next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        )
        while len(body) < length:
            body += peer.recv(65536)
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def start(answers: list[bytes | None], piece: int = 1 << 16) -> Scripted:
        servers.append(Scripted(answers, piece))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _connection(server: Scripted) -> Connection:
    return Connection("127.0.0.1", server.port, timeout_s=5.0, connect_timeout_s=5.0)


def _ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body


def test_answers_framed_by_length_arrive_whole_on_one_kept_alive_connection(serve: Callable[..., Scripted]) -> None:
    server = serve([_ok(b'{"a":1}'), _ok(b""), _ok(b"x" * 300_000)], piece=7)  # split into 7-byte writes
    connection = _connection(server)
    try:
        assert connection.post(HEAD, b"{}") == (200, b'{"a":1}')
        assert connection.post(HEAD, b"{}") == (200, b"")
        assert connection.post(HEAD, b"{}") == (200, b"x" * 300_000)
    finally:
        connection.close()
    assert server.accepted == 1
    assert server.requests[0] == HEAD + b"{}"


def test_a_chunked_answer_is_decoded_with_extensions_and_trailers(serve: Callable[..., Scripted]) -> None:
    chunked = b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nX-T: 1\r\n\r\n"
    server = serve([chunked, _ok(b"next")], piece=3)
    connection = _connection(server)
    try:
        assert connection.post(HEAD, b"{}") == (400, b"abcdef")
        assert connection.post(HEAD, b"{}") == (200, b"next")  # the trailer was read to its end
    finally:
        connection.close()


def test_no_content_and_not_modified_have_no_body_even_without_a_length(serve: Callable[..., Scripted]) -> None:
    server = serve([b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 304 Not Modified\r\n\r\n", _ok(b"after")])
    connection = _connection(server)
    try:
        assert connection.post(HEAD, b"{}") == (204, b"")
        assert connection.post(HEAD, b"{}") == (304, b"")
        assert connection.post(HEAD, b"{}") == (200, b"after")  # the same connection, still in step
    finally:
        connection.close()
    assert server.accepted == 1


def test_interim_answers_are_skipped(serve: Callable[..., Scripted]) -> None:
    server = serve([b"HTTP/1.1 100 Continue\r\n\r\n" + _ok(b"done")])
    connection = _connection(server)
    try:
        assert connection.post(HEAD, b"{}") == (200, b"done")
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        (_ok(b"bye", b"Connection: close\r\n"), False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nbye", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nbye", True),
    ],
)
def test_the_connection_closes_when_the_answer_says_so(
    serve: Callable[..., Scripted], answer: bytes, kept: bool
) -> None:
    server = serve([answer, _ok(b"again")])
    connection = _connection(server)
    try:
        assert connection.post(HEAD, b"{}") == (200, b"bye")
        assert (connection.sock is not None) is kept
        assert connection.post(HEAD, b"{}") == (200, b"again")  # reopened when it was closed
    finally:
        connection.close()
    assert server.accepted == (1 if kept else 2)


def test_a_body_without_length_ends_with_the_connection(serve: Callable[..., Scripted]) -> None:
    server = serve([b"HTTP/1.1 200 OK\r\n\r\nto the end", None])
    connection = _connection(server)
    try:
        assert connection.post(HEAD, b"{}") == (200, b"to the end")
        assert connection.sock is None
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "closed the connection inside an answer"),
        (b"SMTP ready\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length is not a number"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not a chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n", "does not end with CRLF"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"y" * (MAX_HEAD_BYTES + 10), "head is over"),
    ],
)
def test_an_answer_that_breaks_http_is_an_os_error_and_closes_the_connection(
    serve: Callable[..., Scripted], answer: bytes, says: str
) -> None:
    server = serve([answer, None])
    connection = _connection(server)
    with pytest.raises(HttpError, match=says):
        connection.post(HEAD, b"{}")
    assert connection.sock is None
    assert isinstance(HttpError("x"), OSError)


def test_a_connection_the_server_closed_while_idle_reads_as_dropped(serve: Callable[..., Scripted]) -> None:
    server = serve([_ok(b"1"), None, _ok(b"2")])  # closes once the first answer is written
    connection = _connection(server)
    try:
        assert connection.post(HEAD, b"{}") == (200, b"1")
        for _ in range(500):  # the FIN is on its way
            if connection.dropped():
                break
            threading.Event().wait(0.01)
        assert connection.dropped()
        connection.close()
        assert not connection.dropped()  # a closed connection is not "dropped": it simply reopens
        assert connection.post(HEAD, b"{}") == (200, b"2")
    finally:
        connection.close()
    assert server.accepted == 2
