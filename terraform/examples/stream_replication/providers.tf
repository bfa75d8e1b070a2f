# The credentials terraform runs with belong to the TARGET account (default
# provider). The source provider assumes a deployment role in the SOURCE
# account, where the replicator function runs next to the stream. Both providers share the endpoint and skip settings so that tests
# can point them at a local AWS emulator; the defaults are right for AWS.

locals {
  endpoint_services = ["cloudwatch", "dynamodb", "iam", "kms", "lambda", "logs", "s3", "sqs", "sts"]
}

provider "aws" {
  region = var.region

  skip_credentials_validation = var.skip_credentials_validation
  skip_requesting_account_id  = var.skip_requesting_account_id
  skip_metadata_api_check     = var.skip_metadata_api_check
  s3_use_path_style           = var.s3_use_path_style

  dynamic "endpoints" {
    for_each = length(var.endpoints) == 0 ? [] : [var.endpoints]
    content {
      cloudwatch = lookup(endpoints.value, "cloudwatch", null)
      dynamodb   = lookup(endpoints.value, "dynamodb", null)
      iam        = lookup(endpoints.value, "iam", null)
      kms        = lookup(endpoints.value, "kms", null)
      lambda     = lookup(endpoints.value, "lambda", null)
      logs       = lookup(endpoints.value, "logs", null)
      s3         = lookup(endpoints.value, "s3", null)
      sqs        = lookup(endpoints.value, "sqs", null)
      sts        = lookup(endpoints.value, "sts", null)
    }
  }
}

provider "aws" {
  alias  = "source"
  region = var.region

  assume_role {
    role_arn     = var.source_deploy_role_arn
    external_id  = var.source_deploy_external_id
    session_name = "terraform-${var.name_prefix}"
  }

  skip_credentials_validation = var.skip_credentials_validation
  skip_requesting_account_id  = var.skip_requesting_account_id
  skip_metadata_api_check     = var.skip_metadata_api_check
  s3_use_path_style           = var.s3_use_path_style

  dynamic "endpoints" {
    for_each = length(var.endpoints) == 0 ? [] : [var.endpoints]
    content {
      cloudwatch = lookup(endpoints.value, "cloudwatch", null)
      dynamodb   = lookup(endpoints.value, "dynamodb", null)
      iam        = lookup(endpoints.value, "iam", null)
      kms        = lookup(endpoints.value, "kms", null)
      lambda     = lookup(endpoints.value, "lambda", null)
      logs       = lookup(endpoints.value, "logs", null)
      s3         = lookup(endpoints.value, "s3", null)
      sqs        = lookup(endpoints.value, "sqs", null)
      sts        = lookup(endpoints.value, "sts", null)
    }
  }
}
