"""DynamoDB's ION export format <-> wire AttributeValues, without losing a digit or a byte.

Each data line is ``$ion_1_0 {Item:{...}}``. S is an Ion string, N an Ion decimal (kept exact
and written back in DynamoDB's canonical text), B a blob, BOOL a bool, NULL a null, L a list,
M a struct; sets are lists annotated ``$dynamodb_SS``, ``$dynamodb_NS`` and ``$dynamodb_BS``.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import amazon.ion.simpleion as ion
from amazon.ion.core import IonType
from amazon.ion.simple_types import IonPyBytes, IonPyDict, IonPyList, IonPyNull

from jobs.core.attrvalue import normalize_number
from jobs.core.errors import InvalidItemError

IVM = "$ion_1_0"
_SET_ANNOTATIONS = {"$dynamodb_SS": "SS", "$dynamodb_NS": "NS", "$dynamodb_BS": "BS"}


def _number(value: Any, path: str) -> str:
    if isinstance(value, float):
        return normalize_number(repr(value), path)
    return normalize_number(str(value), path)  # str(Decimal) and str(int) are exact


def _scalar_or_set(value: Any, path: str) -> dict[str, Any]:
    kind = getattr(value, "ion_type", None)
    if kind is None or kind == IonType.NULL or value is None:
        return {"NULL": True}
    if kind == IonType.BOOL:
        return {"BOOL": bool(value)}
    if kind in (IonType.DECIMAL, IonType.INT, IonType.FLOAT):
        return {"N": _number(value, path)}
    if kind in (IonType.STRING, IonType.SYMBOL):
        return {"S": str(value)}
    if kind in (IonType.BLOB, IonType.CLOB):
        return {"B": base64.b64encode(bytes(value)).decode("ascii")}
    raise InvalidItemError(f"attribute {path}: Ion type {kind.name} has no DynamoDB equivalent")


def to_attribute(value: Any, path: str) -> dict[str, Any]:
    """One Ion value as a wire AttributeValue."""
    kind = getattr(value, "ion_type", None)
    annotations = [getattr(a, "text", a) for a in getattr(value, "ion_annotations", ())]
    if kind == IonType.LIST:
        set_kind = next((_SET_ANNOTATIONS[a] for a in annotations if a in _SET_ANNOTATIONS), None)
        if set_kind is None:
            return {"L": [to_attribute(v, f"{path}[{i}]") for i, v in enumerate(value)]}
        element = set_kind[0]
        return {set_kind: [_scalar_or_set(v, f"{path}[{i}]")[element] for i, v in enumerate(value)]}
    if kind == IonType.STRUCT:
        return {"M": {str(k): to_attribute(v, f"{path}.{k}") for k, v in value.items()}}
    return _scalar_or_set(value, path)


def line_to_item(line: str, where: str) -> dict[str, Any]:
    """An ION data line (``$ion_1_0 {Item:{...}}``) as a wire item."""
    try:
        document = ion.loads(line)
    except Exception as exc:  # the Ion reader raises several types
        raise InvalidItemError(f"{where}: not valid Ion text ({exc})") from exc
    if getattr(document, "ion_type", None) != IonType.STRUCT or "Item" not in document:
        raise InvalidItemError(f"{where}: expected a struct {{Item:{{...}}}}")
    item = document["Item"]
    return {str(k): to_attribute(v, str(k)) for k, v in item.items()}


def line_to_json(line: str, where: str) -> str:
    """An ION data line as the DYNAMODB_JSON line the rest of the pipeline reads."""
    return json.dumps({"Item": line_to_item(line, where)}, ensure_ascii=False, separators=(",", ":"))


def _from_attribute(value: dict[str, Any]) -> Any:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return inner
    if kind == "N":
        return Decimal(inner)
    if kind == "B":
        return IonPyBytes.from_value(IonType.BLOB, base64.b64decode(inner))
    if kind == "BOOL":
        return bool(inner)
    if kind == "NULL":
        return IonPyNull.from_value(IonType.NULL, None)
    if kind in ("SS", "NS", "BS"):
        element = kind[0]
        members = [_from_attribute({element: v}) for v in inner]
        return IonPyList.from_value(IonType.LIST, members, annotations=(f"$dynamodb_{kind}",))
    if kind == "L":
        return IonPyList.from_value(IonType.LIST, [_from_attribute(v) for v in inner])
    if kind == "M":
        return IonPyDict.from_value(IonType.STRUCT, {k: _from_attribute(v) for k, v in inner.items()})
    raise InvalidItemError(f"unknown AttributeValue type {kind!r}")


def item_to_line(item: dict[str, Any]) -> str:
    """A wire item as an ION data line, as DynamoDB's ION export writes it."""
    body = IonPyDict.from_value(IonType.STRUCT, {"Item": _from_attribute({"M": item})})
    text: str = ion.dumps(body, binary=False)
    return text if text.startswith(IVM) else f"{IVM} {text}"
