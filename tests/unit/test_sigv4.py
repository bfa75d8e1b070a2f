"""Our DynamoDB signer produces exactly the headers botocore's SigV4Auth produces."""

from __future__ import annotations

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from jobs.aws.sigv4 import DynamoSigner, canonical_host

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("url", "token"),
    [
        ("http://127.0.0.1:8000", None),
        ("https://dynamodb.eu-west-1.amazonaws.com", None),
        ("https://dynamodb.eu-west-1.amazonaws.com:443", "session-token/with+odd=chars"),
        ("http://localhost:80/", "t"),
    ],
)
def test_headers_match_botocore(url, token):
    payload = '{"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"é😀"}}}}]}}'.encode()
    target = "DynamoDB_20120810.BatchWriteItem"
    request = AWSRequest(
        method="POST",
        url=url,
        data=payload,
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target},
    )
    SigV4Auth(Credentials("AKIDEXAMPLE", "wJalr/secret", token), "dynamodb", "eu-west-1").add_auth(request)
    expected = dict(request.headers.items())
    ours = DynamoSigner(url, "eu-west-1").headers(
        target, payload, "AKIDEXAMPLE", "wJalr/secret", token, amz_date=expected["X-Amz-Date"]
    )
    assert ours == expected


def test_the_day_key_is_reused_and_renewed_for_a_new_day_or_secret():
    signer = DynamoSigner("http://127.0.0.1:8000", "us-east-1")
    first = signer.headers("T", b"{}", "A", "s1", amz_date="20261205T235959Z")["Authorization"]
    assert signer.headers("T", b"{}", "A", "s1", amz_date="20261205T235959Z")["Authorization"] == first
    assert signer.headers("T", b"{}", "A", "s2", amz_date="20261205T235959Z")["Authorization"] != first
    assert "20261206/us-east-1" in signer.headers("T", b"{}", "A", "s1", amz_date="20261206T000000Z")["Authorization"]


def test_canonical_host_keeps_only_a_non_default_port():
    assert canonical_host("http://127.0.0.1:8000") == "127.0.0.1:8000"
    assert canonical_host("https://h.example:443/") == "h.example"
    assert canonical_host("http://[::1]:9000") == "[::1]:9000"
