"""Notifications by email (people/notifications.py): each person chooses what they hear of; the
actions tell them through a real SMTP server started by the test; an email holds counts and a
link, never a family; a relay that fails loses no change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sfclaims.platform.db import make_engine
from tests.conftest import as_login
from tests.test_cli import sfclaims
from tests.test_people import a_team, as_person, make_run

ADDRESSES = {name: f"{name}@council.example" for name in ("root", "dora", "carl", "ada")}
FAMILY_ID = re.compile(r"F\d{6}")


@pytest.fixture
def team(sample_url, monkeypatch) -> str:
    return a_team(sample_url, monkeypatch)


def relay_set(url: str, monkeypatch, port: int) -> None:
    as_person(monkeypatch, "root")
    done = sfclaims(
        url,
        "settings",
        "set",
        "--mail-host",
        "127.0.0.1",
        "--mail-port",
        str(port),
        "--mail-sender",
        "sfclaims@council.example",
        "--workspace-address",
        "http://127.0.0.1:8000",
    )
    assert done.exit_code == 0, done.output
    assert "through 127.0.0.1:" in " ".join(done.stderr.split())


def hears(url: str, monkeypatch, name: str, *events: str):  # type: ignore[no-untyped-def]
    as_person(monkeypatch, name)
    given = [a for e in events for a in ("--hear", e)]
    return sfclaims(url, "notifications", "--email", ADDRESSES[name], *given)


def body(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_content()


def test_each_person_hears_of_what_they_chose_with_counts_and_a_link_never_a_family(
    team, monkeypatch, mail_server
):
    """Carl hears of the sample checked, Ada of the draft and of the submission, root of the
    submission; Dora may not hear of a draft (her role does not touch it). Each email names the
    run, counts and its page, and no family's ID."""
    relay_set(team, monkeypatch, mail_server.port)
    refused = hears(team, monkeypatch, "dora", "draft ready")
    assert refused.exit_code == 3 and "Your roles do not touch draft ready" in refused.stderr
    assert hears(team, monkeypatch, "carl", "sample checked", "run submitted").exit_code == 0
    assert hears(team, monkeypatch, "ada", "draft ready", "run submitted").exit_code == 0
    assert hears(team, monkeypatch, "root", "run submitted").exit_code == 0
    shown = sfclaims(team, "notifications")
    assert "run submitted" in shown.stderr and "Sent to: root@council.example" in shown.stderr

    run = make_run(team, monkeypatch, by="carl")
    (draft,) = mail_server.to(ADDRESSES["ada"])
    assert draft["Subject"] == f"sfclaims: draft claim run {run} is ready for audit"
    assert f"See it at http://127.0.0.1:8000/audit/{run}" in body(draft)
    assert "made by carl" in body(draft)

    as_person(monkeypatch, "ada")
    sampled = sfclaims(team, "audit", "sample", run, "--size", "2", "--seed", "3").stdout.split()
    assert len(sampled) == 2
    for family in sampled:
        assert not mail_server.to(ADDRESSES["carl"]), "not checked until the last verdict"
        recorded = sfclaims(
            team, "audit", "record", run, family, "--verdict", "pass", "--note", "ok"
        )
        assert recorded.exit_code == 0, recorded.output
    (checked,) = mail_server.to(ADDRESSES["carl"])
    assert checked["Subject"] == f"sfclaims: the audit sample of {run} is checked"
    assert "Every one of the 2 sampled families" in body(checked)
    assert "2 passed, 0 failed" in body(checked)

    as_person(monkeypatch, "carl")
    submitted = sfclaims(team, "claim", "submit", run, "--yes")
    assert submitted.exit_code == 0, submitted.output
    for name in ("ada", "root", "carl"):
        told = mail_server.to(ADDRESSES[name])[-1]
        assert told["Subject"] == f"sfclaims: claim run {run} is submitted"
    assert not mail_server.to(ADDRESSES["dora"])
    for _to, message in mail_server.messages:
        assert not FAMILY_ID.search(message["Subject"] + body(message)), body(message)
    logged = sfclaims(team, "log", "--run", run).stdout
    assert "notification sent" in logged and "run submitted: 3 sent" in logged


def test_a_plan_put_in_force_while_a_draft_stands_is_told_to_the_claims_team(
    team, monkeypatch, mail_server
):
    from sfclaims.platform.framework import FRAMEWORK_ROOT

    relay_set(team, monkeypatch, mail_server.port)
    assert hears(team, monkeypatch, "carl", "draft touched").exit_code == 0
    run = make_run(team, monkeypatch, by="carl")
    as_person(monkeypatch, "root")
    plan = FRAMEWORK_ROOT / "local-overlay-example.toml"
    assert sfclaims(team, "settings", "set", "--framework", str(plan)).exit_code == 0
    (touched,) = mail_server.to(ADDRESSES["carl"])
    assert touched["Subject"] == f"sfclaims: a change of outcome plan touches draft claim run {run}"
    assert "decide again and make the draft again" in body(touched)


def test_a_relay_that_fails_loses_no_change_and_the_log_says_so(team, monkeypatch):
    from tests.web.browsing import free_port

    relay_set(team, monkeypatch, free_port())  # nothing listens there
    assert hears(team, monkeypatch, "ada", "draft ready").exit_code == 0
    run = make_run(team, monkeypatch, by="carl")  # made, whatever the relay did
    logged = sfclaims(team, "log", "--run", run).stdout
    assert "claim run made" in logged and "notification not sent" in logged
    assert "draft ready: 0 sent, 1 not sent: The mail relay 127.0.0.1:" in logged
    assert ADDRESSES["ada"] not in logged


def test_a_person_chooses_for_themselves_alone(team, monkeypatch):
    """On PostgreSQL the database holds each login to its own row: carl's login cannot choose
    for ada, nor take her choice away."""
    assert hears(team, monkeypatch, "ada", "draft ready").exit_code == 0
    if not team.startswith("postgresql"):
        return
    monkeypatch.setenv("SFCLAIMS_TEST_LOGIN", "carl")
    engine = make_engine(as_login(team))
    for statement in (
        "UPDATE notification_choices SET email = 'carl@elsewhere.example' WHERE name = 'ada'",
        "DELETE FROM notification_choices WHERE name = 'ada'",
        "INSERT INTO notification_choices VALUES ('root', 'x@y.example', 'run submitted', now())",
    ):
        with engine.begin() as connection, pytest.raises(DBAPIError) as refused:
            connection.execute(text(statement))
        assert "what a person hears of is theirs to choose" in str(refused.value.orig)
    engine.dispose()


def test_every_problem_with_the_mail_settings_is_said_at_once(team, monkeypatch):
    from sfclaims.platform.db import open_database
    from sfclaims.platform.errors import UsageError
    from sfclaims.platform.settings import change_settings, read_settings

    engine = open_database(team)
    before = read_settings(engine)
    with pytest.raises(UsageError) as refused:
        change_settings(
            engine, mail_host="not a host!", mail_sender="nobody", workspace_address="ftp://x"
        )
    assert set(refused.value.about["problems"]) == {"mail_host", "mail_sender", "workspace_address"}
    assert read_settings(engine) == before  # nothing changed
    engine.dispose()
