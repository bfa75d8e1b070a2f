"""Explicit boto3 sessions for the two accounts, and the one client factory.

Nothing here touches the ambient default session. A Spark closure carries an
:class:`AccountSpec` (ARNs, region, endpoints — no live objects) and builds its clients inside
the partition through :func:`client`, which caches one session per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials

from jobs.aws.failures import announce_connection_retry
from jobs.core.errors import TerminalError

if TYPE_CHECKING:  # the pinned boto3 stubs: development only, not on the Glue runtime
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

# Retries for control-plane calls (Describe*, S3 GET/PUT). The BatchWriteItem hot path has
# its own policy in jobs.core.retry and does not go through botocore's retry handler.
CONTROL_PLANE_CONFIG = Config(retries={"max_attempts": 10, "mode": "standard"}, connect_timeout=10, read_timeout=60)


@dataclass(frozen=True)
class AccountSpec:
    """How to reach one AWS account: a profile or static keys, then optionally a role."""

    name: str
    region: str
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)  # a shared secret of the trust policy
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    endpoints: tuple[tuple[str, str], ...] = ()
    session_name: str = "ddb-migrate"

    def endpoint(self, service: str) -> str | None:
        """The endpoint override for ``service``: its own entry, else ``default``, else none."""
        table = dict(self.endpoints)
        return table.get(service) or table.get("default")

    @property
    def emulated_dynamodb(self) -> bool:
        """DynamoDB Local keeps one database per key id: never send it assumed credentials."""
        return self.endpoint("dynamodb") is not None


# One botocore data loader for every session of the process. A loader keeps each service model
# and endpoint rule set it has read, so a new session's clients skip reading and parsing them
# again (S3 and DynamoDB clients: about 110 ms of CPU with a fresh loader, 20 with a warm one).
# Spark's Python workers are forks of a daemon that warms it (warm_service_models).
_LOADER = botocore.loaders.create_loader()
WORKER_SERVICES = ("s3", "dynamodb", "sts")


def _core_session() -> botocore.session.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return core


def warm_service_models(services: tuple[str, ...] = WORKER_SERVICES) -> None:
    """Read the models and endpoint rules of ``services`` into the shared loader. Making a client
    calls no AWS API; these throwaway ones are never used."""
    core = _core_session()
    placeholder = "-"  # explicit keys, so no credential provider (environment, files, IMDS) is asked
    for service in services:
        core.create_client(
            service, region_name="us-east-1", aws_access_key_id=placeholder, aws_secret_access_key=placeholder
        )


def loaded_service_models() -> set[str]:
    """The services whose models the shared loader holds (botocore caches them per loader)."""
    cache: dict[tuple[Any, ...], Any] = getattr(_LOADER, "_cache", {})
    return {key[1] for key in cache if key[0] == "load_service_model"}


def _base_session(spec: AccountSpec) -> boto3.Session:
    if spec.access_key_id:
        return boto3.Session(
            aws_access_key_id=spec.access_key_id,
            aws_secret_access_key=spec.secret_access_key,
            region_name=spec.region,
            botocore_session=_core_session(),
        )
    return boto3.Session(profile_name=spec.profile, region_name=spec.region, botocore_session=_core_session())


def _assume_role_refresher(spec: AccountSpec, base: boto3.Session) -> Any:
    sts = base.client("sts", endpoint_url=spec.endpoint("sts"), config=CONTROL_PLANE_CONFIG)

    def refresh() -> dict[str, str]:
        request: dict[str, Any] = {"RoleArn": spec.role_arn, "RoleSessionName": spec.session_name}
        if spec.external_id:
            request["ExternalId"] = spec.external_id
        creds = sts.assume_role(**request)["Credentials"]
        expiry: datetime = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.astimezone(UTC).isoformat(),
        }

    return refresh


@functools.lru_cache(maxsize=32)
def session(spec: AccountSpec) -> boto3.Session:
    """The account's session: the role assumed (with its external ID) when one is configured.

    Credentials refresh themselves before they expire, so runs longer than the role's
    session duration keep working.
    """
    base = _base_session(spec)
    if not spec.role_arn:
        return base
    refresh = _assume_role_refresher(spec, base)
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=refresh(), refresh_using=refresh, method="sts-assume-role"
    )
    core = _core_session()
    core._credentials = credentials  # type: ignore[attr-defined] # the documented way to hand a session refreshable creds
    return boto3.Session(botocore_session=core, region_name=spec.region)


def session_for(spec: AccountSpec, service: str) -> boto3.Session:
    """The session to use for ``service``: base credentials for an emulated DynamoDB."""
    if service in ("dynamodb", "dynamodbstreams") and spec.emulated_dynamodb:
        return _base_session_cached(spec)
    return session(spec)


@functools.lru_cache(maxsize=32)
def _base_session_cached(spec: AccountSpec) -> boto3.Session:
    return _base_session(spec)


@overload
def client(spec: AccountSpec, service: Literal["dynamodb"], config: Config | None = None) -> DynamoDBClient: ...
@overload
def client(
    spec: AccountSpec, service: Literal["dynamodbstreams"], config: Config | None = None
) -> DynamoDBStreamsClient: ...
@overload
def client(spec: AccountSpec, service: Literal["s3"], config: Config | None = None) -> S3Client: ...
@overload
def client(spec: AccountSpec, service: Literal["sts"], config: Config | None = None) -> STSClient: ...
@overload
def client(spec: AccountSpec, service: Literal["cloudwatch"], config: Config | None = None) -> CloudWatchClient: ...
@overload
def client(spec: AccountSpec, service: Literal["iam"], config: Config | None = None) -> IAMClient: ...
@overload
def client(spec: AccountSpec, service: Literal["sqs"], config: Config | None = None) -> SQSClient: ...
@overload  # `ddb-migrate glue` and the Glue entry points; no stubs pinned for these two yet
def client(spec: AccountSpec, service: Literal["glue", "logs"], config: Config | None = None) -> Any: ...
def client(spec: AccountSpec, service: str, config: Config | None = None) -> Any:
    """The one client factory: endpoint override, retries and the right credentials.

    Typed per service with the pinned boto3 stubs; a service not listed above needs its
    ``mypy-boto3-*`` package in requirements.lock and an overload here.
    """
    return _cached_client(spec, service, config or CONTROL_PLANE_CONFIG)


@functools.lru_cache(maxsize=64)
def _cached_client(spec: AccountSpec, service: str, config: Config) -> Any:
    endpoint = spec.endpoint("dynamodb" if service == "dynamodbstreams" else service)
    factory: Any = session_for(spec, service)
    made = factory.client(service, endpoint_url=endpoint, config=config)
    made.meta.events.register("needs-retry", announce_connection_retry)
    return made


def endpoint_url(spec: AccountSpec, service: str) -> str:
    """Where requests to ``service`` go, as botocore resolves it for this account.

    In order: the account's endpoint override, ``AWS_ENDPOINT_URL_<SERVICE>``,
    ``AWS_ENDPOINT_URL``, then the region's endpoint in its partition (``amazonaws.com.cn`` in
    China), FIPS when ``AWS_USE_FIPS_ENDPOINT`` or the profile's ``use_fips_endpoint`` asks for
    it. Creating the client calls no AWS API, and it is cached with the other clients.
    """
    return str(_cached_client(spec, service, CONTROL_PLANE_CONFIG).meta.endpoint_url)


def frozen_credentials(spec: AccountSpec, service: str) -> Credentials:
    """Current credentials for signing raw requests to ``service``."""
    creds = session_for(spec, service).get_credentials()
    if creds is None:
        raise TerminalError(
            f"no AWS credentials found for account {spec.name!r}",
            hint="configure a profile, role_arn or the default credential chain",
        )
    return creds


def account_id(spec: AccountSpec) -> str:
    """The account id the credentials act as (STS GetCallerIdentity)."""
    return str(client(spec, "sts").get_caller_identity()["Account"])
