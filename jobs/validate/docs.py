"""Data Docs that tell the story: the project's own index page, and GX's pages made offline.

The index page is rendered here from the :class:`ValidationResult` (not by GX, whose index is
a list built by scripts from CDNs): what was compared (run id, source, target, mode, when and
how long), the counts, every check with what it checks, and examples of each failure with the
expected and actual values. It has no script and no external asset. GX's own pages stay as the
detail behind each check, with their CDN stylesheets and scripts taken out, so that they load at
once offline (the inlined stylesheet in :mod:`jobs.validate.suite` keeps them readable).
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

from jobs.validate.compare import MATCH, MISMATCH, MISSING, UNEXPECTED, UNREADABLE
from jobs.validate.report import ValidationResult

INDEX = "index.html"
COUNT_LABELS = {
    MATCH: "match",
    MISSING: "missing in the target",
    UNEXPECTED: "unexpected in the target",
    MISMATCH: "different",
    UNREADABLE: "unreadable export files",
}
EXAMPLE_TITLES = {
    MISSING: "Missing in the target: expected, not found",
    UNEXPECTED: "Unexpected in the target: found, not expected",
    MISMATCH: "Different: the same key, other values",
    UNREADABLE: "Unreadable export files",
}
LEDGER_COUNTS = ("read", "written", "filtered", "dead_lettered")
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em; color: #202124; max-width: 80em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
td, th { border: 1px solid #d0d0d0; padding: 3px 8px; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
th { background: #f3f3f3; }
.failed { color: #b00020; font-weight: bold; }
.passed { color: #137333; font-weight: bold; }
code { font: 13px ui-monospace, monospace; white-space: pre-wrap; }
.note { color: #5f6368; }
"""
_EXTERNAL = re.compile(
    r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>|<link\b[^>]*\bhref=[\"']https?://[^>]*>",
    re.I,
)


def _key(key: Any) -> str:
    return json.dumps(key, separators=(",", ":"), ensure_ascii=False)


def _status(ok: bool) -> str:
    return '<td class="passed">&#x2713; passed</td>' if ok else '<td class="failed">&#x2717; FAILED</td>'


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Cells are HTML; one that is already a ``<td>`` or ``<th>`` is kept as it is."""
    head = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>" if header else ""
    body = "".join(
        "<tr>" + "".join(c if c.startswith(("<td", "<th")) else f"<td>{c}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>{head}{body}</table>"


def _code(label: str, value: Any) -> str:
    return f"{escape(label)} <code>{escape(str(value))}</code>"


def headline(result: ValidationResult) -> str:
    failed = len(result.failed_expectations)
    if failed:
        return f"ddb-migrate validation FAILED: {failed} of {len(result.expectations)} expectations"
    return "ddb-migrate validation passed"


def _facts(result: ValidationResult) -> str:
    source = result.source
    target = result.target
    read = target.get("read", "")
    if read == "export":
        read += f" {target.get('export')}"
    rows = [
        ["run id", f"<code>{escape(result.run_id)}</code>"],
        ["source", f"table <code>{escape(str(source.get('table')))}</code>, {_code('export', source.get('export'))}"],
        ["target", f"table <code>{escape(str(target.get('table')))}</code>, read by {escape(read)}"],
        ["mode", escape(result.mode + (f" (fraction {result.sample_fraction})" if result.sample_fraction else ""))],
        ["validated at", escape(result.validated_at or "?")],
        ["took", f"{result.timings.get('total_s', 0):.1f} s"],
    ]
    return _table([], [[f"<th>{escape(name)}</th>", value] for name, value in rows])


def _counts(result: ValidationResult) -> str:
    header = ["expected items", "items in the target", *COUNT_LABELS.values()]
    row = [str(result.expected_rows), str(result.target_rows), *(str(result.counts.get(c, 0)) for c in COUNT_LABELS)]
    dup = result.duplicate_keys
    note = (
        f'<p class="note">Duplicate keys: {dup.get("expected", 0)} among the expected items, '
        f"{dup.get('target', 0)} in the target. Attributes that differ: "
        + (", ".join(f"{escape(n)} ({c})" for n, c in result.mismatched_attributes.items()) or "none")
        + "</p>"
    )
    return _table(header, [row]) + note


def _ledger(ledger: dict[str, Any]) -> str:
    if not ledger.get("found"):
        return f"<p>{escape(str(ledger.get('status')))}</p>"
    counts = ", ".join(f"{name.replace('_', '-')} {ledger.get(name, 0)}" for name in LEDGER_COUNTS)
    return f"<p>{_code('run report', ledger.get('uri'))}: {escape(counts)}; {escape(str(ledger['status']))}.</p>"


def _what_it_checks(result: ValidationResult, outcome: dict[str, Any]) -> str:
    """The row-count check says which numbers it compared, and that a count cannot see keys."""
    if outcome.get("column") != ["expected_rows", "target_rows"]:
        return ""
    missing, unexpected = result.counts.get(MISSING, 0), result.counts.get(UNEXPECTED, 0)
    text = f"compared {result.expected_rows} expected with {result.target_rows} in the target"
    if outcome["success"] and (missing or unexpected):
        text += f"; equal counts, yet {missing} missing and {unexpected} unexpected: see the key checks"
    return f'<span class="note">{escape(text)}</span>'


def _checks(result: ValidationResult) -> str:
    rows = []
    for o in sorted(result.expectations, key=lambda o: o["success"]):
        name = escape(o["expectation"] or o["type"])
        link = f'<a href="{escape(o["page"])}">{name}</a>' if o.get("page") else name
        count = "" if o["unexpected_count"] is None else str(o["unexpected_count"])
        examples = "<br>".join(escape(str(v)) for v in o["sample_values"][:5])
        rows.append([_status(o["success"]), link, count, f"<code>{examples}</code>{_what_it_checks(result, o)}"])
    return _table(["status", "check", "failing", "examples"], rows)


def _difference_rows(sample: dict[str, Any]) -> list[list[str]]:
    rows = []
    for d in sample.get("differences", []):
        notes = [d.get("note") or ""]
        if "only_in_expected" in d:
            notes.append(f"only expected: {d['only_in_expected']}; only in the target: {d['only_in_actual']}")
        rows.append(
            [
                f"<code>{escape(_key(sample['key']))}</code>",
                f"<code>{escape(d['path'])}</code>",
                f"<code>{escape(str(d['expected']))}</code>",
                f"<code>{escape(str(d['actual']))}</code>",
                escape("; ".join(n for n in notes if n)),
            ]
        )
    return rows


def _examples(result: ValidationResult) -> str:
    parts = []
    for klass, title in EXAMPLE_TITLES.items():
        samples = result.samples.get(klass, [])
        if not samples:
            continue
        shown = f"{len(samples)} of {result.counts.get(klass, len(samples))}"
        parts.append(f"<h3>{escape(title)} ({shown})</h3>")
        if klass == MISMATCH:
            rows = [row for s in samples for row in _difference_rows(s)]
            parts.append(_table(["key", "where", "expected", "actual", "note"], rows))
        elif klass == UNREADABLE:
            rows = [[f"<code>{escape(str(s.get('file')))}</code>", escape(str(s.get("error")))] for s in samples]
            parts.append(_table(["file", "error"], rows))
        elif klass == UNEXPECTED:
            parts.append(_table(["key"], [[f"<code>{escape(_key(s['key']))}</code>"] for s in samples]))
        else:
            rows = []
            for s in samples:
                place = s.get("expected_from")
                origin = f"{place['file']} line {place['line']}" if place else ""
                rows.append([f"<code>{escape(_key(s['key']))}</code>", f"<code>{escape(origin)}</code>"])
            parts.append(_table(["key", "expected from (export file, line)"], rows))
    return "".join(parts) or "<p>None: every expected item is in the target, equal, and nothing else is.</p>"


def render_index(result: ValidationResult) -> str:
    """The whole index page: self-contained HTML, no script, no external asset."""
    state = "failed" if result.failed_expectations else "passed"
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(headline(result))}</title><style>{STYLE}</style></head><body>"
        f'<section id="ddb-migrate-summary"><h1 class="{state}">{escape(headline(result))}</h1>'
        f"{_facts(result)}<h2>Counts</h2>{_counts(result)}<h2>Run ledger</h2>{_ledger(result.ledger)}"
        f"<h2>Checks</h2>{_checks(result)}<h2>Examples</h2>{_examples(result)}"
        f'<h2>Details</h2><ul>{notes}<li><a href="validation.json">validation.json</a>: all of the above as JSON</li>'
        "<li>Each check's name links to Great Expectations' page of it.</li></ul></section></body></html>"
    )


def link(data_docs: str) -> str:
    """Where to open the Data Docs: an ``s3://`` URI as it is, a local page as a ``file://`` URI."""
    return data_docs if data_docs.startswith("s3://") else Path(data_docs).resolve().as_uri()


def offline(page: str) -> str:
    """A GX page without its CDN stylesheets and scripts."""
    return _EXTERNAL.sub("", page)


def write_site(docs_dir: Path, result: ValidationResult) -> Path:
    """Our index page over GX's; GX's other pages made offline. The index page's path."""
    for page in docs_dir.rglob("*.html"):
        page.write_text(offline(page.read_text(encoding="utf-8")), encoding="utf-8")
    index = docs_dir / INDEX
    index.write_text(render_index(result), encoding="utf-8")
    return index
