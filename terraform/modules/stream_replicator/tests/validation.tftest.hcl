# Variable validations and defaults of the stream_replicator module, planned against a mocked
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
  name_prefix               = "unit"
  source_table_name         = "orders"
  source_stream_arn         = "arn:aws:dynamodb:us-east-1:111111111111:table/orders/stream/2026-06-01T00:00:00.000"
  lambda_package_path       = "tests/fixtures/replicator.zip"
  replication_plan_uri      = "s3://unit-artifacts/runs/orders-1/replication/plan.json"
  target_region             = "eu-west-1"
  target_writer_role_arn    = "arn:aws:iam::222222222222:role/unit-replication-writer"
  target_writer_external_id = "0123456789abcdef"
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.stream.starting_position == "TRIM_HORIZON"
    error_message = "Replication reads the stream from TRIM_HORIZON, from before the export (ADR 0009)."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.stream.maximum_retry_attempts == 5 && aws_lambda_event_source_mapping.stream.bisect_batch_on_function_error
    error_message = "A failing batch is bisected and retried 5 times by default."
  }

  assert {
    condition     = contains(aws_lambda_event_source_mapping.stream.function_response_types, "ReportBatchItemFailures")
    error_message = "The function reports the records it could not apply."
  }

  assert {
    condition     = aws_lambda_function.replicator.handler == "jobs.streams.handler.handler" && aws_lambda_function.replicator.environment[0].variables["TARGET_REGION"] == "eu-west-1"
    error_message = "The function runs the replicator handler with the target's region."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.iterator_age.metric_name == "IteratorAge" && aws_cloudwatch_metric_alarm.iterator_age.threshold == 60000
    error_message = "The IteratorAge alarm watches the replication lag (60 s by default)."
  }
}

run "rejects_a_user_as_writer" {
  command = plan

  variables {
    target_writer_role_arn = "arn:aws:iam::222222222222:user/someone"
  }

  expect_failures = [var.target_writer_role_arn]
}

run "rejects_a_short_external_id" {
  command = plan

  variables {
    target_writer_external_id = "short"
  }

  expect_failures = [var.target_writer_external_id]
}

run "rejects_a_table_arn_as_stream" {
  command = plan

  variables {
    source_stream_arn = "arn:aws:dynamodb:us-east-1:111111111111:table/orders"
  }

  expect_failures = [var.source_stream_arn]
}

run "rejects_a_plan_elsewhere" {
  command = plan

  variables {
    replication_plan_uri = "s3://unit-artifacts/plan.json"
  }

  expect_failures = [var.replication_plan_uri]
}

run "rejects_too_large_batches" {
  command = plan

  variables {
    batch_size = 20000
  }

  expect_failures = [var.batch_size]
}
