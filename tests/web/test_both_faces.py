"""Every refusal a stage gives, asked through both faces: the command line and the workspace are
each refused with the stage's own sentence and nothing changes (the activity log, the state of
the data, the runs, samples and verdicts), and the workspace's words name no command or option.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from sfclaims.platform.db import open_database
from tests.test_cli import sfclaims
from tests.test_people import as_person
from tests.web.conftest import post, sign_in, wait_for

TOMORROW = date.today() + timedelta(days=3)  # in the future however long the suite runs


@dataclass(frozen=True)
class Refusal:
    name: str
    sentence: str  # what the stage says, whichever face asked
    person: str  # who asks (tests/web/conftest.py PEOPLE, and "mo": claims and auditor)
    command: list[str]  # RUN: the run made for the test
    page: str  # where the workspace's form is posted (RUN as above)
    form: dict
    exit_code: int = 3
    status: int = 400
    run_by: str | None = "carl"  # who makes the draft run first (None: no run)
    job: bool = False  # the workspace runs it as a job: its page, once ended, says why


REFUSALS = [
    Refusal(
        "a future as-of date",
        f"The as-of date {TOMORROW:%d/%m/%Y} is in the future",
        "carl",
        ["assess", "--as-of", TOMORROW.isoformat()],
        "/decide",
        {"as_of": TOMORROW.strftime("%d/%m/%Y")},
        exit_code=2,
        run_by=None,
    ),
    Refusal(
        "a second draft unasked",
        "is a draft for 2025/26 Q2 already; submit or discard it first.",
        "carl",
        ["claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30"],
        "/claims",
        {"period": "2025-Q3", "as_of": "30/09/2025"},
        status=200,  # the workspace asks whether to make another, saying why it asks
    ),
    Refusal(
        "no family within a cap of 0",
        "No family can be claimed as of 30/09/2025 within a cap of 0; no claim run was stored.",
        "carl",
        ["claim", "run", "--period", "2025-Q4", "--as-of", "2025-09-30", "--max", "0"],
        "/claims",
        {"period": "2025-Q4", "as_of": "30/09/2025", "cap": "0"},
        run_by=None,
        job=True,
    ),
    Refusal(
        "a claim after the programme's last claim period",
        "No claim can be made for 2027/28 Q4: payment by results under Supporting Families "
        "national outcome framework 2022-25 ended with its last claim period, 2027/28 Q3; "
        "nothing was stored.",  # the tests' plan pays on to 2027-Q4 (tests/fixtures)
        "carl",
        ["claim", "run", "--period", "2028-Q1", "--as-of", "2025-09-30"],
        "/claims",
        {"period": "2028-Q1", "as_of": "30/09/2025"},
        run_by=None,
        job=True,
    ),
    Refusal(
        "a submission with no audit sample",
        "has no audit sample yet, so it cannot be submitted.",
        "carl",
        ["claim", "submit", "RUN", "--yes"],
        "/claims/RUN/submit",
        {},
    ),
    Refusal(
        "a run's maker drawing its sample",
        "made claim run 2025-Q3-R1, so cannot audit it",
        "mo",
        ["audit", "sample", "RUN", "--percent", "10", "--seed", "5"],
        "/audit/RUN/sample",
        {"percent": "10", "seed": "5"},
        run_by="mo",
    ),
    Refusal(
        "a run that does not exist",
        "There is no claim run 2099-Q1-R9.",
        "carl",
        ["claim", "discard", "2099-Q1-R9"],
        "/claims/2099-Q1-R9/discard",
        {},
        exit_code=2,
        status=404,
    ),
    Refusal(
        "a seed too large for the database",
        "The seed must be a whole number from 0 to 2,147,483,647.",
        "ada",
        ["audit", "sample", "RUN", "--percent", "10", "--seed", "99999999999"],
        "/audit/RUN/sample",
        {"percent": "10", "seed": "99999999999"},
        exit_code=2,
    ),
    Refusal(
        "a note holding a control character",
        "The note holds a control character; type it again.",
        "ada",
        ["audit", "record", "RUN", "FAMILY", "--verdict", "pass", "--note", "ok\x01"],
        "/audit/RUN/families/FAMILY",
        {"verdict": "pass", "note": "ok\x00"},
        exit_code=2,
    ),
    Refusal(
        "an allocation too large for the database",
        "The allocation must be a whole number from 0 to 2,147,483,647.",
        "root",
        ["settings", "set", "--allocation", "99999999999"],
        "/settings",
        {"allocation": "99999999999", "quarters": "financial"},
        exit_code=2,
        run_by=None,
    ),
]


def what_stands(url: str) -> tuple:
    """Everything a refusal must leave as it was (decisions a refused claim run made on the way
    are kept: they are the cache a later run reuses, not a change to the claim)."""
    with open_database(url).connect() as connection:

        def one(sql: str) -> object:
            return connection.execute(text(sql)).scalar()

        return (
            # a job's end is logged, whatever it was: not a change of what stands
            one("SELECT count(*) FROM activity_log WHERE action NOT LIKE '% job %'"),
            one("SELECT version FROM data_state"),
            one("SELECT count(*) FROM claim_runs"),
            one("SELECT count(*) FROM audit_samples"),
            one("SELECT count(*) FROM audit_verdicts"),
            one("SELECT allocation FROM settings"),
        )


@pytest.fixture
def with_mo(accounts: str) -> str:
    """The workspace's accounts, and mo, who holds both the claims and the auditor role."""
    from sfclaims.people.accounts import acting, add_account, set_password
    from tests.web.conftest import PASSWORD

    engine = open_database(accounts)
    root = acting(engine, "root")
    add_account(engine, root, "mo", ["claims", "auditor"])
    set_password(engine, acting(engine, "mo"), "mo", PASSWORD)  # mo's own: none to change
    engine.dispose()
    return accounts


