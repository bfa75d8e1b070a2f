"""AWS plumbing: one explicit session and client factory per account (``clients``), DynamoDB's
JSON protocol (``wire``) and table helpers (``tables``). Imports only ``jobs.core``."""

from jobs.aws.clients import (
    AccountSpec,
    account_id,
    client,
    endpoint_url,
    frozen_credentials,
    session,
    session_for,
)

__all__ = ["AccountSpec", "account_id", "client", "endpoint_url", "frozen_credentials", "session", "session_for"]
