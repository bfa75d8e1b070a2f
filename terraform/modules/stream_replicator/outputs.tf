output "function_name" {
  description = "Name of the replicator function."
  value       = aws_lambda_function.replicator.function_name
}

output "function_arn" {
  description = "ARN of the replicator function."
  value       = aws_lambda_function.replicator.arn
}

output "execution_role_arn" {
  description = "The function's role; the target account's writer role trusts exactly this ARN."
  value       = aws_iam_role.replicator.arn
}

output "event_source_mapping_uuid" {
  description = "UUID of the stream's event source mapping (disable it at cutover once drained)."
  value       = aws_lambda_event_source_mapping.stream.uuid
}

output "dead_letter_queue_url" {
  description = "URL of the on-failure queue, for `ddb-migrate replicate --redrive-dlq`."
  value       = aws_sqs_queue.dead_letters.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the on-failure queue."
  value       = aws_sqs_queue.dead_letters.arn
}

output "iterator_age_alarm_name" {
  description = "Name of the replication-lag (IteratorAge) alarm."
  value       = aws_cloudwatch_metric_alarm.iterator_age.alarm_name
}

output "kms_key_arn" {
  description = "KMS key of the queue, the function's environment and its logs."
  value       = aws_kms_key.replicator.arn
}