def make_draft(url: str, monkeypatch, by: str) -> str:
    as_person(monkeypatch, by)
    made = sfclaims(url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert made.exit_code == 0, made.output
    return made.stdout.strip().splitlines()[-1]


def filled(value: str, run: str, url: str) -> str:
    """RUN: the run made for the test; FAMILY: its first family."""
    if "FAMILY" in value:
        from sfclaims.claims import run_family_ids

        with open_database(url).connect() as connection:
            value = value.replace("FAMILY", sorted(run_family_ids(connection, run))[0])
    return value.replace("RUN", run)


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: r.name)
def test_a_stage_refuses_both_faces_alike_and_nothing_changes(
    refusal: Refusal, with_mo: str, workspace, monkeypatch
):
    url = with_mo
    run = make_draft(url, monkeypatch, refusal.run_by) if refusal.run_by else ""
    sign_in(workspace, refusal.person)  # (signing in is logged: before the count is taken)
    before = what_stands(url)

    as_person(monkeypatch, refusal.person)
    said = sfclaims(url, *(filled(a, run, url) for a in refusal.command))
    assert said.exit_code == refusal.exit_code, said.output
    assert refusal.sentence in " ".join(said.stderr.split()), said.stderr
    assert what_stands(url) == before

    shown = post(workspace, filled(refusal.page, run, url), refusal.form)
    if refusal.job:
        shown = wait_for(workspace, shown)
        assert "/jobs/" in str(shown.url) and "govuk-error-summary" in shown.text
    else:
        assert shown.status_code == refusal.status, shown.text[:2000]
    words = " ".join(shown.text.split())
    assert refusal.sentence.replace("'", "&#39;") in words, words[:3000]
    assert what_stands(url) == before
    main = words[words.index("<main") : words.index("</main>")]
    for option in ("--another", "--allow-empty", "--max", "--seed", "--yes", "sfclaims "):
        assert option not in main, option


def test_every_remedy_a_stage_gives_is_worded_by_both_faces():
    """A stage's remedy key that one face has no words for would leave that face's people
    without the next step."""
    import re
    from pathlib import Path

    from sfclaims.words import COMMAND_LINE, WORKSPACE

    package = Path(__file__).parents[2] / "sfclaims"
    given = {
        key
        for source in package.rglob("*.py")
        for key in re.findall(r'remedy="([^"]+)"', source.read_text(encoding="utf-8"))
    }
    assert given and given == set(COMMAND_LINE) == set(WORKSPACE)
    for wording in WORKSPACE.values():
        assert "--" not in wording and "sfclaims " not in wording
