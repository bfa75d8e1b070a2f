# A complete cross-account migration stack: the source account grants the
# target account's Glue job role (and the named operators) read access; the
# target account runs the jobs and the export -> migrate -> validate workflow.

module "source_account" {
  source = "../../modules/source_account"
  providers = {
    aws = aws.source
  }

  name_prefix                 = var.name_prefix
  source_table_name           = var.source_table_name
  source_table                = var.source_table
  target_job_role_arn         = module.target_account.job_role_arn
  operator_principal_arns     = var.operator_principal_arns
  read_role_external_id       = var.read_role_external_id
  existing_export_bucket_name = var.existing_export_bucket_name
  export_prefix               = var.export_prefix
  export_bucket_force_destroy = var.force_destroy_buckets
  tags                        = var.tags
}

module "target_account" {
  source = "../../modules/target_account"

  name_prefix                    = var.name_prefix
  glue_scripts_dir               = coalesce(var.glue_scripts_dir, "${path.module}/../../../glue_scripts")
  glue_bundle_path               = var.glue_bundle_path
  job_config_path                = var.job_config_path
  run_id                         = var.run_id
  artifacts_bucket_force_destroy = var.force_destroy_buckets

  artifacts_bucket_deny_insecure_transport = var.artifacts_bucket_deny_insecure_transport

  source_export_bucket_name = module.source_account.export_bucket_name
  source_export_prefix      = module.source_account.export_prefix
  source_export_kms_key_arn = module.source_account.export_kms_key_arn
  source_read_role_arn      = module.source_account.read_role_arn

  target_table_name = var.target_table_name
  target_table      = var.target_table

  migrate_worker_type        = var.migrate_worker_type
  migrate_number_of_workers  = var.migrate_number_of_workers
  validate_worker_type       = var.validate_worker_type
  validate_number_of_workers = var.validate_number_of_workers
  schedule_expression        = var.schedule_expression
  schedule_enabled           = var.schedule_enabled
  alarm_email_addresses      = var.alarm_email_addresses
  tags                       = var.tags
}
