"""Type-check a parsed expression as Spark's analyzer would, and turn it into a Python function.

Types are resolved once, when the mapping is prepared (attribute types come from the same
typed access the Spark path uses); evaluating an item then only calls closures.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from jobs.core.errors import ConfigError
from jobs.mapping import expr_eval as ev
from jobs.mapping.expr_eval import BOOLEAN, INT, STRING, SqlType, Typed
from jobs.mapping.expr_nodes import Binary, Case, Cast, Func, In, IsNull, Like, Lit, Node, Ref, Unary
from jobs.mapping.expr_ops import COMPARISONS, compare, decimal_op, decimal_result, integer_op, logic, strict
from jobs.mapping.expr_parse import parse_expression


class ExpressionCompiler:
    """Compiles expressions over attributes whose Spark types are given (the typed access)."""

    def __init__(self, types: dict[str, SqlType], where: str) -> None:
        self.types = types
        self.where = where

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {message}")

    def compile(self, node: Node) -> Typed:
        handler = getattr(self, f"_{type(node).__name__.lower()}")
        result: Typed = handler(node)
        return result

    # -- leaves ----------------------------------------------------------------------------

    def _lit(self, node: Lit) -> Typed:
        if node.kind == "decimal":
            value = Decimal(str(node.text))
            digits, exponent = len(value.as_tuple().digits), -int(value.as_tuple().exponent)
            kind = ev.decimal_type(max(digits, exponent), exponent)
            return Typed(kind, lambda _row: value, node)
        constant = node.value
        return Typed(SqlType(node.kind), lambda _row: constant, node)

    def _ref(self, node: Ref) -> Typed:
        if node.name not in self.types:
            raise self.fail(f"attribute {node.name!r} has no typed access")
        name = node.name
        return Typed(self.types[name], lambda row: row.get(name))

    # -- operators -------------------------------------------------------------------------

    def _unary(self, node: Unary) -> Typed:
        arg = self.compile(node.arg)
        fn = arg.fn
        if node.op == "NOT":
            self._need(arg, BOOLEAN, "NOT")
            return Typed(BOOLEAN, lambda row: None if (v := fn(row)) is None else not v)
        if not arg.type.numeric:
            raise self.fail(f"unary {node.op} needs a number, got {arg.type}")
        if node.op == "+":
            return arg
        kind = arg.type
        if kind.integral:
            return Typed(kind, lambda row: None if (v := fn(row)) is None else ev.wrap(-v, kind.kind))
        return Typed(kind, lambda row: None if (v := fn(row)) is None else ev.fit(-v, kind.precision, kind.scale))

    def _need(self, typed: Typed, kind: SqlType, what: str) -> None:
        if typed.type.kind not in (kind.kind, "null"):
            raise self.fail(f"{what} needs {kind}, got {typed.type}")

    def _binary(self, node: Binary) -> Typed:
        left, right = self.compile(node.left), self.compile(node.right)
        if node.op in ("AND", "OR"):
            self._need(left, BOOLEAN, node.op)
            self._need(right, BOOLEAN, node.op)
            return Typed(BOOLEAN, logic(node.op, left.fn, right.fn))
        if node.op in COMPARISONS:
            return self._comparison(node.op, left, right)
        if node.op == "||":
            return self._concat([left, right])
        return self._arithmetic(node.op, left, right)

    def _comparable(self, left: Typed, right: Typed, what: str) -> Callable[[Any, Any], tuple[Any, Any]]:
        a, b = left.type, right.type
        if a.kind == "null" or b.kind == "null" or (a.kind == b.kind and not a.numeric):
            return lambda x, y: (x, y)
        if a.numeric and b.numeric:
            return lambda x, y: (Decimal(x), Decimal(y))
        raise self.fail(f"{what} compares {a} with {b}; the stream replicator needs like types (CAST one side)")

    def _comparison(self, op: str, left: Typed, right: Typed) -> Typed:
        convert = self._comparable(left, right, op)
        lf, rf = left.fn, right.fn

        def evaluate(row: dict[str, Any]) -> bool | None:
            x, y = lf(row), rf(row)
            if op == "<=>":
                return (x is None and y is None) or (x is not None and y is not None and compare("=", *convert(x, y)))
            if x is None or y is None:
                return None
            return compare(op, *convert(x, y))

        return Typed(BOOLEAN, evaluate)

    def _arithmetic(self, op: str, left: Typed, right: Typed) -> Typed:
        a, b = left.type, right.type
        if a.kind == "null" or b.kind == "null":
            return Typed(b if a.kind == "null" else a, lambda _row: None)
        if not (a.numeric and b.numeric):
            raise self.fail(f"{op} on {a} and {b}: arithmetic needs numbers (CAST strings to DECIMAL(p,s))")
        lf, rf = left.fn, right.fn
        if a.integral and b.integral:
            if op == "/":
                raise self.fail("'/' on integers yields DOUBLE in Spark; CAST one side to DECIMAL(p,s)")
            kind = ev.BIGINT if "bigint" in (a.kind, b.kind) else INT
            return Typed(kind, integer_op(op, kind.kind, lf, rf))
        da, db = ev.as_decimal_type(a, left.literal), ev.as_decimal_type(b, right.literal)
        result = decimal_result(op, da, db)
        return Typed(result, decimal_op(op, result, lf, rf))

    def _isnull(self, node: IsNull) -> Typed:
        fn, negated = self.compile(node.arg).fn, node.negated
        return Typed(BOOLEAN, lambda row: (fn(row) is None) != negated)

    def _in(self, node: In) -> Typed:
        arg = self.compile(node.arg)
        options = [self.compile(o) for o in node.options]
        converts = [self._comparable(arg, o, "IN") for o in options]
        negated = node.negated

        def evaluate(row: dict[str, Any]) -> bool | None:
            value = arg.fn(row)
            if value is None:
                return None
            unknown = False
            for option, convert in zip(options, converts, strict=True):
                candidate = option.fn(row)
                if candidate is None:
                    unknown = True
                elif compare("=", *convert(value, candidate)):
                    return not negated
            return None if unknown else negated

        return Typed(BOOLEAN, evaluate)

    def _like(self, node: Like) -> Typed:
        arg, pattern = self.compile(node.arg), self.compile(node.pattern)
        self._need(arg, STRING, "LIKE")
        self._need(pattern, STRING, "LIKE")
        negated = node.negated

        def evaluate(row: dict[str, Any]) -> bool | None:
            text, like = arg.fn(row), pattern.fn(row)
            if text is None or like is None:
                return None
            return (ev.like_regex(like).fullmatch(text) is not None) != negated

        return Typed(BOOLEAN, evaluate)

    def _case(self, node: Case) -> Typed:
        operand = self.compile(node.operand) if node.operand is not None else None
        conditions, values = [], []
        for condition, value in node.branches:
            compiled = self.compile(condition)
            if operand is not None:
                compiled = self._comparison("=", operand, compiled)
            self._need(compiled, BOOLEAN, "CASE WHEN")
            conditions.append(compiled.fn)
            values.append(self.compile(value))
        otherwise = self.compile(node.otherwise) if node.otherwise is not None else None
        branches = [*values, *([otherwise] if otherwise else [])]
        kind = ev.wider([b.type for b in branches], f"{self.where}: CASE")
        converted = [self._coerced(b, kind) for b in values]
        fallback = self._coerced(otherwise, kind) if otherwise else (lambda _row: None)

        def evaluate(row: dict[str, Any]) -> Any:
            for condition, value in zip(conditions, converted, strict=True):
                if condition(row) is True:
                    return value(row)
            return fallback(row)

        return Typed(kind, evaluate)

    def _coerced(self, typed: Typed, kind: SqlType) -> Callable[[dict[str, Any]], Any]:
        if typed.type == kind or typed.type.kind == "null":
            return typed.fn
        fn, source = typed.fn, typed.type
        return lambda row: ev.cast(fn(row), source, kind)

    def _cast(self, node: Cast) -> Typed:
        arg = self.compile(node.arg)
        target = ev.parse_type(node.to)
        if arg.type.kind == "binary" and target.kind not in ("binary", "string"):
            raise self.fail(f"CAST from binary to {target} is not supported")
        if target.kind == "binary" and arg.type.kind not in ("binary", "string", "null"):
            raise self.fail(f"CAST from {arg.type} to binary is not supported")
        return Typed(target, self._coerced(arg, target))

    # -- functions -------------------------------------------------------------------------

    def _func(self, node: Func) -> Typed:
        name, args = node.name, [self.compile(a) for a in node.args]
        if name not in ev.SUPPORTED_FUNCTIONS:
            raise self.fail(
                f"function {name}() is not supported by the stream replicator; "
                f"it evaluates {', '.join(ev.SUPPORTED_FUNCTIONS)}"
            )
        arity = {"if": (3, 3), "lpad": (2, 3), "rpad": (2, 3), "substring": (2, 3), "substr": (2, 3)}
        arity |= {"replace": (2, 3), "abs": (1, 1), "nvl": (2, 2), "ifnull": (2, 2)}
        arity |= {n: (1, 1) for n in (*ev.STRING_FUNCTIONS, "length", "char_length", "character_length")}
        arity |= {n: (2, 2) for n in ("contains", "startswith", "endswith")}
        low, high = arity.get(name, (1, 10_000))
        if not low <= len(args) <= high:
            raise self.fail(f"{name}() takes {low}..{high} arguments, got {len(args)}")
        if name in ("concat",):
            return self._concat(args)
        if name == "concat_ws":
            return self._concat_ws(args)
        if name in ("coalesce", "nvl", "ifnull"):
            return self._coalesce(args)
        if name == "if":
            return self._case_like(args)
        if name == "abs":
            return self._abs(args[0])
        if name in ("length", "char_length", "character_length"):
            fn = args[0].fn
            if args[0].type.kind not in ("string", "binary", "null"):
                raise self.fail(f"{name}() needs a string or binary")
            return Typed(INT, lambda row: None if (v := fn(row)) is None else len(v))
        return self._string_function(name, args)

    def _strings(self, args: list[Typed], name: str) -> list[Callable[[dict[str, Any]], Any]]:
        out = []
        for arg in args:
            if arg.type.kind == "binary":
                raise self.fail(f"{name}() over binary values is not supported by the stream replicator")
            out.append(self._coerced(arg, STRING))
        return out

    def _ints(self, args: list[Typed], name: str) -> list[Callable[[dict[str, Any]], Any]]:
        for arg in args:
            if not (arg.type.integral or arg.type.kind == "null"):
                raise self.fail(f"{name}() needs an integer here, got {arg.type}")
        return [a.fn for a in args]

    def _string_function(self, name: str, args: list[Typed]) -> Typed:
        if name in ("lpad", "rpad"):
            (text,), (length,) = self._strings(args[:1], name), self._ints(args[1:2], name)
            pad = self._strings(args[2:], name)[0] if len(args) == 3 else (lambda _row: " ")
            left = name == "lpad"
            return strict(STRING, lambda t, n, p: ev.pad(t, n, p, left), text, length, pad)
        if name in ("substring", "substr"):
            (text,), numbers = self._strings(args[:1], name), self._ints(args[1:], name)
            length = numbers[1] if len(numbers) == 2 else (lambda _row: 2**31 - 1)
            return strict(STRING, ev.substring, text, numbers[0], length)
        if name == "replace":
            parts = self._strings(args, name)
            replacement = parts[2] if len(parts) == 3 else (lambda _row: "")
            return strict(STRING, ev.replace, parts[0], parts[1], replacement)
        if name in ("contains", "startswith", "endswith"):
            test = {"contains": lambda a, b: b in a, "startswith": str.startswith, "endswith": str.endswith}[name]
            return strict(BOOLEAN, test, *self._strings(args, name))
        return strict(STRING, ev.STRING_FUNCTIONS[name], *self._strings(args, name))

    def _concat(self, args: list[Typed]) -> Typed:
        return strict(STRING, lambda *parts: "".join(parts), *self._strings(args, "concat"))

    def _concat_ws(self, args: list[Typed]) -> Typed:
        separator, *parts = self._strings(args, "concat_ws")

        def evaluate(row: dict[str, Any]) -> str | None:
            sep = separator(row)
            if sep is None:
                return None
            return str(sep).join(v for part in parts if (v := part(row)) is not None)

        return Typed(STRING, evaluate)

    def _coalesce(self, args: list[Typed]) -> Typed:
        kind = ev.wider([a.type for a in args], f"{self.where}: coalesce")
        converted = [self._coerced(a, kind) for a in args]

        def evaluate(row: dict[str, Any]) -> Any:
            for fn in converted:
                value = fn(row)
                if value is not None:
                    return value
            return None

        return Typed(kind, evaluate)

    def _case_like(self, args: list[Typed]) -> Typed:
        condition, yes, no = args
        self._need(condition, BOOLEAN, "if()")
        kind = ev.wider([yes.type, no.type], f"{self.where}: if")
        first, second = self._coerced(yes, kind), self._coerced(no, kind)
        return Typed(kind, lambda row: first(row) if condition.fn(row) is True else second(row))

    def _abs(self, arg: Typed) -> Typed:
        if not arg.type.numeric:
            raise self.fail(f"abs() needs a number, got {arg.type}")
        fn, kind = arg.fn, arg.type
        if kind.integral:
            return Typed(kind, lambda row: None if (v := fn(row)) is None else ev.wrap(abs(v), kind.kind))
        return Typed(kind, lambda row: None if (v := fn(row)) is None else abs(v))


def compile_expression(text: str, types: dict[str, SqlType], where: str) -> Typed:
    """Parse and type-check ``text``; the result evaluates a row of typed attribute values."""
    return ExpressionCompiler(types, where).compile(parse_expression(text, where))
