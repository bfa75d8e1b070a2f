"""Start, watch and stop the Glue jobs and workflow that Terraform made (ADR 0010).

Names follow the target module: jobs ``<prefix>-export``, ``-migrate``, ``-validate``, the
workflow ``<prefix>-migration`` and the log groups ``/aws-glue/jobs/<prefix>/error|output``.
Functions take the Glue client explicitly and return values; the CLI prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobs.run.workflow_run import RUN_ID_PROPERTY

JOB_TERMINAL = frozenset({"SUCCEEDED", "FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"})
WORKFLOW_TERMINAL = frozenset({"COMPLETED", "STOPPED", "ERROR"})
STEPS = ("export", "migrate", "validate")


@dataclass(frozen=True)
class GlueNames:
    """The Glue resources of one deployment, from the target module's name_prefix."""

    prefix: str

    @property
    def workflow(self) -> str:
        return f"{self.prefix}-migration"

    def job(self, step: str) -> str:
        if step not in STEPS:
            raise ValueError(f"unknown step {step!r}: one of {', '.join(STEPS)}")
        return f"{self.prefix}-{step}"

    @property
    def log_group_prefix(self) -> str:
        return f"/aws-glue/jobs/{self.prefix}"


@dataclass(frozen=True)
class JobRunState:
    job: str
    run_id: str
    state: str
    started_on: datetime | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in JOB_TERMINAL


@dataclass(frozen=True)
class LaunchState:
    """A workflow run or a single job run, as last read."""

    kind: str  # "workflow" or "job"
    glue_run_id: str
    state: str
    jobs: tuple[JobRunState, ...] = field(default=())
    run_id: str | None = None  # the migration run id, when known

    @property
    def finished(self) -> bool:
        if self.kind == "job":
            return self.state in JOB_TERMINAL
        return self.state in WORKFLOW_TERMINAL

    @property
    def succeeded(self) -> bool:
        if self.kind == "job":
            return self.state == "SUCCEEDED"
        ran = {job.job.rsplit("-", 1)[-1]: job for job in self.jobs}
        return self.state == "COMPLETED" and all(ran.get(step) and ran[step].state == "SUCCEEDED" for step in STEPS)


def start_workflow(glue: Any, names: GlueNames) -> str:
    return str(glue.start_workflow_run(Name=names.workflow)["RunId"])


def start_job(glue: Any, names: GlueNames, step: str, run_id: str | None) -> str:
    arguments = {"--run-id": run_id} if run_id else {}
    return str(glue.start_job_run(JobName=names.job(step), Arguments=arguments)["JobRunId"])


def job_launch_state(glue: Any, names: GlueNames, step: str, job_run_id: str) -> LaunchState:
    job = names.job(step)
    run = glue.get_job_run(JobName=job, RunId=job_run_id)["JobRun"]
    state = JobRunState(job, job_run_id, run["JobRunState"], run.get("StartedOn"), run.get("ErrorMessage"))
    given = run.get("Arguments", {}).get("--run-id")
    return LaunchState("job", job_run_id, state.state, (state,), None if given in (None, "", "auto") else given)


def latest_workflow_run(glue: Any, names: GlueNames) -> str:
    """The id of the workflow's most recent run."""
    runs = glue.get_workflow_runs(Name=names.workflow, MaxResults=10).get("Runs", [])
    if not runs:
        raise ValueError(f"workflow {names.workflow} has never run: start it with `ddb-migrate glue start`")
    return str(max(runs, key=lambda r: r.get("StartedOn") or datetime.min)["WorkflowRunId"])


_PROGRESS_LINE = re.compile(r"files \d+/\d+ \| items [\d,]+/[\d,]+ \|.*")


def progress_line(messages: list[str]) -> str | None:
    """The last progress line a run logged (the same line local runs show), if any."""
    for message in reversed(messages):
        found = _PROGRESS_LINE.search(message)
        if found:
            return found.group(0).strip()
    return None


