"""The operators of mapping expressions with Spark SQL's semantics: comparisons, three-valued
logic, integer overflow, and decimal precision and scale."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from jobs.mapping import expr_eval as ev
from jobs.mapping.expr_eval import SqlType, Typed

COMPARISONS = ("=", "<>", "<", "<=", ">", ">=", "<=>")


def compare(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "<>":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def strict(kind: SqlType, fn: Callable[..., Any], *args: Callable[[dict[str, Any]], Any]) -> Typed:
    """A function that is NULL when any argument is NULL."""

    def evaluate(row: dict[str, Any]) -> Any:
        values = [a(row) for a in args]
        return None if any(v is None for v in values) else fn(*values)

    return Typed(kind, evaluate)


def logic(op: str, left: Callable[[Any], Any], right: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def evaluate(row: dict[str, Any]) -> bool | None:
        a, b = left(row), right(row)
        if op == "AND":
            return False if a is False or b is False else None if a is None or b is None else True
        return True if a is True or b is True else None if a is None or b is None else False

    return evaluate


def integer_op(op: str, kind: str, left: Callable[[Any], Any], right: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def evaluate(row: dict[str, Any]) -> int | None:
        a, b = left(row), right(row)
        if a is None or b is None:
            return None
        if op == "+":
            return ev.wrap(a + b, kind)
        if op == "-":
            return ev.wrap(a - b, kind)
        if op == "*":
            return ev.wrap(a * b, kind)
        if b == 0:
            return None
        remainder = abs(a) % abs(b)
        return ev.wrap(-remainder if a < 0 else remainder, kind)

    return evaluate


def decimal_result(op: str, a: SqlType, b: SqlType) -> SqlType:
    """Spark's result type of a decimal operation (DecimalPrecision, allowPrecisionLoss=true)."""
    p1, s1, p2, s2 = a.precision, a.scale, b.precision, b.scale
    if op in ("+", "-"):
        scale = max(s1, s2)
        return ev.adjust(max(p1 - s1, p2 - s2) + scale + 1, scale)
    if op == "*":
        return ev.adjust(p1 + p2 + 1, s1 + s2)
    if op == "/":
        scale = max(6, s1 + p2 + 1)
        return ev.adjust(p1 - s1 + s2 + scale, scale)
    scale = max(s1, s2)
    return ev.adjust(min(p1 - s1, p2 - s2) + scale, scale)


Fn = Callable[[Any], Any]


def decimal_op(op: str, kind: SqlType, left: Fn, right: Fn) -> Fn:
    context = ev.CONTEXT
    p, s = kind.precision, kind.scale

    def evaluate(row: dict[str, Any]) -> Decimal | None:
        a, b = left(row), right(row)
        if a is None or b is None:
            return None
        x, y = Decimal(a), Decimal(b)
        if op == "+":
            return ev.fit(context.add(x, y), p, s)
        if op == "-":
            return ev.fit(context.subtract(x, y), p, s)
        if op == "*":
            return ev.fit(context.multiply(x, y), p, s)
        if y == 0:
            return None
        if op == "/":  # Spark divides to 38 places, half-up, then fits the result type
            return ev.fit(ev.fit(context.divide(x, y), 200, ev.MAX_PRECISION), p, s)
        return ev.fit(context.remainder(x, y), p, s)

    return evaluate
