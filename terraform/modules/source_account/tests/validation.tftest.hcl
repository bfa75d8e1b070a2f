# Variable validations of the source_account module, planned against a mocked
# provider (offline, no credentials): run with `terraform test` in this module.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name_prefix           = "unit"
  source_table_name     = "orders"
  target_job_role_arn   = "arn:aws:iam::222222222222:role/unit-glue-job"
  read_role_external_id = "0123456789abcdef"
}

run "valid_inputs_plan" {
  command = plan

  assert {
    condition     = output.export_bucket_name == "unit-export-111111111111"
    error_message = "The export bucket is named <name_prefix>-export-<account id>."
  }

  assert {
    condition     = length(aws_s3_bucket.export) == 1 && length(aws_dynamodb_table.source) == 0
    error_message = "By default the module creates the bucket and leaves the (existing) table alone."
  }
}

run "existing_bucket_and_managed_table" {
  command = plan

  variables {
    existing_export_bucket_name = "shared-exports"
    source_table = {
      hash_key = { name = "id", type = "S" }
    }
  }

  assert {
    condition     = length(aws_s3_bucket.export) == 0 && output.export_bucket_name == "shared-exports"
    error_message = "An existing bucket is used by name, not created."
  }

  assert {
    condition     = aws_dynamodb_table.source[0].point_in_time_recovery[0].enabled && aws_dynamodb_table.source[0].stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "A managed source table has PITR and a NEW_AND_OLD_IMAGES stream."
  }
}

run "rejects_a_user_as_target_principal" {
  command = plan

  variables {
    target_job_role_arn = "arn:aws:iam::222222222222:user/someone"
  }

  expect_failures = [var.target_job_role_arn]
}

run "rejects_an_account_root_as_target_principal" {
  command = plan

  variables {
    target_job_role_arn = "arn:aws:iam::222222222222:root"
  }

  expect_failures = [var.target_job_role_arn]
}

run "rejects_a_short_external_id" {
  command = plan

  variables {
    read_role_external_id = "short"
  }

  expect_failures = [var.read_role_external_id]
}

run "rejects_a_prefix_without_trailing_slash" {
  command = plan

  variables {
    export_prefix = "exports"
  }

  expect_failures = [var.export_prefix]
}

run "rejects_provisioned_source_table_without_capacity" {
  command = plan

  variables {
    source_table = {
      hash_key     = { name = "id", type = "S" }
      billing_mode = "PROVISIONED"
    }
  }

  expect_failures = [var.source_table]
}

run "operators_are_named_principals" {
  command = plan

  variables {
    operator_principal_arns = ["arn:aws:iam::222222222222:role/migration-operator"]
  }

  assert {
    condition     = jsonencode(local.export_readers) == jsonencode([var.target_job_role_arn, "arn:aws:iam::222222222222:role/migration-operator"])
    error_message = "The job role and the named operators, nobody else, read the exports and assume the read role."
  }
}

run "rejects_a_wildcard_operator" {
  command = plan

  variables {
    operator_principal_arns = ["*"]
  }

  expect_failures = [var.operator_principal_arns]
}

run "rejects_an_account_root_operator" {
  command = plan

  variables {
    operator_principal_arns = ["arn:aws:iam::222222222222:root"]
  }

  expect_failures = [var.operator_principal_arns]
}
