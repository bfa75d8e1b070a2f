output "job_role_arn" {
  description = "ARN of the Glue job role; pass it to the source_account module as target_job_role_arn."
  value       = aws_iam_role.job.arn
}

output "job_role_name" {
  description = "Name of the Glue job role."
  value       = aws_iam_role.job.name
}

output "export_job_name" {
  description = "Name of the export Glue job (the first step of a workflow run)."
  value       = aws_glue_job.export.name
}

output "migrate_job_name" {
  description = "Name of the migrate Glue job."
  value       = aws_glue_job.migrate.name
}

output "validate_job_name" {
  description = "Name of the validate Glue job."
  value       = aws_glue_job.validate.name
}

output "glue_security_configuration_name" {
  description = "Name of the Glue security configuration used by both jobs."
  value       = aws_glue_security_configuration.jobs.name
}

output "glue_workflow_name" {
  description = "Name of the Glue workflow: export -> migrate -> validate, one run id per workflow run (`ddb-migrate glue start --config FILE`)."
  value       = aws_glue_workflow.migration.name
}

output "job_log_group_names" {
  description = "The jobs' CloudWatch log groups (Glue 5.0): \"error\" (system, Spark and Glue logger) and \"output\" (the script's stdout and stderr)."
  value       = { for kind, group in aws_cloudwatch_log_group.jobs : kind => group.name }
}

output "spark_event_logs_s3_uri" {
  description = "S3 URI of the jobs' Spark UI event logs (open them in the Glue console's Spark UI or a Spark history server)."
  value       = local.spark_event_logs_s3_uri
}

output "artifacts_bucket_name" {
  description = "Name of the artifacts bucket (scripts, dependency bundle, config, run outputs, Spark event logs)."
  value       = aws_s3_bucket.artifacts.id
}

output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  value       = aws_s3_bucket.artifacts.arn
}

output "artifacts_bucket_policy_json" {
  description = "The artifacts bucket policy (TLS required), or null when artifacts_bucket_deny_insecure_transport is false."
  value       = try(aws_s3_bucket_policy.artifacts[0].policy, null)
}

output "run_prefix_s3_uri" {
  description = "S3 URI under which the jobs write their ledger, dead letters and reports."
  value       = "s3://${aws_s3_bucket.artifacts.id}/${var.run_prefix}"
}

output "glue_script_s3_uris" {
  description = "S3 URI of every uploaded Glue entry point, keyed by file name."
  value       = { for name, object in aws_s3_object.glue_scripts : name => "s3://${object.bucket}/${object.key}" }
}

output "glue_bundle_s3_uri" {
  description = "S3 URI of the uploaded dependency bundle (the jobs' --additional-python-modules, installed with --no-index)."
  value       = local.glue_bundle_s3_uri
}

output "job_config_s3_uri" {
  description = "S3 URI of the job configuration YAML (the jobs' --config)."
  value       = local.job_config_s3_uri
}

output "job_default_arguments" {
  description = "Default arguments shared by the jobs."
  value       = local.job_default_arguments
}

output "metrics_namespace" {
  description = "CloudWatch namespace the job role may publish to; use it as progress.cloudwatch_namespace in the job config."
  value       = var.metrics_namespace
}

output "target_kms_key_arn" {
  description = "ARN of the target account's KMS key (artifacts, Glue encryption, logs, SNS, target table)."
  value       = aws_kms_key.target.arn
}

output "target_table_name" {
  description = "Name of the target table."
  value       = var.target_table_name
}

output "target_table_arn" {
  description = "ARN of the target table."
  value       = local.target_table_arn
}

output "target_table_arns" {
  description = "ARNs of every table the job role may write: the target table, then additional_target_table_names."
  value       = local.target_table_arns
}

output "alarms_topic_arn" {
  description = "ARN of the SNS topic that receives every alarm of this module."
  value       = aws_sns_topic.alarms.arn
}

output "dead_letters_alarm_name" {
  description = "Name of the CloudWatch alarm on the jobs' DeadLetters metric (any run, above 0)."
  value       = aws_cloudwatch_metric_alarm.dead_letters.alarm_name
}

output "job_failed_event_rule_name" {
  description = "Name of the EventBridge rule that reports failed, timed-out, errored or stopped job runs."
  value       = aws_cloudwatch_event_rule.job_failed.name
}

output "target_table_write_throttles_alarm_name" {
  description = "Name of the CloudWatch alarm on the target table's WriteThrottleEvents."
  value       = aws_cloudwatch_metric_alarm.target_table_write_throttles.alarm_name
}

output "target_index_write_throttles_alarm_names" {
  description = "Names of the CloudWatch alarms on each index's WriteThrottleEvents, keyed by index name."
  value       = { for name, alarm in aws_cloudwatch_metric_alarm.target_index_write_throttles : name => alarm.alarm_name }
}
