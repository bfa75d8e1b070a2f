# Glue 5.0 jobs (export, migrate, validate), their security configuration and
# log groups, and the workflow that runs export -> migrate -> validate.
# Facts about how Glue 5.0 runs them, with sources: docs/adr/0010-running-on-glue.md.

locals {
  export_job_name   = "${var.name_prefix}-export"
  migrate_job_name  = "${var.name_prefix}-migrate"
  validate_job_name = "${var.name_prefix}-validate"
  workflow_name     = "${var.name_prefix}-migration"

  glue_bundle_s3_uri      = "s3://${aws_s3_bucket.artifacts.id}/${aws_s3_object.glue_bundle.key}"
  job_config_s3_uri       = "s3://${aws_s3_bucket.artifacts.id}/${aws_s3_object.job_config.key}"
  spark_event_logs_s3_uri = "s3://${aws_s3_bucket.artifacts.id}/${local.spark_events_prefix}"

  # Glue 5.0 writes driver and executor logs to <prefix>/error (system, Spark,
  # Glue logger) and <prefix>/output (the script's stdout and stderr).
  job_log_group_prefix = "/aws-glue/jobs/${var.name_prefix}"

  # Arguments every job run gets unless start-job-run overrides them. The
  # caller's extra arguments come first so that they cannot replace these.
  job_default_arguments = merge(var.extra_default_arguments, {
    "--job-language" = "python"
    # One zip of wheels, named by its SHA-256, installed with no package index:
    # nothing is fetched from PyPI when a job starts.
    "--additional-python-modules"       = local.glue_bundle_s3_uri
    "--python-modules-installer-option" = "--no-index"
    "--config"                          = local.job_config_s3_uri
    "--run-id"                          = var.run_id
    "--enable-metrics"                  = "true"
    "--custom-logGroup-prefix"          = local.job_log_group_prefix
    "--enable-spark-ui"                 = "true"
    "--spark-event-logs-path"           = local.spark_event_logs_s3_uri
    "--TempDir"                         = "s3://${aws_s3_bucket.artifacts.id}/${local.tmp_prefix}"
  })
}

# Created here, with retention and the module's key, before any job writes to
# them; Glue would otherwise create them on first use, with neither.
resource "aws_cloudwatch_log_group" "jobs" {
  for_each = toset(["error", "output"])

  name              = "${local.job_log_group_prefix}/${each.key}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.target.arn
  tags              = local.tags
}

resource "aws_glue_security_configuration" "jobs" {
  #checkov:skip=CKV_AWS_99:CloudWatch encryption is done by the job log groups themselves (KMS key on aws_cloudwatch_log_group.jobs); S3 and bookmark encryption stay on.
  name = "${var.name_prefix}-jobs"

  encryption_configuration {
    # The job log groups are encrypted with the module's key by the log groups
    # themselves (above). SSE-KMS here would make Glue write to log groups named
    # after the role and this configuration instead of the prefix above, which
    # nothing here creates (no retention): see ADR 0010.
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "DISABLED"
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.target.arn
    }

    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.target.arn
    }
  }
}

resource "aws_glue_job" "export" {
  name                   = local.export_job_name
  description            = "Exports the source table at a fresh point in time for a scheduled run (ddb-migrate export), then records it under the run id."
  role_arn               = aws_iam_role.job.arn
  glue_version           = "5.0"
  execution_class        = "STANDARD"
  worker_type            = "G.1X"
  number_of_workers      = 2 # the smallest Spark job: the export runs in DynamoDB, the job only waits for it
  timeout                = var.job_timeout_minutes
  max_retries            = var.job_max_retries
  security_configuration = aws_glue_security_configuration.jobs.name
  default_arguments      = local.job_default_arguments
  tags                   = local.tags

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${aws_s3_bucket.artifacts.id}/${aws_s3_object.glue_scripts["export_table.py"].key}"
  }

  execution_property {
    max_concurrent_runs = 1
  }
}

