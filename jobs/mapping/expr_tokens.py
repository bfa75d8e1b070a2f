"""Tokens of a mapping expression: Spark SQL's literals, quoted names, words and operators."""

from __future__ import annotations

import re

from jobs.core.errors import ConfigError

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<quoted>`(?:[^`]|``)*`)
    | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[A-Za-z]*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><=>|<>|!=|<=|>=|==|\|\||[-+*/%=<>(),.])
    )""",
    re.VERBOSE | re.DOTALL,
)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "0": "\0", "Z": "\x1a", "'": "'", '"': '"', "\\": "\\"}


def _unescape(body: str, where: str) -> str:
    out = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        elif nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "%_":
            out.append("\\" + nxt)  # kept for LIKE patterns, as Spark does
            i += 2
        else:
            raise ConfigError(f"{where}: the escape \\{nxt} in a string literal is not supported by the replicator")
    return "".join(out)


def tokenize(text: str, where: str) -> list[tuple[str, str]]:
    """(kind, text) pairs; kinds: string, quoted (a backticked name), number, word, op."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ConfigError(f"{where}: cannot read {text[position : position + 20]!r} in {text!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            value = _unescape(value[1:-1], where)
        elif kind == "quoted":
            value = value[1:-1].replace("``", "`")
        tokens.append((kind, value))
        position = match.end()
    return tokens
