"""Destroys the example the other tests in this folder applied (it runs after them: pytest
keeps the files in name order) and checks that nothing is left."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .example_stack import TARGET_TABLE_NAME, Stack, lift_deletion_protection


def test_destroy_removes_the_stack(stack: Stack) -> None:
    """Runs after the other stack tests (pytest keeps definition order)."""
    lift_deletion_protection(stack.target, stack.source, stack.endpoint)
    stack.terraform.destroy(stack.workdir, data_dir=stack.data_dir)
    state = stack.terraform.run(stack.workdir, "state", "list", data_dir=stack.data_dir, check=False)
    assert state.stdout.strip() == ""
    with pytest.raises(ClientError, match="EntityNotFound"):
        stack.target_client("glue").get_job(JobName=stack.outputs["migrate_job_name"])
    with pytest.raises(ClientError, match=r"404|NoSuchBucket"):
        stack.source_client("s3").head_bucket(Bucket=stack.outputs["export_bucket_name"])
    with pytest.raises(ClientError, match="NoSuchEntity"):
        stack.source_client("iam").get_role(RoleName=stack.outputs["read_role_arn"].rsplit("/", 1)[1])
    with pytest.raises(ClientError, match="ResourceNotFound"):
        stack.target_client("dynamodb").describe_table(TableName=TARGET_TABLE_NAME)
