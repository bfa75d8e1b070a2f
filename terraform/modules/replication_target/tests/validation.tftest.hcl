# Variable validations and defaults of the replication_target module, planned against a mocked
# provider (offline, no credentials): run with `terraform test` in this module.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555" }
  }
}

variables {
  name_prefix           = "unit"
  target_table_name     = "orders"
  replicator_role_arn   = "arn:aws:iam::111111111111:role/unit-stream-replicator"
  writer_external_id    = "0123456789abcdef"
  artifacts_bucket_name = "unit-artifacts"
  run_prefix            = "runs/orders-1/"
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.versions.name == "orders-replication" && aws_dynamodb_table.versions.hash_key == "k"
    error_message = "The version table defaults to <target>-replication, keyed by k, as the tool expects."
  }

  assert {
    condition     = aws_dynamodb_table.versions.point_in_time_recovery[0].enabled && aws_dynamodb_table.versions.server_side_encryption[0].enabled
    error_message = "The version table has PITR and KMS encryption."
  }

  assert {
    condition     = output.replication_plan_uri == "s3://unit-artifacts/runs/orders-1/replication/plan.json"
    error_message = "The plan is read from the run's replication/ prefix."
  }
}

run "rejects_a_root_principal" {
  command = plan

  variables {
    replicator_role_arn = "arn:aws:iam::111111111111:root"
  }

  expect_failures = [var.replicator_role_arn]
}

run "rejects_a_run_prefix_without_slash" {
  command = plan

  variables {
    run_prefix = "runs/orders-1"
  }

  expect_failures = [var.run_prefix]
}
