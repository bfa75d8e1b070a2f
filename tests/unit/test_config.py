from typing import Any

import pytest
import yaml

from jobs.config import load_config, parse_config
from jobs.core.errors import ConfigError

VALID: dict[str, Any] = {
    "run_id": "orders-2024",
    "accounts": {
        "source": {"region": "eu-west-1", "role_arn": "arn:aws:iam::111122223333:role/read", "external_id": "x-1"},
        "target": {"region": "eu-west-1"},
    },
    "source": {
        "account": "source",
        "table": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
        "export": {"bucket": "exports", "prefix": "/orders/", "bucket_owner": 444455556666},
    },
    "target": {"account": "target", "table": "orders"},
    "output": {"uri": "s3://artifacts/runs/"},
}


def test_valid_config() -> None:
    config = parse_config(VALID)
    assert config.source_table == "orders"
    assert config.export.prefix == "orders"
    assert config.export.bucket_owner == "444455556666"
    assert config.account("source").role_arn == "arn:aws:iam::111122223333:role/read"
    assert config.run_prefix == ("artifacts", "runs/orders-2024/")
    assert config.write.batch_size == 25


def test_every_problem_is_named_at_once() -> None:
    broken = {
        **VALID,
        "target": {"account": "nobody", "tbl": "x"},
        "write": {"batch_size": 50},
        "accounts": {**VALID["accounts"], "target": {"region": "eu-west-1", "role_arn": "user/*"}},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(broken, "job.yaml")
    message = str(caught.value)
    for fragment in (
        "job.yaml: target.tbl: unknown field",
        "job.yaml: target.table: required",
        "target.account: unknown account 'nobody'",
        "write.batch_size: must be between 1 and 25",
        "accounts.target.role_arn: 'user/*' is not an IAM role ARN",
    ):
        assert fragment in message


def test_export_needs_a_manifest_or_a_bucket() -> None:
    with pytest.raises(ConfigError, match=r"source\.export: give 'manifest'"):
        parse_config({**VALID, "source": {"account": "source", "table": "orders", "export": {}}})


def test_load_from_file_and_run_id_override(tmp_path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(VALID))
    assert load_config(str(path), run_id="again-1").run_id == "again-1"
    path.write_text("source: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(str(path))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(str(tmp_path / "missing.yaml"))


def test_replication_section_defaults_and_problems() -> None:
    config = parse_config(VALID)
    assert (config.version_table, config.replication.max_attempts, config.replication.batch_size) == (
        "orders-replication",
        5,
        1000,
    )
    tuned = parse_config({**VALID, "replication": {"version_table": "versions", "poll_interval_s": 0.5}})
    assert (tuned.version_table, tuned.replication.poll_interval_s) == ("versions", 0.5)
    with pytest.raises(ConfigError) as error:
        parse_config({**VALID, "replication": {"max_attempts": 0, "batch_size": 5000, "lag": 1}})
    message = str(error.value)
    assert "replication.max_attempts: must be between 1 and 100" in message
    assert "replication.batch_size: must be between 1 and 1000" in message
    assert "replication.lag: unknown field" in message
