"""The job configuration: one YAML file, validated whole before anything runs.

``job`` parses it into a :class:`JobConfig`; ``document`` is the file as pydantic models (one per
section: ``accounts``, ``sections``, ``tuning``) and its JSON Schema; ``rules`` holds the
constrained field types, ``problems`` tells pydantic's errors as dotted-path problems, and
``settings`` the typed sections, and ``stages`` what the source and the sink sides receive;
``tables`` expands a many-table file into single-table documents, and ``move`` parses either kind
into a :class:`MoveConfig` (one :class:`JobConfig` per table).
"""

from jobs.config.document import json_schema
from jobs.config.job import JobConfig, load_config, parse_config, s3_text_reader
from jobs.config.move import MoveConfig, load_move, parse_move
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
    "MoveConfig",
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
    "load_move",
    "parse_config",
    "parse_move",
    "parse_s3_uri",
    "s3_text_reader",
]
