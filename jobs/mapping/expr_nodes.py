"""The syntax tree of a mapping expression: the node types, and walking them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lit:
    value: object  # str, int, Decimal (text kept), bool or None
    kind: str  # string, int, bigint, decimal, boolean, null
    text: str = ""  # the literal as written (numbers: for the literal's decimal precision)


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+", "NOT"
    arg: Node


@dataclass(frozen=True)
class Binary:
    op: str  # AND OR + - * / % || = <> < <= > >= <=>
    left: Node
    right: Node


@dataclass(frozen=True)
class IsNull:
    arg: Node
    negated: bool


@dataclass(frozen=True)
class In:
    arg: Node
    options: tuple[Node, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    arg: Node
    pattern: Node
    negated: bool


@dataclass(frozen=True)
class Case:
    operand: Node | None
    branches: tuple[tuple[Node, Node], ...]
    otherwise: Node | None


@dataclass(frozen=True)
class Cast:
    arg: Node
    to: str  # string, int, bigint, boolean, binary, decimal(p,s)


@dataclass(frozen=True)
class Func:
    name: str  # lower case
    args: tuple[Node, ...]


Node = Lit | Ref | Unary | Binary | IsNull | In | Like | Case | Cast | Func


def children(node: Node) -> tuple[Node, ...]:
    """Sub-expressions in the order Spark's own tree lists them."""
    if isinstance(node, Unary | Cast):
        return (node.arg,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, IsNull):
        return (node.arg,)
    if isinstance(node, In):
        return (node.arg, *node.options)
    if isinstance(node, Like):
        return (node.arg, node.pattern)
    if isinstance(node, Case):
        parts: list[Node] = [] if node.operand is None else [node.operand]
        for condition, value in node.branches:
            parts += [condition, value]
        return (*parts, *([node.otherwise] if node.otherwise is not None else []))
    if isinstance(node, Func):
        return node.args
    return ()


def referenced_names(node: Node) -> list[str]:
    """Attribute names in the order :func:`jobs.mapping.compile.referenced_names` finds them
    (a stack walk over Spark's tree), so both paths resolve typed access in the same order."""
    names: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Ref) and current.name not in names:
            names.append(current.name)
        stack.extend(children(current))
    return names
