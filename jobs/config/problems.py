"""Pydantic's validation errors, told the way this tool tells them: one line per problem, with
the field's dotted path (``write.concurency: unknown field; allowed: concurrency, ...``)."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from jobs.config.rules import Says

_KINDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "a boolean",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}
_BROKEN_CONSTRAINTS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "string_pattern_mismatch",
    "literal_error",
    "too_long",
    "too_short",
}


def problems(error: ValidationError, root: type[BaseModel], top: str = "config") -> list[str]:
    """``path: message`` for each of pydantic's errors, in the order of the fields."""
    return [_problem(detail, root, top) for detail in error.errors(include_url=False)]


def _problem(detail: ErrorDetails, root: type[BaseModel], top: str) -> str:
    loc = _as_written(root, tuple(detail["loc"]))
    kind, value = detail["type"], detail["input"]
    at = (detail.get("ctx") or {}).get("at")
    if at:
        loc = (*loc, at)
    path = dotted(loc) or top
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        owner = _model_at(root, loc[:-1])
        allowed = ", ".join(_names(owner)) if owner else "none"
        return f"{path}: unknown field; allowed: {allowed}"
    if kind == "missing":
        field = _field_at(root, loc)
        section = field is not None and _model_in(field.annotation) and not _is_collection(field.annotation)
        return f"{path}: {'required section is missing' if section else 'required'}"
    if kind in _KINDS:
        return f"{path}: must be {_KINDS[kind]}, got {_describe(value)}"
    if kind == "rule":
        return f"{path}: {detail['msg']}"
    says = _says(_field_at(root, loc)) if kind in _BROKEN_CONSTRAINTS else None
    if says is not None:
        return f"{path}: {says.text(value)}"
    if kind == "literal_error":
        expected = str((detail.get("ctx") or {}).get("expected", "")).replace("'", "")
        return f"{path}: must be {expected}"
    message = detail["msg"]
    return f"{path}: {message[:1].lower()}{message[1:]}"


def dotted(loc: tuple[int | str, ...]) -> str:
    """``("target", "import", "key_schema", 0, "type")`` -> ``target.import.key_schema[0].type``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _as_written(root: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The location with each field as the YAML spells it (``import``, not ``import_``)."""
    written = list(loc)
    for i, part in enumerate(loc):
        owner = _model_at(root, loc[:i])
        field = owner.model_fields.get(str(part)) if owner is not None else None
        if field is not None and field.alias:
            written[i] = field.alias
    return tuple(written)


def _describe(value: Any) -> str:
    return "a boolean" if isinstance(value, bool) else type(value).__name__


def _names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _lookup(model: type[BaseModel], key: int | str) -> FieldInfo | None:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _field_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    """The model field a location names, or ``None``."""
    owner = _model_at(root, loc[:-1])
    return _lookup(owner, loc[-1]) if owner is not None and loc else None


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model a location leads to, stepping over list indices and mapping keys."""
    model: type[BaseModel] | None = root
    step_over = False
    for part in loc:
        if step_over:
            step_over = False
            continue
        field = _lookup(model, part) if model is not None else None
        if field is None:
            return None
        model = _model_in(field.annotation)
        step_over = _is_collection(field.annotation)
    return None if step_over else model


def _is_collection(annotation: Any) -> bool:
    if get_origin(annotation) in (list, dict):
        return True
    return get_origin(annotation) in (Union, types.UnionType) and any(_is_collection(a) for a in get_args(annotation))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``M``, ``M | None``, ``list[M]`` or ``dict[str, M]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType, list, dict, Annotated):
        for arg in get_args(annotation):
            if (model := _model_in(arg)) is not None:
                return model
    return None


def _says(field: FieldInfo | None) -> Says | None:
    if field is None:
        return None
    found = [m for m in field.metadata if isinstance(m, Says)]
    return found[0] if found else _says_in(field.annotation)


def _says_in(annotation: Any) -> Says | None:
    if get_origin(annotation) is Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, Says):
                return meta
    for arg in get_args(annotation):
        if (says := _says_in(arg)) is not None:
            return says
    return None
