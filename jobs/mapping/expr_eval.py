"""Evaluate a parsed mapping expression with Spark SQL's semantics, in pure Python.

Spark 3.5 with ANSI mode off (Glue 5.0's default) is the reference: its result types (decimal
precision and scale rules, integer overflow that wraps), its NULL logic, its casts and string
functions. ``tests/spark/test_mapping_agreement.py`` runs both on generated items and requires
identical output. Floating point is refused: DynamoDB numbers never pass through a float.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal
from typing import Any

from jobs.core.errors import ConfigError
from jobs.mapping.expr_nodes import Lit

CONTEXT = Context(prec=500, rounding=ROUND_HALF_UP, Emax=10**6, Emin=-(10**6))
MAX_PRECISION = 38
Row = dict[str, Any]


@dataclass(frozen=True)
class SqlType:
    """A Spark SQL type: string, int, bigint, decimal(p,s), boolean, binary or null (a bare NULL)."""

    kind: str
    precision: int = 0
    scale: int = 0

    @property
    def integral(self) -> bool:
        return self.kind in ("int", "bigint")

    @property
    def numeric(self) -> bool:
        return self.integral or self.kind == "decimal"

    def __str__(self) -> str:
        return f"decimal({self.precision},{self.scale})" if self.kind == "decimal" else self.kind


STRING, INT, BIGINT = SqlType("string"), SqlType("int"), SqlType("bigint")
BOOLEAN, BINARY, NULL = SqlType("boolean"), SqlType("binary"), SqlType("null")
_DECIMAL_TEXT = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")


def decimal_type(precision: int, scale: int) -> SqlType:
    return SqlType("decimal", min(precision, MAX_PRECISION), min(scale, MAX_PRECISION))


def parse_type(text: str) -> SqlType:
    """``string``, ``decimal(38,2)``, ... as a :class:`SqlType`."""
    match = _DECIMAL_TEXT.match(text)
    if match:
        return decimal_type(int(match.group(1)), int(match.group(2)))
    named = {"string": STRING, "int": INT, "bigint": BIGINT, "boolean": BOOLEAN, "binary": BINARY}
    if text not in named:
        raise ConfigError(f"type {text!r} is not supported by the stream replicator")
    return named[text]


# ---- values ------------------------------------------------------------------------------


def wrap(value: int, kind: str) -> int:
    """Java integer overflow: keep the low 32 or 64 bits, signed."""
    bits = 32 if kind == "int" else 64
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def fit(value: Decimal | None, precision: int, scale: int) -> Decimal | None:
    """``value`` rounded half-up to ``scale``; None when it needs more than ``precision`` digits."""
    if value is None:
        return None
    rounded = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=CONTEXT)
    if rounded == 0:
        return rounded.copy_abs()  # Java's BigDecimal has no negative zero
    return None if rounded.adjusted() >= precision - scale else rounded


_SPACE = "".join(chr(c) for c in range(33))  # Java's trim(): every char <= U+0020


def parse_decimal(text: str) -> Decimal | None:
    """A string as Java's BigDecimal reads it after a trim; None when it is not a number."""
    body = text.strip(_SPACE)
    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", body):
        return None
    return Decimal(body)


def parse_integral(text: str, kind: str) -> int | None:
    """Spark's string -> int/bigint cast: trimmed, a fraction is truncated, overflow is NULL."""
    body = text.strip(_SPACE)
    match = re.fullmatch(r"([+-]?)([0-9]*)(?:\.([0-9]*))?", body)
    if not match or not (match.group(2) or match.group(3)):
        return None
    value = int(match.group(2) or "0") * (-1 if match.group(1) == "-" else 1)
    bits = 32 if kind == "int" else 64
    return value if -(1 << (bits - 1)) <= value < 1 << (bits - 1) else None


_TRUE, _FALSE = {"t", "true", "y", "yes", "1"}, {"f", "false", "n", "no", "0"}


def to_string(value: Any, kind: SqlType) -> str | None:
    """Spark's CAST(x AS STRING): decimals as Java's BigDecimal.toString (``1.000E-7``)."""
    if value is None:
        return None
    if kind.kind == "boolean":
        return "true" if value else "false"
    if kind.kind == "binary":
        return bytes(value).decode("utf-8", errors="replace")
    if kind.kind == "decimal":
        return str(value)  # Python's to-scientific-string is Java's BigDecimal.toString
    return str(value)


