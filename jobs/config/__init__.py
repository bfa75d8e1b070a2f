"""The job configuration: one YAML file, validated whole before anything runs (``job``), its
sections' settings (``settings``, ``sections``) and the field reader (``fields``)."""

from jobs.config.job import (
    CapacitySettings,
    ExportSettings,
    ImportSettings,
    JobConfig,
    ProgressSettings,
    ReplicationSettings,
    ScanSourceSettings,
    WriteSettings,
    load_config,
    parse_config,
    parse_s3_uri,
    s3_text_reader,
)

__all__ = [
    "CapacitySettings",
    "ExportSettings",
    "ImportSettings",
    "JobConfig",
    "ProgressSettings",
    "ReplicationSettings",
    "ScanSourceSettings",
    "WriteSettings",
    "load_config",
    "parse_config",
    "parse_s3_uri",
    "s3_text_reader",
]
