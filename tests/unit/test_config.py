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


def _problems(doc: object) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, "job.yaml")
    return str(caught.value)


def test_wrong_types_are_named_with_what_was_given() -> None:
    message = _problems({**VALID, "write": {"concurrency": "8", "batch_size": True, "max_retry_seconds": [1]}})
    assert "write.concurrency: must be an integer, got str" in message
    assert "write.batch_size: must be an integer, got a boolean" in message
    assert "write.max_retry_seconds: must be a number, got list" in message
    assert "config: must be a mapping, got list" in _problems([VALID])


def test_null_takes_the_default_and_integers_are_numbers() -> None:
    config = parse_config({**VALID, "write": {"concurrency": None, "max_retry_seconds": 60}, "spark": None})
    assert (config.write.concurrency, config.write.max_retry_seconds, config.partitions) == (8, 60.0, None)
    assert isinstance(config.write.max_retry_seconds, float)


def test_missing_sections_and_fields() -> None:
    message = _problems({"accounts": VALID["accounts"], "target": {"account": "target"}})
    for fragment in ("source: required section is missing", "target.table: required", "output: required section"):
        assert fragment in message


def test_what_a_mode_needs() -> None:
    scan = _problems({**VALID, "source": {"account": "source", "table": "orders", "mode": "scan", "scan": {}}})
    assert "source.scan.read_units_per_s: required" in scan
    imported = _problems({**VALID, "target": {"account": "target", "table": "orders", "mode": "import"}})
    assert "target.import: required section is missing" in imported
    written = _problems({**VALID, "target": {"account": "target", "table": "orders", "import": {"bucket": "b"}}})
    assert "target.import: only with target.mode: import" in written
    keys = _problems(
        {
            **VALID,
            "target": {
                "account": "target",
                "table": "orders",
                "mode": "import",
                "import": {"bucket": "b", "key_schema": [{"name": "PK", "type": "X"}], "account": "elsewhere"},
            },
        }
    )
    assert "target.import.key_schema[0].type: must be S, N or B" in keys
    assert "target.import.account: unknown account 'elsewhere'" in keys


def test_account_rules() -> None:
    accounts = {
        "source": {"region": "eu-west-1", "external_id": "x"},
        "target": {"region": "eu-west-1", "access_key_id": "a", "endpoints": {"dynamo": "http://x"}},
    }
    message = _problems({**VALID, "accounts": accounts})
    assert "accounts.source.external_id: needs role_arn" in message
    assert "accounts.target.endpoints.dynamo: unknown field; allowed: default, dynamodb, s3" in message
    keys = {"target": {"region": "eu-west-1", "access_key_id": "a"}, "source": VALID["accounts"]["source"]}
    assert "accounts.target: access_key_id and secret_access_key go together" in _problems({**VALID, "accounts": keys})
    config = parse_config(
        {
            **VALID,
            "accounts": {
                **VALID["accounts"],
                "target": {"region": "eu-west-1", "endpoints": {"dynamodb": "http://127.0.0.1:8000"}},
            },
        }
    )
    assert config.account("target").endpoint("dynamodb") == "http://127.0.0.1:8000"
    assert config.account("target").session_name == "ddb-migrate-target"


def test_a_table_is_a_name_or_an_arn() -> None:
    assert "target.table: 'orders!!' is neither a table name" in _problems(
        {**VALID, "target": {"account": "target", "table": "orders!!"}}
    )
    arn = "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/orders.v2"
    assert parse_config({**VALID, "target": {"account": "target", "table": arn}}).target_table == "orders.v2"
