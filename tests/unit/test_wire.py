"""The wire's HTTP: one keep-alive connection per thread, signed requests, errors as DynamoCallError,
and a connection the server closed while idle replaced before it is used again.

The server is a real socket server on loopback (http.server), speaking HTTP/1.1 keep-alive.
"""

from __future__ import annotations

import http.server
import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import pytest

from jobs.aws import AccountSpec
from jobs.aws.wire import DynamoCallError, DynamoWire


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[dict[str, Any]]] = []
    connections: ClassVar[set[int]] = set()
    answer: tuple[int, dict[str, Any]] = (200, {})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append({"headers": dict(self.headers), "body": body.decode()})
        type(self).connections.add(self.client_address[1])
        status, doc = type(self).answer
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    """Keeps the sockets it accepted, so a test can close one as a server does an idle connection."""

    accepted: list[socket.socket]

    def get_request(self) -> tuple[socket.socket, Any]:
        request = super().get_request()
        self.accepted.append(request[0])
        return request

    def close_peer_of(self, client: socket.socket) -> None:
        (peer,) = [s for s in self.accepted if s.fileno() != -1 and s.getpeername() == client.getsockname()]
        peer.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + 5
        while not _readable(client) and time.monotonic() < deadline:
            time.sleep(0.01)  # the FIN is on its way to the client


def _readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0)[0])


@pytest.fixture
def server() -> Iterator[_Server]:
    _Handler.seen, _Handler.connections, _Handler.answer = [], set(), (200, {"UnprocessedItems": {}})
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.accepted = []
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _wire(port: int) -> DynamoWire:
    account = AccountSpec(
        name=f"wire-test-{port}",
        region="eu-west-1",
        access_key_id="AKIDEXAMPLE",
        secret_access_key="secret",
        endpoints=(("dynamodb", f"http://127.0.0.1:{port}"),),
    )
    return DynamoWire(account, pool_size=4)


def test_calls_are_signed_posts_on_one_kept_alive_connection(server: _Server) -> None:
    wire = _wire(server.server_address[1])
    try:
        for n in range(5):
            assert wire.call("BatchWriteItem", json.dumps({"n": n})) == {"UnprocessedItems": {}}
    finally:
        wire.close()
    assert [json.loads(s["body"]) for s in _Handler.seen] == [{"n": n} for n in range(5)]
    headers = _Handler.seen[0]["headers"]
    assert headers["X-Amz-Target"] == "DynamoDB_20120810.BatchWriteItem"
    assert headers["Host"] == f"127.0.0.1:{server.server_address[1]}"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert len(_Handler.connections) == 1


def test_each_thread_has_its_own_connection(server: _Server) -> None:
    wire = _wire(server.server_address[1])
    barrier = threading.Barrier(3)

    def call(n: int) -> dict[str, Any]:
        barrier.wait()  # all three threads hold a connection at once
        return wire.call("PutItem", json.dumps({"n": n}))

    try:
        with ThreadPoolExecutor(3) as pool:
            assert list(pool.map(call, range(3))) == [{"UnprocessedItems": {}}] * 3
    finally:
        wire.close()
    assert len(_Handler.connections) == 3


def test_an_error_answer_is_a_dynamo_call_error_with_its_code(server: _Server) -> None:
    _Handler.answer = (400, {"__type": "com.amazonaws.dynamodb.v20120810#ValidationException", "message": "bad"})
    wire = _wire(server.server_address[1])
    try:
        with pytest.raises(DynamoCallError) as caught:
            wire.call("BatchWriteItem", "{}")
    finally:
        wire.close()
    assert (caught.value.status, caught.value.code, caught.value.transient) == (400, "ValidationException", False)


def test_a_connection_the_server_closed_while_idle_is_replaced(server: _Server) -> None:
    wire = _wire(server.server_address[1])
    try:
        wire.call("PutItem", "{}")
        connection = wire._local.connection
        assert connection.sock is not None
        server.close_peer_of(connection.sock)
        assert wire.call("PutItem", "{}") == {"UnprocessedItems": {}}  # no ConnectionError: found dropped first
    finally:
        wire.close()
    assert len(_Handler.connections) == 2


def test_no_server_is_a_transient_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: the connection is refused
        wire = _wire(port)
        try:
            with pytest.raises(DynamoCallError) as caught:
                wire.call("BatchWriteItem", "{}")
        finally:
            wire.close()
    assert (caught.value.status, caught.value.code, caught.value.transient) == (0, "ConnectionError", True)
