"""Collection progress without a terminal: the plain log lines a CI job shows."""

from __future__ import annotations

import pytest

from assay import ui

WAIT = "rate limit (graphql): GraphQL points exhausted; waiting 900 s, until 12:15:00 UTC"


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line.split("] ", 1)[1] for line in capsys.readouterr().err.splitlines()]


def test_plain_lines_for_start_end_and_waits(capsys: pytest.CaptureFixture[str]) -> None:
    progress = ui.CollectionProgress(["mlflow", "github"], enabled=True, terminal=False)
    with progress.running():
        progress.update("github", "25 evidence")  # routine progress: no line inside the heartbeat window
        progress.update(
            "github", "rate limit (graphql): GraphQL points exhausted; waiting 900 s, until 12:15:00 UTC"
        )
        progress.update("mlflow", "done: 40 evidence in 2.5 s")
        progress.update("github", "done: 310 evidence in 9.0 s")
        progress.update("mlflow", "status: ok")
        progress.update("github", "status: partial")
    got = lines(capsys)
    assert got[:2] == ["github: started", "mlflow: started"]
    assert (
        got[2] == "github: rate limit (graphql): GraphQL points exhausted; waiting 900 s, until 12:15:00 UTC"
    )
    assert got[3:] == [
        "mlflow: done: 40 evidence in 2.5 s",
        "github: done: 310 evidence in 9.0 s",
        "mlflow: status: ok",
        "github: status: partial",
    ]


def test_heartbeat_prints_routine_progress_at_most_every_interval(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(ui.time, "monotonic", lambda: clock[0])
    progress = ui.CollectionProgress(["aws"], enabled=True, terminal=False)
    with progress.running():
        clock[0] += ui.HEARTBEAT_SECONDS - 1
        progress.update("aws", "50 evidence")
        clock[0] += 2
        progress.update("aws", "75 evidence")
        progress.update("aws", "100 evidence")
    assert lines(capsys) == ["aws: started", "aws: 75 evidence"]


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    progress = ui.CollectionProgress(["aws"], enabled=False, terminal=False)
    with progress.running():
        progress.update("aws", "retry 1/3 in 2.0 s")
        progress.update("aws", "status: ok")
    assert capsys.readouterr().err == ""
