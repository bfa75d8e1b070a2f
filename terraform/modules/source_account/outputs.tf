output "export_bucket_name" {
  description = "Name of the bucket that receives the DynamoDB exports (created or existing)."
  value       = local.export_bucket_name
}

output "export_bucket_arn" {
  description = "ARN of the export bucket."
  value       = local.export_bucket_arn
}

output "export_prefix" {
  description = "Key prefix of the exports; the target job role (and named operators) may list and read under it only."
  value       = var.export_prefix
}

output "export_bucket_policy_json" {
  description = "The export bucket policy as applied (read for the target job role and named operators only, TLS required)."
  value       = aws_s3_bucket_policy.export.policy
}

output "export_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the exports (pass as S3SseKmsKeyId to ExportTableToPointInTime)."
  value       = aws_kms_key.export.arn
}

output "export_kms_key_alias" {
  description = "Alias of the export KMS key."
  value       = aws_kms_alias.export.name
}

output "read_role_arn" {
  description = "ARN of the role the target job assumes (with the external ID) to scan, read streams of and export the source table."
  value       = aws_iam_role.read.arn
}

output "read_role_name" {
  description = "Name of the source read role."
  value       = aws_iam_role.read.name
}

output "source_table_arn" {
  description = "ARN of the source table the read role is scoped to."
  value       = local.source_table_arn
}

output "source_table_stream_arn" {
  description = "Latest stream ARN of the source table when this module manages it; null for an existing table (read LatestStreamArn with DescribeTable)."
  value       = try(aws_dynamodb_table.source[0].stream_arn, null)
}
