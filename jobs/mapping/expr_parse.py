"""Parse the Spark SQL expressions of a mapping in pure Python (no JVM).

The stream replicator (ADR 0009) applies the mapping to one item at a time, where no Spark
runs. This module parses the subset of Spark SQL that :mod:`jobs.mapping.expr_eval` can
evaluate with Spark's own semantics; anything outside it is refused with the construct named,
so a mapping never means one thing in the full load and another in replication.
"""

from __future__ import annotations

import re

from jobs.core.errors import ConfigError
from jobs.mapping.expr_nodes import Binary, Case, Cast, Func, In, IsNull, Like, Lit, Node, Ref, Unary
from jobs.mapping.expr_tokens import tokenize

KEYWORDS = frozenset(("AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "IN", "LIKE", "BETWEEN"))
KEYWORDS |= frozenset(("CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "AS", "DIV"))
CAST_TYPES = {"string": "string", "int": "int", "integer": "int", "bigint": "bigint", "long": "bigint"}
CAST_TYPES |= {"boolean": "boolean", "binary": "binary"}


class _Parser:
    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = text, where
        self.tokens = tokenize(text, where)
        self.i = 0

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {message} in {self.text!r}")

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.i + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def keyword(self, *words: str) -> bool:
        kind, value = self.peek()
        return kind == "word" and value.upper() in words

    def take_keyword(self, word: str) -> bool:
        if self.keyword(word):
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.take_keyword(word):
            raise self.fail(f"expected {word}")

    def op(self, *ops: str) -> bool:
        kind, value = self.peek()
        return kind == "op" and value in ops

    def expect_op(self, value: str) -> None:
        if not self.op(value):
            raise self.fail(f"expected {value!r}")
        self.i += 1

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek()[0] != "end":
            raise self.fail(f"unexpected {self.peek()[1]!r}")
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.take_keyword("OR"):
            node = Binary("OR", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.take_keyword("AND"):
            node = Binary("AND", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.take_keyword("NOT"):
            return Unary("NOT", self.negation())
        return self.predicate()

    def predicate(self) -> Node:
        node = self.comparison()
        while True:
            if self.take_keyword("IS"):
                negated = self.take_keyword("NOT")
                self.expect_keyword("NULL")
                node = IsNull(node, negated)
                continue
            negated = self.keyword("NOT") and self.peek(1)[1].upper() in ("IN", "LIKE", "BETWEEN")
            if negated:
                self.i += 1
            if self.take_keyword("IN"):
                self.expect_op("(")
                options = [self.disjunction()]
                while self.op(","):
                    self.i += 1
                    options.append(self.disjunction())
                self.expect_op(")")
                node = In(node, tuple(options), negated)
            elif self.take_keyword("LIKE"):
                node = Like(node, self.comparison(), negated)
            elif self.take_keyword("BETWEEN"):
                low = self.comparison()
                self.expect_keyword("AND")
                high = self.comparison()
                between: Node = Binary("AND", Binary(">=", node, low), Binary("<=", node, high))
                node = Unary("NOT", between) if negated else between
            else:
                return node

    def comparison(self) -> Node:
        node = self.additive()
        while self.op("=", "==", "<>", "!=", "<", "<=", ">", ">=", "<=>"):
            op = self.peek()[1]
            self.i += 1
            op = {"==": "=", "!=": "<>"}.get(op, op)
            node = Binary(op, node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.op("+", "-", "||"):
            op = self.peek()[1]
            self.i += 1
            node = Binary(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.op("*", "/", "%") or self.keyword("DIV"):
            op = self.peek()[1].upper()
            if op == "DIV":
                raise self.fail("DIV is not supported by the replicator; use CAST(a / b AS BIGINT)")
            self.i += 1
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.op("-", "+"):
            op = self.peek()[1]
            self.i += 1
            arg = self.unary()
            if op == "-" and isinstance(arg, Lit) and arg.kind in ("int", "bigint", "decimal") and arg.text[:1] != "-":
                return _number_literal("-" + arg.text, self.where)
            return Unary(op, arg)
        return self.primary()

    def primary(self) -> Node:
        kind, value = self.peek()
        self.i += 1
        if kind == "string":
            while self.peek()[0] == "string":  # Spark joins adjacent literals: 'it''s' -> its
                value += self.peek()[1]
                self.i += 1
            return Lit(value, "string", value)
        if kind == "number":
            return _number_literal(value, self.where)
        if kind == "quoted":
            return self.after_name(value)
        if kind == "op" and value == "(":
            node = self.disjunction()
            self.expect_op(")")
            return node
        if kind != "word":
            raise self.fail(f"unexpected {value or 'end of expression'!r}")
        upper = value.upper()
        if upper in ("TRUE", "FALSE"):
            return Lit(upper == "TRUE", "boolean", upper)
        if upper == "NULL":
            return Lit(None, "null", "NULL")
        if upper == "CASE":
            return self.case()
        if upper == "CAST" and self.op("("):
            self.i += 1
            arg = self.disjunction()
            self.expect_keyword("AS")
            to = self.type_name()
            self.expect_op(")")
            return Cast(arg, to)
        if upper in KEYWORDS:
            raise self.fail(f"unexpected {value}")
        if self.op("("):
            self.i += 1
            args: list[Node] = []
            if not self.op(")"):
                args.append(self.disjunction())
                while self.op(","):
                    self.i += 1
                    args.append(self.disjunction())
            self.expect_op(")")
            return Func(value.lower(), tuple(args))
        return self.after_name(value)

    def after_name(self, name: str) -> Node:
        if self.op("."):
            raise self.fail(f"{name}.… (a field of a struct) is not supported by the replicator")
        return Ref(name)

    def type_name(self) -> str:
        kind, value = self.peek()
        self.i += 1
        name = value.lower()
        if kind == "word" and name in CAST_TYPES:
            return CAST_TYPES[name]
        if kind == "word" and name in ("decimal", "dec", "numeric"):
            precision, scale = 10, 0
            if self.op("("):
                self.i += 1
                precision = int(self.peek()[1])
                self.i += 1
                if self.op(","):
                    self.i += 1
                    scale = int(self.peek()[1])
                    self.i += 1
                self.expect_op(")")
            if not 0 <= scale <= precision <= 38 or precision == 0:
                raise self.fail(f"DECIMAL({precision},{scale}) is not a valid decimal type")
            return f"decimal({precision},{scale})"
        raise self.fail(
            f"CAST to {value!r} is not supported by the replicator (STRING, INT, BIGINT, DECIMAL(p,s), BOOLEAN, BINARY)"
        )

    def case(self) -> Node:
        operand = None if self.keyword("WHEN") else self.disjunction()
        branches = []
        while self.take_keyword("WHEN"):
            condition = self.disjunction()
            self.expect_keyword("THEN")
            branches.append((condition, self.disjunction()))
        if not branches:
            raise self.fail("CASE needs at least one WHEN")
        otherwise = self.disjunction() if self.take_keyword("ELSE") else None
        self.expect_keyword("END")
        return Case(operand, tuple(branches), otherwise)


def _number_literal(text: str, where: str) -> Lit:
    if re.search(r"[A-Za-z]$", text) and not re.search(r"[eE][+-]?[0-9]+$", text):
        raise ConfigError(f"{where}: the typed literal {text!r} is not supported by the replicator")
    if "e" in text.lower():
        raise ConfigError(
            f"{where}: {text!r} is a DOUBLE literal; floating point is not supported (use a decimal like 1000.0)"
        )
    if "." in text:
        return Lit(text, "decimal", text)
    value = int(text)
    if -(2**31) <= value < 2**31:
        return Lit(value, "int", text)
    if -(2**63) <= value < 2**63:
        return Lit(value, "bigint", text)
    return Lit(text, "decimal", text)


def parse_expression(text: str, where: str) -> Node:
    """The expression's tree; a :class:`ConfigError` naming ``where`` when it is outside the subset."""
    return _Parser(text, where).parse()
