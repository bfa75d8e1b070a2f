################################################################################
# Accounts and providers
################################################################################

variable "region" {
  description = "AWS region of both accounts' resources."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "source_deploy_role_arn" {
  description = "Role in the SOURCE account that terraform assumes (from the target account's credentials) to create the function there."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.source_deploy_role_arn))
    error_message = "source_deploy_role_arn must be an IAM role ARN."
  }
}

variable "source_deploy_external_id" {
  description = "External ID required by the source deployment role's trust policy, if any."
  type        = string
  default     = null
  sensitive   = true
}

variable "endpoints" {
  description = "Service endpoint overrides, service name to URL, for both providers (tests point them at a local emulator). Empty for AWS."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for service in keys(var.endpoints) : contains(["cloudwatch", "dynamodb", "iam", "kms", "lambda", "logs", "s3", "sqs", "sts"], service)])
    error_message = "endpoints keys must be among cloudwatch, dynamodb, iam, kms, lambda, logs, s3, sqs and sts."
  }

  validation {
    condition     = alltrue([for url in values(var.endpoints) : can(regex("^https?://", url))])
    error_message = "endpoints values must be http:// or https:// URLs."
  }
}

variable "skip_credentials_validation" {
  description = "Skip the providers' STS credential check (emulators only)."
  type        = bool
  default     = false
}

variable "skip_requesting_account_id" {
  description = "Skip the providers' account ID lookup. Keep false: the modules build ARNs from the account ID."
  type        = bool
  default     = false
}

variable "skip_metadata_api_check" {
  description = "Skip the EC2 instance metadata credential source (emulators and laptops)."
  type        = bool
  default     = false
}

variable "s3_use_path_style" {
  description = "Address S3 buckets by path instead of virtual host (emulators only)."
  type        = bool
  default     = false
}

################################################################################
# Replication
################################################################################

variable "name_prefix" {
  description = "Prefix of every resource name in both accounts."
  type        = string
  default     = "ddb-migration"
}

variable "source_table_name" {
  description = "The source table (SOURCE account), with a NEW_AND_OLD_IMAGES stream enabled before the export."
  type        = string
}

variable "source_stream_arn" {
  description = "The source table's LatestStreamArn."
  type        = string
}

variable "target_table_name" {
  description = "The target table (TARGET account)."
  type        = string
}

variable "artifacts_bucket_name" {
  description = "The bucket of the job config's output.uri (the target_account module's artifacts bucket)."
  type        = string
}

variable "run_prefix" {
  description = "The run's key prefix in that bucket, ending in '/' (e.g. runs/orders-2026-06-01/)."
  type        = string
}

variable "artifacts_kms_key_arn" {
  description = "KMS key of the artifacts bucket (target_account's target_kms_key_arn), null for S3-managed keys."
  type        = string
  default     = null
}

variable "target_table_kms_key_arn" {
  description = "Customer-managed KMS key of the target table, null for an AWS-owned key."
  type        = string
  default     = null
}

variable "lambda_package_path" {
  description = "The replicator's zip from `make lambda`."
  type        = string
}

variable "writer_external_id" {
  description = "External ID shared by the replicator and the target's writer role."
  type        = string
  sensitive   = true
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before it goes to the dead-letter queue."
  type        = number
  default     = 5
}

variable "iterator_age_alarm_threshold_ms" {
  description = "Replication lag that raises the IteratorAge alarm."
  type        = number
  default     = 60000
}

variable "alarm_actions" {
  description = "ARNs notified by the replication alarms (an SNS topic in the source account)."
  type        = list(string)
  default     = []
}

variable "version_table_point_in_time_recovery" {
  description = "Point-in-time recovery on the version table."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
