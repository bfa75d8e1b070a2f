variable "name_prefix" {
  description = "Prefix of every resource name this module creates (lower case, digits and hyphens; the artifacts bucket name appends \"-artifacts-<account id>\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 32 characters of a-z, 0-9 and '-', starting and ending with a letter or digit."
  }
}

################################################################################
# Code and configuration uploaded to the artifacts bucket
################################################################################

variable "glue_scripts_dir" {
  description = "Local folder holding the Glue entry points; every *.py file in it is uploaded to s3://<artifacts bucket>/glue_scripts/. Must contain export_table.py, migrate_table.py and validate_table.py."
  type        = string

  validation {
    condition     = alltrue([for script in ["export_table.py", "migrate_table.py", "validate_table.py"] : fileexists("${var.glue_scripts_dir}/${script}")])
    error_message = "glue_scripts_dir must contain export_table.py, migrate_table.py and validate_table.py."
  }
}

variable "glue_bundle_path" {
  description = "Local path of the Glue dependency bundle that `make package` writes: dist/ddb_migrate-glue-bundle-<sha256>.zip, a zip of wheels (the project's wheel and every runtime dependency, pinned by requirements.lock). Uploaded under bundles/ with its name kept and installed by Glue with no package index."
  type        = string

  validation {
    condition     = can(regex("ddb_migrate-glue-bundle-[0-9a-f]{64}\\.zip$", var.glue_bundle_path)) && fileexists(var.glue_bundle_path)
    error_message = "glue_bundle_path must name an existing dist/ddb_migrate-glue-bundle-<sha256>.zip (run `make package`)."
  }
}

variable "job_config_path" {
  description = "Local path of the job configuration YAML; uploaded to s3://<artifacts bucket>/config/job.yaml and passed to both jobs as --config."
  type        = string

  validation {
    condition     = can(regex("\\.ya?ml$", var.job_config_path)) && fileexists(var.job_config_path)
    error_message = "job_config_path must name an existing .yaml or .yml file."
  }
}

variable "artifacts_bucket_force_destroy" {
  description = "Let terraform destroy the artifacts bucket even when it still holds run outputs. Keep false outside tests."
  type        = bool
  default     = false
}

variable "artifacts_bucket_deny_insecure_transport" {
  description = "Attach a bucket policy to the artifacts bucket that denies every request made without TLS (aws:SecureTransport = false). Keep true on AWS; false exists for emulators such as moto, which ignore the condition and deny every object request."
  type        = bool
  default     = true
}

variable "run_prefix" {
  description = "Key prefix, in the artifacts bucket, under which the jobs write their ledger, dead letters and reports. The job role may write under this prefix (and tmp/) only."
  type        = string
  default     = "runs/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.run_prefix)) && !contains(["glue_scripts/", "bundles/", "config/", "tmp/", "spark-events/"], var.run_prefix)
    error_message = "run_prefix must be one or more path segments each ending with '/' (no leading '/'), and not glue_scripts/, bundles/, config/, tmp/ or spark-events/."
  }
}

################################################################################
# Glue jobs
################################################################################

variable "enable_import" {
  description = "Let the migrate job create the target table with ImportTable (target.mode: import): dynamodb:ImportTable and DescribeImport on the target table, staging objects under import_staging_prefix, and ImportTable's error log group."
  type        = bool
  default     = false
}

variable "import_staging_prefix" {
  description = "Key prefix, in the artifacts bucket, of the files staged for ImportTable (the job config's target.import.prefix)."
  type        = string
  default     = "imports/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.import_staging_prefix))
    error_message = "import_staging_prefix must be one or more path segments each ending with '/'."
  }
}

variable "run_id" {
  description = "Default --run-id of the jobs when one is started on its own (start-job-run; override it per run with --arguments). \"auto\" (the default) lets the job use the config's run_id, or derive a fresh one. Runs that share an id share a ledger and resume each other. A workflow run ignores it: its three jobs derive one run id per workflow run."
  type        = string
  default     = "auto"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", var.run_id))
    error_message = "run_id must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit."
  }
}

variable "extra_default_arguments" {
  description = "Further Glue default arguments for the jobs (keys start with --), such as \"--conf\" = \"spark.x=y\". They cannot replace the ones this module sets. The jobs parse their own arguments exactly, so no other key can be taken for --config or --run-id."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.extra_default_arguments) : startswith(key, "--")])
    error_message = "extra_default_arguments keys must start with '--'."
  }
}

variable "migrate_worker_type" {
  description = "Glue worker type of the migrate job."
  type        = string
  default     = "G.1X"

  validation {
    condition     = contains(["G.1X", "G.2X", "G.4X", "G.8X"], var.migrate_worker_type)
    error_message = "migrate_worker_type must be one of G.1X, G.2X, G.4X, G.8X (the Spark worker types of Glue 5.0)."
  }
}

