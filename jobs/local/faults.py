"""A fault-injecting HTTP proxy for DynamoDB Local, on loopback only.

It forwards requests to the emulator, but answers a set share of them itself with the errors
the real service returns under pressure: 400 ProvisionedThroughputExceededException /
ThrottlingException, and 500 InternalServerError. Seeded, so a test run is repeatable.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

THROTTLE_BODY = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded (injected)",
}
SERVER_ERROR_BODY = {
    "__type": "com.amazon.coral.availability#InternalServerError",
    "message": "Internal server error (injected)",
}


class FaultProxy:
    """``with FaultProxy(upstream, throttle=0.3, server_error=0.05) as proxy: proxy.url``."""

    def __init__(
        self,
        upstream: str,
        throttle: float = 0.0,
        server_error: float = 0.0,
        seed: int = 1,
        only_operations: tuple[str, ...] = ("BatchWriteItem",),
    ) -> None:
        self.upstream = urlparse(upstream)
        self.throttle, self.server_error = throttle, server_error
        self.only_operations = only_operations
        self.counts: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                injected = proxy._decide(operation)
                if injected is not None:
                    status, doc = injected
                    self._answer(status, json.dumps(doc).encode(), "application/x-amz-json-1.0")
                    return
                connection = http.client.HTTPConnection(
                    proxy.upstream.hostname or "127.0.0.1", proxy.upstream.port, timeout=60
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    connection.request("POST", self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                    self._answer(answer.status, data, answer.getheader("Content-Type", "application/json"))
                finally:
                    connection.close()

            def _answer(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _decide(self, operation: str) -> tuple[int, dict[str, str]] | None:
        with self._lock:
            self.counts[f"requests:{operation}"] += 1
            if self.only_operations and operation not in self.only_operations:
                return None
            draw = self._rng.random()
            if draw < self.throttle:
                self.counts["throttled"] += 1
                return 400, THROTTLE_BODY
            if draw < self.throttle + self.server_error:
                self.counts["server_errors"] += 1
                return 500, SERVER_ERROR_BODY
            return None

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
