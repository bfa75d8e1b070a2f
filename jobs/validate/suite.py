"""The Great Expectations (1.x) suites, checkpoints and Data Docs of a validation.

Two suites, because their batches are of two kinds (GX hands one ``dataframe`` batch
parameter to every validation of a checkpoint run):

* ``ddb-migrate-counts`` over a one-row pandas frame: expected and target row counts are equal;
  the run ledger reconciles (read = written + filtered + dead-lettered).
* ``ddb-migrate-keys`` over the per-key Spark frame (:func:`jobs.validate.compare.failure_columns`):
  a column per kind of failure must be all null — nothing missing, nothing unexpected, every
  content hash equal, keys unique on both sides, every export file readable. A failing row holds
  the key as text, so Data Docs list the keys themselves.

The context is ephemeral (nothing written but the Data Docs site) and analytics are off. GX
pages load their stylesheets and scripts from CDNs; so that they also read right offline, a
small stylesheet is inlined into every page (pass/fail icons become words); the index page is
the project's own (:mod:`jobs.validate.docs`), which also takes the CDN links out of GX's pages.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pandas as pd
from pyspark.sql import DataFrame

from jobs.validate.compare import MISMATCH, MISSING, UNEXPECTED, UNREADABLE
from jobs.validate.report import LEDGER_OK

log = logging.getLogger(__name__)
SITE = "ddb-migrate"
KEY_CHECKS = {
    MISSING: "Nothing is missing: every expected key is in the target",
    UNEXPECTED: "Nothing is unexpected: every target key is expected",
    MISMATCH: "Every content hash matches: expected and target items are equal",
    "duplicate_key_in_expected": "Keys are unique in the expected items",
    "duplicate_key_in_target": "Keys are unique in the target",
    UNREADABLE: "Every export data file was read whole",
}
ROW_COUNTS = "Row counts only: the target holds as many items as expected (keys are checked below)"
LEDGER = "The run ledger reconciles: items read = written + filtered + dead-lettered"
OFFLINE_CSS = """
/* ddb-migrate: readable without GX's CDN stylesheets and icon font */
i.fas.fa-times::before { content: "\\2717  FAILED"; color: #b00020; font: bold 1em sans-serif; }
i.fas.fa-check-circle::before { content: "\\2713  passed"; color: #137333; font: 1em sans-serif; }
table { border-collapse: collapse; }
td, th { border: 1px solid #d0d0d0; padding: 2px 6px; vertical-align: top; overflow-wrap: anywhere; }
"""


@dataclass(frozen=True)
class SuiteInput:
    """The two batches: the per-key failure frame (Spark) and the one-row counts (pandas)."""

    per_key: DataFrame
    counts: pd.DataFrame
    max_samples: int


def counts_frame(expected_rows: int, target_rows: int, ledger: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{"expected_rows": expected_rows, "target_rows": target_rows, "run_ledger": ledger["status"]}])


def _context(docs_dir: Path, plugins_dir: Path) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    styles = plugins_dir / "custom_data_docs" / "styles"
    styles.mkdir(parents=True)
    (styles / "data_docs_custom_styles.css").write_text(OFFLINE_CSS, encoding="utf-8")
    site = {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        data_docs_sites={SITE: site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        plugins_directory=str(plugins_dir),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _checkpoint(context: Any, name: str, source: Any, expectations: list[Any], result_format: dict[str, Any]) -> Any:
    import great_expectations as gx
    from great_expectations.checkpoint.actions import UpdateDataDocsAction

    batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    suite = context.suites.add(gx.ExpectationSuite(name=f"ddb-migrate-{name}"))
    for expectation in expectations:
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    return context.checkpoints.add(
        gx.Checkpoint(
            name=f"ddb-migrate-{name}",
            validation_definitions=[definition],
            result_format=result_format,
            actions=[UpdateDataDocsAction(name="data-docs", site_names=[SITE])],
        )
    )


def _plain(value: Any) -> Any:
    """JSON-safe: numpy scalars (pandas batches) become Python numbers, tuples lists."""
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _page(context: Any, identifier: Any, docs_dir: Path) -> str | None:
    """The validation result page of ``identifier``, relative to the site's root."""
    for site in context.get_docs_sites_urls(resource_identifier=identifier, site_name=SITE):
        url = site.get("site_url") or ""
        if url.startswith("file://"):
            return Path(unquote(url[len("file://") :])).resolve().relative_to(docs_dir.resolve()).as_posix()
    return None


def _outcomes(context: Any, checkpoint_result: Any, docs_dir: Path) -> list[dict[str, Any]]:
    found = []
    for identifier, suite_result in checkpoint_result.run_results.items():
        page = _page(context, identifier, docs_dir)
        for result in suite_result.results:
            config = result.expectation_config
            details = result.result or {}
            found.append(
                {
                    "expectation": config.description,
                    "type": config.type,
                    "success": bool(result.success),
                    "column": config.kwargs.get("column")
                    or [config.kwargs.get("column_A"), config.kwargs.get("column_B")],
                    "unexpected_count": _plain(details.get("unexpected_count")),
                    "sample_values": _plain(details.get("partial_unexpected_list", [])[:10]),
                    "page": page,
                }
            )
    return found


def run_suites(data: SuiteInput, docs_dir: Path) -> tuple[list[dict[str, Any]], Path]:
    """Validate both batches; write Data Docs into ``docs_dir``; return outcomes and the index page."""
    from great_expectations.expectations.core.expect_column_pair_values_to_be_equal import (
        ExpectColumnPairValuesToBeEqual,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_in_set import ExpectColumnValuesToBeInSet
    from great_expectations.expectations.core.expect_column_values_to_be_null import ExpectColumnValuesToBeNull

    docs_dir.mkdir(parents=True, exist_ok=True)
    summary = {"result_format": "SUMMARY", "partial_unexpected_count": max(1, data.max_samples)}
    with tempfile.TemporaryDirectory(prefix="ddb-migrate-gx-") as plugins:
        context = _context(docs_dir, Path(plugins))
        counts = _checkpoint(
            context,
            "counts",
            context.data_sources.add_pandas("run"),
            [
                ExpectColumnPairValuesToBeEqual(
                    column_A="expected_rows", column_B="target_rows", description=ROW_COUNTS
                ),
                ExpectColumnValuesToBeInSet(column="run_ledger", value_set=[LEDGER_OK], description=LEDGER),
            ],
            summary,
        )
        keys = _checkpoint(
            context,
            "keys",
            context.data_sources.add_spark("comparison", persist=False),
            [
                ExpectColumnValuesToBeNull(column=column, description=KEY_CHECKS[column])
                for column in data.per_key.columns
            ],
            summary,
        )
        outcomes = _outcomes(context, counts.run(batch_parameters={"dataframe": data.counts}), docs_dir)
        outcomes += _outcomes(context, keys.run(batch_parameters={"dataframe": data.per_key}), docs_dir)
    return outcomes, docs_dir / "index.html"
