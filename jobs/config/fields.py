"""Reading typed fields out of a parsed YAML document, collecting every problem with its path."""

from __future__ import annotations

from typing import Any

from jobs.core.errors import ConfigError


class Fields:
    """Reads typed fields out of nested mappings and collects every problem with its path."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def section(self, doc: Any, path: str, allowed: tuple[str, ...], required: bool = True) -> dict[str, Any]:
        if doc is None:
            if required:
                self.problem(path, "required section is missing")
            return {}
        if not isinstance(doc, dict):
            self.problem(path, f"must be a mapping, got {type(doc).__name__}")
            return {}
        for key in doc:
            if key not in allowed:
                self.problem(f"{path}.{key}", f"unknown field; allowed: {', '.join(allowed)}")
        return doc

    def get(
        self,
        doc: dict[str, Any],
        path: str,
        name: str,
        kind: type | tuple[type, ...],
        default: Any = None,
        required: bool = False,
    ) -> Any:
        value = doc.get(name, default)
        if value is None:
            if required:
                self.problem(f"{path}.{name}".lstrip("."), "required")
            return default
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.problem(f"{path}.{name}".lstrip("."), f"must be {_kind_names(kinds)}, got a boolean")
            return default
        if not isinstance(value, kinds):
            self.problem(f"{path}.{name}".lstrip("."), f"must be {_kind_names(kinds)}, got {type(value).__name__}")
            return default
        return value

    def check(self, ok: bool, path: str, message: str) -> None:
        if not ok:
            self.problem(path, message)

    def raise_if_any(self) -> None:
        if self.problems:
            lines = "\n".join(f"  {self.where}: {p}" for p in self.problems)
            raise ConfigError(
                f"invalid configuration ({len(self.problems)} problem(s)):\n{lines}",
                hint="fix the fields named above; the README's 'Configuration' section documents each one",
            )


def _kind_names(kinds: tuple[type, ...]) -> str:
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        bool: "a boolean",
        dict: "a mapping",
        list: "a list",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)
