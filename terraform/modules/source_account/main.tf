# Source account side of a cross-account DynamoDB migration.
#
# Grants the target account's Glue job role, and the operators named in
# operator_principal_arns (and nobody else):
#   * read access to the export prefix of the export bucket (bucket policy),
#   * Decrypt on the export KMS key, through S3 only (key policy),
#   * AssumeRole, with an external ID, on a read role scoped to the source table,
#     its streams and its exports (scan, streams and export-to-S3 paths).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # The table ARN is built from its name so that IAM does not depend on whether
  # this module manages the table (the address of every policy stays the same).
  source_table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${var.source_table_name}"

  export_bucket_name = coalesce(var.existing_export_bucket_name, "${var.name_prefix}-export-${local.account_id}")
  export_bucket_arn  = "arn:${local.partition}:s3:::${local.export_bucket_name}"
  export_objects_arn = "${local.export_bucket_arn}/${var.export_prefix}*"

  read_role_name = "${var.name_prefix}-source-read"

  # Who reads the exports and assumes the read role: the job role, plus the
  # operators who run export, plan and validate from their own machines.
  # Each entry is a validated role or user ARN, never a wildcard or a root.
  export_readers = distinct(concat([var.target_job_role_arn], var.operator_principal_arns))

  source_table_key_attributes = var.source_table == null ? [] : concat(
    [var.source_table.hash_key],
    var.source_table.range_key == null ? [] : [var.source_table.range_key],
  )

  tags = merge({ "dynamodb-migration:side" = "source" }, var.tags)
}

################################################################################
# KMS key for the exports
################################################################################

