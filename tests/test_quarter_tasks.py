"""Where the quarter stands: each task's state, who did it, and whose turn it is, followed
through a whole quarter on the command line (`sfclaims status`) and on the workspace's pages,
both from the one read (outputs.tasks.quarter_tasks)."""

from __future__ import annotations

import pytest

from sfclaims.actions.accounts import Actor
from sfclaims.actions.shown import quarter_tasks
from sfclaims.platform.db import open_database
from sfclaims.platform.roles import ROLES
from tests.test_cli import sfclaims
from tests.test_people import a_team, as_person, make_run


@pytest.fixture
def team(sample_url, monkeypatch) -> str:
    return a_team(sample_url, monkeypatch)


def states(url: str) -> dict[str, tuple[str, str | None]]:
    engine = open_database(url)
    try:
        stands = quarter_tasks(engine, Actor("root", frozenset(ROLES)))
    finally:
        engine.dispose()
    return {task.name: (task.state, task.done_by) for task in stands.tasks}


def status(url: str) -> list[str]:
    shown = sfclaims(url, "status")
    assert shown.exit_code == 0, shown.output
    return shown.stdout.splitlines()


def test_the_task_list_follows_a_quarter_from_import_to_submission(team, monkeypatch):
    start = states(team)
    assert start["Import the quarter's extracts"][0] == "Completed"  # the sample, imported
    assert start["Make the draft claim run"] == ("Not yet started", None)
    assert start["Submit the claim"] == ("Cannot start yet", None)

    as_person(monkeypatch, "carl")
    assert sfclaims(team, "assess", "--as-of", "2025-09-30").exit_code == 0
    assert states(team)["Decide every family"][0] == "Completed"

    run = make_run(team, monkeypatch)
    made = states(team)
    assert made["Make the draft claim run"] == ("Completed", "carl")
    assert made["Draw the audit sample"] == ("Not yet started", None)
    assert "Waiting on the auditor: draw the audit sample." in sfclaims(team, "status").stderr

    as_person(monkeypatch, "ada")
    sampled = sfclaims(team, "audit", "sample", run, "--size", "2", "--seed", "3").stdout.split()
    sfclaims(team, "audit", "record", run, sampled[0], "--verdict", "pass", "--note", "ok")
    half = states(team)
    assert half["Draw the audit sample"] == ("Completed", "ada")
    assert half["Record a verdict on every sampled family"][0] == "In progress"
    assert half["Submit the claim"][0] == "Cannot start yet"
    assert any("1 of 2 checked" in line for line in status(team))

    sfclaims(team, "audit", "record", run, sampled[1], "--verdict", "pass", "--note", "ok")
    checked = states(team)
    assert checked["Record a verdict on every sampled family"][0] == "Completed"
    assert checked["Submit the claim"] == ("Not yet started", None)

    as_person(monkeypatch, "carl")
    assert sfclaims(team, "claim", "submit", run, "--yes").exit_code == 0
    done = states(team)
    assert done["Submit the claim"] == ("Completed", "carl")
    assert all(state == "Completed" for state, _ in done.values())
    assert "The quarter's claim is submitted." in sfclaims(team, "status").stderr


def test_an_import_after_the_decide_leaves_the_decide_to_do_again(team, monkeypatch, tmp_path):
    from sfclaims.intake.synthetic import write_authority

    as_person(monkeypatch, "carl")
    assert sfclaims(team, "assess", "--as-of", "2025-09-30").exit_code == 0
    as_person(monkeypatch, "dora")
    folder = write_authority(tmp_path / "next", families=30, seed=5, xlsx_kinds=()).folder
    imported = sfclaims(team, "import", str(folder), "--report-dir", str(tmp_path))
    assert imported.exit_code == 0, imported.output
    again = states(team)
    assert again["Import the quarter's extracts"] == ("Completed", "dora")
    assert again["Decide every family"][0] == "In progress"
    assert any("decided before the latest import" in line for line in status(team))
