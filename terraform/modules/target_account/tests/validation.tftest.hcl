# Variable validations and defaults of the target_account module, against a
# mocked provider (offline, no credentials): run with `terraform test` here.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
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
  # The provider still validates ARNs, so mocked ARNs must look like ARNs.
  mock_resource "aws_s3_bucket" {
    defaults = { id = "unit-artifacts-222222222222", arn = "arn:aws:s3:::unit-artifacts-222222222222" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:222222222222:key/11111111-1111-1111-1111-111111111111" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::222222222222:role/unit-glue-job" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:222222222222:unit-alarms" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:222222222222:rule/unit-glue-job-failed" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:222222222222:log-group:/aws-glue/jobs/unit" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:222222222222:table/orders" }
  }
}

variables {
  name_prefix               = "unit"
  glue_scripts_dir          = "tests/fixtures/glue_scripts"
  glue_bundle_path          = "tests/fixtures/ddb_migrate-glue-bundle-f16d05ec6b29248d2c61adb1e9263f78e4f7bace1b955014a2d17872cfe4064d.zip"
  job_config_path           = "tests/fixtures/job.yaml"
  source_export_bucket_name = "unit-export-111111111111"
  source_export_kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  source_read_role_arn      = "arn:aws:iam::111111111111:role/unit-source-read"
  target_table_name         = "orders"
}

run "defaults_apply" {
  command = apply

  assert {
    condition     = aws_glue_job.migrate.command[0].script_location == "s3://unit-artifacts-222222222222/glue_scripts/migrate_table.py"
    error_message = "The migrate job runs the uploaded migrate_table.py."
  }

  assert {
    condition     = aws_glue_job.migrate.default_arguments["--config"] == "s3://unit-artifacts-222222222222/config/job.yaml" && aws_glue_job.migrate.default_arguments["--run-id"] == "auto"
    error_message = "--config points at the uploaded YAML and --run-id has its default."
  }

  assert {
    condition = alltrue([for job in [aws_glue_job.export, aws_glue_job.migrate, aws_glue_job.validate] :
      job.default_arguments["--additional-python-modules"] == "s3://unit-artifacts-222222222222/bundles/ddb_migrate-glue-bundle-f16d05ec6b29248d2c61adb1e9263f78e4f7bace1b955014a2d17872cfe4064d.zip" &&
      job.default_arguments["--python-modules-installer-option"] == "--no-index"
    ])
    error_message = "Every job installs the one uploaded bundle, with no package index and no PyPI name."
  }

  assert {
    condition = (
      aws_glue_job.migrate.default_arguments["--custom-logGroup-prefix"] == "/aws-glue/jobs/unit" &&
      !contains(keys(aws_glue_job.migrate.default_arguments), "--enable-continuous-cloudwatch-log") &&
      aws_cloudwatch_log_group.jobs["error"].name == "/aws-glue/jobs/unit/error" &&
      aws_cloudwatch_log_group.jobs["output"].name == "/aws-glue/jobs/unit/output" &&
      aws_cloudwatch_log_group.jobs["output"].retention_in_days == 365
    )
    error_message = "Glue 5.0 logging: a custom log group prefix whose error and output groups exist with retention."
  }

  assert {
    condition     = aws_glue_job.migrate.default_arguments["--enable-spark-ui"] == "true" && aws_glue_job.migrate.default_arguments["--spark-event-logs-path"] == "s3://unit-artifacts-222222222222/spark-events/"
    error_message = "Spark UI event logs go to spark-events/ in the artifacts bucket."
  }

  assert {
    condition     = aws_glue_trigger.start.actions[0].job_name == "unit-export" && aws_glue_trigger.migrate_after_export.actions[0].job_name == "unit-migrate" && aws_glue_trigger.validate_after_migrate.actions[0].job_name == "unit-validate"
    error_message = "The workflow runs export, then migrate, then validate."
  }

  assert {
    condition     = strcontains(aws_cloudwatch_event_rule.job_failed.event_pattern, "STOPPED")
    error_message = "A stopped job run is reported as a failure."
  }

  assert {
    condition     = aws_glue_trigger.start.type == "ON_DEMAND" && aws_glue_trigger.start.enabled == false
    error_message = "Without a schedule the start trigger is ON_DEMAND and not started by terraform."
  }

  assert {
    condition = (
      aws_dynamodb_table.target[0].hash_key == "pk" &&
      aws_dynamodb_table.target[0].point_in_time_recovery[0].enabled &&
      aws_dynamodb_table.target[0].deletion_protection_enabled &&
      aws_dynamodb_table.target[0].server_side_encryption[0].enabled
    )
    error_message = "The default target table is keyed by pk, with PITR, deletion protection and SSE."
  }

  assert {
    condition     = length(aws_s3_bucket_policy.artifacts) == 1
    error_message = "The artifacts bucket denies plain HTTP by default."
  }
}

