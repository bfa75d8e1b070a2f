# The target table, managed unless var.target_table is null.
#
# count is keyed on whether a table definition is given, never on a feature
# flag: aws_dynamodb_table.target[0] keeps its address whatever else changes
# (billing mode, indexes, capacity, deletion protection), so no input other
# than "stop managing the table" can plan a replacement, and that one is
# blocked by deletion protection. See docs/adr/0006-terraform-layout.md.

locals {
  target_table_key_attributes = var.target_table == null ? [] : distinct(concat(
    [var.target_table.hash_key],
    var.target_table.range_key == null ? [] : [var.target_table.range_key],
    [for gsi in var.target_table.global_secondary_indexes : gsi.hash_key],
    [for gsi in var.target_table.global_secondary_indexes : gsi.range_key if gsi.range_key != null],
  ))

  target_table_provisioned = var.target_table == null ? false : var.target_table.billing_mode == "PROVISIONED"
  target_table_gsi_names   = var.target_table == null ? [] : [for gsi in var.target_table.global_secondary_indexes : gsi.name]
}

resource "aws_dynamodb_table" "target" {
  count = var.target_table == null ? 0 : 1

  name           = var.target_table_name
  billing_mode   = var.target_table.billing_mode
  read_capacity  = local.target_table_provisioned ? var.target_table.read_capacity : null
  write_capacity = local.target_table_provisioned ? var.target_table.write_capacity : null
  hash_key       = var.target_table.hash_key.name
  range_key      = try(var.target_table.range_key.name, null)
  table_class    = var.target_table.table_class

  deletion_protection_enabled = var.target_table.deletion_protection_enabled

  dynamic "attribute" {
    for_each = local.target_table_key_attributes
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.target_table.global_secondary_indexes
    content {
      name               = global_secondary_index.value.name
      hash_key           = global_secondary_index.value.hash_key.name
      range_key          = try(global_secondary_index.value.range_key.name, null)
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.projection_type == "INCLUDE" ? global_secondary_index.value.non_key_attributes : null
      read_capacity      = local.target_table_provisioned ? global_secondary_index.value.read_capacity : null
      write_capacity     = local.target_table_provisioned ? global_secondary_index.value.write_capacity : null
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.target.arn
  }

  tags = local.tags
}
