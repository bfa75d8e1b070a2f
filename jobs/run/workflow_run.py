"""One migration run per Glue workflow run (ADR 0010).

The export job, first in every fresh workflow run, derives the run id and records it as the
run property ``ddb_migrate_run_id``; migrate and validate read it. A resumed workflow run has
a new workflow run id and may lack the property: it is then taken from the run named by
``PreviousRunId`` and recorded in the resumed run, so a resume (or a resume of a resume)
reuses the ledger of the run it continues.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

RUN_ID_PROPERTY = "ddb_migrate_run_id"
_MAX_TABLE_PART = 100

log = logging.getLogger(__name__)


def derived_run_id(target_table: str, started_on: datetime) -> str:
    """``<target table>-<UTC start of the workflow run>``, within the run id's alphabet."""
    table = re.sub(r"[^A-Za-z0-9._-]", "-", target_table)[:_MAX_TABLE_PART].strip("._-") or "run"
    return f"{table}-{started_on.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _properties(glue: Any, workflow: str, workflow_run_id: str) -> dict[str, str]:
    found: dict[str, str] = glue.get_workflow_run_properties(Name=workflow, RunId=workflow_run_id).get(
        "RunProperties", {}
    )
    return found


def _record(glue: Any, workflow: str, workflow_run_id: str, run_id: str) -> None:
    glue.put_workflow_run_properties(Name=workflow, RunId=workflow_run_id, RunProperties={RUN_ID_PROPERTY: run_id})


def workflow_run_id(glue: Any, workflow: str, workflow_run_id: str, target_table: str, *, starts_run: bool) -> str:
    """The migration run id of this workflow run (see the module docstring). ``starts_run``
    is true for the export job, which begins a run and never continues another's."""
    own = _properties(glue, workflow, workflow_run_id).get(RUN_ID_PROPERTY)
    if own:
        return own
    run = glue.get_workflow_run(Name=workflow, RunId=workflow_run_id)["Run"]
    previous = run.get("PreviousRunId")
    if not starts_run and previous:
        inherited = _properties(glue, workflow, previous).get(RUN_ID_PROPERTY)
        if inherited:
            log.info("workflow run %s resumes %s: run id %s", workflow_run_id, previous, inherited)
            _record(glue, workflow, workflow_run_id, inherited)
            return inherited
    started = run.get("StartedOn") or datetime.now(UTC)
    fresh = derived_run_id(target_table, started)
    _record(glue, workflow, workflow_run_id, fresh)
    return fresh
