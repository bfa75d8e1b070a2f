"""The building blocks of the config models: the base section, constrained field types with the
message a user reads when a value breaks them, and the check that an account name is defined.

A constraint is declared once (``Field(ge=1, le=64)``, ``pattern=...``, ``Literal[...]``): pydantic
checks it and writes it into the JSON Schema. :class:`Says` carries the sentence that
:mod:`jobs.config.problems` reports instead of pydantic's own wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jobs.core.s3uri import S3_URI

ROLE_ARN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/[\w+=,.@/\-]+$"
TABLE_NAME = r"^[A-Za-z0-9_.\-]{3,255}$"
TABLE_ARN = r"^arn:aws[a-z\-]*:dynamodb:[a-z0-9\-]+:\d{12}:table/([A-Za-z0-9_.\-]{3,255})$"
TABLE_NAME_OR_ARN = f"^(?:{TABLE_NAME[1:-1]}|{TABLE_ARN[1:-1]})$"
RUN_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
MANIFEST_URI = r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/.*manifest-summary\.json$"
HTTP_URL = r"^https?://"


@dataclass(frozen=True)
class Says:
    """What the user reads when a value breaks its field's constraint; ``{value}`` is the value."""

    message: str

    def text(self, value: Any) -> str:
        return self.message.replace("{value}", repr(value))


class Section(BaseModel):
    """One mapping of the YAML file: frozen, strictly typed, unknown keys refused.

    A key given as ``null`` counts as absent, so it takes the field's default, as it always has.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, regex_engine="python-re")

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def problem(message: str, at: str | None = None) -> PydanticCustomError:
    """A rule that spans fields, reported at the section's path (plus ``at``, a field below it)."""
    return PydanticCustomError("rule", message, {"at": at} if at else None)


def _known_account(name: str, info: ValidationInfo) -> str:
    accounts = (info.context or {}).get("accounts")
    if accounts is not None and name not in accounts:
        raise problem(f"unknown account {name!r}; define it under 'accounts'")
    return name


def _table_name(value: str) -> str:
    """A table ARN names its table: keep the name."""
    return value.rsplit("/", 1)[1] if value.startswith("arn:") else value


Text = StrictStr
Number = StrictFloat  # an integer is a number too; a boolean is not
AccountName = Annotated[
    StrictStr,
    AfterValidator(_known_account),
    Field(description="a name defined under 'accounts'"),
]
TableName = Annotated[
    StrictStr,
    Field(
        pattern=TABLE_NAME_OR_ARN,
        description="a table name, or a table ARN (its name is used)",
    ),
    Says("{value} is neither a table name (3-255 of A-Z a-z 0-9 _ . -) nor a table ARN"),
    AfterValidator(_table_name),
]
PlainTableName = Annotated[StrictStr, Field(pattern=TABLE_NAME), Says("is not a table name")]
RunId = Annotated[StrictStr, Field(pattern=RUN_ID), Says("use letters, digits, '_', '.', '-' (max 128)")]
NamePrefix = Annotated[
    StrictStr,
    Field(pattern=r"^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$"),
    Says("the Terraform target module's name_prefix: 3-32 of a-z, 0-9, '-'"),
]
RoleArn = Annotated[StrictStr, Field(pattern=ROLE_ARN), Says("{value} is not an IAM role ARN")]
S3Uri = Annotated[StrictStr, Field(pattern=S3_URI.pattern), Says("must be an s3://bucket/prefix URI")]
ManifestUri = Annotated[
    StrictStr, Field(pattern=MANIFEST_URI), Says("must be the s3:// URI of a manifest-summary.json")
]
HttpUrl = Annotated[StrictStr, Field(pattern=HTTP_URL), Says("must be an http(s) URL")]
Positive = Annotated[StrictFloat, Field(gt=0), Says("must be positive")]
PositiveInt = Annotated[StrictInt, Field(gt=0), Says("must be positive")]
Units = Annotated[StrictInt, Field(ge=1), Says("must be a whole number of units, at least 1")]
Concurrency = Annotated[StrictInt, Field(ge=1, le=64), Says("must be between 1 and 64")]
