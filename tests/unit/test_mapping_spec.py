import json

import pytest

from jobs.core.errors import ConfigError
from jobs.core.item_checks import item_problem
from jobs.mapping.nested import apply_nested
from jobs.mapping.spec import Path, parse_mapping, parse_path


def test_paths_split_on_dots_except_in_backticks():
    assert parse_path("a.b.c", "x") == Path(("a", "b", "c"))
    assert parse_path("`a.b`.c", "x") == Path(("a.b", "c"))
    for bad in ("a..b", "`a", ".a", ""):
        with pytest.raises(ConfigError, match="is not an attribute path"):
            parse_path(bad, "mapping.drop")


def test_every_problem_names_its_entry():
    with pytest.raises(ConfigError) as caught:
        parse_mapping(
            {
                "renme": {},
                "cast": {"a": "X"},
                "set": {"s": {"S": 1}},
                "derive": {"d": {"expr": "1", "type": "Q"}},
                "rename": {"a.b": "c.d"},
                "collisions": {"policy": "keep_latest"},
                "filter": "  ",
            }
        )
    text = str(caught.value)
    for fragment in (
        "mapping.renme: unknown operation",
        "mapping.cast.a: 'X' is not one of",
        "mapping.set.s: S must be a string",
        "mapping.derive.d: type 'Q'",
        "mapping.rename.a.b: a nested rename must stay inside",
        "latest_by: keep_latest needs",
        "mapping.filter: must be a Spark SQL predicate",
    ):
        assert fragment in text, fragment


def test_valid_mapping_and_what_it_touches():
    spec = parse_mapping(
        {
            "rename": {"a": "b"},
            "drop": ["c.d"],
            "set": {"v": {"NS": ["1", "2"]}},
            "key": {"PK": "concat('X#', id)"},
            "cast": {"n": "S"},
        }
    )
    assert spec.touched() == {"a", "b", "c", "v", "PK", "n"}
    assert dict(spec.sets) == {"v": '{"NS":["1","2"]}'}
    assert not spec.empty and parse_mapping(None).empty


def test_nested_rename_and_drop():
    value = json.dumps({"M": {"a": {"M": {"b": {"N": "1"}, "c": {"S": "x"}}}, "keep": {"BS": ["AA=="]}}})
    out, error = apply_nested(value, "top", [("rename", ("a", "b"), ("a", "z")), ("drop", ("a", "c"), ())])
    assert error is None and out is not None
    assert json.loads(out) == {"M": {"a": {"M": {"z": {"N": "1"}}}, "keep": {"BS": ["AA=="]}}}
    out, error = apply_nested(value, "top", [("rename", ("a", "b"), ("a", "c"))])
    assert out == value and error is not None and "already exists" in error
    assert apply_nested(value, "top", [("drop", ("missing", "x"), ())])[1] is None
    assert apply_nested(None, "top", [("drop", ("a",), ())]) == (None, None)


KEYS = (("PK", "S"), ("SK", "N"))


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"SK": '{"N":"1"}'}, "MissingKey"),
        ({"PK": '{"N":"1"}', "SK": '{"N":"1"}'}, "KeyTypeMismatch"),
        ({"PK": '{"S":""}', "SK": '{"N":"1"}'}, "EmptyKey"),
    ],
)
def test_item_checks_name_the_key(values, code):
    problem = item_problem(values, "{}", KEYS)
    assert problem is not None and problem[0] == code


def test_oversize_items_are_caught_before_sending():
    big = {"PK": {"S": "k"}, "SK": {"N": "1"}, "blob": {"S": "x" * (400 * 1024)}}
    body = json.dumps(big)
    values = {k: json.dumps(v) for k, v in big.items()}
    problem = item_problem(values, body, KEYS)
    assert problem is not None and problem[0] == "ItemTooLarge"
    small = {**big, "blob": {"S": "x" * 1000}}
    assert item_problem({k: json.dumps(v) for k, v in small.items()}, json.dumps(small), KEYS) is None
