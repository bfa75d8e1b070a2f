output "export_bucket_name" {
  description = "Bucket in the source account that receives the exports."
  value       = module.source_account.export_bucket_name
}

output "export_prefix" {
  description = "Key prefix of the exports."
  value       = module.source_account.export_prefix
}

output "export_bucket_policy_json" {
  description = "The export bucket policy as applied."
  value       = module.source_account.export_bucket_policy_json
}

output "export_kms_key_arn" {
  description = "KMS key that encrypts the exports."
  value       = module.source_account.export_kms_key_arn
}

output "read_role_arn" {
  description = "Source read role the job assumes with the external ID."
  value       = module.source_account.read_role_arn
}

output "source_table_arn" {
  description = "ARN of the source table."
  value       = module.source_account.source_table_arn
}

output "job_role_arn" {
  description = "Glue job role in the target account."
  value       = module.target_account.job_role_arn
}

output "migrate_job_name" {
  description = "Name of the migrate Glue job."
  value       = module.target_account.migrate_job_name
}

output "validate_job_name" {
  description = "Name of the validate Glue job."
  value       = module.target_account.validate_job_name
}

output "glue_workflow_name" {
  description = "Glue workflow that runs migrate, then validate."
  value       = module.target_account.glue_workflow_name
}

output "glue_security_configuration_name" {
  description = "Glue security configuration of both jobs."
  value       = module.target_account.glue_security_configuration_name
}

output "artifacts_bucket_name" {
  description = "Artifacts bucket in the target account."
  value       = module.target_account.artifacts_bucket_name
}

output "glue_script_s3_uris" {
  description = "S3 URIs of the uploaded Glue entry points, keyed by file name."
  value       = module.target_account.glue_script_s3_uris
}

output "glue_bundle_s3_uri" {
  description = "S3 URI of the uploaded dependency bundle (installed with no package index)."
  value       = module.target_account.glue_bundle_s3_uri
}

output "export_job_name" {
  description = "Name of the export Glue job (first step of the workflow)."
  value       = module.target_account.export_job_name
}

output "job_log_group_names" {
  description = "The jobs' Glue 5.0 log groups, keyed error and output."
  value       = module.target_account.job_log_group_names
}

output "spark_event_logs_s3_uri" {
  description = "S3 URI of the jobs' Spark UI event logs."
  value       = module.target_account.spark_event_logs_s3_uri
}

output "dead_letters_alarm_name" {
  description = "Name of the alarm on the jobs' DeadLetters metric."
  value       = module.target_account.dead_letters_alarm_name
}

output "job_config_s3_uri" {
  description = "S3 URI of the uploaded job configuration."
  value       = module.target_account.job_config_s3_uri
}

output "run_prefix_s3_uri" {
  description = "Prefix the jobs may write their ledger, dead letters and reports under (the job config's output.uri must be below it)."
  value       = module.target_account.run_prefix_s3_uri
}

output "metrics_namespace" {
  description = "CloudWatch namespace the job role may publish to (progress.cloudwatch_namespace)."
  value       = module.target_account.metrics_namespace
}

output "target_table_name" {
  description = "Name of the target table."
  value       = module.target_account.target_table_name
}

output "target_kms_key_arn" {
  description = "KMS key of the target account."
  value       = module.target_account.target_kms_key_arn
}

output "alarms_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.target_account.alarms_topic_arn
}

output "job_failed_event_rule_name" {
  description = "EventBridge rule that reports failed job runs."
  value       = module.target_account.job_failed_event_rule_name
}

output "target_table_write_throttles_alarm_name" {
  description = "CloudWatch alarm on the target table's write throttling."
  value       = module.target_account.target_table_write_throttles_alarm_name
}

output "target_index_write_throttles_alarm_names" {
  description = "CloudWatch alarms on each target index's write throttling."
  value       = module.target_account.target_index_write_throttles_alarm_names
}
