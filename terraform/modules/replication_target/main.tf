# Stream replication, TARGET account side: the version table and the writer role.
#
# The replicator (stream_replicator, in the source account) assumes the writer role with an
# external ID and writes each change as one transaction: a conditional put of the source
# key's version (the stream's sequence number) in the version table, and the put/delete of
# the mapped item in the target table. Replays and late older records fail the condition and
# write nothing; the target table carries no extra attribute (ADR 0009).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id         = data.aws_caller_identity.current.account_id
  partition          = data.aws_partition.current.partition
  region             = data.aws_region.current.name
  version_table_name = coalesce(var.version_table_name, "${var.target_table_name}-replication")
  table_arn_prefix   = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table"
  target_table_arn   = "${local.table_arn_prefix}/${var.target_table_name}"
  bucket_arn         = "arn:${local.partition}:s3:::${var.artifacts_bucket_name}"
  tags               = merge({ "dynamodb-migration:side" = "target", "dynamodb-migration:part" = "replication" }, var.tags)
  table_keys         = compact([var.target_table_kms_key_arn, aws_kms_key.versions.arn])
}

################################################################################
# Version table
################################################################################

data "aws_iam_policy_document" "versions_key" {
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
}

resource "aws_kms_key" "versions" {
  description             = "${var.name_prefix}: encrypts the replication version table of ${var.target_table_name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.versions_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "versions" {
  name          = "alias/${var.name_prefix}-replication-versions"
  target_key_id = aws_kms_key.versions.key_id
}

# Transient: it only orders changes during the migration, and is deleted after cutover, so
# deletion protection stays off.
resource "aws_dynamodb_table" "versions" {
  name         = local.version_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "k"
  tags         = local.tags

  attribute {
    name = "k"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.version_table_point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.versions.arn
  }
}

################################################################################
# Writer role
################################################################################

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.replicator_role_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.writer_external_id]
    }
  }
}

resource "aws_iam_role" "writer" {
  name                 = "${var.name_prefix}-replication-writer"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  tags                 = local.tags
}

data "aws_iam_policy_document" "writer" {
  statement {
    # TransactWriteItems is authorised action by action.
    sid       = "VersionedWrites"
    actions   = ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
    resources = [local.target_table_arn, aws_dynamodb_table.versions.arn]
  }

  statement {
    sid       = "ReadThePlan"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${var.run_prefix}replication/plan.json"]
  }

  statement {
    sid       = "WriteDeadLetters"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${var.run_prefix}replication/dead-letters/*"]
  }

  statement {
    sid       = "TableKeysThroughDynamoDB"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = local.table_keys

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.artifacts_kms_key_arn == null ? [] : [var.artifacts_kms_key_arn]
    content {
      sid       = "ArtifactsKeyThroughS3"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "writer" {
  name   = "replication-writes"
  role   = aws_iam_role.writer.id
  policy = data.aws_iam_policy_document.writer.json
}
