"""Changes after the export: stream replication, incremental-export catch-up and cutover (ADR 0009)."""