def as_decimal(value: Any, kind: SqlType) -> Decimal | None:
    if value is None:
        return None
    if kind.kind == "boolean":
        return Decimal(1 if value else 0)
    return Decimal(value)


def cast(value: Any, source: SqlType, target: SqlType) -> Any:
    """CAST(value AS target) with Spark's non-ANSI rules (NULL on failure or overflow)."""
    if value is None or source == target:
        return value
    if target.kind == "string":
        return to_string(value, source)
    if target.kind == "binary":
        return value.encode("utf-8") if source.kind == "string" else None
    if target.kind == "boolean":
        if source.kind == "string":
            word = value.strip(_SPACE).lower()
            return True if word in _TRUE else False if word in _FALSE else None
        return value != 0
    if target.kind == "decimal":
        number = parse_decimal(value) if source.kind == "string" else as_decimal(value, source)
        return fit(number, target.precision, target.scale)
    if target.integral:
        if source.kind == "string":
            return parse_integral(value, target.kind)
        if source.kind == "boolean":
            return 1 if value else 0
        whole = int(Decimal(value).to_integral_value(rounding=ROUND_DOWN))
        return wrap(whole, target.kind)
    raise ConfigError(f"CAST from {source} to {target} is not supported by the stream replicator")


# ---- types of operations -----------------------------------------------------------------


def adjust(precision: int, scale: int) -> SqlType:
    """Spark's DecimalType.adjustPrecisionScale (spark.sql.decimalOperations.allowPrecisionLoss)."""
    if precision <= MAX_PRECISION:
        return SqlType("decimal", precision, scale)
    int_digits = precision - scale
    return SqlType("decimal", MAX_PRECISION, max(MAX_PRECISION - int_digits, min(scale, 6)))


def as_decimal_type(kind: SqlType, literal: Lit | None = None) -> SqlType:
    """How an operand takes part in decimal arithmetic (an integer literal by its digits)."""
    if kind.kind == "decimal":
        return kind
    if literal is not None and kind.integral:
        return SqlType("decimal", max(1, len(str(abs(int(literal.value))))), 0)  # type: ignore[call-overload]
    return SqlType("decimal", 10 if kind.kind == "int" else 20, 0)


def wider(types: list[SqlType], where: str) -> SqlType:
    """The common type of CASE/IF/COALESCE branches (Spark's widening, numbers only)."""
    real = [t for t in types if t.kind != "null"]
    if not real:
        return NULL
    kinds = {t.kind for t in real}
    if len(kinds) == 1 and "decimal" not in kinds:
        return real[0]
    if all(t.numeric for t in real):
        if kinds <= {"int", "bigint"}:
            return BIGINT
        decimals = [as_decimal_type(t) for t in real]
        scale = max(d.scale for d in decimals)
        return decimal_type(max(d.precision - d.scale for d in decimals) + scale, scale)
    raise ConfigError(
        f"{where}: branches of types {', '.join(sorted(str(t) for t in real))} differ; "
        "the stream replicator needs them alike (CAST them)"
    )


@dataclass(frozen=True)
class Typed:
    """A compiled sub-expression: its Spark type and a function of the row."""

    type: SqlType
    fn: Callable[[Row], Any]
    literal: Lit | None = None


def like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def substring(text: str, pos: int, length: int) -> str:
    start = pos - 1 if pos > 0 else len(text) + pos if pos < 0 else 0
    end = start + length
    start = max(start, 0)
    return "" if start >= end else text[start:end]


def pad(text: str, length: int, pad: str, left: bool) -> str:
    if length <= 0:
        return ""
    if length <= len(text) or not pad:
        return text[:length]
    fill = (pad * (length // len(pad) + 1))[: length - len(text)]
    return fill + text if left else text + fill


def replace(text: str, search: str, replacement: str) -> str:
    return text if not search else text.replace(search, replacement)


STRING_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "upper": str.upper,
    "ucase": str.upper,
    "lower": str.lower,
    "lcase": str.lower,
    "trim": lambda s: s.strip(" "),
    "ltrim": lambda s: s.lstrip(" "),
    "rtrim": lambda s: s.rstrip(" "),
}
SUPPORTED_FUNCTIONS = sorted(
    {*STRING_FUNCTIONS, "concat", "concat_ws", "lpad", "rpad", "substring", "substr", "length", "char_length"}
    | {"character_length", "coalesce", "nvl", "ifnull", "if", "abs", "replace", "contains", "startswith", "endswith"}
)
