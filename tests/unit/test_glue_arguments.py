"""Glue job arguments are read by whole name only (ADR 0010): nothing Glue or a user adds can
be taken for --config or --run-id."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobs.aws import clients as aws_clients
from jobs.cli import glue as glue_entry
from jobs.cli.glue import parse_glue_args, parse_validate_args
from jobs.cli.glue_arguments import read_glue_arguments
from jobs.core.errors import ConfigError

# What Glue 5.0 puts on the command line of our migrate job (glue_launch.py builds the same).
GLUE_ARGV = [
    "--job-language", "python",
    "--additional-python-modules", "s3://artifacts/bundles/ddb_migrate-glue-bundle-ab.zip",
    "--python-modules-installer-option", "--no-index",
    "--config", "s3://artifacts/config/job.yaml",
    "--run-id", "auto",
    "--enable-metrics", "true",
    "--custom-logGroup-prefix", "/aws-glue/jobs/orders",
    "--enable-spark-ui", "true",
    "--spark-event-logs-path", "s3://artifacts/spark-events/",
    "--TempDir", "s3://artifacts/tmp/",
    "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", "orders-migrate",
    "--job-bookmark-option", "job-bookmark-disable",
]  # fmt: skip


def test_a_conf_argument_after_config_is_not_taken_for_it() -> None:
    """argparse's prefix matching read `--conf spark.x=y` as `--config spark.x=y`."""
    args = parse_glue_args([*GLUE_ARGV, "--conf", "spark.sql.shuffle.partitions=8"])
    assert args.config == "s3://artifacts/config/job.yaml"


def test_a_conf_argument_alone_does_not_supply_the_config() -> None:
    with pytest.raises(ConfigError, match="--config"):
        parse_glue_args(["--conf", "spark.x=y", "--JOB_ID", "j_1"])


@pytest.mark.parametrize("prefix", ["--c", "--con", "--conf", "--confi", "--run", "--run-i", "--rep"])
def test_no_prefix_of_our_names_is_ours(prefix: str) -> None:
    args = parse_glue_args(["--config", "s3://b/job.yaml", "--run-id", "r1", prefix, "x"])
    assert (args.config, args.run_id, args.report) == ("s3://b/job.yaml", "r1", None)


def test_glues_own_arguments_and_valueless_options_are_skipped_whole() -> None:
    found = read_glue_arguments(GLUE_ARGV, ["config", "run-id"])
    assert found == {"config": "s3://artifacts/config/job.yaml", "run-id": "auto"}


def test_equals_form_and_the_last_occurrence_win() -> None:
    found = read_glue_arguments(["--config=s3://a/x.yaml", "--config", "s3://b/y.yaml"], ["config"])
    assert found == {"config": "s3://b/y.yaml"}


def test_an_underscore_alias_is_accepted() -> None:
    assert read_glue_arguments(["--run_id", "r9"], ["run-id"], {"run_id": "run-id"}) == {"run-id": "r9"}


def test_a_name_without_value_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="--config has no value"):
        read_glue_arguments(["--config", "--JOB_ID", "j"], ["config"])


def test_the_workflow_arguments_are_read() -> None:
    args = parse_glue_args([*GLUE_ARGV, "--WORKFLOW_NAME", "orders-migration", "--WORKFLOW_RUN_ID", "wr_1"])
    assert (args.workflow_name, args.workflow_run_id) == ("orders-migration", "wr_1")
    assert args.run_id is None  # "auto"


def test_validation_arguments_ignore_conf_too() -> None:
    args = parse_validate_args([*GLUE_ARGV, "--conf", "spark.x=y", "--sample", "0.5", "--keys-only", "true"])
    assert args.config == "s3://artifacts/config/job.yaml"
    assert args.sample == 0.5 and args.keys_only is True


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "job.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "run_id": "pinned-in-the-config",
                "accounts": {"source": {"region": "us-east-1"}, "target": {"region": "us-east-1"}},
                "source": {"account": "source", "table": "orders", "export": {"bucket": "exports"}},
                "target": {"account": "target", "table": "orders"},
                "output": {"uri": "s3://artifacts/runs"},
            }
        ),
        encoding="utf-8",
    )
    return config


def test_inside_a_workflow_its_run_id_wins_over_run_id_and_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(glue_entry, "workflow_run_id", lambda *_a, **_k: "orders-20260607T020005Z")
    monkeypatch.setattr(aws_clients, "client", lambda *_a, **_k: object())
    config = str(_config(tmp_path))
    workflow = ["--WORKFLOW_NAME", "orders-migration", "--WORKFLOW_RUN_ID", "wr_1"]
    in_workflow = parse_glue_args(["--config", config, "--run-id", "terraform-default", *workflow])
    assert glue_entry.load_glue_config(in_workflow).run_id == "orders-20260607T020005Z"
    alone = parse_glue_args(["--config", config, "--run-id", "terraform-default"])
    assert glue_entry.load_glue_config(alone).run_id == "terraform-default"
    assert glue_entry.load_glue_config(parse_glue_args(["--config", config])).run_id == "pinned-in-the-config"
