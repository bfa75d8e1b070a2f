"""After the migration: ``finalize`` protects the target, ``cleanup`` removes what the run left.

``finalize`` turns on point-in-time recovery and deletion protection on the target table and
checks that the write-throttle alarms the Terraform target module creates exist (one on the
table, one per GSI). ``cleanup`` deletes the run's temporary objects: the export that
``ddb-migrate export`` made for this run, ImportTable's staging files, and dead-letter files that
a replay already took items from, plus IAM roles named on the command line that carry the tag
``ddb-migrate:temporary=true``. It lists everything first and deletes only with ``--yes``. It
never touches the source table, a user-supplied export, the ledger or the run report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from jobs import aws
from jobs.aws import tables
from jobs.config import JobConfig, parse_s3_uri
from jobs.core.errors import TerminalError
from jobs.ledger import LedgerStore
from jobs.run.replay import REPLAYED
from jobs.sink.import_table import staging_prefix
from jobs.source.export import EXPORT_POINTER
from jobs.source.export_format import export_folder

log = logging.getLogger(__name__)
TEMPORARY_TAG = ("ddb-migrate:temporary", "true")


@dataclass
class Step:
    name: str
    ok: bool
    detail: str


def _unsupported(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("UnknownOperationException", "UnrecognizedClientException")


def _enable_pitr(ddb: Any, table: str) -> Step:
    try:
        ddb.update_continuous_backups(
            TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
        status = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    except ClientError as exc:
        if _unsupported(exc):
            return Step("point-in-time recovery", False, "this DynamoDB endpoint has no PITR (DynamoDB Local)")
        raise
    state = status["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
    return Step("point-in-time recovery", state == "ENABLED", state)


def _protect(ddb: Any, table: str) -> Step:
    ddb.update_table(TableName=table, DeletionProtectionEnabled=True)
    enabled = bool(ddb.describe_table(TableName=table)["Table"].get("DeletionProtectionEnabled"))
    return Step("deletion protection", enabled, "enabled" if enabled else "still disabled")


def _alarms(cloudwatch: Any, table: dict[str, Any]) -> list[Step]:
    """One WriteThrottleEvents alarm on the table and one per GSI, as the Terraform module makes."""
    found: set[tuple[str, ...]] = set()
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            if alarm.get("Namespace") == "AWS/DynamoDB" and dims.get("TableName") == table["TableName"]:
                found.add((alarm["MetricName"], dims.get("GlobalSecondaryIndexName", "")))
    wanted = [("WriteThrottleEvents", "")] + [
        ("WriteThrottleEvents", index["IndexName"]) for index in table.get("GlobalSecondaryIndexes", [])
    ]
    steps = []
    for metric, index in wanted:
        where = f"index {index}" if index else "table"
        ok = (metric, index) in found
        detail = "exists" if ok else "missing: apply the Terraform target module (terraform/modules/target_account)"
        steps.append(Step(f"alarm {metric} on the {where}", ok, detail))
    return steps


def finalize(config: JobConfig) -> list[Step]:
    account = config.account(config.target_account)
    table = tables.describe(account, config.target_table)
    ddb = aws.client(account, "dynamodb")
    steps = [_enable_pitr(ddb, config.target_table), _protect(ddb, config.target_table)]
    return steps + _alarms(aws.client(account, "cloudwatch"), table)


@dataclass
class Cleanup:
    """What cleanup would delete (or deleted), by kind; and what it leaves, with the reason."""

    objects: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # kind -> [(bucket, key)]
    roles: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def _listed(s3: Any, bucket: str, prefix: str) -> list[tuple[str, str]]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [(bucket, obj["Key"]) for obj in page.get("Contents", [])]
    return keys


def _export_objects(config: JobConfig, plan: Cleanup) -> None:
    pointer = LedgerStore.for_run(config).get_json(EXPORT_POINTER)
    if config.export.manifest_uri or pointer is None:
        plan.left.append("the source export: not made by `ddb-migrate export` for this run")
        return
    bucket, summary_key = parse_s3_uri(str(pointer["manifest"]))
    s3 = aws.client(config.account(config.export.read_account), "s3")
    plan.objects["export"] = _listed(s3, bucket, export_folder(summary_key))


def plan_cleanup(config: JobConfig, roles: list[str]) -> Cleanup:
    plan = Cleanup()
    if config.source_mode == "export":
        _export_objects(config, plan)
    store = LedgerStore.for_run(config)
    s3 = aws.client(store.account, "s3")
    plan.objects["replayed dead letters"] = _listed(s3, store.bucket, f"{store.prefix}{REPLAYED}/")
    if config.import_settings is not None:
        bucket, prefix = staging_prefix(config.sink)
        staging_s3 = aws.client(config.account(config.import_settings.account), "s3")
        plan.objects["import staging"] = _listed(staging_s3, bucket, prefix)
    iam = aws.client(config.account(config.target_account), "iam")
    for role in roles:
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role).get("Tags", [])}
        if tags.get(TEMPORARY_TAG[0]) != TEMPORARY_TAG[1]:
            raise TerminalError(
                f"role {role} is not tagged {TEMPORARY_TAG[0]}={TEMPORARY_TAG[1]}; cleanup deletes no other role",
                hint="tag the role if it really is a temporary one, or remove it with Terraform",
            )
        plan.roles.append(role)
    plan.left.append(f"the ledger and run report under s3://{store.bucket}/{store.prefix}")
    plan.left.append(f"the source table {config.source_table} and the target table {config.target_table}")
    return plan


def _delete_role(iam: Any, role: str) -> None:
    for name in iam.list_role_policies(RoleName=role).get("PolicyNames", []):
        iam.delete_role_policy(RoleName=role, PolicyName=name)
    for policy in iam.list_attached_role_policies(RoleName=role).get("AttachedPolicies", []):
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    for profile in iam.list_instance_profiles_for_role(RoleName=role).get("InstanceProfiles", []):
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=role)
    iam.delete_role(RoleName=role)


def run_cleanup(config: JobConfig, plan: Cleanup) -> None:
    clients = {
        "export": aws.client(config.account(config.export.read_account), "s3"),
        "replayed dead letters": aws.client(config.account(config.output_account), "s3"),
    }
    if config.import_settings is not None:
        clients["import staging"] = aws.client(config.account(config.import_settings.account), "s3")
    for kind, objects in plan.objects.items():
        for start in range(0, len(objects), 1000):
            chunk = objects[start : start + 1000]
            clients[kind].delete_objects(
                Bucket=chunk[0][0], Delete={"Objects": [{"Key": key} for _b, key in chunk], "Quiet": True}
            )
    iam = aws.client(config.account(config.target_account), "iam")
    for role in plan.roles:
        _delete_role(iam, role)
