variable "name_prefix" {
  description = "Prefix of every resource name (writer role, KMS alias)."
  type        = string
  default     = "ddb-migration"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 39 lower-case letters, digits and hyphens."
  }
}

variable "target_table_name" {
  description = "The target table replication writes (in this account)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.target_table_name))
    error_message = "target_table_name must be a DynamoDB table name."
  }
}

variable "version_table_name" {
  description = "Table of per-source-key replication versions; null: \"<target_table_name>-replication\" (the tool's default, replication.version_table)."
  type        = string
  default     = null

  validation {
    condition     = var.version_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.version_table_name))
    error_message = "version_table_name must be a DynamoDB table name."
  }
}

variable "replicator_role_arn" {
  description = "Execution role of the stream replicator function in the SOURCE account (stream_replicator's execution_role_arn): the only principal trusted."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.replicator_role_arn))
    error_message = "replicator_role_arn must be an IAM role ARN (not a user, root or wildcard)."
  }
}

variable "writer_external_id" {
  description = "External ID the replicator must present (sts:ExternalId). Treat it as a shared secret between the two accounts."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.writer_external_id) >= 16 && length(var.writer_external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.writer_external_id))
    error_message = "writer_external_id must be 16 to 1224 characters of A-Z, a-z, 0-9 and +=,.@:/_-."
  }
}

variable "artifacts_bucket_name" {
  description = "Bucket of the run prefix (the job config's output.uri bucket): the plan is read from it, dead letters written to it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts_bucket_name))
    error_message = "artifacts_bucket_name must be an S3 bucket name."
  }
}

variable "run_prefix" {
  description = "Key prefix of the run in the artifacts bucket, ending in '/': <output.uri path>/<run_id>/."
  type        = string

  validation {
    condition     = can(regex("^[^/].*/$", var.run_prefix))
    error_message = "run_prefix must not start with '/' and must end with '/'."
  }
}

variable "artifacts_kms_key_arn" {
  description = "KMS key of the artifacts bucket (target_account's target_kms_key_arn), null when it uses S3-managed keys."
  type        = string
  default     = null
}

variable "target_table_kms_key_arn" {
  description = "Customer-managed KMS key of the target table, null for an AWS-owned key."
  type        = string
  default     = null
}

variable "version_table_point_in_time_recovery" {
  description = "Point-in-time recovery on the version table."
  type        = bool
  default     = true
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the version table's KMS key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
