output "writer_role_arn" {
  description = "The role the replicator assumes (stream_replicator's target_writer_role_arn)."
  value       = aws_iam_role.writer.arn
}

output "version_table_name" {
  description = "Name of the version table (the job config's replication.version_table)."
  value       = aws_dynamodb_table.versions.name
}

output "version_table_arn" {
  description = "ARN of the version table."
  value       = aws_dynamodb_table.versions.arn
}

output "replication_plan_uri" {
  description = "Where `ddb-migrate replicate --write-plan` writes the plan the function reads."
  value       = "s3://${var.artifacts_bucket_name}/${var.run_prefix}replication/plan.json"
}