def new_log_events(logs: Any, group: str, stream_prefix: str, after_ms: int) -> list[dict[str, Any]]:
    """Log events of a job run (streams named after its id) newer than ``after_ms``."""
    try:
        found = logs.filter_log_events(logGroupName=group, logStreamNamePrefix=stream_prefix, startTime=after_ms + 1)
    except logs.exceptions.ResourceNotFoundException:
        return []
    events: list[dict[str, Any]] = found.get("events", [])
    return sorted(events, key=lambda event: event["timestamp"])


def _step_order(job: JobRunState) -> int:
    step = job.job.rsplit("-", 1)[-1]
    return STEPS.index(step) if step in STEPS else len(STEPS)


def _last_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return max(runs, key=lambda r: r.get("StartedOn") or datetime.min)


def _graph_job_runs(run: dict[str, Any]) -> tuple[JobRunState, ...]:
    """The last run of each job node in a workflow run's graph, in step order."""
    found = []
    for node in run.get("Graph", {}).get("Nodes", []):
        runs = node.get("JobDetails", {}).get("JobRuns", []) if node.get("Type") == "JOB" else []
        if runs:
            last = _last_run(runs)
            found.append(
                JobRunState(
                    node["Name"], last["Id"], last["JobRunState"], last.get("StartedOn"), last.get("ErrorMessage")
                )
            )
    return tuple(sorted(found, key=_step_order))


def workflow_state(glue: Any, names: GlueNames, workflow_run_id: str) -> LaunchState:
    run = glue.get_workflow_run(Name=names.workflow, RunId=workflow_run_id, IncludeGraph=True)["Run"]
    properties = run.get("WorkflowRunProperties", {})
    return LaunchState(
        "workflow", workflow_run_id, run["Status"], _graph_job_runs(run), properties.get(RUN_ID_PROPERTY)
    )


def stop(glue: Any, names: GlueNames, launch: LaunchState) -> None:
    """Ask Glue to stop the run: the workflow run, and any job run of it still going."""
    if launch.kind == "workflow":
        glue.stop_workflow_run(Name=names.workflow, RunId=launch.glue_run_id)
        running = [job for job in launch.jobs if not job.finished]
    else:
        running = list(launch.jobs)
    for job in running:
        glue.batch_stop_job_run(JobName=job.job, JobRunIds=[job.run_id])


def failed_nodes(glue: Any, names: GlueNames, workflow_run_id: str) -> list[str]:
    """Node ids of the jobs that did not succeed in a workflow run (what ResumeWorkflowRun restarts)."""
    run = glue.get_workflow_run(Name=names.workflow, RunId=workflow_run_id, IncludeGraph=True)["Run"]
    nodes = []
    for node in run.get("Graph", {}).get("Nodes", []):
        runs = node.get("JobDetails", {}).get("JobRuns", []) if node.get("Type") == "JOB" else []
        if runs and _last_run(runs)["JobRunState"] != "SUCCEEDED":
            nodes.append(node["UniqueId"])
    return nodes


def resume_workflow(glue: Any, names: GlueNames, workflow_run_id: str) -> str:
    """ResumeWorkflowRun on the failed jobs; the resumed run keeps the run id (its property)."""
    nodes = failed_nodes(glue, names, workflow_run_id)
    if not nodes:
        raise ValueError(f"workflow run {workflow_run_id} has no failed job to resume")
    resumed = str(glue.resume_workflow_run(Name=names.workflow, RunId=workflow_run_id, NodeIds=nodes)["RunId"])
    original = glue.get_workflow_run_properties(Name=names.workflow, RunId=workflow_run_id).get("RunProperties", {})
    if original.get(RUN_ID_PROPERTY):
        glue.put_workflow_run_properties(
            Name=names.workflow, RunId=resumed, RunProperties={RUN_ID_PROPERTY: original[RUN_ID_PROPERTY]}
        )
    return resumed
