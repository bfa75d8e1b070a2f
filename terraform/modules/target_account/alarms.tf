# Alarms, all sent to one KMS-encrypted SNS topic:
#   * a run of any job that ended FAILED, TIMEOUT, ERROR or STOPPED: an
#     EventBridge rule on "Glue Job State Change" (job-level and immediate; the
#     numFailedTasks metric only counts Spark task failures and misses driver
#     crashes). STOPPED counts: a stopped migration is unfinished,
#   * any dead letter: the jobs' DeadLetters metric (per RunId) above 0,
#   * write throttling on the target table and on each of its indexes.

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.target.arn
  tags              = local.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "EventBridgePublishesJobFailures"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.job_failed.arn]
    }
  }

  statement {
    sid       = "CloudWatchPublishesThisModulesAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "alarm_emails" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_event_rule" "job_failed" {
  name        = "${var.name_prefix}-glue-job-failed"
  description = "A run of ${local.export_job_name}, ${local.migrate_job_name} or ${local.validate_job_name} failed, timed out, errored or was stopped."
  event_pattern = jsonencode({
    source      = ["aws.glue"]
    detail-type = ["Glue Job State Change"]
    detail = {
      jobName = [aws_glue_job.export.name, aws_glue_job.migrate.name, aws_glue_job.validate.name]
      state   = ["FAILED", "TIMEOUT", "ERROR", "STOPPED"]
    }
  })
  tags = local.tags
}

resource "aws_cloudwatch_event_target" "job_failed_to_sns" {
  rule      = aws_cloudwatch_event_rule.job_failed.name
  target_id = "alarms-topic"
  arn       = aws_sns_topic.alarms.arn
}

# The jobs publish DeadLetters per RunId (progress.cloudwatch_namespace in the
# job config must name var.metrics_namespace). Each run has its own RunId, so
# the alarm sums over every RunId with a Metrics Insights query instead of
# naming one dimension value.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name_prefix}-dead-letters"
  alarm_description   = "A migration run dead-lettered items: read <output.uri>/<run id>/dead-letters/, fix the cause, then `ddb-migrate dlq replay`."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  tags                = local.tags

  metric_query {
    id          = "dead_letters"
    label       = "DeadLetters, all runs"
    expression  = "SELECT SUM(DeadLetters) FROM SCHEMA(\"${var.metrics_namespace}\", RunId)"
    period      = 60
    return_data = true
  }
}

resource "aws_cloudwatch_metric_alarm" "target_table_write_throttles" {
  alarm_name          = "${var.name_prefix}-target-table-write-throttles"
  alarm_description   = "Writes to ${var.target_table_name} are throttled: lower the migration's write rate or raise the table's capacity."
  namespace           = "AWS/DynamoDB"
  metric_name         = "WriteThrottleEvents"
  dimensions          = { TableName = var.target_table_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.write_throttle_alarm_evaluation_periods
  threshold           = var.write_throttle_alarm_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "target_index_write_throttles" {
  # Keyed by index name: adding or removing one index leaves the others alone.
  for_each = toset(local.target_table_gsi_names)

  alarm_name          = "${var.name_prefix}-target-index-${each.value}-write-throttles"
  alarm_description   = "Writes to index ${each.value} of ${var.target_table_name} are throttled, which throttles the table's writes too."
  namespace           = "AWS/DynamoDB"
  metric_name         = "WriteThrottleEvents"
  dimensions          = { TableName = var.target_table_name, GlobalSecondaryIndexName = each.value }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.write_throttle_alarm_evaluation_periods
  threshold           = var.write_throttle_alarm_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = local.tags
}
