variable "name_prefix" {
  description = "Prefix of every resource name (function, role, queue, alarms)."
  type        = string
  default     = "ddb-migration"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 39 lower-case letters, digits and hyphens."
  }
}

variable "source_table_name" {
  description = "The source table whose stream is replicated (in this account)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.source_table_name))
    error_message = "source_table_name must be a DynamoDB table name."
  }
}

variable "source_stream_arn" {
  description = "ARN of the source table's stream (LatestStreamArn; view type NEW_AND_OLD_IMAGES). Enable the stream before the export."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}/stream/[0-9T:.-]+$", var.source_stream_arn))
    error_message = "source_stream_arn must be a DynamoDB stream ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)."
  }
}

variable "lambda_package_path" {
  description = "Path of the replicator's zip, built by `make lambda` (dist/replicator.zip)."
  type        = string
}

variable "replication_plan_uri" {
  description = "s3:// URI of the replication plan written by `ddb-migrate replicate --write-plan` (<run prefix>replication/plan.json)."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+/replication/plan\\.json$", var.replication_plan_uri))
    error_message = "replication_plan_uri must be s3://BUCKET/.../replication/plan.json."
  }
}

variable "target_region" {
  description = "Region of the target table."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.target_region))
    error_message = "target_region must be an AWS region name such as eu-west-1."
  }
}

variable "target_writer_role_arn" {
  description = "The writer role in the TARGET account (replication_target module) that the function assumes."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.target_writer_role_arn))
    error_message = "target_writer_role_arn must be an IAM role ARN (not a user, root or wildcard)."
  }
}

variable "target_writer_external_id" {
  description = "External ID the writer role's trust policy requires (sts:ExternalId). Treat it as a shared secret between the two accounts."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.target_writer_external_id) >= 16 && length(var.target_writer_external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.target_writer_external_id))
    error_message = "target_writer_external_id must be 16 to 1224 characters of A-Z, a-z, 0-9 and +=,.@:/_-."
  }
}

variable "batch_size" {
  description = "Stream records per invocation."
  type        = number
  default     = 100

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before its description goes to the dead-letter queue (then `ddb-migrate replicate --redrive-dlq`)."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 10000
    error_message = "maximum_retry_attempts must be between 0 and 10000."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Records older than this go to the dead-letter queue instead of being retried (-1: until the stream drops them after 24 h)."
  type        = number
  default     = -1

  validation {
    condition     = var.maximum_record_age_in_seconds == -1 || (var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800)
    error_message = "maximum_record_age_in_seconds must be -1 or between 60 and 604800."
  }
}

variable "parallelization_factor" {
  description = "Concurrent batches per shard (records of one item stay in order)."
  type        = number
  default     = 1

  validation {
    condition     = var.parallelization_factor >= 1 && var.parallelization_factor <= 10
    error_message = "parallelization_factor must be between 1 and 10."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for (and capping) the function."
  type        = number
  default     = 20

  validation {
    condition     = var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be at least 1."
  }
}

variable "timeout_seconds" {
  description = "Function timeout."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 10 and 900."
  }
}

variable "memory_size_mb" {
  description = "Function memory (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size_mb >= 128 && var.memory_size_mb <= 10240
    error_message = "memory_size_mb must be between 128 and 10240."
  }
}

variable "iterator_age_alarm_threshold_ms" {
  description = "Alarm when the age of the newest record the function saw (the replication lag) exceeds this."
  type        = number
  default     = 60000

  validation {
    condition     = var.iterator_age_alarm_threshold_ms > 0
    error_message = "iterator_age_alarm_threshold_ms must be positive."
  }
}

variable "iterator_age_alarm_evaluation_periods" {
  description = "Consecutive minutes over the threshold before the IteratorAge alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.iterator_age_alarm_evaluation_periods >= 1
    error_message = "iterator_age_alarm_evaluation_periods must be at least 1."
  }
}

variable "alarm_actions" {
  description = "ARNs notified by the alarms (an SNS topic), empty for none."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the module's KMS key is deleted."
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
