"""The job configuration: one YAML file, validated whole before anything runs.

``job`` parses it into a :class:`JobConfig`; ``document`` is the file as pydantic models (one per
section: ``accounts``, ``sections``, ``tuning``) and its JSON Schema; ``rules`` holds the
constrained field types, ``problems`` tells pydantic's errors as dotted-path problems, and
``settings`` the typed sections, and ``stages`` what the source and the sink sides receive.
"""

from jobs.config.document import json_schema
from jobs.config.job import JobConfig, load_config, parse_config, s3_text_reader
from jobs.config.settings import (
    CapacitySettings,
    ExportSettings,
    ImportSettings,
    ProgressSettings,
    ReplicationSettings,
    ScanSourceSettings,
    SchemaSettings,
    WriteSettings,
)
from jobs.config.stages import RunPlace, SinkSettings, SourceSettings, TableRef
from jobs.core.s3uri import parse_s3_uri

__all__ = [
    "CapacitySettings",
    "ExportSettings",
    "ImportSettings",
    "JobConfig",
    "ProgressSettings",
    "ReplicationSettings",
    "RunPlace",
    "ScanSourceSettings",
    "SchemaSettings",
    "SinkSettings",
    "SourceSettings",
    "TableRef",
    "WriteSettings",
    "json_schema",
    "load_config",
    "parse_config",
    "parse_s3_uri",
    "s3_text_reader",
]
