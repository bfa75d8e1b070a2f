variable "name_prefix" {
  description = "Prefix of every resource name this module creates (lower case, digits and hyphens; the export bucket name appends \"-export-<account id>\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 32 characters of a-z, 0-9 and '-', starting and ending with a letter or digit."
  }
}

variable "source_table_name" {
  description = "Name of the DynamoDB table to migrate. IAM statements and the export ARN patterns are scoped to this table (and its streams and exports) only."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.source_table_name))
    error_message = "source_table_name must be 3 to 255 characters of A-Z, a-z, 0-9, '_', '-' and '.'."
  }
}

variable "source_table" {
  description = <<-EOT
    Key schema of the source table when this module should create it (greenfield, demo, tests): the table is then
    created with point-in-time recovery (required by ExportTableToPointInTime), a NEW_AND_OLD_IMAGES stream,
    SSE with this module's KMS key and deletion protection. Leave null (the default) when the table already exists:
    the module then only grants access to it by name, and PITR must be enabled on it out of band
    (aws dynamodb update-continuous-backups). Changing this between null and an object adds or removes the table.
  EOT
  type = object({
    hash_key = object({
      name = string
      type = string
    })
    range_key = optional(object({
      name = string
      type = string
    }))
    billing_mode                = optional(string, "PAY_PER_REQUEST")
    read_capacity               = optional(number)
    write_capacity              = optional(number)
    deletion_protection_enabled = optional(bool, true)
  })
  default = null

  validation {
    condition = var.source_table == null ? true : alltrue([
      for key in compact([var.source_table.hash_key.type, try(var.source_table.range_key.type, "")]) : contains(["S", "N", "B"], key)
    ])
    error_message = "source_table key types must be one of S, N or B."
  }

  validation {
    condition     = var.source_table == null ? true : contains(["PAY_PER_REQUEST", "PROVISIONED"], var.source_table.billing_mode)
    error_message = "source_table.billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }

  validation {
    condition = var.source_table == null ? true : (
      var.source_table.billing_mode == "PAY_PER_REQUEST" ||
      (try(var.source_table.read_capacity, null) != null && try(var.source_table.write_capacity, null) != null)
    )
    error_message = "source_table.read_capacity and write_capacity are required when billing_mode is PROVISIONED."
  }
}

variable "target_job_role_arn" {
  description = "ARN of the Glue job role in the target account (output job_role_arn of the target_account module). With operator_principal_arns, the only principals granted read access to the export prefix, Decrypt on the export key and AssumeRole on the read role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.target_job_role_arn))
    error_message = "target_job_role_arn must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>), not a user, a wildcard or an account root."
  }
}

variable "operator_principal_arns" {
  description = "IAM role or user ARNs of the people who run `ddb-migrate export`, `plan` and `validate` from their own machines (usually roles in the target account). They get what the job role gets, and nothing more: read access to the export prefix, Decrypt on the export key through S3, and AssumeRole (with the external ID) on the read role. Empty (the default): only the job role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.operator_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "operator_principal_arns must hold IAM role or user ARNs (arn:aws:iam::<12-digit account>:role/<name> or :user/<name>): no wildcard, no account root."
  }
}

variable "read_role_external_id" {
  description = "External ID the target job must present (sts:ExternalId) to assume the source read role. Treat it as a shared secret between the two accounts."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.read_role_external_id) >= 16 && length(var.read_role_external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.read_role_external_id))
    error_message = "read_role_external_id must be 16 to 1224 characters of A-Z, a-z, 0-9 and +=,.@:/_-."
  }
}

variable "read_role_max_session_duration" {
  description = "Maximum session duration, in seconds, of the source read role (the job refreshes its credentials before they expire)."
  type        = number
  default     = 3600

  validation {
    condition     = var.read_role_max_session_duration >= 3600 && var.read_role_max_session_duration <= 43200 && floor(var.read_role_max_session_duration) == var.read_role_max_session_duration
    error_message = "read_role_max_session_duration must be a whole number of seconds between 3600 and 43200."
  }
}

variable "existing_export_bucket_name" {
  description = "Name of an existing bucket in the source account to receive the exports. Null (the default) creates \"<name_prefix>-export-<account id>\". Either way this module owns the bucket's policy: pass existing statements in export_bucket_additional_policy_json."
  type        = string
  default     = null

  validation {
    condition     = var.existing_export_bucket_name == null ? true : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.existing_export_bucket_name))
    error_message = "existing_export_bucket_name must be a valid S3 bucket name (3 to 63 characters of a-z, 0-9, '.' and '-')."
  }
}

variable "export_prefix" {
  description = "Key prefix of the DynamoDB exports in the export bucket (DynamoDB writes <prefix>AWSDynamoDB/<export id>/...). Read access is granted on this prefix only."
  type        = string
  default     = "exports/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.export_prefix))
    error_message = "export_prefix must be one or more path segments each ending with '/', e.g. \"exports/\" (no leading '/')."
  }
}

variable "export_bucket_additional_policy_json" {
  description = "Extra bucket policy statements (a JSON policy document) merged into the export bucket policy, e.g. the statements an existing bucket already had. Statement IDs must not collide with this module's."
  type        = string
  default     = null
}

variable "export_bucket_force_destroy" {
  description = "Let terraform destroy the created export bucket even when it still holds exports. Keep false outside tests."
  type        = bool
  default     = false
}

variable "export_expiration_days" {
  description = "Days after which objects under export_prefix expire in the created export bucket (exports are a transfer medium, not a backup)."
  type        = number
  default     = 30

  validation {
    condition     = var.export_expiration_days >= 1 && floor(var.export_expiration_days) == var.export_expiration_days
    error_message = "export_expiration_days must be a whole number of days, at least 1."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period, in days, before the export KMS key is deleted after a destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of this module."
  type        = map(string)
  default     = {}
}