run "schedule_and_existing_table" {
  command = plan

  variables {
    schedule_expression = "cron(0 2 * * ? *)"
    target_table        = null
  }

  assert {
    condition     = aws_glue_trigger.start.type == "SCHEDULED" && aws_glue_trigger.start.enabled
    error_message = "A schedule makes the start trigger SCHEDULED and active."
  }

  assert {
    condition     = length(aws_dynamodb_table.target) == 0 && output.target_table_arn == "arn:aws:dynamodb:us-east-1:222222222222:table/orders"
    error_message = "target_table = null manages no table but still grants access to it by name."
  }
}

run "many_tables_are_granted_by_name" {
  command = plan

  variables {
    target_table                  = null
    additional_target_table_names = ["users", "audit"]
  }

  assert {
    condition = output.target_table_arns == [
      "arn:aws:dynamodb:us-east-1:222222222222:table/orders",
      "arn:aws:dynamodb:us-east-1:222222222222:table/users",
      "arn:aws:dynamodb:us-east-1:222222222222:table/audit",
    ]
    error_message = "The job role writes the target table and each additional table, named, nothing else."
  }
}

run "rejects_a_table_listed_twice" {
  command = plan

  variables {
    additional_target_table_names = ["users", "orders"]
  }

  expect_failures = [var.additional_target_table_names]
}

run "rejects_an_unknown_worker_type" {
  command = plan

  variables {
    migrate_worker_type = "Standard"
  }

  expect_failures = [var.migrate_worker_type]
}

run "rejects_a_single_worker" {
  command = plan

  variables {
    validate_number_of_workers = 1
  }

  expect_failures = [var.validate_number_of_workers]
}

run "rejects_an_unknown_billing_mode" {
  command = plan

  variables {
    target_table = {
      hash_key     = { name = "pk", type = "S" }
      billing_mode = "ON_DEMAND"
    }
  }

  expect_failures = [var.target_table]
}

run "rejects_provisioned_without_capacity" {
  command = plan

  variables {
    target_table = {
      hash_key       = { name = "pk", type = "S" }
      billing_mode   = "PROVISIONED"
      read_capacity  = 5
      write_capacity = 5
      global_secondary_indexes = [
        { name = "by-customer", hash_key = { name = "customer", type = "S" } },
      ]
    }
  }

  expect_failures = [var.target_table]
}

run "rejects_one_attribute_with_two_types" {
  command = plan

  variables {
    target_table = {
      hash_key = { name = "pk", type = "S" }
      global_secondary_indexes = [
        { name = "by-pk-number", hash_key = { name = "pk", type = "N" } },
      ]
    }
  }

  expect_failures = [var.target_table]
}

run "rejects_a_rate_schedule" {
  command = plan

  variables {
    schedule_expression = "rate(1 day)"
  }

  expect_failures = [var.schedule_expression]
}

run "schedule_paused" {
  command = plan

  variables {
    schedule_expression = "cron(0 2 ? * SUN *)"
    schedule_enabled    = false
  }

  assert {
    condition     = aws_glue_trigger.start.type == "SCHEDULED" && !aws_glue_trigger.start.enabled
    error_message = "schedule_enabled = false keeps the schedule but does not activate it."
  }
}

run "rejects_a_scripts_dir_without_the_entry_points" {
  command = plan

  variables {
    glue_scripts_dir = "tests/fixtures"
  }

  expect_failures = [var.glue_scripts_dir]
}

run "rejects_a_bundle_without_its_hash_in_the_name" {
  command = plan

  variables {
    glue_bundle_path = "tests/fixtures/job.yaml"
  }

  expect_failures = [var.glue_bundle_path]
}
