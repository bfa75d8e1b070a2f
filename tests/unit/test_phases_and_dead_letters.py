"""Named phases say when they start, that they are still at work, and how they ended; a dead
letter's key is read from the item as it was recorded."""

from __future__ import annotations

import io
import logging
import time

import pytest

from jobs.core import phases
from jobs.run.dead_letters import item_key


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "jobs.core.phases"]


def test_a_phase_names_itself_beats_and_says_how_long(caplog: pytest.LogCaptureFixture) -> None:
    phases.set_heartbeat(0.1)
    try:
        with caplog.at_level(logging.INFO, logger="jobs.core.phases"), phases.phase("sampling", detail=lambda: "3/8"):
            deadline = time.monotonic() + 5
            while len(_messages(caplog)) < 3 and time.monotonic() < deadline:  # the start and two beats
                time.sleep(0.02)
    finally:
        phases.set_heartbeat(phases.DEFAULT_HEARTBEAT_S)
    said = _messages(caplog)
    assert said[0] == "sampling ..."
    beats = said[1:-1]
    assert len(beats) >= 2
    assert all(b.startswith("sampling: still at it (") and b.endswith(" s; 3/8)") for b in beats)
    assert said[-1].startswith("sampling: done in ") and said[-1].endswith(" s")


def test_on_a_terminal_a_phase_that_knows_its_progress_draws_a_bar(caplog: pytest.LogCaptureFixture) -> None:
    terminal = io.StringIO()
    looks = iter([None, (3, 12), (6, 12)])  # no stage at first, then tasks done of tasks
    phases.set_heartbeat(0.1)
    phases.set_live(terminal)
    try:
        with (
            caplog.at_level(logging.INFO, logger="jobs.core.phases"),
            phases.phase("validating", progress=lambda: next(looks, (6, 12))),
        ):
            deadline = time.monotonic() + 10
            while terminal.getvalue().count("\r") < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        phases.set_live(None)
        phases.set_heartbeat(phases.DEFAULT_HEARTBEAT_S)
    drawn = terminal.getvalue().split("\r\033[K")
    assert drawn[1].startswith("validating:  25%|") and "| 3/12 [" in drawn[1] and "tasks/s]" in drawn[1]
    assert "50%|" in drawn[2] and "| 6/12 [" in drawn[2]
    assert drawn[-1] == ""  # cleared before the phase's last line
    said = _messages(caplog)
    assert said[0] == "validating ..." and said[-1].startswith("validating: done in ")
    assert not any("still at it" in m for m in said)  # the bar replaces the heartbeat lines


def test_without_a_terminal_progress_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="jobs.core.phases"), phases.phase("validating", progress=lambda: (1, 2)):
        pass
    assert [m.split(" in ")[0] for m in _messages(caplog)] == ["validating ...", "validating: done"]


def test_a_failing_phase_says_so_and_the_error_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="jobs.core.phases"),
        pytest.raises(KeyError),
        phases.phase("loading", heartbeat=False),
    ):
        raise KeyError("x")
    said = _messages(caplog)
    assert said[0] == "loading ..."
    assert said[1].startswith("loading: failed after 0.") and len(said) == 2


@pytest.mark.parametrize(
    ("item", "names", "key"),
    [
        ({"pk": {"S": "customer#0001"}, "sk": {"N": "7"}, "x": {"S": "y"}}, ("pk", "sk"), "pk=customer#0001, sk=7"),
        ({"Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}, ("pk", "sk"), "pk=a, sk=1"),
        ({"pk": {"S": "a"}}, ("pk", "sk"), None),  # the key is what is missing
        ('{"Item": not json', ("pk",), None),  # a read dead letter: the raw line
        ({"pk": {"S": "a"}}, (), None),  # the table could not be described
    ],
)
def test_the_key_of_a_dead_letter(item: object, names: tuple[str, ...], key: str | None) -> None:
    assert item_key(item, names) == key
