"""The DynamoDB endpoint comes from botocore's resolver: partitions, FIPS, endpoint overrides.

Creating a client calls no AWS API, so none of this needs a network.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from jobs.aws import AccountSpec, endpoint_url
from jobs.aws.wire import DynamoWire

_names = itertools.count()


@pytest.fixture(autouse=True)
def _no_ambient_endpoint_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def _account(region: str, **overrides: str) -> AccountSpec:
    """A fresh account each time: clients are cached per account, and the environment differs per test."""
    return AccountSpec(
        name=f"endpoint-test-{next(_names)}",
        region=region,
        access_key_id="AKIDEXAMPLE",
        secret_access_key="secret",
        endpoints=tuple(overrides.items()),
    )


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", "https://dynamodb.us-east-1.amazonaws.com"),
        ("eu-central-1", "https://dynamodb.eu-central-1.amazonaws.com"),
        ("cn-north-1", "https://dynamodb.cn-north-1.amazonaws.com.cn"),
        ("cn-northwest-1", "https://dynamodb.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-west-1", "https://dynamodb.us-gov-west-1.amazonaws.com"),
    ],
)
def test_the_region_endpoint_is_in_its_partition(region: str, expected: str) -> None:
    assert endpoint_url(_account(region), "dynamodb") == expected


def test_the_wire_posts_to_the_resolved_endpoint() -> None:
    wire = DynamoWire(_account("cn-north-1"))
    try:
        assert wire.url == "https://dynamodb.cn-north-1.amazonaws.com.cn"
    finally:
        wire.close()


def test_fips_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    assert endpoint_url(_account("us-east-1"), "dynamodb") == "https://dynamodb-fips.us-east-1.amazonaws.com"
    wire = DynamoWire(_account("ca-central-1"))
    try:
        assert wire.url == "https://dynamodb-fips.ca-central-1.amazonaws.com"
    finally:
        wire.close()


def test_fips_from_the_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile fips]\n"
        "region = us-west-2\n"
        "use_fips_endpoint = true\n"
        "aws_access_key_id = AKIDEXAMPLE\n"
        "aws_secret_access_key = secret\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    account = AccountSpec(name=f"endpoint-test-{next(_names)}", region="us-west-2", profile="fips")
    assert endpoint_url(account, "dynamodb") == "https://dynamodb-fips.us-west-2.amazonaws.com"
    wire = DynamoWire(account)
    try:
        assert wire.url == "https://dynamodb-fips.us-west-2.amazonaws.com"
    finally:
        wire.close()


def test_aws_endpoint_url_applies_to_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    account = _account("us-east-1")
    assert endpoint_url(account, "dynamodb") == "http://127.0.0.1:4566"
    assert endpoint_url(account, "s3") == "http://127.0.0.1:4566"


def test_the_service_variable_wins_over_the_general_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")
    account = _account("us-east-1")
    assert endpoint_url(account, "dynamodb") == "http://127.0.0.1:8000"
    assert endpoint_url(account, "s3") == "http://127.0.0.1:4566"


def test_the_accounts_own_override_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    assert endpoint_url(_account("us-east-1", dynamodb="http://127.0.0.1:9000"), "dynamodb") == "http://127.0.0.1:9000"
    assert endpoint_url(_account("us-east-1", default="http://127.0.0.1:9100"), "dynamodb") == "http://127.0.0.1:9100"
    wire = DynamoWire(_account("cn-north-1", dynamodb="http://127.0.0.1:9000"))
    try:
        assert wire.url == "http://127.0.0.1:9000"
    finally:
        wire.close()


def test_every_session_reads_service_models_through_the_one_warmed_loader(tmp_path: Path, monkeypatch) -> None:
    # Spark's workers are forks of a daemon that warmed the loader: a worker's new sessions must
    # find the models there instead of reading and parsing them again.
    from jobs.aws import clients

    clients.warm_service_models(("dynamodb",))
    config = tmp_path / "config"
    config.write_text("[profile other]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    by_keys = clients.session(_account("us-east-1"))
    by_profile = clients.session(AccountSpec(name=f"profile-{next(_names)}", region="eu-west-1", profile="other"))
    for made in (by_keys, by_profile):
        assert made._session.get_component("data_loader") is clients._LOADER
    assert "dynamodb" in clients.loaded_service_models()
    assert endpoint_url(_account("eu-west-1"), "dynamodb") == "https://dynamodb.eu-west-1.amazonaws.com"
