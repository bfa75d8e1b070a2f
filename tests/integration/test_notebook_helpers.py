"""The notebooks' helpers on the local stack: one key side by side in two real tables, and the
run's ledger and dead letters read from S3 with awswrangler."""

from __future__ import annotations

from jobs.aws import tables
from jobs.ledger import FileResult, LedgerStore
from jobs.local.notebook import run_frame, side_by_side
from jobs.sink.writer import put_items

from .conftest import make_config


def test_one_key_side_by_side_follows_the_mapping_renames(local_stack, buckets, source_table, names):
    source = source_table(
        [
            {
                "pk": {"S": "c1"},
                "sk": {"N": "1"},
                "name": {"S": "Ada"},
                "amount": {"N": "12.50"},
                "profile": {"M": {"address": {"M": {"city": {"S": "Cork"}}}}},
            }
        ]
    )
    target = names("tgt")
    target_account = local_stack.account("target")
    tables.create_table(
        target_account,
        target,
        {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
        },
    )
    try:
        put_items(
            target_account,
            target,
            [
                {
                    "pk": {"S": "c1"},
                    "sk": {"N": "1"},
                    "title": {"S": "Ada"},
                    "amount": {"N": "13"},  # not what the source holds
                    "profile": {"M": {"address": {"M": {"town": {"S": "Cork"}}}}},
                }
            ],
        )
        config = make_config(
            local_stack,
            source,
            target,
            names("run"),
            mapping={"rename": {"name": "title", "profile.address.city": "profile.address.town"}},
        )
        pair = side_by_side(config, {"pk": {"S": "c1"}, "sk": {"N": "1"}})  # DynamoDB stored 12.50 as 12.5
        assert pair.rows == [
            {"path": "amount", "source": "12.5", "target": "13", "equal": False, "change": "changed"},
            {"path": "name -> title", "source": '"Ada"', "target": '"Ada"', "equal": True, "change": "renamed"},
            {"path": "pk", "source": '"c1"', "target": '"c1"', "equal": True, "change": ""},
            {
                "path": "profile.address.city -> profile.address.town",
                "source": '"Cork"',
                "target": '"Cork"',
                "equal": True,
                "change": "renamed",
            },
            {"path": "sk", "source": "1", "target": "1", "equal": True, "change": ""},
        ]
        assert pair.summary() == "5 paths, 1 not equal"
        absent = side_by_side(config, {"pk": {"S": "c2"}, "sk": {"N": "1"}})
        assert absent.source is None and absent.target is None
        assert absent.summary() == "no item with that key in the source and target"
    finally:
        tables.delete_table(target_account, target)


def test_the_ledger_and_dead_letters_are_read_into_pandas(local_stack, buckets, names):
    config = make_config(local_stack, names("src"), names("tgt"), names("run"))
    assert run_frame(config, "ledger").empty and run_frame(config, "dead-letters").empty  # nothing yet
    store = LedgerStore.for_run(config)
    store.record_file(FileResult("exports/data/a.json.gz", read=3, written=2, dead_lettered=1))
    store.record_file(FileResult("exports/data/b.json.gz", read=4, written=4))
    store.record_dead_letters(
        "exports/data/a.json.gz",
        [{"stage": "write", "error": "ItemTooLarge", "reason": "item is 500 KB", "item": {"pk": {"S": "c9"}}}],
    )
    ledger = run_frame(config, "ledger").sort_values("file_key")
    assert ledger["file_key"].tolist() == ["exports/data/a.json.gz", "exports/data/b.json.gz"]
    assert ledger[["read", "written", "dead_lettered"]].values.tolist() == [[3, 2, 1], [4, 4, 0]]
    dead = run_frame(config, "dead-letters")
    assert dead[["stage", "error"]].values.tolist() == [["write", "ItemTooLarge"]]
    assert dead["item"].tolist() == [{"pk": {"S": "c9"}}]
