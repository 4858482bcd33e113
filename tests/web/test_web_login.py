"""The web server's PostgreSQL login, held to its group's grants (`sfclaims init --grant`), does
every role's part of a quarter in the workspace: an import, a decide, a claim run, its sample
and verdicts, its submission and an admin's password for someone. Nothing here connects as the
owner but to set the test up and to read what was done."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from sfclaims.platform.db import open_database
from tests.conftest import as_login, each_person_logs_in
from tests.web.conftest import SECRET, post, sign_in, wait_for, with_accounts
from tests.web.test_pages import extract_files, upload


@pytest.fixture
def as_the_web_servers_login(pg_sample_url, monkeypatch) -> tuple[str, str]:
    """The database (as its owner) and the URL the server connects with: the web group's."""
    url = with_accounts(pg_sample_url)
    each_person_logs_in(url)
    monkeypatch.setenv("SFCLAIMS_TEST_LOGINS", "yes")
    monkeypatch.setenv("SFCLAIMS_TEST_LOGIN", "wes")
    return url, as_login(url)


def test_the_web_servers_login_does_each_roles_part_of_the_quarter(as_the_web_servers_login):
    from sfclaims.actions import verify
    from sfclaims.claims import sampled
    from sfclaims.people.accounts import Actor
    from sfclaims.platform.roles import ROLES
    from sfclaims.web.app import create_app

    owner, served = as_the_web_servers_login
    assert "wes" in served
    app = create_app(served, secret=SECRET, upload_limit=2_000_000)
    with TestClient(app) as client:
        sign_in(client, "dora")
        changed = [  # a quarter's extracts: one name corrected since the last
            (k, (n, d.replace(b"Kim Jones", b"Kim Jonas"), t)) for k, (n, d, t) in extract_files()
        ]
        imported = wait_for(client, upload(client, changed))
        assert "import-result" in imported.text, imported.text
        sign_in(client, "carl")
        decided = wait_for(client, post(client, "/decide", {"as_of": "30/09/2025"}))
        assert "decided" in decided.text.lower(), decided.text
        made = wait_for(
            client, post(client, "/claims", {"period": "2025-Q3", "as_of": "30/09/2025"})
        )
        assert made.status_code == 200, made.text
        with open_database(owner).connect() as connection:
            run = connection.execute(text("SELECT run_id FROM claim_runs")).scalar_one()
        sign_in(client, "ada")
        drawn = post(
            client, f"/audit/{run}/sample", {"percent": "5", "seed": "3"}, page=f"/audit/{run}"
        )
        assert "The audit sample is drawn" in drawn.text, drawn.text
        with open_database(owner).connect() as connection:
            families = sampled(connection, run)
        for family in families:
            recorded = post(
                client,
                f"/audit/{run}/families/{family}",
                {"verdict": "pass", "note": "checked"},
                page=f"/audit/{run}/families/{family}",
            )
            assert f"Your verdict on family {family} is recorded" in recorded.text
        sign_in(client, "carl")
        submitted = post(
            client, f"/claims/{run}/submit", {"confirm": "yes"}, page=f"/claims/{run}/submit"
        )
        assert f"Claim run {run} is submitted and locked" in submitted.text, submitted.text
        sign_in(client, "root")
        made = post(client, "/accounts/dora/password", {}, page="/accounts/dora")
        assert made.status_code == 200 and "new password" in made.text.lower(), made.text
        reset = post(client, "/accounts/ada/second-factor", {}, page="/accounts/ada")
        assert "The second factor of ada is cleared" in reset.text
    app.state.engine.dispose()
    engine = open_database(owner)
    checked = verify(engine, Actor("checker", frozenset(ROLES), single_user=True))
    assert checked.runs == 1 and checked.problems == []
    with engine.connect() as connection:
        who = dict(
            connection.execute(
                text(
                    "SELECT action, who FROM activity_log WHERE action IN "
                    "('import', 'claim run made', 'audit sample drawn', 'claim run submitted') ORDER BY id"
                )
            ).all()
        )
        accounts_log = connection.execute(
            text("SELECT action, who FROM activity_log WHERE object IN ('dora', 'ada')")
        ).all()
    engine.dispose()
    assert who == {
        "import": "dora",
        "claim run made": "carl",
        "audit sample drawn": "ada",
        "claim run submitted": "carl",
    }
    assert ("password set", "root") in accounts_log
    assert ("second factor reset", "root") in accounts_log
