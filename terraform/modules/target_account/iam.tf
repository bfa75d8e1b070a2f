# The Glue job role: least privilege, no AWS managed policy attached.

locals {
  job_role_name = "${var.name_prefix}-glue-job"

  source_export_bucket_arn  = "arn:${local.partition}:s3:::${var.source_export_bucket_name}"
  job_log_group_arn_pattern = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/*"
}

data "aws_iam_policy_document" "job_role_trust" {
  statement {
    sid     = "GlueInThisAccount"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "job" {
  name               = local.job_role_name
  description        = "Runs the ${var.name_prefix} migrate and validate Glue jobs."
  assume_role_policy = data.aws_iam_policy_document.job_role_trust.json
  tags               = local.tags
}

data "aws_iam_policy_document" "job_role" {
  # --- Artifacts bucket (this account) ---------------------------------------
  statement {
    sid     = "ReadCodeAndConfig"
    actions = ["s3:GetObject"]
    resources = [
      "${local.artifacts_bucket_arn}/${local.glue_scripts_prefix}*",
      "${local.artifacts_bucket_arn}/${local.bundles_prefix}*",
      "${local.artifacts_bucket_arn}/${local.config_key}",
    ]
  }

  statement {
    sid       = "ListRunAndTemporaryPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [local.artifacts_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = concat(["${var.run_prefix}*", "${local.tmp_prefix}*", "${local.spark_events_prefix}*"], var.enable_import ? ["${var.import_staging_prefix}*"] : [])
    }
  }

  statement {
    sid = "WriteLedgerDeadLettersReportsTemporaryFilesAndSparkEvents"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = [
      "${local.artifacts_bucket_arn}/${var.run_prefix}*",
      "${local.artifacts_bucket_arn}/${local.tmp_prefix}*",
      "${local.artifacts_bucket_arn}/${local.spark_events_prefix}*",
    ]
  }

  statement {
    sid = "UseTargetKey"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ]
    resources = [aws_kms_key.target.arn]
  }

  # --- Source account -----------------------------------------------------------
  statement {
    sid       = "ListSourceExportPrefix"
    actions   = ["s3:ListBucket"]
    resources = [local.source_export_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.source_export_prefix}*"]
    }
  }

  statement {
    sid       = "ReadSourceExports"
    actions   = ["s3:GetObject"]
    resources = ["${local.source_export_bucket_arn}/${var.source_export_prefix}*"]
  }

  statement {
    sid       = "DecryptSourceExportsThroughS3"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.source_export_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "AssumeSourceReadRole"
    actions   = ["sts:AssumeRole"]
    resources = [var.source_read_role_arn]
  }

  # --- Target table ---------------------------------------------------------------
  statement {
    sid = "WriteTargetTable"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:DescribeTable",
      "dynamodb:PutItem",
      "dynamodb:Scan",
      "dynamodb:UpdateTable",
    ]
    resources = flatten([for arn in local.target_table_arns : [arn, "${arn}/index/*"]])
  }

  statement {
    # DescribeLimits has no resource-level permissions in IAM: it only accepts
    # "*". It returns the account's capacity quotas, no data.
    sid       = "DescribeDynamoDBLimits"
    actions   = ["dynamodb:DescribeLimits"]
    resources = ["*"]
  }

  # --- target.mode: import (only with enable_import) ---------------------------------
  dynamic "statement" {
    for_each = var.enable_import ? [1] : []
    content {
      sid       = "ImportIntoNewTargetTable"
      actions   = ["dynamodb:ImportTable", "dynamodb:DescribeImport"]
      resources = flatten([for arn in local.target_table_arns : [arn, "${arn}/import/*"]])
    }
  }

  dynamic "statement" {
    for_each = var.enable_import ? [1] : []
    content {
      sid       = "StageImportFiles"
      actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
      resources = ["${local.artifacts_bucket_arn}/${var.import_staging_prefix}*"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_import ? [1] : []
    content {
      # ImportTable writes the items it rejects to this log group, under the caller's identity.
      sid       = "WriteImportErrorLogs"
      actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:PutRetentionPolicy"]
      resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-dynamodb/*"]
    }
  }

  # --- Workflow: one run id per workflow run ---------------------------------------
  statement {
    # The jobs read their workflow run (and the runs it resumed, through
    # PreviousRunId) and record the run id as a run property.
    sid = "ReadAndTagOwnWorkflowRuns"
    actions = [
      "glue:GetWorkflowRun",
      "glue:GetWorkflowRunProperties",
      "glue:PutWorkflowRunProperties",
    ]
    resources = ["arn:${local.partition}:glue:${local.region}:${local.account_id}:workflow/${local.workflow_name}"]
  }

  # --- Observability ----------------------------------------------------------------
  statement {
    sid = "WriteGlueLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:AssociateKmsKey",
    ]
    resources = [local.job_log_group_arn_pattern, "${local.job_log_group_arn_pattern}:log-stream:*"]
  }

  statement {
    # PutMetricData has no resource-level permissions; the namespace condition
    # is the documented way to scope it.
    sid       = "PutMetricsInOwnNamespaces"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace, "Glue"]
    }
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "migrate-and-validate"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job_role.json
}
