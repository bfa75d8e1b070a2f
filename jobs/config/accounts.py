"""The ``accounts`` section: how to reach each AWS account, built into :class:`jobs.aws.AccountSpec`."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator, model_validator

from jobs.aws import AccountSpec
from jobs.config.rules import HttpUrl, RoleArn, Section, Text, problem

LONG_TERM_KEY_PREFIXES = ("AKIA", "ASIA")
ENDPOINT_SERVICES = ("default", "dynamodb", "s3", "sts", "iam", "glue", "cloudwatch", "logs")


class Endpoints(Section):
    """Endpoint overrides, for emulators only; a service without one uses ``default``."""

    default: HttpUrl | None = None
    dynamodb: HttpUrl | None = None
    s3: HttpUrl | None = None
    sts: HttpUrl | None = None
    iam: HttpUrl | None = None
    glue: HttpUrl | None = None
    cloudwatch: HttpUrl | None = None
    logs: HttpUrl | None = None

    def pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((service, url) for service, url in self.model_dump(exclude_none=True).items()))


class AccountSection(Section):
    """One AWS account: a region, a profile or static keys, then optionally a role to assume."""

    region: Text = Field(description="the account's region, e.g. eu-west-1")
    profile: Text | None = Field(None, description="a named profile (not with access keys)")
    role_arn: RoleArn | None = Field(None, description="a role to assume in the account")
    external_id: Text | None = Field(None, description="the external ID the role's trust policy asks for")
    access_key_id: Text | None = Field(None, description="emulators only; never put real keys in a config")
    secret_access_key: Text | None = Field(None, description="emulators only, with access_key_id")
    endpoints: Endpoints = Endpoints()

    @field_validator("external_id")
    @classmethod
    def _external_id_needs_a_role(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "role_arn" in info.data and info.data["role_arn"] is None:
            raise problem("needs role_arn")  # (a role_arn that failed its own check is reported there)
        return value

    @model_validator(mode="after")
    def _one_kind_of_credentials(self) -> AccountSection:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise problem("access_key_id and secret_access_key go together")
        if self.profile and self.access_key_id:
            raise problem("give either profile or access keys, not both")
        return self

    def key_warning(self, name: str) -> str | None:
        """A warning when the account holds real AWS keys (``AKIA``/``ASIA`` and a secret); the
        key itself is never repeated, only its first four characters."""
        key = self.access_key_id or ""
        if not (key.startswith(LONG_TERM_KEY_PREFIXES) and self.secret_access_key):
            return None
        return (
            f"accounts.{name}: access_key_id {key[:4]}... and secret_access_key are AWS keys written in a config "
            "file; anyone who reads the file (or its copy in S3) can use them. Use a named profile "
            f"(accounts.{name}.profile) or a role (accounts.{name}.role_arn, or the job's own role on Glue) "
            "instead, and rotate these keys"
        )

    def spec(self, name: str) -> AccountSpec:
        return AccountSpec(
            name=name,
            region=self.region,
            profile=self.profile,
            role_arn=self.role_arn,
            external_id=self.external_id,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            endpoints=self.endpoints.pairs(),
            session_name=f"ddb-migrate-{name}",
        )
