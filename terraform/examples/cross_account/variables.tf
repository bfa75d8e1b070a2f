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
  description = "Role in the SOURCE account that terraform assumes (from the target account's credentials) to create the source side."
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
    condition     = alltrue([for service in keys(var.endpoints) : contains(["cloudwatch", "dynamodb", "events", "glue", "iam", "kms", "logs", "s3", "sns", "sts"], service)])
    error_message = "endpoints keys must be among cloudwatch, dynamodb, events, glue, iam, kms, logs, s3, sns and sts."
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
  description = "Skip the providers' account ID lookup. Keep false, on emulators too: without the account ID the provider builds wrong ARNs for Glue tags and every plan shows a tag diff."
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
# Migration
################################################################################

variable "name_prefix" {
  description = "Prefix of every resource name in both accounts."
  type        = string
  default     = "ddb-migration"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 32 characters of a-z, 0-9 and '-', starting and ending with a letter or digit."
  }
}

variable "source_table_name" {
  description = "Name of the DynamoDB table to migrate, in the source account."
  type        = string
}

variable "source_table" {
  description = "Key schema of the source table if the source_account module should create it (demo, tests); null when it exists. See the module's variable."
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
}

variable "read_role_external_id" {
  description = "External ID the Glue job presents to assume the source read role; put the same value in the job config."
  type        = string
  sensitive   = true
}

variable "existing_export_bucket_name" {
  description = "Existing bucket in the source account for the exports; null creates one."
  type        = string
  default     = null
}

variable "export_prefix" {
  description = "Key prefix of the exports in the export bucket."
  type        = string
  default     = "exports/"
}

variable "target_table_name" {
  description = "Name of the DynamoDB table to write, in the target account."
  type        = string
}

variable "target_table" {
  description = "Definition of the target table, or null to use an existing one. See the target_account module's variable."
  type = object({
    hash_key = object({
      name = string
      type = string
    })
    range_key = optional(object({
      name = string
      type = string
    }))
    global_secondary_indexes = optional(list(object({
      name = string
      hash_key = object({
        name = string
        type = string
      })
      range_key = optional(object({
        name = string
        type = string
      }))
      projection_type    = optional(string, "ALL")
      non_key_attributes = optional(list(string), [])
      read_capacity      = optional(number)
      write_capacity     = optional(number)
    })), [])
    billing_mode                = optional(string, "PAY_PER_REQUEST")
    read_capacity               = optional(number)
    write_capacity              = optional(number)
    table_class                 = optional(string, "STANDARD")
    deletion_protection_enabled = optional(bool, true)
  })
  default = {
    hash_key = { name = "pk", type = "S" }
  }
}

variable "glue_scripts_dir" {
  description = "Folder of the Glue entry points; null uses the repository's glue_scripts/."
  type        = string
  default     = null
}

variable "glue_bundle_path" {
  description = "Path of the Glue dependency bundle that `make package` writes: dist/ddb_migrate-glue-bundle-<sha256>.zip."
  type        = string
}

variable "job_config_path" {
  description = "Path of the job configuration YAML uploaded as the jobs' --config."
  type        = string
}

variable "run_id" {
  description = "Default --run-id of the jobs; \"auto\" lets the job use the config's run_id or derive one."
  type        = string
  default     = "auto"
}

variable "migrate_worker_type" {
  description = "Glue worker type of the migrate job."
  type        = string
  default     = "G.1X"
}

variable "migrate_number_of_workers" {
  description = "Number of Glue workers of the migrate job."
  type        = number
  default     = 10
}

variable "validate_worker_type" {
  description = "Glue worker type of the validate job."
  type        = string
  default     = "G.1X"
}

variable "validate_number_of_workers" {
  description = "Number of Glue workers of the validate job."
  type        = number
  default     = 5
}

variable "schedule_expression" {
  description = "Glue cron expression (UTC) that starts the whole run (export at a fresh point in time -> migrate -> validate, one run id per run), e.g. \"cron(0 2 ? * SUN *)\"; null runs it on demand only."
  type        = string
  default     = null
}

variable "schedule_enabled" {
  description = "Set false to pause the schedule without removing it."
  type        = bool
  default     = true
}

variable "operator_principal_arns" {
  description = "IAM role or user ARNs of the operators who run `ddb-migrate export`, `plan` and `validate` themselves: they may assume the source read role (with the external ID), read the export prefix and decrypt the exports through S3, as the job role does. Empty: the job role only."
  type        = list(string)
  default     = []
}

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy non-empty export and artifacts buckets (tests only)."
  type        = bool
  default     = false
}

variable "artifacts_bucket_deny_insecure_transport" {
  description = "Deny requests without TLS on the artifacts bucket. Keep true on AWS; tests against moto set false (moto ignores the condition and denies everything)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every taggable resource in both accounts."
  type        = map(string)
  default     = {}
}
