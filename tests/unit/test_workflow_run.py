"""One run id per Glue workflow run; a resumed workflow run keeps the run id of the run it
resumes (ADR 0010). The Glue API is a small fake with the documented shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from jobs.run.workflow_run import RUN_ID_PROPERTY, derived_run_id, workflow_run_id


class FakeGlue:
    """Workflow runs with StartedOn, PreviousRunId and run properties."""

    def __init__(self) -> None:
        self.runs: dict[str, dict[str, Any]] = {}

    def add_run(self, run_id: str, started: datetime, previous: str | None = None, **properties: str) -> None:
        run: dict[str, Any] = {"WorkflowRunId": run_id, "StartedOn": started, "Status": "RUNNING"}
        if previous:
            run["PreviousRunId"] = previous
        self.runs[run_id] = {"run": run, "properties": dict(properties)}

    def get_workflow_run(self, Name: str, RunId: str, **_: Any) -> dict[str, Any]:
        return {"Run": self.runs[RunId]["run"]}

    def get_workflow_run_properties(self, Name: str, RunId: str) -> dict[str, Any]:
        return {"RunProperties": dict(self.runs[RunId]["properties"])}

    def put_workflow_run_properties(self, Name: str, RunId: str, RunProperties: dict[str, str]) -> None:
        self.runs[RunId]["properties"].update(RunProperties)


T1 = datetime(2026, 6, 7, 2, 0, 5, tzinfo=UTC)
T2 = datetime(2026, 6, 14, 2, 0, 9, tzinfo=UTC)


def test_the_export_job_derives_and_records_the_run_id() -> None:
    glue = FakeGlue()
    glue.add_run("wr_1", T1)
    assert workflow_run_id(glue, "wf", "wr_1", "orders", starts_run=True) == "orders-20260607T020005Z"
    assert glue.runs["wr_1"]["properties"][RUN_ID_PROPERTY] == "orders-20260607T020005Z"
    # migrate and validate of the same workflow run read it
    assert workflow_run_id(glue, "wf", "wr_1", "orders", starts_run=False) == "orders-20260607T020005Z"


def test_each_scheduled_run_has_its_own_run_id_even_when_linked_to_the_last() -> None:
    """moto links every new run to the workflow's last one with PreviousRunId; a fresh run's
    export still starts a new run id."""
    glue = FakeGlue()
    glue.add_run("wr_1", T1)
    first = workflow_run_id(glue, "wf", "wr_1", "orders", starts_run=True)
    glue.add_run("wr_2", T2, previous="wr_1")
    second = workflow_run_id(glue, "wf", "wr_2", "orders", starts_run=True)
    assert first != second == "orders-20260614T020009Z"
    assert workflow_run_id(glue, "wf", "wr_2", "orders", starts_run=False) == second


def test_a_resumed_run_without_properties_takes_the_run_id_of_the_run_it_resumes() -> None:
    glue = FakeGlue()
    glue.add_run("wr_1", T1)
    original = workflow_run_id(glue, "wf", "wr_1", "orders", starts_run=True)
    glue.add_run("wr_1b", T2, previous="wr_1")  # ResumeWorkflowRun: a new id, migrate restarts
    assert workflow_run_id(glue, "wf", "wr_1b", "orders", starts_run=False) == original
    glue.add_run("wr_1c", T2, previous="wr_1b")  # a resume of the resume
    assert workflow_run_id(glue, "wf", "wr_1c", "orders", starts_run=False) == original


def test_a_resumed_run_that_kept_its_properties_uses_them() -> None:
    glue = FakeGlue()
    glue.add_run("wr_1b", T2, previous="wr_1", **{RUN_ID_PROPERTY: "orders-kept"})
    assert workflow_run_id(glue, "wf", "wr_1b", "orders", starts_run=False) == "orders-kept"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("orders", "orders-20260607T020005Z"),
        ("a b/c", "a-b-c-20260607T020005Z"),
        ("x" * 300, "x" * 100 + "-20260607T020005Z"),
    ],
)
def test_derived_run_ids_fit_the_run_id_alphabet(table: str, expected: str) -> None:
    assert derived_run_id(table, T1) == expected
