"""What a validation tells a person: ``validation.json`` and the differences inside an item.

Pure functions: the comparison's counts and samples go in, a JSON document comes out. A
difference is located as deep as it goes (``profile.address.geo.cell``), with the expected and
actual canonical values, truncated to a readable length.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from jobs.core.canonical import canonical_text

MAX_PATHS_PER_ATTRIBUTE = 5
LEDGER_OK = "reconciled"


def truncate(text: str | None, max_chars: int) -> str | None:
    if text is None or len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}… ({len(text)} chars)"


def _canonical(value: Any) -> Any:
    return None if value is None else json.loads(canonical_text(value))


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _walk(expected: Any, actual: Any, path: str, out: list[dict[str, Any]]) -> None:
    """Append where two canonical values differ, descending into maps and equal-length lists."""
    if expected == actual or len(out) >= MAX_PATHS_PER_ATTRIBUTE:
        return
    kind = next(iter(expected)) if isinstance(expected, dict) else None
    same_kind = isinstance(actual, dict) and kind is not None and kind in actual
    if same_kind and kind == "M":
        for name in sorted(set(expected["M"]) | set(actual["M"])):
            _walk(expected["M"].get(name), actual["M"].get(name), f"{path}.{name}", out)
        return
    entry: dict[str, Any] = {"path": path, "expected": _text(expected), "actual": _text(actual)}
    if same_kind and kind == "L":
        left, right = expected["L"], actual["L"]
        if sorted(map(_text, left), key=str) == sorted(map(_text, right), key=str):
            entry["note"] = "the same elements in a different order (list order counts)"
        elif len(left) == len(right):
            for index, (a, b) in enumerate(zip(left, right, strict=True)):
                _walk(a, b, f"{path}[{index}]", out)
            return
    elif same_kind and kind in ("SS", "NS", "BS"):
        entry["only_in_expected"] = sorted(set(expected[kind]) - set(actual[kind]))
        entry["only_in_actual"] = sorted(set(actual[kind]) - set(expected[kind]))
    out.append(entry)


def attribute_differences(
    expected_item: dict[str, Any] | None, actual_item: dict[str, Any] | None, names: list[str], max_chars: int
) -> list[dict[str, Any]]:
    """For each named attribute, where inside it the two items differ (canonical values)."""
    found: list[dict[str, Any]] = []
    for name in names:
        paths: list[dict[str, Any]] = []
        _walk(_canonical((expected_item or {}).get(name)), _canonical((actual_item or {}).get(name)), name, paths)
        for entry in paths:
            entry = {"attribute": name, **entry}
            for side in ("expected", "actual"):
                entry[side] = truncate(entry[side], max_chars)
            found.append(entry)
    return found


def ledger_status(report: dict[str, Any] | None, uri: str) -> dict[str, Any]:
    """The run ledger as the suite sees it: ``status`` is "reconciled" or says what is wrong."""
    if report is None:
        return {
            "found": False,
            "uri": uri,
            "status": f"no run report at {uri}: run `ddb-migrate run` with this "
            "run_id first, or pass the run id of the migration to validate",
        }
    counts = {k: int(report.get(f"items_{k}", 0)) for k in ("read", "written", "filtered", "dead_lettered")}
    accounted = counts["written"] + counts["filtered"] + counts["dead_lettered"]
    status = (
        LEDGER_OK
        if counts["read"] == accounted
        else (
            f"items read ({counts['read']}) != written ({counts['written']}) + filtered ({counts['filtered']}) "
            f"+ dead-lettered ({counts['dead_lettered']}) = {accounted}"
        )
    )
    return {
        "found": True,
        "uri": uri,
        "status": status,
        **counts,
        "accounted": accounted,
        "run_success": bool(report.get("success")),
        "errors": list(report.get("errors", [])),
    }


@dataclass
class ValidationResult:
    """The outcome of one validation; ``to_json`` is ``validation.json``."""

    success: bool
    mode: str
    run_id: str
    source: dict[str, Any]
    target: dict[str, Any]
    counts: dict[str, int]
    expected_rows: int
    target_rows: int
    duplicate_keys: dict[str, int]
    mismatched_attributes: dict[str, int]
    ledger: dict[str, Any]
    expectations: list[dict[str, Any]]
    samples: dict[str, list[dict[str, Any]]]
    timings: dict[str, float]
    data_docs: str | None = None
    validated_at: str | None = None  # UTC, ISO 8601, when the validation started
    sample_fraction: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed_expectations(self) -> list[str]:
        return [e["expectation"] for e in self.expectations if not e["success"]]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    def summary_line(self) -> str:
        state = "PASSED" if self.success else "FAILED"
        counts = ", ".join(f"{name} {count}" for name, count in self.counts.items() if count or name == "match")
        line = (
            f"validation {state} ({self.mode}): expected {self.expected_rows}, target {self.target_rows}; "
            f"{counts}; {self.timings.get('total_s', 0):.1f}s"
        )
        failed = self.failed_expectations
        return line + ("\nfailed: " + "; ".join(failed) if failed else "")
