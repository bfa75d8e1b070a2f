output "function_name" {
  description = "The replicator function (source account)."
  value       = module.stream_replicator.function_name
}

output "execution_role_arn" {
  description = "The function's role (source account)."
  value       = module.stream_replicator.execution_role_arn
}

output "event_source_mapping_uuid" {
  description = "The stream's event source mapping."
  value       = module.stream_replicator.event_source_mapping_uuid
}

output "dead_letter_queue_url" {
  description = "On-failure queue, for `ddb-migrate replicate --redrive-dlq`."
  value       = module.stream_replicator.dead_letter_queue_url
}

output "dead_letter_queue_arn" {
  description = "ARN of the on-failure queue."
  value       = module.stream_replicator.dead_letter_queue_arn
}

output "iterator_age_alarm_name" {
  description = "The replication-lag alarm."
  value       = module.stream_replicator.iterator_age_alarm_name
}

output "replicator_kms_key_arn" {
  description = "KMS key of the queue, the function's environment and logs (source account)."
  value       = module.stream_replicator.kms_key_arn
}

output "writer_role_arn" {
  description = "The writer role (target account)."
  value       = module.replication_target.writer_role_arn
}

output "version_table_name" {
  description = "The version table (target account): the job config's replication.version_table."
  value       = module.replication_target.version_table_name
}

output "replication_plan_uri" {
  description = "Where the function reads the plan."
  value       = module.replication_target.replication_plan_uri
}