resource "aws_glue_job" "migrate" {
  name                   = local.migrate_job_name
  description            = "Migrates ${var.target_table_name} from the source account's export, scan or stream (see --config)."
  role_arn               = aws_iam_role.job.arn
  glue_version           = "5.0"
  execution_class        = "STANDARD"
  worker_type            = var.migrate_worker_type
  number_of_workers      = var.migrate_number_of_workers
  timeout                = var.job_timeout_minutes
  max_retries            = var.job_max_retries
  security_configuration = aws_glue_security_configuration.jobs.name
  default_arguments      = local.job_default_arguments
  tags                   = local.tags

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${aws_s3_bucket.artifacts.id}/${aws_s3_object.glue_scripts["migrate_table.py"].key}"
  }

  execution_property {
    # Two concurrent runs of one migration would race on the ledger.
    max_concurrent_runs = 1
  }
}

resource "aws_glue_job" "validate" {
  name                   = local.validate_job_name
  description            = "Validates ${var.target_table_name} against the source (counts, canonical hashes, expectations)."
  role_arn               = aws_iam_role.job.arn
  glue_version           = "5.0"
  execution_class        = "STANDARD"
  worker_type            = var.validate_worker_type
  number_of_workers      = var.validate_number_of_workers
  timeout                = var.job_timeout_minutes
  max_retries            = var.job_max_retries
  security_configuration = aws_glue_security_configuration.jobs.name
  default_arguments      = local.job_default_arguments
  tags                   = local.tags

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${aws_s3_bucket.artifacts.id}/${aws_s3_object.glue_scripts["validate_table.py"].key}"
  }

  execution_property {
    max_concurrent_runs = 1
  }
}

################################################################################
# Workflow: start (on demand or scheduled) -> export -> migrate -> validate.
# Each workflow run is one migration run: the jobs derive one run id from it
# (a resumed workflow run follows PreviousRunId back to the run it resumes, so
# it reuses that run's ledger). See ADR 0010.
################################################################################

resource "aws_glue_workflow" "migration" {
  name                = local.workflow_name
  description         = "Exports the source table, migrates it into ${var.target_table_name} and validates it: one run id per workflow run."
  max_concurrent_runs = 1
  default_run_properties = {
    "ddb_migrate_target_table" = var.target_table_name
  }
  tags = local.tags
}

resource "aws_glue_trigger" "start" {
  name          = "${var.name_prefix}-start"
  description   = var.schedule_expression == null ? "Starts the export when the workflow is run." : "Starts the export on ${var.schedule_expression}."
  workflow_name = aws_glue_workflow.migration.name
  type          = var.schedule_expression == null ? "ON_DEMAND" : "SCHEDULED"
  schedule      = var.schedule_expression
  # For an ON_DEMAND trigger the provider's `enabled` means "start it now":
  # left at its default (true) every apply would run the migration
  # (hashicorp/terraform-provider-aws#42498). A SCHEDULED trigger is activated
  # unless schedule_enabled is false.
  enabled = var.schedule_expression != null && var.schedule_enabled
  # Glue rejects start_on_creation on ON_DEMAND triggers.
  start_on_creation = var.schedule_expression == null ? null : var.schedule_enabled
  tags              = local.tags

  actions {
    job_name = aws_glue_job.export.name
  }
}

resource "aws_glue_trigger" "migrate_after_export" {
  name              = "${var.name_prefix}-migrate-after-export"
  description       = "Migrates once the export job run has SUCCEEDED."
  workflow_name     = aws_glue_workflow.migration.name
  type              = "CONDITIONAL"
  start_on_creation = true
  tags              = local.tags

  predicate {
    conditions {
      job_name         = aws_glue_job.export.name
      logical_operator = "EQUALS"
      state            = "SUCCEEDED"
    }
  }

  actions {
    job_name = aws_glue_job.migrate.name
  }
}

resource "aws_glue_trigger" "validate_after_migrate" {
  name              = "${var.name_prefix}-validate-after-migrate"
  description       = "Validates once the migration job run has SUCCEEDED."
  workflow_name     = aws_glue_workflow.migration.name
  type              = "CONDITIONAL"
  start_on_creation = true
  tags              = local.tags

  predicate {
    conditions {
      job_name         = aws_glue_job.migrate.name
      logical_operator = "EQUALS"
      state            = "SUCCEEDED"
    }
  }

  actions {
    job_name = aws_glue_job.validate.name
  }
}