variable "migrate_number_of_workers" {
  description = "Number of Glue workers of the migrate job (the driver counts as one)."
  type        = number
  default     = 10

  validation {
    condition     = var.migrate_number_of_workers >= 2 && var.migrate_number_of_workers <= 1000 && floor(var.migrate_number_of_workers) == var.migrate_number_of_workers
    error_message = "migrate_number_of_workers must be a whole number between 2 and 1000."
  }
}

variable "validate_worker_type" {
  description = "Glue worker type of the validate job."
  type        = string
  default     = "G.1X"

  validation {
    condition     = contains(["G.1X", "G.2X", "G.4X", "G.8X"], var.validate_worker_type)
    error_message = "validate_worker_type must be one of G.1X, G.2X, G.4X, G.8X (the Spark worker types of Glue 5.0)."
  }
}

variable "validate_number_of_workers" {
  description = "Number of Glue workers of the validate job (the driver counts as one)."
  type        = number
  default     = 5

  validation {
    condition     = var.validate_number_of_workers >= 2 && var.validate_number_of_workers <= 1000 && floor(var.validate_number_of_workers) == var.validate_number_of_workers
    error_message = "validate_number_of_workers must be a whole number between 2 and 1000."
  }
}

variable "job_timeout_minutes" {
  description = "Timeout of each job run, in minutes."
  type        = number
  default     = 2880

  validation {
    condition     = var.job_timeout_minutes >= 1 && var.job_timeout_minutes <= 10080 && floor(var.job_timeout_minutes) == var.job_timeout_minutes
    error_message = "job_timeout_minutes must be a whole number between 1 and 10080 (7 days)."
  }
}

variable "job_max_retries" {
  description = "Automatic Glue retries of a failed run. 0 by default: a failed migration is resumed deliberately, with the same --run-id, after reading its report."
  type        = number
  default     = 0

  validation {
    condition     = var.job_max_retries >= 0 && var.job_max_retries <= 10 && floor(var.job_max_retries) == var.job_max_retries
    error_message = "job_max_retries must be a whole number between 0 and 10."
  }
}

variable "schedule_expression" {
  description = "Glue cron expression (UTC) that starts the whole run, export -> migrate -> validate, e.g. \"cron(0 2 ? * SUN *)\"; each scheduled run exports the source afresh and gets its own run id. null (the default): the workflow starts on demand only (`ddb-migrate glue start`)."
  type        = string
  default     = null

  validation {
    condition     = var.schedule_expression == null ? true : can(regex("^cron\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be a Glue cron expression such as \"cron(0 2 * * ? *)\", or null."
  }
}

variable "schedule_enabled" {
  description = "Whether the schedule is active. Set false to pause scheduled runs without losing schedule_expression; ignored when schedule_expression is null."
  type        = bool
  default     = true
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the jobs' own metrics; the job role may only PutMetricData into it (and Glue's)."
  type        = string
  default     = "DynamoDBMigration"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1 to 255 characters of A-Z, a-z, 0-9 and ._/#:- and must not start with AWS/."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the jobs' two CloudWatch log groups (<prefix>/error and <prefix>/output)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "spark_event_log_retention_days" {
  description = "Days the Spark UI event logs (s3://<artifacts bucket>/spark-events/) are kept."
  type        = number
  default     = 30

  validation {
    condition     = var.spark_event_log_retention_days >= 1 && floor(var.spark_event_log_retention_days) == var.spark_event_log_retention_days
    error_message = "spark_event_log_retention_days must be a whole number of at least 1."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period, in days, before the target KMS key is deleted after a destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

################################################################################
# Source account (outputs of the source_account module)
################################################################################

variable "source_export_bucket_name" {
  description = "Name of the export bucket in the source account (source_account output export_bucket_name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_export_bucket_name))
    error_message = "source_export_bucket_name must be a valid S3 bucket name."
  }
}

variable "source_export_prefix" {
  description = "Key prefix of the exports in the export bucket (source_account output export_prefix)."
  type        = string
  default     = "exports/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.source_export_prefix))
    error_message = "source_export_prefix must be one or more path segments each ending with '/' (no leading '/')."
  }
}

variable "source_export_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the exports (source_account output export_kms_key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.source_export_kms_key_arn))
    error_message = "source_export_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "source_read_role_arn" {
  description = "ARN of the source account's read role (source_account output read_role_arn); the job role may assume this role only."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.source_read_role_arn))
    error_message = "source_read_role_arn must be an IAM role ARN."
  }
}

################################################################################
# Target table
################################################################################

variable "target_table_name" {
  description = "Name of the DynamoDB table the migration writes to (created by this module unless target_table is null)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.target_table_name))
    error_message = "target_table_name must be 3 to 255 characters of A-Z, a-z, 0-9, '_', '-' and '.'."
  }
}

