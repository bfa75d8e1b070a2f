# Near-zero-downtime replication for a cross-account migration (ADR 0009): the replicator
# function runs in the SOURCE account next to the stream and writes the target table through
# a writer role in the TARGET account. Apply it after the full load has finished, once
# `ddb-migrate replicate --config job.yaml --write-plan` has written the plan.

module "stream_replicator" {
  source = "../../modules/stream_replicator"
  providers = {
    aws = aws.source
  }

  name_prefix                     = var.name_prefix
  source_table_name               = var.source_table_name
  source_stream_arn               = var.source_stream_arn
  lambda_package_path             = var.lambda_package_path
  replication_plan_uri            = module.replication_target.replication_plan_uri
  target_region                   = var.region
  target_writer_role_arn          = module.replication_target.writer_role_arn
  target_writer_external_id       = var.writer_external_id
  maximum_retry_attempts          = var.maximum_retry_attempts
  iterator_age_alarm_threshold_ms = var.iterator_age_alarm_threshold_ms
  alarm_actions                   = var.alarm_actions
  tags                            = var.tags
}

module "replication_target" {
  source = "../../modules/replication_target"

  name_prefix                          = var.name_prefix
  target_table_name                    = var.target_table_name
  replicator_role_arn                  = module.stream_replicator.execution_role_arn
  writer_external_id                   = var.writer_external_id
  artifacts_bucket_name                = var.artifacts_bucket_name
  run_prefix                           = var.run_prefix
  artifacts_kms_key_arn                = var.artifacts_kms_key_arn
  target_table_kms_key_arn             = var.target_table_kms_key_arn
  version_table_point_in_time_recovery = var.version_table_point_in_time_recovery
  tags                                 = var.tags
}
