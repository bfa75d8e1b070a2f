"""`ddb-migrate config schema` prints a JSON Schema that editors can use, and that agrees with the parser."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from jobs.cli.main import main
from jobs.config import (
    CapacitySettings,
    ProgressSettings,
    ReplicationSettings,
    ScanSourceSettings,
    SchemaSettings,
    WriteSettings,
    parse_config,
)
from jobs.config.sections import ScanSection, SchemaSection
from jobs.config.tuning import CapacitySection, ProgressSection, ReplicationSection, WriteSection
from jobs.core.errors import ConfigError

pytestmark = pytest.mark.unit

README = Path(__file__).parents[2] / "README.md"


def _printed_schema(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["config", "schema"]) == 0
    return json.loads(capsys.readouterr().out)


def _readme_example() -> dict[str, Any]:
    """The complete example under the README's 'Configuration' heading."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block, "the README's Configuration section has no yaml example"
    return yaml.safe_load(block.group(1))


def test_the_printed_schema_is_a_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = _printed_schema(capsys)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["required"]) == {"accounts", "source", "target", "output"}


def test_the_readme_example_is_valid_for_the_schema_and_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    example = _readme_example()
    jsonschema.Draft202012Validator(schema=_printed_schema(capsys)).validate(example)
    config = parse_config(example, "README.md")
    assert (config.source_table, config.target_table, config.export.bucket_owner) == (
        "orders",
        "orders",
        "444455556666",
    )


def test_the_demo_configs_are_valid_for_the_schema_and_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.local.demo import DEMO_MAPPING, demo_config
    from jobs.local.stack import Stack

    validator = jsonschema.Draft202012Validator(schema=_printed_schema(capsys))
    running = Stack(dynamodb_port=8000, moto_port=5000, dynamodb_pid=0, moto_pid=0, home="/nonexistent")
    copy = demo_config(running, "demo-orders", "demo-orders-copy", "demo-1")
    remapped = {**demo_config(running, "demo-orders", "demo-orders-v2", "demo-1-remapped"), "mapping": DEMO_MAPPING}
    for doc in (copy, remapped):
        validator.validate(doc)
        assert parse_config(doc).account("source").endpoint("dynamodb") == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"write": {"concurency": 8}}, "write.concurency: unknown field; allowed: concurrency, batch_size"),
        ({"write": {"batch_size": 50}}, "write.batch_size: must be between 1 and 25"),
        ({"run_id": "-starts-with-a-dash"}, "run_id: use letters, digits"),
        ({"source": {"account": "source", "table": "orders", "mode": "stream"}}, "source.mode: must be export or scan"),
    ],
)
def test_the_schema_and_the_parser_refuse_the_same_mistakes(
    capsys: pytest.CaptureFixture[str], change: dict[str, Any], problem: str
) -> None:
    validator = jsonschema.Draft202012Validator(schema=_printed_schema(capsys))
    broken = {**_readme_example(), **change}
    assert list(validator.iter_errors(broken))
    with pytest.raises(ConfigError, match=re.escape(problem)):
        parse_config(broken, "job.yaml")


def test_section_defaults_are_the_settings_defaults() -> None:
    assert ScanSection().settings() == ScanSourceSettings()
    assert ProgressSection().settings() == ProgressSettings()
    assert ReplicationSection().settings() == ReplicationSettings()
    assert CapacitySection().settings() == CapacitySettings()
    assert SchemaSection().settings() == SchemaSettings()
    assert WriteSection().settings() == WriteSettings(
        concurrency=8, batch_size=25, max_retry_seconds=900.0, max_write_units_per_s=None, capacity_fraction=0.8
    )
