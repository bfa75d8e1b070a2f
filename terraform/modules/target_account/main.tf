# Target account side of a cross-account DynamoDB migration: the artifacts
# bucket (code, config, run outputs), the KMS key, and the shared locals.
# Glue jobs and workflow: glue.tf. Job role: iam.tf. Target table: table.tf.
# Alarms: alarms.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  artifacts_bucket_name = "${var.name_prefix}-artifacts-${local.account_id}"
  artifacts_bucket_arn  = "arn:${local.partition}:s3:::${local.artifacts_bucket_name}"

  glue_scripts_prefix = "glue_scripts/"
  bundles_prefix      = "bundles/"
  config_key          = "config/job.yaml"
  tmp_prefix          = "tmp/"
  spark_events_prefix = "spark-events/"

  glue_script_files = fileset(var.glue_scripts_dir, "*.py")
  # The bundle's file name carries its SHA-256 (make package): a new build is a
  # new key, and the jobs' --additional-python-modules changes with it.
  glue_bundle_key = "${local.bundles_prefix}${basename(var.glue_bundle_path)}"

  # Built from the name so IAM and alarms are the same whether or not this
  # module manages the table.
  target_table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${var.target_table_name}"
  # Every table the job writes: the target table, then any others of a `tables:` config.
  target_table_arns = concat([local.target_table_arn], [
    for name in var.additional_target_table_names : "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${name}"
  ])

  tags = merge({ "dynamodb-migration:side" = "target" }, var.tags)
}

################################################################################
# KMS key: artifacts bucket, Glue security configuration, logs, SNS, table
################################################################################

data "aws_iam_policy_document" "target_key" {
  #checkov:skip=CKV_AWS_109:Key policy: "Resource = *" means this key only, and the statement is the standard account-root delegation that lets IAM policies of this account govern the key.
  #checkov:skip=CKV_AWS_111:Key policy: "Resource = *" means this key only; write access is limited to this account's root delegation and to AWS services scoped by conditions.
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
    sid = "CloudWatchLogsEncryptsThisAccountsLogGroups"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }

  statement {
    # No source conditions here: EventBridge's requests to KMS for an encrypted
    # topic carry no aws:SourceAccount / aws:SourceArn, and a condition on them
    # would drop every failure notification silently. The topic policy limits
    # publishing to this module's rule.
    sid       = "EventBridgePublishesToEncryptedTopic"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "target" {
  description             = "${var.name_prefix}: encrypts migration artifacts, Glue logs and bookmarks, alarms and the target table"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.target_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "target" {
  name          = "alias/${var.name_prefix}-target"
  target_key_id = aws_kms_key.target.key_id
}

################################################################################
# Artifacts bucket: scripts, dependency bundle, config, run outputs, Spark event logs
################################################################################

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18:Server access logging needs a log bucket owned by the organisation's logging account; CloudTrail data events are the recommended audit trail here.
  #checkov:skip=CKV_AWS_144:Cross-region replication is not needed: code and config are rebuilt from git, and run outputs are reproducible by re-running validation.
  #checkov:skip=CKV2_AWS_62:No consumer listens to object events; reports are read by the operator after the run.
  bucket        = local.artifacts_bucket_name
  force_destroy = var.artifacts_bucket_force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.target.arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    id     = "expire-glue-temporary-files"
    status = "Enabled"

    filter {
      prefix = local.tmp_prefix
    }

    expiration {
      days = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "expire-spark-event-logs"
    status = "Enabled"

    filter {
      prefix = local.spark_events_prefix
    }

    expiration {
      days = var.spark_event_log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "expire-old-versions-and-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 90
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

data "aws_iam_policy_document" "artifacts_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.artifacts_bucket_arn, "${local.artifacts_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# count on a bool is acceptable here: the policy holds no data, and turning the
# Deny off (emulators only) just removes it.
resource "aws_s3_bucket_policy" "artifacts" {
  count = var.artifacts_bucket_deny_insecure_transport ? 1 : 0

  bucket = aws_s3_bucket.artifacts.id
  policy = data.aws_iam_policy_document.artifacts_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.artifacts]
}

resource "aws_s3_object" "glue_scripts" {
  for_each = local.glue_script_files

  bucket       = aws_s3_bucket.artifacts.id
  key          = "${local.glue_scripts_prefix}${each.value}"
  source       = "${var.glue_scripts_dir}/${each.value}"
  source_hash  = filemd5("${var.glue_scripts_dir}/${each.value}")
  content_type = "text/x-python"
  kms_key_id   = aws_kms_key.target.arn
  tags         = local.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.artifacts]
}

resource "aws_s3_object" "glue_bundle" {
  bucket       = aws_s3_bucket.artifacts.id
  key          = local.glue_bundle_key
  source       = var.glue_bundle_path
  source_hash  = filemd5(var.glue_bundle_path)
  content_type = "application/zip"
  kms_key_id   = aws_kms_key.target.arn
  tags         = local.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.artifacts]
}

resource "aws_s3_object" "job_config" {
  bucket       = aws_s3_bucket.artifacts.id
  key          = local.config_key
  source       = var.job_config_path
  source_hash  = filemd5(var.job_config_path)
  content_type = "application/yaml"
  kms_key_id   = aws_kms_key.target.arn
  tags         = local.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.artifacts]
}
