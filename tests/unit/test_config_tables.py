"""`tables:` in the job file: one JobConfig per table under one run id (pure, no services)."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.config import parse_config, parse_move
from jobs.core.errors import ConfigError

from .test_config import VALID

SHARED: dict[str, Any] = {
    "run_id": "account-move",
    "accounts": VALID["accounts"],
    "source": {"account": "source", "export": {"bucket": "exports", "prefix": "/moves/", "bucket_owner": 444455556666}},
    "target": {"account": "target", "existing_items": "overwrite"},
    "output": {"uri": "s3://artifacts/runs/"},
    "mapping": {"drop": ["legacy"]},
    "capacity": {"target": {"write_units": 100}},
}
SOURCE_TABLES = ["orders-eu", "audit", "orders-us", "orders_archive", "users"]


def _listed(account: Any) -> list[str]:
    assert account.name == "source"
    return SOURCE_TABLES


def test_a_single_table_file_is_a_move_of_one_table_parsed_as_before() -> None:
    move = parse_move(VALID, "job.yaml", _listed)
    assert not move.many and move.run_id_given
    assert move.jobs == (parse_config(VALID, "job.yaml"),)
    assert move.jobs[0].table_scope is None
    assert move.jobs[0].run_prefix == ("artifacts", "runs/orders-2024/")
    assert move.place.prefix == "runs/orders-2024/"


def test_names_globs_and_entries_expand_in_order_over_shared_defaults() -> None:
    doc = {
        **SHARED,
        "tables": [
            "orders-*",
            {
                "source": "arn:aws:dynamodb:eu-west-1:111122223333:table/users",
                "target": "people",
                "mapping": {"rename": {"name": "full_name"}},
                "capacity": {},
                "existing_items": "refuse",
                "export": {"manifest": "s3://exports/AWSDynamoDB/0171-abcd/manifest-summary.json"},
            },
            {"source": "audit", "mode": "import", "import": {"bucket": "staging"}, "capacity": {}},
        ],
        "tables_concurrency": 2,
    }
    move = parse_move(doc, "job.yaml", _listed)
    assert move.many and move.concurrency == 2 and move.run_id == "account-move"
    assert [(j.source_table, j.target_table) for j in move.jobs] == [
        ("orders-eu", "orders-eu"),
        ("orders-us", "orders-us"),
        ("users", "people"),
        ("audit", "audit"),
    ]
    assert {j.run_id for j in move.jobs} == {"account-move"}
    assert [j.run_prefix for j in move.jobs] == [
        ("artifacts", f"runs/account-move/tables/{name}/") for name in ("orders-eu", "orders-us", "users", "audit")
    ]
    assert move.place.prefix == "runs/account-move/" and move.place.table_scope is None
    eu, _us, users, audit = move.jobs
    assert eu.export.prefix == "moves/orders-eu" and eu.export.bucket_owner == "444455556666"
    assert eu.mapping.raw == {"drop": ["legacy"]} and eu.capacity.write_units == 100
    assert eu.existing_items == "overwrite" and eu.target_mode == "write"
    assert users.mapping.raw == {"rename": {"name": "full_name"}}
    assert users.capacity.write_units is None and users.existing_items == "refuse"
    assert users.export.manifest_uri == "s3://exports/AWSDynamoDB/0171-abcd/manifest-summary.json"
    assert audit.target_mode == "import" and audit.import_settings is not None
    assert audit.import_settings.bucket == "staging"
    tokens = {j.run_place.token for j in move.jobs}
    assert len(tokens) == 4 and all(t.endswith("-account-move") for t in tokens)


def test_a_default_run_id_is_shared_by_every_table() -> None:
    doc = {**{k: v for k, v in SHARED.items() if k != "run_id"}, "tables": ["users", "audit"]}
    move = parse_move(doc, "job.yaml", _listed)
    assert move.run_id.startswith("tables-") and not move.run_id_given
    assert {j.run_id for j in move.jobs} == {move.run_id}


def test_the_source_account_is_listed_only_for_a_glob() -> None:
    def refuse(_account: Any) -> list[str]:
        raise AssertionError("ListTables without a glob")

    assert len(parse_move({**SHARED, "tables": ["users"]}, "job.yaml", refuse).jobs) == 1


def test_every_problem_of_the_list_is_named_at_once() -> None:
    doc = {
        **SHARED,
        "tables": [
            "nothing-*",
            "users",
            {"source": "users", "target": "orders-eu"},
            {"source": "orders-*", "target": "one-name"},
            {"source": "audit", "colour": "red"},
            7,
        ],
        "tables_concurrency": 0,
    }
    with pytest.raises(ConfigError) as caught:
        parse_move(doc, "job.yaml", _listed)
    assert str(caught.value).split(" -> ")[0].splitlines() == [
        "invalid configuration (3 problem(s)):",
        "  job.yaml: tables[4].colour: unknown field; allowed: source, target, mapping, mode, existing_items, "
        "capacity, export, import, schema",
        "  job.yaml: tables[5]: must be a mapping, got int",
        "  job.yaml: tables_concurrency: must be between 1 and 64",
    ]
    del doc["tables_concurrency"]
    doc["tables"] = doc["tables"][:4]
    with pytest.raises(ConfigError) as caught:
        parse_move(doc, "job.yaml", _listed)
    lines = str(caught.value).split(" -> ")[0].splitlines()
    assert lines == [
        "invalid configuration (4 problem(s)):",
        "  job.yaml: tables[0]: 'nothing-*' matches no table of the source account",
        "  job.yaml: tables[3].target: a pattern matches many tables; name one source table",
        "  job.yaml: tables: source table listed twice 'users'",
        "  job.yaml: tables: two tables would be written to target table 'one-name'",
    ]


def test_tables_and_top_level_table_or_manifest_do_not_mix() -> None:
    doc = {
        **SHARED,
        "source": {**SHARED["source"], "table": "orders", "export": {"manifest": "s3://e/x/manifest-summary.json"}},
        "target": {"account": "target", "table": "orders"},
        "tables": ["users"],
    }
    with pytest.raises(ConfigError) as caught:
        parse_move(doc, "job.yaml", _listed)
    assert str(caught.value).split(" -> ")[0].splitlines()[1:] == [
        "  job.yaml: source.table: set per table under 'tables:', not at the top",
        "  job.yaml: target.table: set per table under 'tables:', not at the top",
        "  job.yaml: source.export.manifest: an export holds one table; give it as tables[i].export.manifest",
    ]


def test_a_table_s_own_problem_names_the_table() -> None:
    doc = {
        **SHARED,
        "tables": ["users", {"source": "audit", "mode": "import"}, {"source": "orders-eu", "mapping": {"rename": 5}}],
    }
    with pytest.raises(ConfigError) as caught:
        parse_move(doc, "job.yaml", _listed)
    error = caught.value
    assert str(error).removesuffix(f" -> {error.hint}").splitlines() == [
        "invalid configuration (3 problem(s)):",
        "  job.yaml tables[1] audit: target.import: required section is missing",
        "  job.yaml tables[1] audit: capacity: target.mode import creates the table with target.import's capacity;"
        " raise nothing on it",
        "  job.yaml tables[2] orders-eu: mapping.rename: must be a mapping of name -> value",
    ]


def test_a_single_table_command_refuses_a_tables_file() -> None:
    with pytest.raises(ConfigError, match="lists several tables"):
        parse_config({**SHARED, "tables": ["users"]}, "job.yaml")


def test_one_table_is_picked_by_source_or_target_name() -> None:
    move = parse_move({**SHARED, "tables": ["users", {"source": "audit", "target": "audit-log"}]}, "job.yaml")
    assert move.job("audit").target_table == "audit-log"
    assert move.job("audit-log").source_table == "audit"
    with pytest.raises(ConfigError, match="no table 'orders'"):
        move.job("orders")
