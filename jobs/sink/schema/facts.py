"""What DynamoDB says about a table: DescribeTable and the calls that describe the rest of it.

An API the endpoint does not implement (DynamoDB Local has no tags, PITR or resource policies)
leaves that part unknown, with the reason; it is never taken for "off".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from botocore.exceptions import ClientError

from jobs import aws
from jobs.aws import AccountSpec
from jobs.core.errors import TerminalError

# Error codes that mean "this endpoint cannot tell", not "the table has none".
UNSUPPORTED = frozenset({"UnknownOperationException", "AccessDeniedException"})


@dataclass(frozen=True)
class TableFacts:
    """DescribeTable's ``Table`` and the answers of DescribeTimeToLive, DescribeContinuousBackups,
    ListTagsOfResource and GetResourcePolicy; ``unknown`` names each part that could not be read."""

    table: dict[str, Any]
    ttl: dict[str, Any] = field(default_factory=dict)  # TimeToLiveDescription
    backups: dict[str, Any] | None = None  # ContinuousBackupsDescription
    tags: tuple[tuple[str, str], ...] = ()
    policy: str | None = None  # the resource policy's JSON text
    unknown: tuple[tuple[str, str], ...] = ()  # (part, why it could not be read)

    @property
    def arn(self) -> str:
        return str(self.table["TableArn"])


def _unsupported(error: ClientError) -> str | None:
    code = error.response.get("Error", {}).get("Code", "")
    operation = getattr(error, "operation_name", "")
    return f"{operation}: {code}" if code in UNSUPPORTED else None


def read_facts(account: AccountSpec, name: str) -> TableFacts | None:
    """The table's facts, or None when it does not exist."""
    ddb = aws.client(account, "dynamodb")
    try:
        table = cast("dict[str, Any]", ddb.describe_table(TableName=name)["Table"])
    except ddb.exceptions.ResourceNotFoundException:
        return None
    unknown: list[tuple[str, str]] = []
    answers: dict[str, Any] = {}
    arn = table["TableArn"]
    calls: dict[str, Callable[[], Any]] = {
        "TTL": lambda: ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
        "PITR": lambda: ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"],
        "tags": lambda: _all_tags(ddb, arn),
        "resource policy": lambda: _policy(ddb, arn),
    }
    for part, call in calls.items():
        try:
            answers[part] = call()
        except ClientError as error:
            why = _unsupported(error)
            if why is None:
                raise TerminalError(
                    f"cannot read the {part} of table {name!r} in account '{account.name}': {error}",
                    hint="grant the describe permissions the README's schema copy section lists",
                ) from error
            unknown.append((part, why))
    return TableFacts(
        table=table,
        ttl=dict(answers.get("TTL") or {}),
        backups=answers.get("PITR"),
        tags=answers.get("tags", ()),
        policy=answers.get("resource policy"),
        unknown=tuple(unknown),
    )


def require_facts(account: AccountSpec, name: str) -> TableFacts:
    found = read_facts(account, name)
    if found is None:
        raise TerminalError(
            f"table {name!r} does not exist in account '{account.name}'", hint="check source.table and source.account"
        )
    return found


def _all_tags(ddb: Any, arn: str) -> tuple[tuple[str, str], ...]:
    tags: list[tuple[str, str]] = []
    request: dict[str, Any] = {"ResourceArn": arn}
    while True:
        page = ddb.list_tags_of_resource(**request)
        tags.extend((tag["Key"], tag["Value"]) for tag in page.get("Tags", []))
        if not page.get("NextToken"):
            return tuple(sorted(tags))
        request["NextToken"] = page["NextToken"]


def _policy(ddb: Any, arn: str) -> str | None:
    try:
        return str(ddb.get_resource_policy(ResourceArn=arn)["Policy"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "PolicyNotFoundException":
            return None
        raise
