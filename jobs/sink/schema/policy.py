"""A table's resource policy on its way to another account.

The policy is kept with the table's own ARN replaced by a placeholder, so the source's and the
target's policies compare as text and the target's ARN goes in when it is applied. A policy
that still names the source account after that (a principal, a condition, another resource of
the account) is not copied: in the target account it would grant the old account access, or
nothing at all.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

TABLE_ARN = "${table_arn}"


def normalised(policy: str, table_arn: str) -> str:
    """The policy as canonical JSON, the table's own ARN (and its indexes' and stream's) a placeholder."""
    text = json.dumps(json.loads(policy), sort_keys=True, separators=(",", ":"))
    return text.replace(table_arn, TABLE_ARN)


def bound(policy: str, table_arn: str) -> str:
    """A normalised policy for the table ``table_arn``."""
    return policy.replace(TABLE_ARN, table_arn)


def account_of(arn: str) -> str:
    """The account id field of an ARN (``arn:aws:dynamodb:REGION:ACCOUNT:table/NAME``)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for inner in value.values() for text in _strings(inner)]
    if isinstance(value, list):
        return [text for inner in value for text in _strings(inner)]
    return []


def _statements(policy: str) -> list[dict[str, Any]]:
    found = json.loads(policy).get("Statement", [])
    return found if isinstance(found, list) else [found]


def principals(policy: str) -> list[str]:
    """Every principal the policy names (``*`` included), sorted."""
    return sorted(
        {p for s in _statements(policy) for key in ("Principal", "NotPrincipal") for p in _strings(s.get(key))}
    )


def source_mentions(policy: str, account_id: str) -> list[str]:
    """The values of a normalised policy that name ``account_id``."""
    if not account_id:
        return []
    return sorted({text for s in _statements(policy) for text in _strings(s) if account_id in text})


def summary(policy: str) -> str:
    """One line for the plan: statements, principals and a digest of the exact text."""
    digest = hashlib.sha256(policy.encode("utf-8")).hexdigest()[:12]
    return f"{len(_statements(policy))} statement(s), principals {', '.join(principals(policy))}; sha256 {digest}"
