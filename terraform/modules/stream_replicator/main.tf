# Stream replication, SOURCE account side: a Lambda function applies the source table's
# stream to the target table through the migration's mapping (jobs.streams.handler).
#
#   stream --(event source mapping: TRIM_HORIZON, ReportBatchItemFailures, bisect, N retries)--> function
#   function --(assumes the target account's writer role, external ID)--> target table + version table
#   batches that keep failing --> SQS dead-letter queue (ddb-migrate replicate --redrive-dlq)
#   IteratorAge alarm (the replication lag) and a dead-letter alarm.
#
# The function lives in the stream's account, so the event source mapping needs no
# cross-account stream policy; the cross-account step is the writer role (ADR 0009).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  region        = data.aws_region.current.name
  function_name = "${var.name_prefix}-stream-replicator"
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${local.function_name}"
  tags          = merge({ "dynamodb-migration:side" = "source", "dynamodb-migration:part" = "replication" }, var.tags)
}

################################################################################
# KMS key: dead-letter queue, environment variables, logs
################################################################################

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:Key policy: "Resource = *" means this key only, and the statement is the standard account-root delegation that lets IAM policies of this account govern the key.
  #checkov:skip=CKV_AWS_111:Key policy: "Resource = *" means this key only; write access is limited to this account's root delegation.
  #checkov:skip=CKV_AWS_356:Key policy: "Resource = *" is the only form a key policy accepts and refers to this key.
  statement {
    sid       = "EnableIamPoliciesOfThisAccount"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsOfTheFunction"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.log_group_arn]
    }
  }
}

resource "aws_kms_key" "replicator" {
  description             = "${var.name_prefix}: encrypts the stream replicator's dead-letter queue, environment and logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "replicator" {
  name          = "alias/${var.name_prefix}-stream-replicator"
  target_key_id = aws_kms_key.replicator.key_id
}

################################################################################
# Dead-letter queue: descriptions of batches that kept failing
################################################################################

resource "aws_sqs_queue" "dead_letters" {
  name                      = "${local.function_name}-dlq"
  kms_master_key_id         = aws_kms_key.replicator.arn
  message_retention_seconds = 1209600 # 14 days; the stream keeps the records themselves for 24 hours
  tags                      = local.tags
}

################################################################################
# Execution role
################################################################################

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "replicator" {
  name               = local.function_name
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = local.tags
}

data "aws_iam_policy_document" "replicator" {
  statement {
    sid       = "ReadTheSourceStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = [var.source_stream_arn]
  }

  statement {
    # IAM has no resource-level permission for ListStreams; it returns stream ARNs, not data.
    sid       = "ListStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["*"]
  }

  statement {
    # X-Ray's write actions have no resource-level permissions either.
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "DescribeFailedBatches"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }

  statement {
    sid       = "UseTheModuleKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.replicator.arn]
  }

  statement {
    sid       = "WriteItsLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  statement {
    sid       = "BecomeTheTargetWriter"
    actions   = ["sts:AssumeRole"]
    resources = [var.target_writer_role_arn]
  }
}

resource "aws_iam_role_policy" "replicator" {
  name   = "stream-replication"
  role   = aws_iam_role.replicator.id
  policy = data.aws_iam_policy_document.replicator.json
}

################################################################################
# Function and event source mapping
################################################################################

resource "aws_cloudwatch_log_group" "replicator" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.replicator.arn
  tags              = local.tags
}

resource "aws_lambda_function" "replicator" {
  #checkov:skip=CKV_AWS_116:The function is only invoked synchronously by the event source mapping; failed batches go to the mapping's on-failure destination (the SQS queue), an async DLQ would never receive anything.
  #checkov:skip=CKV_AWS_117:The function only calls AWS APIs (DynamoDB, Streams, STS, S3, SQS); running it in a VPC needs interface endpoints for each and adds nothing here.
  #checkov:skip=CKV_AWS_272:The package is built from the repository by `make lambda`; a code-signing profile is organisation-specific and can be added by the caller.
  function_name                  = local.function_name
  description                    = "Applies ${var.source_table_name}'s stream to the target table through the migration's mapping"
  role                           = aws_iam_role.replicator.arn
  runtime                        = "python3.12"
  handler                        = "jobs.streams.handler.handler"
  filename                       = var.lambda_package_path
  source_code_hash               = filebase64sha256(var.lambda_package_path)
  timeout                        = var.timeout_seconds
  memory_size                    = var.memory_size_mb
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = aws_kms_key.replicator.arn
  tags                           = local.tags

  environment {
    variables = {
      REPLICATION_PLAN_URI = var.replication_plan_uri
      TARGET_REGION        = var.target_region
      TARGET_ROLE_ARN      = var.target_writer_role_arn
      TARGET_EXTERNAL_ID   = var.target_writer_external_id
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.replicator, aws_iam_role_policy.replicator]
}

resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn               = var.source_stream_arn
  function_name                  = aws_lambda_function.replicator.arn
  starting_position              = "TRIM_HORIZON" # from before the export: see ADR 0009
  batch_size                     = var.batch_size
  maximum_retry_attempts         = var.maximum_retry_attempts
  maximum_record_age_in_seconds  = var.maximum_record_age_in_seconds
  bisect_batch_on_function_error = true
  parallelization_factor         = var.parallelization_factor
  function_response_types        = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.dead_letters.arn
    }
  }
}

################################################################################
# Alarms: the replication lag and batches given up on
################################################################################

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  alarm_name          = "${local.function_name}-iterator-age"
  alarm_description   = "Replication of ${var.source_table_name} lags: the newest stream record the function processed is older than ${var.iterator_age_alarm_threshold_ms} ms."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = aws_lambda_function.replicator.function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = var.iterator_age_alarm_evaluation_periods
  threshold           = var.iterator_age_alarm_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${local.function_name}-dead-letters"
  alarm_description   = "Batches of ${var.source_table_name}'s stream were given up on: run `ddb-migrate replicate --redrive-dlq ${aws_sqs_queue.dead_letters.url}` within 24 hours."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letters.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  tags                = local.tags
}
