"""`ddb-migrate glue start|follow|stop` against moto's Glue, CloudWatch Logs and S3 APIs.

moto records job and workflow runs but executes nothing: a job run goes STARTING, RUNNING,
SUCCEEDED as it is read; a workflow run stays RUNNING until stopped; triggers never fire (the
launch-contract test in tests/terraform runs the jobs themselves)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from jobs.cli import glue_control
from jobs.cli.main import build_parser
from jobs.core.errors import ConfigError
from jobs.run.glue_runs import GlueNames
from jobs.run.workflow_run import RUN_ID_PROPERTY

PREFIX = "gluecli"


class StoppingGlue:
    """moto's Glue client, recording calls; moto's StopWorkflowRun accepts the call and changes
    nothing, so after it this plays Glue's part and reports the run STOPPED."""

    def __init__(self, glue: Any) -> None:
        self.glue = glue
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.stopped: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.glue, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            if name == "stop_workflow_run":
                self.stopped.add(kwargs["RunId"])
            found = method(**kwargs)
            if name == "get_workflow_run" and kwargs["RunId"] in self.stopped:
                found["Run"]["Status"] = "STOPPED"
            return found

        return call


@pytest.fixture(scope="module")
def glue_setup(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The jobs, workflow and triggers Terraform makes, by name, and a config naming them."""
    session = boto3.Session(aws_access_key_id="target", aws_secret_access_key="x", region_name="us-east-1")
    glue = session.client("glue", endpoint_url=moto_endpoint)
    logs = session.client("logs", endpoint_url=moto_endpoint)
    for step in ("export", "migrate", "validate"):
        glue.create_job(
            Name=f"{PREFIX}-{step}",
            Role="arn:aws:iam::123456789012:role/job",
            Command={"Name": "glueetl", "ScriptLocation": f"s3://artifacts/glue_scripts/{step}_table.py"},
            DefaultArguments={"--config": "s3://artifacts/config/job.yaml", "--run-id": "auto"},
            GlueVersion="5.0",
            ExecutionProperty={"MaxConcurrentRuns": 5},
        )
    glue.create_workflow(Name=f"{PREFIX}-migration", MaxConcurrentRuns=1)
    logs.create_log_group(logGroupName=f"/aws-glue/jobs/{PREFIX}/output")
    config = tmp_path_factory.mktemp("glue-cli") / "job.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "accounts": {
                    "source": {"region": "us-east-1"},
                    "target": {
                        "region": "us-east-1",
                        "access_key_id": "target",
                        "secret_access_key": "x",
                        "endpoints": {"default": moto_endpoint},
                    },
                },
                "source": {
                    "account": "source",
                    "table": "orders",
                    "export": {"manifest": "s3://exports/AWSDynamoDB/01-x/manifest-summary.json"},
                },
                "target": {"account": "target", "table": "orders"},
                "output": {"uri": "s3://artifacts/runs"},
                "glue": {"name_prefix": PREFIX},
            }
        ),
        encoding="utf-8",
    )
    return {"glue": glue, "logs": logs, "config": str(config)}


def _args(*argv: str) -> Any:
    return build_parser().parse_args(["glue", *argv])


def test_glue_help_lists_start_follow_and_stop() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "glue", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for action in ("start", "follow", "stop"):
        assert action in shown


def test_start_one_job_with_its_run_id_and_follow_it_to_success(glue_setup: dict[str, Any]) -> None:
    args = _args(
        "start", "--config", glue_setup["config"], "--job", "migrate", "--run-id", "orders-r1", "--interval", "0"
    )
    assert args.handler(args) == 0
    (run,) = glue_setup["glue"].get_job_runs(JobName=f"{PREFIX}-migrate")["JobRuns"]
    assert run["Arguments"]["--run-id"] == "orders-r1"
    assert run["Arguments"]["--config"] == "s3://artifacts/config/job.yaml"  # the job's defaults stay
    assert run["JobRunState"] == "SUCCEEDED"


def test_follow_shows_the_progress_line_and_new_log_lines(
    glue_setup: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    glue, logs = glue_setup["glue"], glue_setup["logs"]
    job_run_id = glue.start_job_run(JobName=f"{PREFIX}-validate", Arguments={"--run-id": "orders-r2"})["JobRunId"]
    group, stream = f"/aws-glue/jobs/{PREFIX}/output", f"{job_run_id}-driver"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[
            {"timestamp": now, "message": "INFO jobs.run.migrate: run orders-r2: 4 files"},
            {
                "timestamp": now + 1,
                "message": "INFO progress: files 2/4 | items 500/1,000 | 250 items/s | throttles 0 | dead 0 | ETA 2s",
            },
        ],
    )
    args = _args(
        "follow", "--config", glue_setup["config"], "--job", "validate", "--job-run-id", job_run_id, "--interval", "0"
    )
    assert args.handler(args) == 0
    shown = capsys.readouterr().err
    assert "[validate] INFO jobs.run.migrate: run orders-r2: 4 files" in shown
    assert "files 2/4 | items 500/1,000 | 250 items/s" in shown
    assert "run id orders-r2" in shown and "SUCCEEDED" in shown


def _answer(asked: list[str], question: str, answer: str) -> str:
    asked.append(question)
    return answer


def _stop_running(glue: Any) -> None:
    """One workflow run at a time (MaxConcurrentRuns 1): moto never ends them itself."""
    workflow = f"{PREFIX}-migration"
    for run in glue.get_workflow_runs(Name=workflow)["Runs"]:
        if run["Status"] == "RUNNING":
            glue.stop_workflow_run(Name=workflow, RunId=run["WorkflowRunId"])


def test_a_workflow_run_is_started_then_stopped_and_follow_exits_1(
    glue_setup: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = StoppingGlue(glue_setup["glue"])
    monkeypatch.setattr(glue_control, "_target_clients", lambda _config: (spy, glue_setup["logs"]))
    start = _args("start", "--config", glue_setup["config"], "--no-follow")
    assert start.handler(start) == 0
    workflow_run_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert ("start_workflow_run", {"Name": f"{PREFIX}-migration"}) in spy.calls

    stop = _args("stop", "--config", glue_setup["config"], "--workflow-run-id", workflow_run_id, "--yes")
    assert stop.handler(stop) == 0
    assert ("stop_workflow_run", {"Name": f"{PREFIX}-migration", "RunId": workflow_run_id}) in spy.calls
    follow = _args("follow", "--config", glue_setup["config"], "--interval", "0")  # the latest workflow run
    assert follow.handler(follow) == 1


def test_ctrl_c_asks_and_stops_the_run(glue_setup: dict[str, Any]) -> None:
    glue = StoppingGlue(glue_setup["glue"])
    workflow = f"{PREFIX}-migration"
    _stop_running(glue_setup["glue"])
    workflow_run_id = glue.start_workflow_run(Name=workflow)["RunId"]
    glue.put_workflow_run_properties(Name=workflow, RunId=workflow_run_id, RunProperties={RUN_ID_PROPERTY: "orders-r3"})
    interrupts = iter([KeyboardInterrupt()])

    def sleep(_: float) -> None:
        for interrupt in interrupts:
            raise interrupt

    asked: list[str] = []
    names = GlueNames(PREFIX)
    code = glue_control.follow(
        glue,
        glue_setup["logs"],
        names,
        "workflow",
        workflow_run_id,
        interval_s=0,
        ask=lambda q: _answer(asked, q, "y"),
        sleep=sleep,
    )
    assert code == 1 and asked and "stop workflow run" in asked[0]
    assert ("stop_workflow_run", {"Name": workflow, "RunId": workflow_run_id}) in glue.calls


def test_answering_no_leaves_the_run_going(glue_setup: dict[str, Any]) -> None:
    glue = StoppingGlue(glue_setup["glue"])
    workflow = f"{PREFIX}-migration"
    _stop_running(glue_setup["glue"])
    workflow_run_id = glue.start_workflow_run(Name=workflow)["RunId"]

    def sleep(_: float) -> None:
        raise KeyboardInterrupt

    names = GlueNames(PREFIX)
    code = glue_control.follow(
        glue, glue_setup["logs"], names, "workflow", workflow_run_id, interval_s=0, ask=lambda _: "n", sleep=sleep
    )
    assert code == 130
    assert not [call for call in glue.calls if call[0] == "stop_workflow_run"]


def test_a_missing_name_prefix_is_a_config_error_saying_what_to_set(tmp_path: Path, glue_setup: dict[str, Any]) -> None:
    doc = yaml.safe_load(Path(glue_setup["config"]).read_text(encoding="utf-8"))
    del doc["glue"]
    config = tmp_path / "job.yaml"
    config.write_text(yaml.safe_dump(doc), encoding="utf-8")
    args = _args("start", "--config", str(config), "--no-follow")
    with pytest.raises(ConfigError, match=r"glue\.name_prefix"):
        args.handler(args)
