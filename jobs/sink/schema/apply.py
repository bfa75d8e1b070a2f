"""Create the planned table, then what CreateTable does not take: TTL, PITR, the resource policy."""

from __future__ import annotations

from typing import Any

from jobs import aws
from jobs.aws import AccountSpec
from jobs.sink.schema import policy
from jobs.sink.schema.request import create_request
from jobs.sink.schema.spec import TableSpec

WAIT_TIMEOUT_S = 900.0


def create(account: AccountSpec, spec: TableSpec, wait_timeout_s: float = WAIT_TIMEOUT_S) -> list[str]:
    """Create the table, wait until it is ACTIVE, apply the rest; returns what was done, in order."""
    ddb = aws.client(account, "dynamodb")
    ddb.create_table(**create_request(spec))
    # botocore sleeps a fractional Delay as it is; the stubs declare it int
    waiter_config: Any = {"Delay": 0.5, "MaxAttempts": max(1, int(wait_timeout_s / 0.5))}
    ddb.get_waiter("table_exists").wait(TableName=spec.name, WaiterConfig=waiter_config)
    done = [f"created table {spec.name} in account '{account.name}'"]
    if spec.ttl_attribute:
        ddb.update_time_to_live(
            TableName=spec.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute}
        )
        done.append(f"TTL on {spec.ttl_attribute}")
    if spec.pitr:
        recovery: Any = {"PointInTimeRecoveryEnabled": True}
        if spec.pitr_days:
            recovery["RecoveryPeriodInDays"] = spec.pitr_days
        ddb.update_continuous_backups(TableName=spec.name, PointInTimeRecoverySpecification=recovery)
        done.append("PITR on")
    if spec.resource_policy:
        arn = ddb.describe_table(TableName=spec.name)["Table"]["TableArn"]
        ddb.put_resource_policy(ResourceArn=arn, Policy=policy.bound(spec.resource_policy, arn))
        done.append("resource policy put")
    return done
