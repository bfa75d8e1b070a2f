"""The mapping preview's per-path diff: exact rows for a rename (nested too), a drop, a cast and derived keys."""

from __future__ import annotations

from jobs.mapping.diff import PathRow, path_diff, render_path, render_value
from jobs.mapping.spec import parse_mapping

SPEC = parse_mapping(
    {
        "rename": {"name": "title", "profile.address.city": "profile.address.town"},
        "drop": ["note"],
        "cast": {"amount": "S"},
        "derive": {"customer": "concat('CUST#', pk)"},
        "key": {"PK": "concat('CUST#', pk)"},
        "set": {"migrated_by": {"S": "ddb-migrate"}},
    }
)

SOURCE = {
    "pk": {"S": "c1"},
    "name": {"S": "Ada"},
    "note": {"S": "a long note " * 20},
    "amount": {"N": "12.50"},
    "profile": {"M": {"address": {"M": {"city": {"S": "Dublin"}, "zip": {"S": "D02"}}}}},
    "lines": {"L": [{"M": {"sku": {"S": "A-1"}, "qty": {"N": "2"}}}]},
}

TARGET = {
    "PK": {"S": "CUST#c1"},
    "pk": {"S": "c1"},
    "title": {"S": "Ada"},
    "amount": {"S": "12.50"},
    "profile": {"M": {"address": {"M": {"town": {"S": "Dublin"}, "zip": {"S": "D02"}}}}},
    "lines": {"L": [{"M": {"sku": {"S": "A-1"}, "qty": {"N": "2"}}}]},
    "customer": {"S": "CUST#c1"},
    "migrated_by": {"S": "ddb-migrate"},
}


def test_one_row_per_path_with_renames_drop_cast_and_derived_keys():
    assert path_diff(SOURCE, TARGET, SPEC) == [
        PathRow("amount", "amount", "12.50", '"12.50"', "cast N -> S"),
        PathRow("lines[0].qty", "lines[0].qty", "2", "2", ""),
        PathRow("lines[0].sku", "lines[0].sku", '"A-1"', '"A-1"', ""),
        PathRow("name", "title", '"Ada"', '"Ada"', "renamed"),
        PathRow("note", "", '"' + "a long note " * 20 + '"', "", "dropped"),
        PathRow("pk", "pk", '"c1"', '"c1"', ""),
        PathRow("profile.address.city", "profile.address.town", '"Dublin"', '"Dublin"', "renamed"),
        PathRow("profile.address.zip", "profile.address.zip", '"D02"', '"D02"', ""),
        PathRow("", "PK", "", '"CUST#c1"', "key: concat('CUST#', pk)"),
        PathRow("", "customer", "", '"CUST#c1"', "derived: concat('CUST#', pk)"),
        PathRow("", "migrated_by", "", '"ddb-migrate"', "set"),
    ]


def test_a_value_the_mapping_changed_in_place_or_lost():
    source = {"pk": {"S": "c1"}, "tags": {"SS": ["a", "b"]}, "gone": {"BOOL": True}}
    target = {"pk": {"S": "c1"}, "tags": {"SS": ["a"]}}
    assert path_diff(source, target, parse_mapping(None)) == [
        PathRow("gone", "", "true", "", "missing"),
        PathRow("pk", "pk", '"c1"', '"c1"', ""),
        PathRow("tags", "tags", '{"a", "b"}', '{"a"}', "changed"),
    ]


def test_values_compare_as_dynamodb_holds_them():
    source = {"n": {"N": "1.50"}, "s": {"SS": ["b", "a"]}, "name": {"NS": ["1E+2"]}}
    target = {"n": {"N": "1.5"}, "s": {"SS": ["a", "b"]}, "title": {"NS": ["100"]}}
    rows = path_diff(source, target, parse_mapping({"rename": {"name": "title"}}))
    assert rows == [
        PathRow("n", "n", "1.50", "1.5", ""),  # shown as each side spells it, equal all the same
        PathRow("name", "title", "{1E+2}", "{100}", "renamed"),
        PathRow("s", "s", '{"b", "a"}', '{"a", "b"}', ""),
    ]
    assert [r.equal for r in rows] == [True, True, True]
    assert not PathRow("", "PK", "", '"x"', "key: pk").equal and not PathRow("a", "a", "1", '"1"', "cast N -> S").equal


def test_a_top_level_rename_carries_the_nested_paths_below_it():
    spec = parse_mapping({"rename": {"profile": "customer_profile", "profile.address.city": "profile.address.town"}})
    source = {"profile": {"M": {"address": {"M": {"city": {"S": "Cork"}}}}}}
    target = {"customer_profile": {"M": {"address": {"M": {"town": {"S": "Cork"}}}}}}
    assert path_diff(source, target, spec) == [
        PathRow("profile.address.city", "customer_profile.address.town", '"Cork"', '"Cork"', "renamed"),
    ]


def test_paths_and_values_are_rendered_whole():
    assert render_path(("lines", 0, "sku")) == "lines[0].sku"
    assert render_path(("a.b", "c")) == "`a.b`.c"
    assert render_value({"NS": ["1", "2.5"]}) == "{1, 2.5}"
    assert render_value({"B": "AAE="}) == "b64:AAE="
    assert render_value({"NULL": True}) == "null"
    assert render_value({"M": {}}) == "{}" and render_value({"L": []}) == "[]"
