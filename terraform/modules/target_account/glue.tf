# Glue 5.0 jobs (migrate, validate), their security configuration, log group
# and the workflow that runs validate after a successful migrate.

locals {
  migrate_job_name  = "${var.name_prefix}-migrate"
  validate_job_name = "${var.name_prefix}-validate"

  jobs_wheel_s3_uri = "s3://${aws_s3_bucket.artifacts.id}/${aws_s3_object.jobs_wheel.key}"
  job_config_s3_uri = "s3://${aws_s3_bucket.artifacts.id}/${aws_s3_object.job_config.key}"

  # Arguments every job run gets unless start-job-run overrides them. The
  # caller's extra arguments come first so that they cannot replace these.
  job_default_arguments = merge(var.extra_default_arguments, {
    "--job-language"                     = "python"
    "--additional-python-modules"        = join(",", concat(var.additional_python_modules, [local.jobs_wheel_s3_uri]))
    "--config"                           = local.job_config_s3_uri
    "--run-id"                           = var.run_id
    "--enable-metrics"                   = "true"
    "--enable-continuous-cloudwatch-log" = "true"
    "--continuous-log-logGroup"          = aws_cloudwatch_log_group.jobs.name
    "--TempDir"                          = "s3://${aws_s3_bucket.artifacts.id}/${local.tmp_prefix}"
  })
}

resource "aws_cloudwatch_log_group" "jobs" {
  name              = "/aws-glue/jobs/${var.name_prefix}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.target.arn
  tags              = local.tags
}

resource "aws_glue_security_configuration" "jobs" {
  name = "${var.name_prefix}-jobs"

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.target.arn
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
# Workflow: start (on demand or scheduled) -> migrate -> (SUCCEEDED) -> validate
################################################################################

resource "aws_glue_workflow" "migration" {
  name                = "${var.name_prefix}-migration"
  description         = "Runs ${local.migrate_job_name}, then ${local.validate_job_name} when the migration succeeded."
  max_concurrent_runs = 1
  tags                = local.tags
}

resource "aws_glue_trigger" "start" {
  name          = "${var.name_prefix}-start"
  description   = var.schedule_expression == null ? "Starts the migration when the workflow is run." : "Starts the migration on ${var.schedule_expression}."
  workflow_name = aws_glue_workflow.migration.name
  type          = var.schedule_expression == null ? "ON_DEMAND" : "SCHEDULED"
  schedule      = var.schedule_expression
  # For an ON_DEMAND trigger the provider's `enabled` means "start it now":
  # left at its default (true) every apply would run the migration
  # (hashicorp/terraform-provider-aws#42498). A SCHEDULED trigger is activated.
  enabled = var.schedule_expression != null
  # Glue rejects start_on_creation on ON_DEMAND triggers.
  start_on_creation = var.schedule_expression == null ? null : true
  tags              = local.tags

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