variable "additional_target_table_names" {
  description = "Further existing tables the migration writes to, for a job config that lists tables (`tables:`). The job role gets on each exactly the actions it has on target_table_name (and ImportTable with enable_import); this module creates none of them, and their alarms are not made here."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.additional_target_table_names : can(regex("^[A-Za-z0-9_.-]{3,255}$", name))])
    error_message = "Every additional_target_table_names entry must be 3 to 255 characters of A-Z, a-z, 0-9, '_', '-' and '.'."
  }

  validation {
    condition     = length(distinct(concat([var.target_table_name], var.additional_target_table_names))) == length(var.additional_target_table_names) + 1
    error_message = "additional_target_table_names must not repeat a table, nor target_table_name."
  }
}

variable "target_table" {
  description = <<-EOT
    Definition of the target table this module creates, with PITR, SSE under this module's KMS key and deletion
    protection. The default is a table keyed by "pk" (S). Key names and types must match the items the migration
    writes. Set to null to write into an existing table named target_table_name: the module then only grants the
    job access to it. Changing between null and an object adds or removes the table (deletion protection blocks
    the removal).
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

  validation {
    condition = var.target_table == null ? true : alltrue([
      for key in concat(
        [var.target_table.hash_key],
        var.target_table.range_key == null ? [] : [var.target_table.range_key],
        [for gsi in var.target_table.global_secondary_indexes : gsi.hash_key],
        [for gsi in var.target_table.global_secondary_indexes : gsi.range_key if gsi.range_key != null],
      ) : contains(["S", "N", "B"], key.type)
    ])
    error_message = "Every key attribute type of target_table (table and indexes) must be S, N or B."
  }

  validation {
    # The same attribute name may key several indexes, but always with one type.
    condition = var.target_table == null ? true : (
      length(distinct([
        for key in concat(
          [var.target_table.hash_key],
          var.target_table.range_key == null ? [] : [var.target_table.range_key],
          [for gsi in var.target_table.global_secondary_indexes : gsi.hash_key],
          [for gsi in var.target_table.global_secondary_indexes : gsi.range_key if gsi.range_key != null],
        ) : key.name
      ])) ==
      length(distinct(concat(
        [var.target_table.hash_key],
        var.target_table.range_key == null ? [] : [var.target_table.range_key],
        [for gsi in var.target_table.global_secondary_indexes : gsi.hash_key],
        [for gsi in var.target_table.global_secondary_indexes : gsi.range_key if gsi.range_key != null],
      )))
    )
    error_message = "A key attribute of target_table is declared with two different types."
  }

  validation {
    condition     = var.target_table == null ? true : contains(["PAY_PER_REQUEST", "PROVISIONED"], var.target_table.billing_mode)
    error_message = "target_table.billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }

  validation {
    condition = var.target_table == null ? true : (
      var.target_table.billing_mode == "PAY_PER_REQUEST" || alltrue(concat(
        [var.target_table.read_capacity != null, var.target_table.write_capacity != null],
        [for gsi in var.target_table.global_secondary_indexes : gsi.read_capacity != null && gsi.write_capacity != null],
      ))
    )
    error_message = "read_capacity and write_capacity are required on target_table and on each of its indexes when billing_mode is PROVISIONED."
  }

  validation {
    condition = var.target_table == null ? true : alltrue([
      for gsi in var.target_table.global_secondary_indexes : contains(["ALL", "KEYS_ONLY", "INCLUDE"], gsi.projection_type)
    ])
    error_message = "Each global secondary index projection_type must be ALL, KEYS_ONLY or INCLUDE."
  }

  validation {
    condition     = var.target_table == null ? true : length(distinct([for gsi in var.target_table.global_secondary_indexes : gsi.name])) == length(var.target_table.global_secondary_indexes)
    error_message = "Global secondary index names of target_table must be unique."
  }

  validation {
    condition     = var.target_table == null ? true : contains(["STANDARD", "STANDARD_INFREQUENT_ACCESS"], var.target_table.table_class)
    error_message = "target_table.table_class must be STANDARD or STANDARD_INFREQUENT_ACCESS."
  }
}

################################################################################
# Alarms
################################################################################

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm its subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "alarm_email_addresses must be e-mail addresses."
  }
}

variable "write_throttle_alarm_threshold" {
  description = "The throttle alarm fires when the target table (or one of its indexes) reports more WriteThrottleEvents than this, summed per minute, for write_throttle_alarm_evaluation_periods minutes in a row."
  type        = number
  default     = 0

  validation {
    condition     = var.write_throttle_alarm_threshold >= 0
    error_message = "write_throttle_alarm_threshold must not be negative."
  }
}

variable "write_throttle_alarm_evaluation_periods" {
  description = "Consecutive one-minute periods over the threshold before the throttle alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.write_throttle_alarm_evaluation_periods >= 1 && var.write_throttle_alarm_evaluation_periods <= 1440 && floor(var.write_throttle_alarm_evaluation_periods) == var.write_throttle_alarm_evaluation_periods
    error_message = "write_throttle_alarm_evaluation_periods must be a whole number between 1 and 1440."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of this module."
  type        = map(string)
  default     = {}
}
