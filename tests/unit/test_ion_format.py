import pytest

from jobs.core.errors import InvalidItemError
from jobs.local.datagen import make_item
from jobs.source.ion_format import item_to_line, line_to_item


def test_every_type_nested_reads_exactly():
    line = (
        '$ion_1_0 {Item:{pk:"a",n:12345678901234567890123456789012345678.,f:1.5d-7,b:{{AAE=}},t:true,'
        'z:null,ss:$dynamodb_SS::["x","y"],ns:$dynamodb_NS::[1.,2.50],bs:$dynamodb_BS::[{{AAE=}}],'
        'l:[1.,"s",{{AA==}},[false]],m:{k:{j:[null, {deep:$dynamodb_NS::[-0.5]}]}}}}'
    )
    assert line_to_item(line, "f:1") == {
        "pk": {"S": "a"},
        "n": {"N": "12345678901234567890123456789012345678"},
        "f": {"N": "0.00000015"},
        "b": {"B": "AAE="},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "ss": {"SS": ["x", "y"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": ["AAE="]},
        "l": {"L": [{"N": "1"}, {"S": "s"}, {"B": "AA=="}, {"L": [{"BOOL": False}]}]},
        "m": {"M": {"k": {"M": {"j": {"L": [{"NULL": True}, {"M": {"deep": {"NS": ["-0.5"]}}}]}}}}},
    }


def test_round_trip_of_generated_items():
    for index in range(200):
        item = make_item(index)
        back = line_to_item(item_to_line(item), "x")
        # N comes back canonical, which is how DynamoDB stores it; everything else is identical
        assert back.keys() == item.keys()
        assert back["payload"] == item["payload"] and back["tags"] == item["tags"]
        assert back["profile"] == item["profile"]


def test_bad_lines_name_the_place():
    with pytest.raises(InvalidItemError, match=r"f\.json\.gz line 3: expected a struct"):
        line_to_item("$ion_1_0 [1, 2]", "f.json.gz line 3")
    with pytest.raises(InvalidItemError, match="f line 1: not valid Ion"):
        line_to_item("$ion_1_0 {Item:{a:", "f line 1")
