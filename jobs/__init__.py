"""ddb-migrate: move DynamoDB tables across AWS accounts with Spark, losing nothing.

Stages: export_format -> manifests -> read -> (mapping) -> load/write -> ledger -> report.
"""

__version__ = "0.1.0"
