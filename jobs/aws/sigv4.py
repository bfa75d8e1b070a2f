"""Signature Version 4 for DynamoDB's JSON protocol: one POST to ``/`` with four signed headers.

botocore's ``SigV4Auth`` handles every service and request shape, and costs about 250 µs a
request here; the writer signs thousands of identical-looking requests, so this signer does only
that one shape, reuses the day's signing key, and is checked header for header against botocore
(``tests/unit/test_sigv4.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

_ALGORITHM = "AWS4-HMAC-SHA256"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_host(url: str) -> str:
    """The Host header as sent for ``url``: the port only when it is not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


class DynamoSigner:
    """Signs DynamoDB POSTs for one endpoint and region; thread-safe (the key cache is one tuple)."""

    def __init__(self, url: str, region: str, service: str = "dynamodb") -> None:
        self.host = canonical_host(url)
        self.region = region
        self.service = service
        self._key: tuple[str, str, bytes] = ("", "", b"")  # (secret, date, signing key)

    def _signing_key(self, secret: str, date: str) -> bytes:
        cached_secret, cached_date, key = self._key
        if cached_secret == secret and cached_date == date:
            return key
        key = ("AWS4" + secret).encode("utf-8")
        for part in (date, self.region, self.service, "aws4_request"):
            key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
        self._key = (secret, date, key)
        return key

    def headers(
        self,
        target: str,
        payload: bytes,
        access_key: str,
        secret_key: str,
        token: str | None = None,
        amz_date: str | None = None,
    ) -> dict[str, str]:
        """The request's headers, Authorization included, for ``X-Amz-Target: target``."""
        amz_date = amz_date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        date = amz_date[:8]
        signed = {
            "content-type": "application/x-amz-json-1.0",
            "host": self.host,
            "x-amz-date": amz_date,
        }
        if token:
            signed["x-amz-security-token"] = token
        signed["x-amz-target"] = target
        names = ";".join(signed)  # already in sorted order
        canonical_headers = "".join(f"{name}:{value}\n" for name, value in signed.items())
        payload_hash = hashlib.sha256(payload).hexdigest()
        canonical_request = f"POST\n/\n\n{canonical_headers}\n{names}\n{payload_hash}"
        scope = f"{date}/{self.region}/{self.service}/aws4_request"
        to_sign = f"{_ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
        signature = hmac.new(self._signing_key(secret_key, date), to_sign.encode(), hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": target,
            "X-Amz-Date": amz_date,
            "Authorization": (
                f"{_ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={names}, Signature={signature}"
            ),
        }
        if token:
            headers["X-Amz-Security-Token"] = token
        return headers