data "aws_iam_policy_document" "export_key" {
  #checkov:skip=CKV_AWS_109:Key policy: "Resource = *" means this key only, and the statement is the standard account-root delegation that lets IAM policies of this account govern the key.
  #checkov:skip=CKV_AWS_111:Key policy: "Resource = *" means this key only; write access is limited to this account's root delegation and named principals.
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
    sid       = "TargetJobRoleDecryptsExportsThroughS3"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = local.export_readers
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "export" {
  description             = "${var.name_prefix}: encrypts DynamoDB exports of ${var.source_table_name} for the cross-account migration"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.export_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "export" {
  name          = "alias/${var.name_prefix}-export"
  target_key_id = aws_kms_key.export.key_id
}

################################################################################
# Export bucket (created unless an existing bucket is named)
################################################################################

# count is keyed on whether existing_export_bucket_name is set: the address
# aws_s3_bucket.export[0] never changes for a given choice, and every other
# resource refers to the bucket by name (local.export_bucket_name), so switching
# does not move any other resource. See docs/adr/0006-terraform-layout.md.
resource "aws_s3_bucket" "export" {
  #checkov:skip=CKV_AWS_18:Server access logging needs a log bucket owned by the organisation's logging account; CloudTrail data events are the recommended audit trail for this transient bucket.
  #checkov:skip=CKV_AWS_144:Cross-region replication of transient export files adds cost and a second copy of the data without a recovery use: the source table stays the system of record.
  #checkov:skip=CKV2_AWS_62:No consumer listens to object events; the Glue job follows the export manifest instead.
  count = var.existing_export_bucket_name == null ? 1 : 0

  bucket        = local.export_bucket_name
  force_destroy = var.export_bucket_force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "export" {
  count = length(aws_s3_bucket.export)

  bucket = aws_s3_bucket.export[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "export" {
  count = length(aws_s3_bucket.export)

  bucket                  = aws_s3_bucket.export[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "export" {
  count = length(aws_s3_bucket.export)

  bucket = aws_s3_bucket.export[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "export" {
  count = length(aws_s3_bucket.export)

  bucket = aws_s3_bucket.export[0].id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.export.arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "export" {
  count = length(aws_s3_bucket.export)

  bucket = aws_s3_bucket.export[0].id

  rule {
    id     = "expire-exports"
    status = "Enabled"

    filter {
      prefix = var.export_prefix
    }

    expiration {
      days = var.export_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.export]
}

data "aws_iam_policy_document" "export_bucket" {
  source_policy_documents = var.export_bucket_additional_policy_json == null ? [] : [var.export_bucket_additional_policy_json]

  statement {
    sid       = "TargetJobRoleListsExportPrefix"
    actions   = ["s3:ListBucket"]
    resources = [local.export_bucket_arn]

    principals {
      type        = "AWS"
      identifiers = local.export_readers
    }

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.export_prefix}*"]
    }
  }

  statement {
    sid       = "TargetJobRoleReadsExports"
    actions   = ["s3:GetObject"]
    resources = [local.export_objects_arn]

    principals {
      type        = "AWS"
      identifiers = local.export_readers
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.export_bucket_arn, "${local.export_bucket_arn}/*"]

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

resource "aws_s3_bucket_policy" "export" {
  bucket = local.export_bucket_name
  policy = data.aws_iam_policy_document.export_bucket.json

  depends_on = [aws_s3_bucket.export, aws_s3_bucket_public_access_block.export]
}

################################################################################
# Source table (only when this module manages it)
################################################################################

resource "aws_dynamodb_table" "source" {
  count = var.source_table == null ? 0 : 1

  name           = var.source_table_name
  billing_mode   = var.source_table.billing_mode
  read_capacity  = var.source_table.billing_mode == "PROVISIONED" ? var.source_table.read_capacity : null
  write_capacity = var.source_table.billing_mode == "PROVISIONED" ? var.source_table.write_capacity : null
  hash_key       = var.source_table.hash_key.name
  range_key      = try(var.source_table.range_key.name, null)

  stream_enabled              = true
  stream_view_type            = "NEW_AND_OLD_IMAGES"
  deletion_protection_enabled = var.source_table.deletion_protection_enabled

  dynamic "attribute" {
    for_each = local.source_table_key_attributes
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.export.arn
  }

  tags = local.tags
}

################################################################################
# Read role assumed by the target job role (scan, streams, export)
################################################################################

data "aws_iam_policy_document" "read_role_trust" {
  statement {
    sid     = "TargetJobRoleWithExternalId"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = local.export_readers
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.read_role_external_id]
    }
  }
}

resource "aws_iam_role" "read" {
  name                 = local.read_role_name
  description          = "Assumed by the target job role (and named operators) to read ${var.source_table_name} (scan, streams, export to S3)."
  assume_role_policy   = data.aws_iam_policy_document.read_role_trust.json
  max_session_duration = var.read_role_max_session_duration
  tags                 = local.tags
}

data "aws_iam_policy_document" "read_role" {
  statement {
    sid = "ScanAndExportSourceTable"
    actions = [
      "dynamodb:DescribeTable",
      "dynamodb:Scan",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:ExportTableToPointInTime",
    ]
    resources = [local.source_table_arn]
  }

  statement {
    sid       = "DescribeSourceTableExports"
    actions   = ["dynamodb:DescribeExport"]
    resources = ["${local.source_table_arn}/export/*"]
  }

  statement {
    sid = "ReadSourceTableStreams"
    actions = [
      "dynamodb:DescribeStream",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
    ]
    resources = ["${local.source_table_arn}/stream/*"]
  }

  statement {
    # ListStreams has no resource-level permissions in IAM: it only accepts "*".
    # It returns stream ARNs, no data; reading a stream needs the statement above.
    sid       = "ListStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["*"]
  }

  statement {
    # ExportTableToPointInTime writes the export with the caller's permissions.
    sid = "WriteExportsToExportPrefix"
    actions = [
      "s3:PutObject",
      "s3:PutObjectAcl",
      "s3:AbortMultipartUpload",
    ]
    resources = [local.export_objects_arn]
  }

  statement {
    sid = "UseExportKey"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ]
    resources = [aws_kms_key.export.arn]
  }
}

resource "aws_iam_role_policy" "read" {
  name   = "read-source-table"
  role   = aws_iam_role.read.id
  policy = data.aws_iam_policy_document.read_role.json
}
