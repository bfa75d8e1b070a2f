"""``s3://bucket/key`` URIs (pure; no YAML, so the Lambda replicator can use it too)."""

from __future__ import annotations

import re

from jobs.core.errors import ConfigError

S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(/.*)?$")


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); the key has no leading slash."""
    match = S3_URI.match(uri)
    if not match:
        raise ConfigError(f"{uri!r} is not an s3://bucket/key URI")
    return match.group(1), (match.group(2) or "/")[1:]
