"""Every notebook runs top to bottom against the local stack, its plots inline (as a person
opening it sees them); rendered copies are kept under test-output/notebooks/ to look at."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OUTPUT = ROOT / "test-output" / "notebooks"


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_explore_export.ipynb",
        "02_mapping_dry_run.ipynb",
        "03_validation_report.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    book = json.loads(path.read_text())
    for cell in book["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name
    parameters = [c for c in book["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(parameters) == 1, f"{path.name} needs one cell tagged 'parameters' for papermill"


def _run(path: Path, monkeypatch, stack_home: Path, **parameters) -> nbformat.NotebookNode:
    monkeypatch.setenv("DDB_MIGRATE_HOME", str(stack_home))  # reuse the session's stack
    OUTPUT.mkdir(parents=True, exist_ok=True)
    executed = OUTPUT / path.name
    papermill.execute_notebook(
        str(path), str(executed), parameters=parameters, kernel_name="python3", cwd=str(ROOT), progress_bar=False
    )
    book = nbformat.read(executed, as_version=4)
    html, _ = HTMLExporter().from_notebook_node(book)
    (OUTPUT / f"{path.stem}.html").write_text(html)
    return book


def _inline_plots(book: nbformat.NotebookNode) -> list[int]:
    """The size of each PNG shown inline, in cell order."""
    return [
        len(out["data"]["image/png"])
        for cell in book.cells
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]


def test_no_notebook_forces_a_backend_or_writes_figures_by_default():
    for path in NOTEBOOKS:
        text = path.read_text()
        assert "matplotlib.use(" not in text and ".savefig(" not in text, path.name
        if "figures_dir" in text:  # a parameter; empty by default: nothing saved
            assert 'figures_dir = \\"\\"  # ' in text, path.name


def _outputs(book: nbformat.NotebookNode) -> str:
    texts = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            texts.append(str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def _html_tables(book: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(out.get("data", {}).get("text/html", "")) for cell in book.cells for out in cell.get("outputs", [])
    )


def test_explore_export(local_stack, monkeypatch, stack_home, tmp_path):
    figures = tmp_path / "figures"  # asked for: the plots are also saved there
    book = _run(
        ROOT / "notebooks" / "01_explore_export.ipynb",
        monkeypatch,
        stack_home,
        figures_dir=str(figures),
        sample_size=1500,
    )
    text = _outputs(book)
    assert "5 data files, 2,000 items (summary says 2,000); 0 with problems" in text
    assert "items per write unit: 1.000" in text
    plots = _inline_plots(book)
    assert len(plots) == 3 and min(plots) > 8_000, plots  # drawn plots, not empty canvases
    assert sorted(p.name for p in figures.iterdir()) == ["item-sizes.png", "partition-keys.png", "write-units.png"]


def test_mapping_dry_run(local_stack, monkeypatch, stack_home):
    book = _run(ROOT / "notebooks" / "02_mapping_dry_run.ipynb", monkeypatch, stack_home, sample_size=1000)
    text = _outputs(book)
    assert "items: 2,000 in 5 data files" in text and "0 would be dead-lettered" in text
    assert "CUST#customer#" in text and "migrated_by" in text
    changes = text.split("what the mapping changed in 3 sampled items:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    for line in (
        "name -> title: renamed",  # a rename is one row: old path -> new path
        "profile.address.city -> profile.address.town: renamed",  # a nested one too
        "note: dropped",
        "amount: cast N -> S",
        "PK: key: concat('CUST#', pk)",
        "customer: derived: concat('CUST#', pk)",
        "migrated_by: set",
    ):
        assert f"  {line}" in changes, changes
    table = _html_tables(book)
    assert "profile.address.town" in table and "history[4].when" in table  # every path, lists indexed


def test_validation_report(local_stack, monkeypatch, stack_home):
    book = _run(ROOT / "notebooks" / "03_validation_report.ipynb", monkeypatch, stack_home)
    text = _outputs(book)
    assert "validation PASSED (full): expected 2,000, target 2,000" in text
    assert '"status": "reconciled"' in text and "match                 2000" in text
    plots = _inline_plots(book)
    assert len(plots) == 2 and min(plots) > 8_000, plots
    side = re.search(r'key \{"pk": \{"S": "customer#\d{4}"\}, "sk": \{"N": "\d+"\}\}: (\d+) paths, all equal', text)
    assert side and int(side[1]) > 20, text  # one key read from both tables, every leaf path equal
    assert "profile.address.geo.lat" in _html_tables(book)
    assert "5 data files in the ledger" in text and "0 dead letters" in text  # read with awswrangler
    assert not (ROOT / "notebook-output").exists() and not (ROOT / "notebooks" / "notebook-output").exists()
