"""The workspace through FastAPI's test client: every page for every role (allowed, 403, or sent
to sign in), CSRF, the GOV.UK error summary, sessions and sign-in, and hostile uploads."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from sfclaims.platform.db import open_database
from tests.conftest import PAYING_ON, SAMPLE_AUTHORITY
from tests.web.conftest import PEOPLE, chunked_upload, post, sign_in, token, wait_for

# (path, the role that may see it; None: everyone signed in)
PAGES = [
    ("/", None),
    ("/?as_of=30/09/2025", None),
    ("/near-misses?as_of=2025-09-30", None),
    ("/families/F000006?as_of=2025-09-30", None),
    ("/claims", None),
    ("/log", None),
    ("/settings", None),
    ("/imports", "data_officer"),
    ("/imports/set-aside", "data_officer"),
    ("/audit", "auditor"),
    ("/accounts", "admin"),
    ("/accounts/carl", "admin"),
    ("/accessibility", None),
    ("/notifications", None),
]


def count(url: str, table: str) -> int:
    with open_database(url).connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.mark.parametrize(("path", "role"), PAGES)
def test_every_page_is_allowed_refused_or_sends_to_sign_in(workspace, path, role):
    first = workspace.get(path, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/sign-in")
    for name, has in PEOPLE.items():
        workspace.cookies.clear()
        assert sign_in(workspace, name).status_code == 200
        page = workspace.get(path)
        if role is None or has == role:
            assert page.status_code == 200, (name, path)
            assert "govuk-service-navigation" in page.text
        else:
            assert page.status_code == 403, (name, path)
            assert f"({role})" in page.text and "Nothing was changed" in page.text


def test_the_dashboard_shows_the_quarter_from_the_stored_decisions(workspace, accounts):
    from datetime import date

    from sfclaims.deciding.assessing import assess_and_store
    from sfclaims.platform.framework import load_framework

    assess_and_store(open_database(accounts), load_framework(), date(2025, 9, 30))
    sign_in(workspace, "carl")
    page = workspace.get("/?as_of=2025-09-30").text
    assert "Families decided" in page and "<strong id='claimable'>12</strong>" in page
    assert "<svg" in page and "NOT_ELIGIBLE" in page  # the reasons chart
    chart = page.split("<svg")[1].split("</svg>")[0]
    assert "Too few headline needs" in chart  # its bars in words
    assert ">NOT_ELIGIBLE<" not in chart  # a code only beside its words, in the table
    table = page.split('id="reasons-table"')[1].split("</table>")[0]
    assert "NOT_ELIGIBLE" in table
    near = workspace.get("/near-misses?as_of=2025-09-30").text
    assert "NEED_WITHOUT_OUTCOME" in near and "EPISODE_OPEN" not in near
    assert '<a class="govuk-link" href="/families/F' in near  # a link, not its escaped text


def test_a_family_page_shows_every_rule_with_its_evidence(workspace):
    sign_in(workspace, "ada")
    page = workspace.get("/families/f000006?as_of=2025-09-30").text  # any case
    assert "Family F000006" in page and "FAIL" in page and "PASS" in page
    assert "reference: EV-F000006-1" in page and "attendance.csv row 74, import" in page


def test_a_form_without_its_token_is_refused_and_nothing_changes(workspace, accounts):
    sign_in(workspace, "carl")
    before = count(accounts, "claim_runs")
    refused = workspace.post("/claims", data={"period": "2025-Q3", "as_of": "30/09/2025"})
    assert refused.status_code == 403 and "The form has expired" in refused.text
    forged = workspace.post(
        "/claims", data={"csrf_token": "forged", "period": "2025-Q3", "as_of": "30/09/2025"}
    )
    assert forged.status_code == 403
    assert count(accounts, "claim_runs") == before


def test_form_errors_are_shown_in_the_error_summary(workspace):
    sign_in(workspace, "carl")
    page = post(workspace, "/claims", {"period": "", "as_of": "31/02/2025", "cap": "x"})
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text and "There is a problem" in page.text
    assert "Enter the quarter claimed for" in page.text
    assert "is not a date" in page.text and "The cap must be a whole number" in page.text
    assert page.text.count('href="#') >= 3  # each error links to its field


def test_a_role_that_may_not_act_gets_403_and_nothing_changes(workspace, accounts):
    sign_in(workspace, "ada")
    before = count(accounts, "claim_runs")
    refused = post(workspace, "/claims", {"period": "2025-Q3", "as_of": "30/09/2025"})
    assert refused.status_code == 403
    assert count(accounts, "claim_runs") == before


def test_sign_in_starts_a_new_session_and_failures_are_kept_apart_from_the_log(workspace, accounts):
    """A failure is a row of its own table, holding a hash of the name typed (never the name:
    it may be a password in the wrong box); the activity log keeps the sign-ins only."""
    workspace.get("/sign-in")
    before = workspace.cookies.get("sfclaims_session")
    assert sign_in(workspace, "carl").status_code == 200
    assert workspace.cookies.get("sfclaims_session") != before
    workspace.cookies.clear()
    wrong = sign_in(workspace, "carl", "not the password")
    assert wrong.status_code == 400 and "not right" in wrong.text
    hostile = sign_in(workspace, "<script>alert(1)</script>", "x")
    assert hostile.status_code == 400 and "<script>alert" not in hostile.text
    from sfclaims.people.signing_in import name_key

    with open_database(accounts).connect() as connection:
        failed = connection.execute(text("SELECT name_sha256 FROM sign_in_failures")).scalars()
        kept = sorted(failed)
        logged = connection.execute(
            text("SELECT count(*) FROM activity_log WHERE object LIKE '%script%'")
        ).scalar()
    assert kept == sorted([name_key("carl"), name_key("<script>alert(1)</script>")])
    assert logged == 0


def test_failures_slow_their_own_address_and_never_lock_the_owner_out(workspace, accounts):
    """Wrong passwords for carl from strangers' addresses: past the free tries each next try
    from there must wait, longer each time (429 at once, no password checked); past PER_NAME
    from anywhere, a browser carl never used waits too; carl's own browser signs in all along;
    an admin's lift ends every wait."""
    from fastapi.testclient import TestClient

    from sfclaims.people.accounts import acting
    from sfclaims.people.signing_in import FREE_TRIES, PER_NAME, lift, locked_until, wait_after

    assert sign_in(workspace, "carl").status_code == 200  # carl's own browser, known from now
    owner_cookie = workspace.cookies.get("sfclaims_known")
    assert owner_cookie
    app = workspace.app
    strangers = [TestClient(app, client=(f"203.0.113.{n}", 40000)) for n in range(1, 4)]
    first = strangers[0]
    for _ in range(FREE_TRIES):
        assert sign_in(first, "carl", "not the password").status_code == 400
    slowed = sign_in(first, "carl", "not the password")
    assert slowed.status_code == 429 and "try again in 1 second" in slowed.text
    assert wait_after(FREE_TRIES + 3, FREE_TRIES) == 8 * wait_after(FREE_TRIES, FREE_TRIES)
    for stranger in strangers[1:]:  # more addresses: PER_NAME failures of carl in all
        for _ in range(min(FREE_TRIES, PER_NAME - FREE_TRIES)):
            sign_in(stranger, "carl", "not the password")
    engine = open_database(accounts)
    assert locked_until(engine, "carl", "198.51.100.7") is not None  # a new browser waits
    new = TestClient(app, client=("198.51.100.7", 40000))
    assert sign_in(new, "carl").status_code == 429
    owner = TestClient(app, client=("192.0.2.10", 40000))  # carl's browser, from home today
    owner.cookies.set("sfclaims_known", owner_cookie)
    assert sign_in(owner, "carl").status_code == 200  # never locked out by strangers
    assert locked_until(engine, "ada", "198.51.100.7") is None  # nor anyone else
    assert lift(engine, acting(engine, "root"), "carl") == PER_NAME
    assert sign_in(new, "carl").status_code == 200


def test_a_name_no_account_has_costs_the_same_work_and_gets_the_same_answer(workspace, monkeypatch):
    """Names cannot be listed by timing or wording: an unknown name is checked against a
    stand-in hash, with the same Argon2 work, and told the same sentence."""
    from argon2 import PasswordHasher

    verified = []
    real = PasswordHasher.verify

    def counting(self, stored, given):  # type: ignore[no-untyped-def]
        verified.append(stored[:9])
        return real(self, stored, given)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    known = sign_in(workspace, "carl", "not the password")
    unknown = sign_in(workspace, "nobody-at-all", "not the password")
    assert known.status_code == unknown.status_code == 400
    assert "not right" in known.text and "not right" in unknown.text
    assert verified == ["$argon2id", "$argon2id"]


def test_an_idle_session_ends(workspace, accounts):
    """Last seen 31 minutes ago (the database's record of it): signed out."""
    from datetime import UTC, datetime, timedelta

    sign_in(workspace, "carl")
    assert workspace.get("/claims").status_code == 200
    with open_database(accounts).begin() as connection:
        connection.execute(
            text("UPDATE web_sessions SET seen_at = :seen"),
            {"seen": datetime.now(UTC) - timedelta(minutes=31)},
        )
    assert workspace.get("/claims", follow_redirects=False).status_code == 303


def test_the_cookie_is_httponly_and_samesite(workspace):
    signed = sign_in(workspace, "carl")
    cookie = [*signed.history, signed][0].headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_sign_in_never_sends_to_another_site(workspace):
    page = workspace.get("/sign-in")
    moved = workspace.post(
        "/sign-in",
        data={
            "csrf_token": token(page.text),
            "name": "carl",
            "password": "correct horse battery",
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    # to the quarter, or first to the second factor the claims team sets up, and then on to it
    assert moved.status_code == 303 and moved.headers["location"] == "/sign-in/set-up?next=/"


# --- uploads ------------------------------------------------------------------------------------


def extract_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("extracts", (path.name, path.read_bytes(), "text/csv"))
        for path in sorted(SAMPLE_AUTHORITY.glob("*.csv"))
    ]


def upload(workspace, files):  # type: ignore[no-untyped-def]
    page = workspace.get("/imports")
    return workspace.post("/imports", data={"csrf_token": token(page.text)}, files=files)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_folder_of_extracts_uploads_and_imports(workspace, accounts):
    sign_in(workspace, "dora")
    changed = [
        (k, (n, d.replace(b"Kim Jones", b"Kim Jonas"), t)) for k, (n, d, t) in extract_files()
    ]
    result = wait_for(workspace, upload(workspace, changed))
    assert "import-result" in result.text and "needs.csv" in result.text
    report = workspace.get(str(result.url) + "/report")
    assert report.status_code == 200 and report.content[:2] == b"PK"


def test_a_zip_of_extracts_uploads_and_imports(workspace):
    sign_in(workspace, "dora")
    entries = {f"q3/{n}": d for _k, (n, d, _t) in extract_files()}
    result = wait_for(
        workspace, upload(workspace, [("extracts", ("q3.zip", zipped(entries), "application/zip"))])
    )
    assert "import-result" in result.text


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (
            [("extracts", ("evil.zip", zipped({"../../etc/cron.d/x.csv": b"a"}), "x"))],
            "a path outside its folder",
        ),
        (
            [("extracts", ("abs.zip", zipped({"/tmp/x.csv": b"a"}), "x"))],
            "a path outside its folder",
        ),
        (
            [("extracts", ("big.zip", zipped({"a.csv": b"0" * 3_000_000}), "x"))],
            "unpacks to more than",
        ),
        ([("extracts", ("notes.exe", b"MZ", "x"))], "is not a .csv, .xlsx or .zip file"),
        ([("extracts", ("broken.zip", b"not a zip", "x"))], "is not a zip file"),
    ],
)
def test_a_hostile_upload_is_refused_and_nothing_changes(workspace, accounts, files, said):
    sign_in(workspace, "dora")
    before = count(accounts, "import_batches"), count(accounts, "activity_log")
    refused = upload(workspace, files)
    assert refused.status_code == 400 and said in refused.text
    assert "govuk-error-summary" in refused.text
    assert (count(accounts, "import_batches"), count(accounts, "activity_log")) == before


def test_an_oversized_upload_is_refused_before_it_is_read(workspace, accounts):
    sign_in(workspace, "dora")
    refused = upload(workspace, [("extracts", ("huge.csv", b"x" * 2_200_000, "text/csv"))])
    assert refused.status_code == 413 and "larger than the limit" in refused.text


def test_a_refused_file_leaves_the_database_unchanged(workspace, accounts):
    sign_in(workspace, "dora")
    before = count(accounts, "needs"), count(accounts, "import_batches")
    files = [("extracts", ("needs.csv", b"Need ID,Family ID\nN1,F1\n", "text/csv"))]
    result = wait_for(workspace, upload(workspace, files))
    assert "The import was refused" in result.text and "Nothing was changed" in result.text
    assert (count(accounts, "needs"), count(accounts, "import_batches")) == before


def test_every_page_but_signing_in_names_who_may_see_it(workspace):
    """As notifications-admin does with a decorator: no view without its guard."""
    open_to_all = {"/sign-in", "/sign-out", "/healthz"}  # contract.md: /healthz to anyone
    for route in workspace.app.routes:
        path = getattr(route, "path", "")
        if path in open_to_all or path.startswith("/static") or not hasattr(route, "dependant"):
            continue
        guards = [d.call for d in route.dependant.dependencies]
        assert any(getattr(g, "__name__", "") == "person" for g in guards), path


def test_the_session_key_file_is_made_readable_by_its_owner_only(tmp_path, monkeypatch):
    from sfclaims.people.sessions import ensure_secret_key, secret_key

    monkeypatch.delenv("SFCLAIMS_SECRET_KEY", raising=False)
    monkeypatch.setenv("SFCLAIMS_SECRET_KEY_FILE", str(tmp_path / "keys" / "secret-key"))
    path = ensure_secret_key()
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(secret_key() or "") >= 40 and ensure_secret_key() == path  # made once


def test_a_refusal_on_a_page_without_a_form_is_its_one_sentence(workspace):
    sign_in(workspace, "carl")
    page = workspace.get("/claims/2099-Q1-R9")
    assert page.status_code == 404 and "There is no claim run 2099-Q1-R9" in page.text


def test_deciding_needs_a_real_date_and_says_so_at_its_field(workspace, accounts):
    sign_in(workspace, "carl")
    before = count(accounts, "decisions")
    page = post(workspace, "/decide", {"as_of": "31/02/2025"})
    assert page.status_code == 400 and 'href="#decide_as_of"' in page.text
    assert "is not a date" in page.text and count(accounts, "decisions") == before
    assert "No families have been decided" not in page.text  # the refusal alone, no false word


def ended(workspace, response) -> None:
    """Wait for the background job a form started (its page's address) to end."""
    (location,) = [
        r.headers["location"] for r in response.history if "/jobs/" in r.headers["location"]
    ]
    job_id = location.rsplit("/", 1)[-1]
    jobs = workspace.app.state.jobs
    assert jobs.wait(job_id, 120), "the job did not end"
    job = jobs.get(job_id, "carl")
    assert job.status == "done", job.error


def test_the_dashboard_after_a_decide_shows_the_new_figures_and_says_when_they_are_stale(
    workspace, accounts, tmp_path
):
    """Decided, then a family claimable that day is recorded as claimed before (an import):
    the page says its figures were decided before the data changed, and the ledger's count is
    today's; deciding again through the page shows one fewer claimable and no warning."""
    from datetime import date

    from sfclaims.deciding.assessing import assess, assess_and_store
    from sfclaims.intake.importing import import_folder
    from sfclaims.platform.framework import load_framework

    engine = open_database(accounts)
    decided = assess_and_store(engine, load_framework(), date(2025, 9, 30))
    claimable = sorted(a.decision.family_id for a in decided.families if a.decision.claimable)
    sign_in(workspace, "carl")
    before = workspace.get("/?as_of=2025-09-30").text
    assert f"<strong id='claimable'>{len(claimable)}</strong>" in before
    assert 'id="stale"' not in before
    folder = tmp_path / "claims"
    folder.mkdir()
    held = SAMPLE_AUTHORITY / "previous_claims.csv"
    (folder / "previous_claims.csv").write_text(
        held.read_text(encoding="utf-8").rstrip("\n") + f"\n{claimable[0]},2024-Q4,\n",
        encoding="utf-8",
    )
    import_folder(engine, folder, load_framework())
    stale = workspace.get("/?as_of=2025-09-30").text
    assert 'id="stale"' in stale and f"<strong id='claimable'>{len(claimable)}</strong>" in stale
    ended(workspace, post(workspace, "/decide", {"as_of": "30/09/2025"}))
    after = workspace.get("/?as_of=2025-09-30").text
    assert f"<strong id='claimable'>{len(claimable) - 1}</strong>" in after
    assert 'id="stale"' not in after
    # the quarter before, not decided as of its last day: said, and how to see it
    assert "The quarter before, 2025/26 Q1, as of 30/06/2025: not decided as of that day" in after
    ended(workspace, post(workspace, "/decide", {"as_of": "30/06/2025"}))
    then = {d.family_id: d.claimable for d in assess(engine, load_framework(), date(2025, 6, 30))}
    beside = " ".join(workspace.get("/?as_of=2025-09-30").text.split())
    assert (
        f"The quarter before, 2025/26 Q1, as of 30/06/2025: <strong>{sum(then.values())}</strong> "
        f"claimable of {len(then)} families decided" in beside
    )
    after = workspace.get("/?as_of=2025-09-30").text  # (the decide before is now June's)
    # beside the decide before: the one family stopped being claimable, and why, in words
    assert "0 became claimable, 1 stopped being claimable" in after
    stopped = after.split('id="stopped-claimable"')[1].split("</table>")[0]
    assert "Already claimed" in stopped and "ALREADY_CLAIMED" in stopped
    assert 'id="became-claimable"' not in after


def test_two_decide_jobs_at_once_each_store_their_own_dates_decisions(
    workspace, accounts, monkeypatch
):
    """Two people decide two dates at the same moment through the workspace, on the pool of
    processes (as a large authority would): each date's stored decisions equal that date decided
    alone, 5 times."""
    from datetime import date

    from sqlalchemy import select

    from sfclaims.deciding import assessing
    from sfclaims.deciding.assessing import assess
    from sfclaims.platform.framework import load_framework
    from sfclaims.platform.models import StoredDecision

    engine = open_database(accounts)
    days = (date(2025, 9, 30), date(2025, 3, 31))
    alone = {day: assess(engine, load_framework(), day) for day in days}
    monkeypatch.setattr(assessing, "PARALLEL_FROM", 10)
    monkeypatch.setattr(assessing.os, "cpu_count", lambda: 2)
    sign_in(workspace, "carl")

    def stored(day: date) -> list[tuple]:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    select(StoredDecision.family_id, StoredDecision.needs, StoredDecision.reasons)
                    .where(StoredDecision.as_of == day)
                    .order_by(StoredDecision.family_id)
                )
            )

    expected = {
        day: [(d.family_id, ";".join(d.needs), ";".join(d.reasons)) for d in alone[day]]
        for day in days
    }
    for _round in range(5):
        started = [post(workspace, "/decide", {"as_of": f"{day:%d/%m/%Y}"}) for day in days]
        for response in started:
            ended(workspace, response)
        for day in days:
            assert [tuple(row) for row in stored(day)] == expected[day]


def test_every_page_carries_the_security_headers_and_healthz_answers_anyone(workspace):
    """A strict policy (no inline script but the template's own line, by its nonce), no framing,
    no type guessing, no address sent elsewhere, nothing kept; /healthz needs no sign-in."""
    health = workspace.get("/healthz")
    assert health.status_code == 200 and health.text == "ok"
    sign_in(workspace, "carl")
    for path in ("/", "/claims", "/sign-in", "/healthz", "/no-such-page"):
        headers = workspace.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self' 'nonce-" in policy
        assert "unsafe-inline" not in policy
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"
    page = workspace.get("/claims")
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert page.text.count("<script") == 2  # the template's line, by its nonce, and init.js
    assert f'<script nonce="{nonce}">' in page.text and 'src="/static/init.js"' in page.text


def test_an_upload_without_a_length_is_counted_as_it_streams_and_refused_past_the_limit(
    workspace,
):
    """Sent in chunks with no Content-Length, 3 MB against the workspace's 2 MB limit: refused
    (413) once the count passes the limit, and the workspace answers the next request."""
    sign_in(workspace, "dora")
    csrf = token(workspace.get("/imports").text)

    refused = workspace.post(
        "/imports",
        content=chunked_upload(csrf),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert refused.status_code == 413
    assert workspace.get("/healthz").text == "ok"


def test_an_anonymous_upload_is_refused_before_its_body_is_read(workspace, monkeypatch):
    """No session: the sign-in page, and the multipart body never parsed (nothing stored)."""
    import starlette.requests

    parsed = []
    reading = starlette.requests.Request.form

    def watched(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(self.url.path)
        return reading(self, *args, **kwargs)

    monkeypatch.setattr(starlette.requests.Request, "form", watched)
    answer = workspace.post(
        "/imports",
        files={"extracts": ("families.csv", b"Family ID\nF1\n", "text/csv")},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and "/sign-in" in answer.headers["location"]
    assert parsed == []


def test_serve_refuses_a_short_key_or_a_key_file_others_can_read(accounts, tmp_path, monkeypatch):
    """With an empty or short key anyone could sign an admin's session: refused at start."""
    from tests.test_cli import sfclaims

    for key in ("", "a", "x" * 31):
        monkeypatch.setenv("SFCLAIMS_SECRET_KEY", key)
        if not key:  # an empty variable: the key file, made empty
            monkeypatch.delenv("SFCLAIMS_SECRET_KEY")
            empty = tmp_path / "empty-key"
            empty.write_text("")
            empty.chmod(0o600)
            monkeypatch.setenv("SFCLAIMS_SECRET_KEY_FILE", str(empty))
        result = sfclaims(accounts, "serve", "--port", "1")
        assert result.exit_code == 2, (key, result.output)
        assert "The key that signs sessions has" in result.stderr
    monkeypatch.delenv("SFCLAIMS_SECRET_KEY", raising=False)
    shared = tmp_path / "shared-key"
    shared.write_text("k" * 64)
    shared.chmod(0o644)
    monkeypatch.setenv("SFCLAIMS_SECRET_KEY_FILE", str(shared))
    result = sfclaims(accounts, "serve", "--port", "1")
    assert result.exit_code == 2 and "can be read by others" in result.stderr


def test_signing_out_ends_the_session_even_for_a_copied_cookie(workspace):
    """The cookie carries a session ID the database must still hold live: once its person signs
    out, a copy of the cookie taken before signs no one in."""
    sign_in(workspace, "carl")
    copied = dict(workspace.cookies)
    assert workspace.get("/claims", follow_redirects=False).status_code == 200
    post(workspace, "/sign-out")
    workspace.cookies.clear()
    workspace.cookies.update(copied)
    answer = workspace.get("/claims", follow_redirects=False)
    assert answer.status_code == 303 and "/sign-in" in answer.headers["location"]


@pytest.mark.parametrize("change", ["password", "disabled"])
def test_a_password_change_or_a_disabled_account_ends_its_sessions_at_once(
    workspace, accounts, change
):
    from sfclaims.people.accounts import acting, disable_account, set_password
    from tests.web.conftest import PASSWORD

    sign_in(workspace, "carl")
    assert workspace.get("/claims", follow_redirects=False).status_code == 200
    engine = open_database(accounts)
    root = acting(engine, "root")
    if change == "password":
        set_password(engine, root, "carl", PASSWORD + " changed")
    else:
        disable_account(engine, root, "carl")
    answer = workspace.get("/claims", follow_redirects=False)
    assert answer.status_code == 303 and "/sign-in" in answer.headers["location"]


def test_a_session_ends_after_its_lifetime_however_busy(workspace, accounts):
    """Used every minute, a session still ends 8 hours after it began."""
    from datetime import UTC, datetime, timedelta

    from sfclaims.people import sessions

    sign_in(workspace, "carl")
    assert workspace.get("/claims", follow_redirects=False).status_code == 200
    began = datetime.now(UTC)
    with open_database(accounts).begin() as connection:  # seen a moment ago, begun long ago
        connection.execute(
            text("UPDATE web_sessions SET started_at = :began, seen_at = :seen"),
            {"began": began - sessions.LIFETIME - timedelta(minutes=1), "seen": began},
        )
    answer = workspace.get("/claims", follow_redirects=False)
    assert answer.status_code == 303


def test_a_job_outlives_its_server_and_a_dead_ones_job_shows_as_interrupted(workspace, accounts):
    """An import's result page and workbook come from the database: a new server process on the
    same database shows them. A job left running by a process that is gone is shown as
    interrupted after the restart, and the log records it."""
    from datetime import UTC, datetime

    from fastapi.testclient import TestClient

    from sfclaims.platform.jobs import RUNNER
    from sfclaims.web.app import create_app
    from tests.web.conftest import SECRET

    sign_in(workspace, "dora")
    changed = [
        (k, (n, d.replace(b"Kim Jones", b"Kim Jonas"), t)) for k, (n, d, t) in extract_files()
    ]
    result = wait_for(workspace, upload(workspace, changed))
    assert "import-result" in result.text
    gone = RUNNER.rsplit(":", 1)[0] + ":999999999"  # this machine, a process that is no more
    with open_database(accounts).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO jobs (id, kind, owner, state, started_at, runner, progress) "
                "VALUES ('cut-short', 'import', 'dora', 'running', :at, :runner, '{}')"
            ),
            {"at": datetime.now(UTC), "runner": gone},
        )
    restarted = create_app(accounts, secret=SECRET)
    with TestClient(restarted) as again:
        sign_in(again, "dora")
        same = again.get(str(result.url))
        assert "import-result" in same.text and "needs.csv" in same.text
        assert again.get(str(result.url) + "/report").content[:2] == b"PK"
        cut = again.get("/jobs/cut-short")
        assert "The import was interrupted" in cut.text
    restarted.state.engine.dispose()
    with open_database(accounts).connect() as connection:
        logged = connection.execute(
            text("SELECT count(*) FROM activity_log WHERE action = 'import job interrupted'")
        ).scalar()
    assert logged == 1


def test_a_cookie_of_one_workspace_signs_no_one_in_on_another(workspace, tmp_path):
    """Two databases served with the same secret: each signs its cookies with its own key
    (the secret and the database's identity), so carl's cookie from one is ignored by the
    other, though carl has an account there with the same password."""
    from fastapi.testclient import TestClient

    from sfclaims.web.app import create_app
    from tests.web.conftest import SECRET, with_accounts

    other_url = with_accounts(f"sqlite:///{tmp_path / 'other.db'}")  # a new database
    sign_in(workspace, "carl")
    form = token(workspace.get("/claims").text)  # the session's own form token
    other = create_app(other_url, secret=SECRET)
    with TestClient(other, cookies=dict(workspace.cookies)) as elsewhere:
        answer = elsewhere.get("/claims", follow_redirects=False)
        assert answer.status_code == 303 and "/sign-in" in answer.headers["location"]
        # nothing of the cookie is read there, not even its token: a form sent with it expired
        sent = elsewhere.post("/sign-out", data={"csrf_token": form}, follow_redirects=False)
        assert sent.status_code == 403 and "The form has expired" in sent.text
    other.state.engine.dispose()


def test_an_evidence_pack_is_made_as_a_job_and_offered_to_its_maker_alone(
    workspace, accounts, monkeypatch
):
    """The auditor asks for the sample's pack and the whole run's: each is a job whose page,
    once it ends, offers the workbook; no one else can fetch it."""
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    post(workspace, f"/audit/{run}/sample", {"percent": "10", "seed": "3"}, page=f"/audit/{run}")
    for sample, named in (("yes", "-families.xlsx"), ("no", f"evidence-pack-{run}.xlsx")):
        made = wait_for(
            workspace,
            post(workspace, f"/audit/{run}/pack", {"sample": sample}, page=f"/audit/{run}"),
        )
        assert "The evidence pack is made" in made.text, made.text[:3000]
        link = made.text.split('id="download" href="')[1].split('"')[0]
        workbook = workspace.get(link)
        assert workbook.content[:2] == b"PK"
        assert named in workbook.headers["content-disposition"]
    sign_in(workspace, "carl")  # another person, with the same link
    assert workspace.get(link, follow_redirects=False).status_code == 303


def test_an_admin_sets_up_an_app_at_first_sign_in_then_gives_its_code_once(workspace, accounts):
    """root (admin) gives the password, then sets the app up from the QR code's key: a wrong
    code is refused and counted as a failed sign-in; the right one shows ten recovery codes
    once and signs in. Next time the app's code is asked for, a code is good once, and a
    recovery code signs in once."""
    import pyotp

    from tests.web.conftest import PASSWORD, SECOND_FACTORS, code_for, second_step

    page = workspace.get("/sign-in")
    answer = workspace.post(
        "/sign-in",
        data={"csrf_token": token(page.text), "name": "root", "password": PASSWORD, "next": "/"},
    )
    assert "/sign-in/set-up" in str(answer.url) and "<svg" in answer.text
    assert workspace.get("/claims", follow_redirects=False).status_code == 303  # not yet
    key = answer.text.split('id="secret-key">')[1].split("<")[0]
    wrong = workspace.post(
        "/sign-in/set-up", data={"csrf_token": token(answer.text), "code": "000000", "next": "/"}
    )
    assert wrong.status_code == 400 and "The code is not right" in wrong.text
    assert count(accounts, "sign_in_failures") == 1
    SECOND_FACTORS["root"] = (key, -1)
    shown = workspace.post(
        "/sign-in/set-up",
        data={"csrf_token": token(wrong.text), "code": code_for("root"), "next": "/"},
    )
    codes = [c.split("<")[0] for c in shown.text.split("<li><code>")[1:]]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert workspace.get("/accounts").status_code == 200  # signed in, an admin
    post(workspace, "/sign-out", {})

    def password_step():  # type: ignore[no-untyped-def]
        page = workspace.get("/sign-in")
        answer = workspace.post(
            "/sign-in",
            data={
                "csrf_token": token(page.text),
                "name": "root",
                "password": PASSWORD,
                "next": "/",
            },
        )
        assert "/sign-in/code" in str(answer.url)
        return answer

    step = SECOND_FACTORS["root"][1]
    used = pyotp.TOTP(key).at(step * 30)  # the code that set it up: good once only
    again = workspace.post(
        "/sign-in/code", data={"csrf_token": token(password_step().text), "code": used}
    )
    assert again.status_code == 400
    assert second_step(workspace, "root", password_step()).status_code == 200
    assert workspace.get("/accounts").status_code == 200
    post(workspace, "/sign-out", {})
    for attempt in ("first", "second"):
        sent = workspace.post(
            "/sign-in/code",
            data={"csrf_token": token(password_step().text), "code": codes[0], "next": "/"},
            follow_redirects=False,
        )
        if attempt == "first":
            assert sent.status_code == 303  # a recovery code signs in once
            post(workspace, "/sign-out", {})
        else:
            assert sent.status_code == 400
    with open_database(accounts).connect() as connection:
        logged = connection.execute(
            text(
                "SELECT action FROM activity_log WHERE action IN ('second factor set up', "
                "'recovery code used') ORDER BY id"
            )
        ).scalars()
        assert list(logged) == ["second factor set up", "recovery code used"]


def test_wrong_codes_lock_sign_in_out_like_wrong_passwords(workspace, accounts):
    """A wrong code counts as a failed sign-in: past the free tries, the next waits (429)."""
    from sfclaims.people.signing_in import FREE_TRIES
    from tests.web.conftest import PASSWORD

    sign_in(workspace, "ada")  # sets the app up
    post(workspace, "/sign-out", {})
    statuses = []
    for _ in range(FREE_TRIES + 1):
        page = workspace.get("/sign-in")
        answer = workspace.post(
            "/sign-in",
            data={"csrf_token": token(page.text), "name": "ada", "password": PASSWORD},
        )
        if "/sign-in/code" not in str(answer.url):
            statuses.append(answer.status_code)  # locked out at the password already
            continue
        sent = workspace.post(
            "/sign-in/code", data={"csrf_token": token(answer.text), "code": "123456"}
        )
        statuses.append(sent.status_code)
    assert statuses == [400] * FREE_TRIES + [429]


def test_a_setting_asks_everyone_for_a_second_factor_and_an_admin_resets_one(workspace, accounts):
    from sfclaims.people.accounts import acting
    from sfclaims.people.second_factor import reset
    from sfclaims.platform.settings import change_settings
    from tests.web.conftest import PASSWORD

    def first_step(name: str):  # type: ignore[no-untyped-def]
        page = workspace.get("/sign-in")
        return workspace.post(
            "/sign-in",
            data={"csrf_token": token(page.text), "name": name, "password": PASSWORD},
        )

    # the claims team, who submit, set one up as admins and auditors do; a data officer not
    assert "/sign-in/set-up" in str(first_step("carl").url)
    assert "/sign-in/" not in str(first_step("dora").url)  # data officer: no second factor
    post(workspace, "/sign-out", {})
    engine = open_database(accounts)
    change_settings(engine, second_factor_for_everyone=True, by="root")
    assert "/sign-in/set-up" in str(first_step("dora").url)
    sign_in(workspace, "ada")
    post(workspace, "/sign-out", {})
    assert "/sign-in/code" in str(first_step("ada").url)
    reset(engine, acting(engine, "root"), "ada")  # ada lost her phone
    assert "/sign-in/set-up" in str(first_step("ada").url)
    engine.dispose()


def test_a_familys_page_says_what_stands_in_the_way_and_every_outcomes_dates(workspace):
    """F000002 (the sample authority, 30/09/2025) fails five reasons: each is named in words
    with what to do; its outcomes show the dates an auditor checks "held six months" by; a
    claimable family says so; the page links back to the near misses."""
    sign_in(workspace, "ada")
    page = workspace.get("/families/F000002?as_of=2025-09-30")
    assert page.status_code == 200
    summary = page.text.split('id="summary"')[1].split("</dl>")[0]
    for code in ("NO_PLAN", "LEAD_PRACTITIONER_NOT_RECOGNISED", "OUTCOME_NOT_SUSTAINED:HEALTH"):
        assert f"({code})" in summary, code
    outcomes = page.text.split('id="outcomes"')[1].split("</table>")[0]
    assert "21/10/2024" in outcomes and "19/09/2025" in outcomes  # achieved, sustained until
    assert "EV-F000002-1" in outcomes
    assert 'href="/near-misses?as_of=2025-09-30"' in page.text  # the back link
    claimable = workspace.get("/families/F000005?as_of=2025-09-30")
    assert "the family can be claimed" in claimable.text


def test_a_draft_is_discarded_only_after_its_question_and_each_change_says_it_was_done(
    workspace, accounts, monkeypatch
):
    """The run page lists the run's families and offers submitting only once the sample is
    checked; discarding asks first, saying what goes; a change's banner shows once."""
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "carl")
    page = workspace.get(f"/claims/{run}")
    families = page.text.split('id="families"')[1].split("</table>")[0]
    assert families.count("/families/") == count(accounts, "claimed_families")
    assert 'id="submit"' not in page.text and 'id="not-audited"' in page.text
    question = workspace.get(f"/claims/{run}/discard")
    assert f"Discard claim run {run}?" in question.text and "cannot be undone" in question.text
    assert count(accounts, "claim_runs") == 1  # asking changed nothing
    gone = post(workspace, f"/claims/{run}/discard", {}, page=f"/claims/{run}/discard")
    assert f"Claim run {run} is discarded" in gone.text and 'id="done"' in gone.text
    assert count(accounts, "claim_runs") == 0
    assert 'id="done"' not in workspace.get("/claims").text  # once


def test_a_run_is_offered_for_submission_once_its_sample_is_checked(
    workspace, accounts, monkeypatch
):
    from sfclaims.claims import sampled
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    drawn = post(
        workspace, f"/audit/{run}/sample", {"percent": "10", "seed": "3"}, page=f"/audit/{run}"
    )
    assert "The audit sample is drawn" in drawn.text
    with open_database(accounts).connect() as connection:
        families = sampled(connection, run)
    for family in families:
        recorded = post(
            workspace,
            f"/audit/{run}/families/{family}",
            {"verdict": "pass", "note": "checked"},
            page=f"/audit/{run}/families/{family}",
        )
        assert f"Your verdict on family {family} is recorded" in recorded.text
    sign_in(workspace, "carl")
    assert 'id="submit"' in workspace.get(f"/claims/{run}").text


def test_a_data_officer_lands_on_imports(workspace):
    landed = sign_in(workspace, "dora")
    assert str(landed.url).endswith("/imports") and "Import" in landed.text


def test_an_admin_changes_roles_makes_a_password_and_disables_an_account_in_the_browser(
    workspace, accounts
):
    """Everything `sfclaims user` does, on the account's page: roles changed (the admin role
    never taken from oneself), a new password shown once that signs the person in, the account
    disabled (its sessions ended)."""
    from fastapi.testclient import TestClient

    from sfclaims.web.app import create_app
    from tests.web.conftest import SECRET

    sign_in(workspace, "root")
    page = workspace.get("/accounts/carl")
    assert page.status_code == 200 and "Account carl" in page.text
    changed = post(
        workspace, "/accounts/carl/roles", {"roles": ["claims", "auditor"]}, page="/accounts/carl"
    )
    assert "The roles of carl are changed" in changed.text
    with open_database(accounts).connect() as connection:
        roles = connection.execute(text("SELECT roles FROM accounts WHERE name = 'carl'"))
        assert roles.scalar() == "auditor;claims"
    kept = post(workspace, "/accounts/root/roles", {"roles": ["claims"]}, page="/accounts/root")
    assert kept.status_code == 400 and "cannot take the admin role from yourself" in kept.text
    made = post(workspace, "/accounts/dora/password", {}, page="/accounts/dora")
    password = made.text.split('id="new-password">')[1].split("<")[0]
    assert len(password) >= 20
    app = create_app(accounts, secret=SECRET)
    with TestClient(app) as dora:  # a password an admin made: dora chooses her own first
        assert sign_in(dora, "dora", password).status_code == 200
        first = dora.get("/imports", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/password"
        assert 'id="first-use"' in dora.get("/password").text
        mine = "amber kettle drifts north"
        chosen = post(
            dora, "/password", {"current": password, "new": mine, "again": mine}, page="/password"
        )
        assert "Your password is changed" in chosen.text
        assert dora.get("/imports", follow_redirects=False).status_code == 200
        gone = post(workspace, "/accounts/dora/disable", {}, page="/accounts/dora")
        assert "The account dora is disabled" in gone.text
        assert dora.get("/imports", follow_redirects=False).status_code == 303  # signed out
    app.state.engine.dispose()
    assert workspace.get("/accounts/nobody").status_code == 404


def test_the_auditor_downloads_a_familys_evidence_as_the_pdf_of_its_page(
    workspace, accounts, monkeypatch
):
    from sfclaims.claims import run_family_ids
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    with open_database(accounts).connect() as connection:
        family = sorted(run_family_ids(connection, run))[0]
    sign_in(workspace, "ada")
    page = workspace.get(f"/audit/{run}/families/{family}")
    assert f'href="/audit/{run}/families/{family}.pdf"' in page.text
    pdf = workspace.get(f"/audit/{run}/families/{family}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert f"evidence-{run}-{family}.pdf" in pdf.headers["content-disposition"]
    sign_in(workspace, "carl")
    assert workspace.get(f"/audit/{run}/families/{family}.pdf").status_code == 403


def test_the_sample_page_is_paged_filtered_and_each_verdict_goes_on_to_the_next_family(
    workspace, accounts, monkeypatch
):
    """A page of families at a time (five here, a hundred served), filtered by checked or not;
    the share, seed and who drew it shown; a verdict goes on to the next family to check."""
    from sfclaims.claims import sampled
    from sfclaims.web.routes import audit
    from tests.web.test_both_faces import make_draft

    monkeypatch.setattr(audit, "PER_PAGE", 5)
    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    post(workspace, f"/audit/{run}/sample", {"percent": "50", "seed": "3"}, page=f"/audit/{run}")
    with open_database(accounts).connect() as connection:
        families = sampled(connection, run)
    assert len(families) > 5
    first = workspace.get(f"/audit/{run}")
    summary = " ".join(first.text.split())
    assert f"{len(families)} families (50.0% of the run)" in summary
    assert 'Seed </dt> <dd class="govuk-summary-list__value"> 3 </dd>' in summary
    assert 'Drawn by </dt> <dd class="govuk-summary-list__value"> ada, ' in summary
    assert first.text.count(f'href="/audit/{run}/families/') == 5 + 1  # + "Check the next"
    assert "govuk-pagination__next" in first.text
    recorded = post(
        workspace,
        f"/audit/{run}/families/{families[0]}",
        {"verdict": "pass", "note": "checked"},
        page=f"/audit/{run}/families/{families[0]}",
    )
    assert str(recorded.url).endswith(f"/audit/{run}/families/{families[1]}")
    assert f"Next to check: family {families[1]}" in recorded.text
    checked = workspace.get(f"/audit/{run}?show=checked").text.split('id="sample"')[1]
    assert f"/families/{families[0]}" in checked and f'/families/{families[1]}"' not in checked
    to_check = workspace.get(f"/audit/{run}?show=to-check").text
    assert f'/families/{families[0]}"' not in to_check.split('id="sample"')[1]


def test_verdicts_are_recorded_from_the_uploaded_sample_pack_all_or_none(
    workspace, accounts, monkeypatch, tmp_path
):
    """The sample pack's Verdicts to record sheet, filled in and uploaded: a job records every
    row with the auditor's name; a sheet with a bad row records none and says which row."""
    from openpyxl import load_workbook

    from sfclaims.claims import sampled
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    post(workspace, f"/audit/{run}/sample", {"percent": "10", "seed": "3"}, page=f"/audit/{run}")
    with open_database(accounts).connect() as connection:
        families = sampled(connection, run)
    made = wait_for(
        workspace, post(workspace, f"/audit/{run}/pack", {"sample": "yes"}, page=f"/audit/{run}")
    )
    pack = tmp_path / "pack.xlsx"
    pack.write_bytes(
        workspace.get(made.text.split('id="download" href="')[1].split('"')[0]).content
    )

    def filled(rows: dict[str, tuple[str, str]]) -> bytes:
        book = load_workbook(pack)
        sheet = book["Verdicts to record"]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value in rows:
                row[1].value, row[2].value = rows[row[0].value]
        book.save(tmp_path / "filled.xlsx")
        return (tmp_path / "filled.xlsx").read_bytes()

    def uploaded(content: bytes):  # type: ignore[no-untyped-def]
        return wait_for(
            workspace,
            post(
                workspace,
                f"/audit/{run}/verdicts",
                files={"verdicts": ("pack.xlsx", content, "application/octet-stream")},
                page=f"/audit/{run}",
            ),
        )

    bad = uploaded(filled({families[0]: ("pass", "checked"), families[1]: ("maybe", "hmm")}))
    assert "The verdicts were not recorded" in bad.text and "row 3" in bad.text
    with open_database(accounts).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_verdicts")).scalar_one() == 0
    good = uploaded(filled({f: ("pass", "outcomes checked") for f in families}))
    assert f"{len(families)} verdicts recorded in {run}" in good.text
    assert str(good.url).endswith(f"/audit/{run}")
    with open_database(accounts).connect() as connection:
        by = connection.execute(text("SELECT DISTINCT recorded_by FROM audit_verdicts")).all()
    assert by == [("ada",)]


def test_a_refused_field_shows_its_error_on_the_field_as_well_as_in_the_summary(
    workspace, accounts, monkeypatch
):
    """GOV.UK's pattern: the error summary links to the field, and the field says it too."""
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    refused = post(
        workspace, f"/audit/{run}/sample", {"percent": "ten", "seed": "x"}, page=f"/audit/{run}"
    )
    assert refused.status_code == 400
    page = " ".join(refused.text.split())
    assert 'href="#percent">Enter the share of the run to sample, like 10' in page
    assert 'id="percent-error"' in page and 'id="seed-error"' in page
    assert "govuk-input--error" in page


def test_the_claims_team_makes_the_quarters_files_in_the_browser(workspace):
    """Decisions file, work lists, forecast workbook and CSV, progress report: one job, one
    .zip for its maker, the same files the command line writes."""
    import zipfile

    sign_in(workspace, "carl")
    made = wait_for(workspace, post(workspace, "/quarter-files", {"as_of": "30/09/2025"}))
    assert "files are made" in made.text, made.text.split("main-content")[-1][:1500]
    link = made.text.split('id="download" href="')[1].split('"')[0]
    archive = workspace.get(link)
    assert archive.headers["content-type"] == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(archive.content)).namelist())
    assert names == {  # the decisions file and its work lists, the forecast, the progress
        "decisions-2025-09-30.csv",
        "decisions-2025-09-30.xlsx",
        "forecast-2025-09-30.csv",
        "forecast-2025-09-30.xlsx",
        "progress-2025-09-30.xlsx",
    }


def test_a_second_draft_is_made_only_when_the_plain_question_is_answered_yes(
    workspace, accounts, monkeypatch
):
    from tests.web.test_both_faces import make_draft

    first = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "carl")
    typed = {"period": "2025-Q3", "as_of": "30/09/2025", "cap": ""}
    asked = post(workspace, "/claims", typed, page="/claims")
    assert asked.status_code == 200
    words = " ".join(asked.text.split())
    assert "Do you want to make another draft for 2025/26 Q2?" in words
    assert f"Claim run {first} is a draft for 2025/26 Q2 already" in words
    kept = post(workspace, "/claims", {**typed, "another": "no"}, page="/claims")
    assert str(kept.url).endswith("/claims")
    made = wait_for(
        workspace, post(workspace, "/claims", {**typed, "another": "yes"}, page="/claims")
    )
    assert "2025-Q3-R2" in str(made.url) or "2025-Q3-R2" in made.text


def test_imports_so_far_are_listed_one_row_per_import_with_who_when_and_its_files(workspace):
    """The sample's import (ten files, one import) is one row: when, by whom, its files with
    their kinds in words, and its rows (a link to the rows it set aside, when it set some)."""
    sign_in(workspace, "dora")
    page = workspace.get("/imports").text
    table = " ".join(page.split('id="imports"')[1].split("</table>")[0].split())
    assert table.count('<tr class="govuk-table__row">') == 2  # the header and the one import
    assert "families.csv (families)" in table and "(lead practitioners)" in table
    assert "/imports/set-aside?" not in table  # the sample's import set no row aside


def test_a_mapping_file_uploaded_beside_the_extracts_renames_their_headers(workspace):
    """The council's report calls the family ID "Family Ref": refused without a mapping, and
    imported with a mapping.toml uploaded beside it."""
    from tests.conftest import SAMPLE_AUTHORITY

    families = (SAMPLE_AUTHORITY / "families.csv").read_text(encoding="utf-8")
    renamed = families.replace("Family ID,", "Family Ref,", 1).encode()
    sign_in(workspace, "dora")
    alone = wait_for(workspace, upload(workspace, [("extracts", ("families.csv", renamed))]))
    assert "The import was refused" in alone.text and "Family ID" in alone.text
    mapping = b'[families]\n"Family Ref" = "Family ID"\n'
    both = wait_for(
        workspace,
        upload(
            workspace,
            [("extracts", ("families.csv", renamed)), ("extracts", ("mapping.toml", mapping))],
        ),
    )
    assert 'id="import-result"' in both.text, both.text.split("main-content")[-1][:1500]


def test_a_file_that_would_empty_a_kind_is_asked_about_in_words_and_no_imports_nothing(
    workspace,
):
    """referrals.csv with no rows, where the sample holds referrals: the import asks "import it
    as empty?" (its files kept for the answer); no imports nothing and removes the files."""
    from sqlalchemy import func, select

    from sfclaims.platform.job_files import work_root
    from sfclaims.platform.models import Referral

    engine = workspace.app.state.engine

    def held() -> int:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(Referral)).scalar_one()

    before = held()
    header = (SAMPLE_AUTHORITY / "referrals.csv").read_text(encoding="utf-8").splitlines()[0]
    sign_in(workspace, "dora")
    asked = wait_for(
        workspace, upload(workspace, [("extracts", ("referrals.csv", header.encode() + b"\n"))])
    )
    words = " ".join(asked.text.split())
    assert "referrals.csv has no rows: import it as empty?" in words
    assert f"none of the {before:,} held now" in words
    job = str(asked.url).rsplit("/", 1)[1]
    assert (work_root(engine) / job / "upload" / "referrals.csv").exists()  # kept to answer

    unanswered = workspace.post(f"/jobs/{job}/answer", data={"csrf_token": token(asked.text)})
    assert unanswered.status_code == 400 and 'href="#empty"' in unanswered.text
    assert "Say whether to import it as empty" in unanswered.text

    declined = workspace.post(
        f"/jobs/{job}/answer", data={"csrf_token": token(asked.text), "empty": "no"}
    )
    assert str(declined.url).endswith("/imports") and "Nothing was imported." in declined.text
    assert held() == before and not (work_root(engine) / job).exists()
    assert "You chose not to import referrals.csv as empty" in workspace.get(f"/jobs/{job}").text


def test_yes_imports_the_kept_files_asking_again_for_each_kind_it_would_empty(workspace):
    """Two header-only files: each is asked about in turn, and yes to both imports them."""
    from sqlalchemy import func, select

    from sfclaims.platform.models import Attendance, Referral

    engine = workspace.app.state.engine
    files = []
    for name in ("attendance.csv", "referrals.csv"):
        header = (SAMPLE_AUTHORITY / name).read_text(encoding="utf-8").splitlines()[0]
        files.append(("extracts", (name, header.encode() + b"\n")))
    sign_in(workspace, "dora")
    page = wait_for(workspace, upload(workspace, files))
    asked = []
    while "import it as empty?" in page.text:
        asked.append(
            " ".join(page.text.split()).split(" has no rows")[0].rsplit(">", 1)[-1].strip()
        )
        job = str(page.url).rsplit("/", 1)[1]
        page = wait_for(
            workspace,
            workspace.post(
                f"/jobs/{job}/answer", data={"csrf_token": token(page.text), "empty": "yes"}
            ),
        )
        assert len(asked) <= 2, "each kind is asked about once"
    assert sorted(asked) == ["attendance.csv", "referrals.csv"]
    assert 'id="import-result"' in page.text
    with engine.connect() as connection:
        for table in (Referral, Attendance):
            assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_each_import_keeps_its_data_quality_report_to_download_later(workspace):
    """An import that set rows aside, then another: the first's report is still there, written
    again from the database, its set-aside row with its record ID; no such import is a 404."""
    from openpyxl import load_workbook

    families = (SAMPLE_AUTHORITY / "families.csv").read_text(encoding="utf-8").splitlines()
    broken = families[1].split(",")
    broken[0] = "=cmd"  # an ID a spreadsheet would run: set aside
    sign_in(workspace, "dora")
    first = wait_for(
        workspace,
        upload(
            workspace,
            [("extracts", ("families.csv", "\n".join([*families, ",".join(broken)]).encode()))],
        ),
    )
    assert 'id="import-result"' in first.text
    made = workspace.get(str(first.url) + "/report").content
    wait_for(workspace, upload(workspace, extract_files()))  # a later import
    listed = workspace.get("/imports").text
    numbers = re.findall(r'href="/imports/(\d+)/report"', listed)
    assert len(numbers) == 3  # the sample's import, and these two
    earlier = workspace.get(f"/imports/{numbers[1]}/report")
    assert earlier.status_code == 200
    assert f"import-{numbers[1]}.xlsx" in earlier.headers["content-disposition"]

    def rows(content: bytes) -> list[tuple]:
        sheet = load_workbook(io.BytesIO(content), read_only=True)["Set-aside rows"]
        return [tuple(r) for r in sheet.iter_rows(values_only=True)]

    assert rows(earlier.content) == rows(made) and len(rows(made)) > 1
    assert any(r[2] == "=cmd" or r[2] == "'=cmd" for r in rows(made)[1:])
    assert workspace.get("/imports/999999/report").status_code == 404


def test_a_quarter_typed_by_its_financial_name_is_one_quarter_named_the_authoritys_way(
    workspace,
):
    """The form takes "2025/26 Q2" as well as "2025-Q3"; the run page and the list name it as
    the authority does (financial), with its months; a name that is no quarter is the field's
    error."""
    sign_in(workspace, "carl")
    page = workspace.get("/claims").text
    assert "For example, 2026/27 Q2 for July to September 2026" in page
    bad = post(workspace, "/claims", {"period": "Q3 2025", "as_of": "30/09/2025"}, page="/claims")
    assert bad.status_code == 400 and 'id="period-error"' in bad.text
    made = wait_for(
        workspace,
        post(workspace, "/claims", {"period": "2025/26 Q2", "as_of": "30/09/2025"}, page="/claims"),
    )
    assert "/claims/2025-Q3-R" in str(made.url)
    words = " ".join(made.text.split())
    assert "2025/26 Q2 (July to September 2025)" in words
    listed = workspace.get("/claims").text
    assert "2025/26 Q2" in listed and ">2025-Q3<" not in listed


def test_a_sample_is_drawn_by_a_number_of_families_as_well_as_by_a_share(
    workspace, accounts, monkeypatch
):
    """As `audit sample --size N`: the number given draws that many; a number that is not a
    whole number is the field's own error, and nothing is drawn."""
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    page = f"/audit/{run}"
    bad = post(workspace, f"{page}/sample", {"size": "ten", "seed": "3"}, page=page)
    assert bad.status_code == 400 and 'id="size-error"' in bad.text
    assert "Enter how many families to check, like 100" in bad.text
    drawn = post(workspace, f"{page}/sample", {"size": "3", "percent": "", "seed": "3"}, page=page)
    assert "The audit sample is drawn with seed 3: 3 families to check." in drawn.text
    assert '<span id="left">3 of 3</span>' in drawn.text


def test_a_share_may_be_typed_with_its_percent_sign_and_a_seed_left_empty_is_drawn(
    workspace, accounts, monkeypatch
):
    import re

    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    page = f"/audit/{run}"
    drawn = post(workspace, f"{page}/sample", {"size": "", "percent": "10%", "seed": ""}, page=page)
    said = re.search(r"The audit sample is drawn with seed (\d+): (\d+) families", drawn.text)
    assert said, drawn.text[drawn.text.find("<main") :][:1500]
    shown = workspace.get(page).text
    kept = re.search(r"Seed\s*</dt>\s*<dd[^>]*>\s*(\d+)\s*<", shown)
    assert kept and kept[1] == said[1]  # the seed drawn is kept with the sample


def test_the_log_downloads_as_a_csv_filtered_as_the_page_is(workspace, accounts, monkeypatch):
    """Every row of the log (not only the page's latest 500), oldest first, filtered by person
    as the page was, a UTF-8 CSV Excel opens, with how each person was identified."""
    import csv

    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    page = workspace.get("/log?user=carl").text
    href = re.search(r'id="log-file" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    got = workspace.get(href)
    assert got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["when (UTC)", "who", "what", "object", "detail", "identified by"]
    assert rows[1:] and {r[1] for r in rows[1:]} == {"carl"}
    assert any(r[2] == "claim run made" and r[3] == run for r in rows[1:])
    everyone = list(csv.reader(io.StringIO(workspace.get("/log.csv").content.decode("utf-8-sig"))))
    assert len(everyone) > len(rows)


def test_the_log_is_paged_newest_first_with_no_change_missed_or_shown_twice(workspace):
    """Keyset paging: each page 50 changes, "older changes" goes on from the last one shown;
    walking every page gives the whole log once, newest first, as the CSV has it oldest first."""
    import csv

    from sfclaims.platform.activity import LOG_PAGE, record_now

    engine = workspace.app.state.engine
    for n in range(LOG_PAGE + 7):  # more than a page
        record_now(engine, "carl", "paging checked", f"object {n}")
    sign_in(workspace, "ada")
    shown, address, pages = [], "/log?user=carl", 0
    while address:  # bounded: every page holds at least one change
        page = workspace.get(address).text
        table = page.split("<tbody")[1].split("</tbody>")[0]
        shown += re.findall(r"object (\d+)<", table)
        older = re.search(r'id="older-changes" href="([^"]+)"', page)
        address = older.group(1).replace("&amp;", "&") if older else ""
        pages += 1
    assert pages == 2 and "newest-changes" in page
    assert shown == [str(n) for n in reversed(range(LOG_PAGE + 7))]
    everyone = list(
        csv.reader(io.StringIO(workspace.get("/log.csv?user=carl").content.decode("utf-8-sig")))
    )
    assert [r[3] for r in everyone[1:] if r[2] == "paging checked"] == [
        f"object {n}" for n in range(LOG_PAGE + 7)
    ]


def test_a_runs_page_shows_its_families_a_page_at_a_time_in_the_runs_order(sample_engine):
    from sfclaims.claims import create_run, run_contents, run_page
    from sfclaims.platform.framework import load_framework

    run = create_run(sample_engine, load_framework(PAYING_ON), "2025-Q3", date(2025, 9, 30)).run_id
    every = [f.family_id for f in run_contents(sample_engine, run, evidence=False).families]
    assert len(every) > 10
    pages = [run_page(sample_engine, run, n, size=5) for n in range(1, 5)]
    assert [p.pages for p in pages] == [-(-len(every) // 5)] * 4
    walked = [f.family_id for p in pages[: pages[0].pages] for f in p.contents.families]
    assert walked == every
    assert pages[-1].page == pages[0].pages  # a page past the last shows the last


@pytest.mark.parametrize(
    "address",
    [
        "/log?before=" + "9" * 25,
        "/log?before=-1",
        "/imports?page=" + "9" * 25,
        "/imports/set-aside?page=" + "9" * 25 + "&batch=" + "9" * 25,
        "/near-misses?as_of=2025-09-30&page=" + "9" * 25,
        "/work-lists?as_of=2025-09-30&page=" + "9" * 25,
    ],
)
def test_a_page_number_no_list_has_shows_a_page_never_a_fault(workspace, address):
    sign_in(workspace, "dora" if address.startswith("/imports") else "carl")
    assert workspace.get(address).status_code == 200


def test_a_nul_in_a_lists_filter_is_a_sentence_never_a_fault(workspace):
    sign_in(workspace, "dora")
    for address in ("/log?user=a%00b", "/imports/set-aside?reason=a%00b"):
        answer = workspace.get(address)
        assert answer.status_code == 400 and "control character" in answer.text


def test_an_admin_puts_a_local_outcome_plan_in_force_by_upload_and_goes_back(
    workspace, tmp_path, monkeypatch
):
    """The plan is uploaded, kept where only the service reads it (named by its hash), and
    previewed before anything changes: every family decided under it beside the framework in
    force, the counts those of deciding both by hand; put in force, it is shown with its
    version and hash, and decides from then on; a file that is no plan is refused and the
    framework in force stays; the national framework comes back with one button."""
    from datetime import date

    from sfclaims.deciding.assessing import assess
    from sfclaims.platform.framework import FRAMEWORK_ROOT, load_framework
    from sfclaims.platform.settings import read_settings

    monkeypatch.setenv("SFCLAIMS_PLANS_DIR", str(tmp_path / "plans"))
    engine = workspace.app.state.engine
    plan = (Path(__file__).parents[2] / "outcome_framework/local-overlay-example.toml").read_bytes()
    sign_in(workspace, "carl")
    ended(workspace, post(workspace, "/decide", {"as_of": "30/09/2025"}))  # the newest date
    workspace.cookies.clear()
    sign_in(workspace, "root")
    before = read_settings(engine)
    preview = wait_for(
        workspace,
        post(
            workspace,
            "/settings/outcome-plan",
            files={"plan": ("ours.toml", plan)},
            page="/settings",
        ),
    )
    assert read_settings(engine) == before, "nothing changes until it is put in force"
    day = date(2025, 9, 30)
    now = {d.family_id: d.claimable for d in assess(engine, load_framework(), day)}
    local = load_framework(FRAMEWORK_ROOT / "local-overlay-example.toml")
    under = {d.family_id: d.claimable for d in assess(engine, local, day)}
    said = " ".join(preview.text.split())
    assert (
        f'<strong>{sum(now.values())}</strong> claimable now, <strong id="claimable-under-plan">'
        f"{sum(under.values())}</strong> under the plan" in said
    )
    became = sum(under[f] and not now[f] for f in under)
    stopped = sum(now[f] and not under[f] for f in under)
    assert f"{became} would become claimable and {stopped} would stop" in said
    key = re.search(r'name="plan" value="([0-9a-f]{16})"', preview.text)
    assert key is not None
    put = post(
        workspace, "/settings/outcome-plan/in-force", {"plan": key.group(1)}, page="/settings"
    )
    words = " ".join(put.text.split())
    assert (
        "The local outcome plan is in force: Example Borough locally agreed outcome plan" in words
    )
    settings = read_settings(engine)
    kept = Path(settings.framework_overlay or "")
    assert kept.parent.parent == tmp_path / "plans" and kept.read_bytes() == plan
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert settings.framework_sha256 in put.text

    broken = post(
        workspace,
        "/settings/outcome-plan",
        files={"plan": ("bad.toml", b"name = [")},
        page="/settings",
    )
    assert broken.status_code == 400 and 'id="plan-error"' in broken.text
    assert read_settings(engine).framework_sha256 == settings.framework_sha256
    term = b'name = "Autumn"\nstart = "13-45"\nend = "12-31"\ncalendar_year = "first"\n'
    malformed = plan.replace(b"[thresholds]", b"[[terms]]\n" + term + b"\n[thresholds]")
    for name, content in (("bad.toml", b"name = ["), ("terms.toml", malformed)):
        refused = post(
            workspace, "/settings/outcome-plan", files={"plan": (name, content)}, page="/settings"
        )
        assert refused.status_code == 400 and name in refused.text, refused.text[-800:]
        assert str(tmp_path) not in refused.text  # no sentence shows where the service keeps it
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]  # refused: none kept
    back = post(workspace, "/settings/outcome-plan", {"national": "yes"}, page="/settings")
    assert "The national framework is in force again" in back.text
    assert read_settings(engine).framework_overlay is None


def test_purge_shows_what_would_go_and_removes_it_only_once_confirmed(
    workspace, accounts, monkeypatch
):
    """The confirmation counts what a purge from the date removes (a draft named), and removing
    nothing until it is confirmed; confirmed, the same is removed and said."""
    from sqlalchemy import func, select

    from sfclaims.platform.models import ClaimRun, StoredDecision
    from tests.test_evidence import made_long_ago
    from tests.web.test_both_faces import make_draft

    engine = workspace.app.state.engine
    run = make_draft(accounts, monkeypatch, "carl")
    tomorrow = (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")  # past retention's start
    start = (date.today() - timedelta(days=2 * 366)).strftime("%d/%m/%Y")  # 24 months kept

    def held() -> tuple[int, int]:
        with engine.connect() as connection:
            return (
                connection.execute(select(func.count()).select_from(ClaimRun)).scalar_one(),
                connection.execute(select(func.count()).select_from(StoredDecision)).scalar_one(),
            )

    before = held()
    sign_in(workspace, "root")
    settings = workspace.get("/settings").text
    assert 'id="purge" href="/purge"' in settings
    later = workspace.get(f"/purge?before={tomorrow}")  # a date the retention period keeps
    assert later.status_code == 400 and "Nothing was removed" in later.text
    refused = post(workspace, "/purge", {"before": tomorrow}, page="/purge")
    assert refused.status_code == 400 and held() == before
    made_long_ago(accounts, years=3)  # this session's too: signed in again
    sign_in(workspace, "root")
    asked = workspace.get(f"/purge?before={start}")
    words = " ".join(asked.text.split())
    assert f"Remove the personal data older than {start}?" in words
    assert f"1 draft claim runs never submitted ({run})" in words
    assert f"{before[1]:,} stored decisions" in words
    assert held() == before  # asked, nothing removed
    gone = post(workspace, "/purge", {"before": start}, page=f"/purge?before={start}")
    assert "1 draft claim runs" in gone.text and held() == (0, 0)
    sign_in(workspace, "carl")
    assert workspace.get("/purge").status_code == 403


def test_the_work_lists_are_pages_by_team_holding_what_the_workbook_holds(workspace):
    """Decided in the workspace (with the forecast), each work list is a page: the same
    families as the workbook's sheet of that list, narrowed to a team, with what to do and a
    waiting family's date."""
    from openpyxl import load_workbook

    sign_in(workspace, "carl")
    wait_for(workspace, post(workspace, "/decide", {"as_of": "30/09/2025"}))
    made = wait_for(workspace, post(workspace, "/quarter-files", {"as_of": "30/09/2025"}))
    archive = workspace.get(made.text.split('id="download" href="')[1].split('"')[0]).content
    book = load_workbook(
        io.BytesIO(zipfile.ZipFile(io.BytesIO(archive)).read("decisions-2025-09-30.xlsx"))
    )

    def listed(key: str, team: str = "") -> tuple[list[str], str]:
        page = workspace.get(f"/work-lists?as_of=2025-09-30&list={key}&team={team}").text
        table = page.split('id="work-list"')[1].split("</table>")[0]
        return re.findall(r'href="/families/([^"?]+)\?', table), page

    for key, sheet in (
        ("fixable-now", "Fixable now"),
        ("waiting", "Waiting"),
        ("other-work", "Other work"),
    ):
        rows = [r for r in book[sheet].iter_rows(min_row=2, values_only=True) if r[0]]
        families, page = listed(key)
        assert families == sorted(r[0] for r in rows)[:50], sheet
        assert f"({len(rows):,})" in page
        for team in {r[1] for r in rows if r[1]}:
            assert listed(key, team)[0] == sorted(r[0] for r in rows if r[1] == team)[:50]
        dated = [r for r in sorted(rows)[:50] if r[7]]
        if key == "waiting":
            assert dated, "the sample has waiting families with a date"
            assert f"{dated[0][7]:%d/%m/%Y}" in page  # the date it becomes claimable


def test_the_quarters_ahead_come_from_the_stored_decisions_whichever_face_decided(
    workspace, accounts
):
    """Decided by the command line's path (no job), the dashboard shows the quarters ahead and
    the work lists, read from each decision's forecast date; a purge of finished jobs leaves
    them."""
    from sfclaims.actions import decide
    from sfclaims.people.accounts import Actor
    from sfclaims.platform.roles import ROLES

    alone = Actor("officer", frozenset(ROLES), single_user=True)
    done = decide(workspace.app.state.engine, alone, date(2025, 9, 30))
    waiting = [a for a in done.decided.families if a.forecast and a.forecast.forecast_date]
    assert waiting, "the sample has families waiting with a date"
    with workspace.app.state.engine.begin() as connection:
        connection.execute(text("DELETE FROM jobs"))
    sign_in(workspace, "carl")
    page = workspace.get("/?as_of=2025-09-30").text
    assert "The quarters ahead, if nothing else changes" in page
    assert 'id="not-kept"' not in workspace.get("/work-lists?as_of=2025-09-30").text


def test_a_question_is_taken_by_one_answer_alone(workspace):
    """Two answers to the same question (two tabs): the first takes it; the second, given with
    the job as it was when asked, finds it answered and runs nothing."""
    from sfclaims.web.tasks import import_upload

    header = (SAMPLE_AUTHORITY / "referrals.csv").read_text(encoding="utf-8").splitlines()[0]
    sign_in(workspace, "dora")
    asked = wait_for(
        workspace, upload(workspace, [("extracts", ("referrals.csv", header.encode() + b"\n"))])
    )
    jobs = workspace.app.state.jobs
    job = jobs.get(str(asked.url).rsplit("/", 1)[1], "dora")
    assert job.status == "asking"
    assert jobs.declined(job, "You chose not to import referrals.csv as empty.")
    arguments = {"person": None, "folder": jobs.folder(job), "allow_empty": ["referrals"]}
    assert not jobs.answered(job, import_upload, arguments)  # taken: nothing runs
    assert not jobs.declined(job, "again")
    assert jobs.get(job.id, "dora").status == "refused"


def test_a_verdict_sheet_too_large_is_refused_saying_nothing_was_recorded(
    workspace, accounts, monkeypatch
):
    """The upload's own refusal speaks of verdicts, not of an import, and no job is left."""
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    post(workspace, f"/audit/{run}/sample", {"percent": "10", "seed": "3"}, page=f"/audit/{run}")
    # past the test workspace's limit of 2,000,000 bytes, within the body's allowance for the
    # form's own fields: refused by the route, as it copies the file
    too_large = b"PK" + b"x" * 2_030_000
    refused = post(
        workspace,
        f"/audit/{run}/verdicts",
        files={"verdicts": ("pack.xlsx", too_large, "application/octet-stream")},
        page=f"/audit/{run}",
    )
    assert refused.status_code == 400
    words = " ".join(refused.text.split())
    assert "larger than the limit of 2,000,000 bytes; nothing was recorded" in words
    assert "nothing was imported" not in words


def test_a_stranger_cannot_send_more_than_a_form_to_any_address_but_an_uploads(workspace):
    """Signed out, a body past a form's size to /sign-out (with its length, or chunked without
    one) is refused before any of it is used; an upload's address still takes an upload's
    size from someone allowed to send one."""
    from sfclaims.web.app import FORM_LIMIT

    form = {"content-type": "application/x-www-form-urlencoded"}
    told = workspace.post("/sign-out", content=b"a=" + b"x" * FORM_LIMIT, headers=form)
    assert told.status_code == 413 and "larger than any form" in told.text

    def chunks():
        for _ in range(8):
            yield b"x" * 32_768

    streamed = workspace.post("/sign-out", content=chunks(), headers=form)
    assert streamed.status_code == 413 and "nothing of it was kept" in streamed.text
    sign_in(workspace, "dora")
    imported = upload(workspace, extract_files())  # larger than a form: an upload's address
    assert imported.status_code in (200, 303), imported.text[:300]


def test_an_account_added_with_a_password_the_checker_refuses_is_not_added(workspace, accounts):
    """Adding an account and its password is one transaction: a refused password adds no
    account, so trying again with a better one is not told the account exists already."""
    from sfclaims.people.accounts import list_accounts

    engine = workspace.app.state.engine
    sign_in(workspace, "root")
    weak = post(
        workspace,
        "/accounts",
        {"name": "sam", "roles": "auditor", "password": "password1234"},
        page="/accounts",
    )
    assert weak.status_code == 400 and "guessed too easily" in weak.text
    assert "sam" not in {a.name for a in list_accounts(engine)}
    strong = post(
        workspace,
        "/accounts",
        {"name": "sam", "roles": "auditor", "password": "amber kettle drifts north"},
        page="/accounts",
    )
    assert strong.status_code == 200 and "The account sam is added" in strong.text
    (sam,) = [a for a in list_accounts(engine) if a.name == "sam"]
    assert sam.has_password and sam.roles == "auditor"


def test_the_account_form_says_every_problem_at_once_and_keeps_what_was_typed(workspace, accounts):
    """A name no account may have, no role, a full name too long and a password too easily
    guessed: all four in the summary, each at its field, the name and full name kept, the
    roles ticked kept, the password never shown again, and no account added. A full name
    given on the account's page is saved, and shown on the list."""
    from sfclaims.people.accounts import list_accounts

    engine = workspace.app.state.engine
    sign_in(workspace, "root")
    long_name = "Ada " + "Augusta " * 13 + "Lovelace"
    refused = post(
        workspace,
        "/accounts",
        {"name": "Not a name!", "full_name": long_name, "password": "password1234"},
        page="/accounts",
    )
    assert refused.status_code == 400
    summary = refused.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    for field in ("name", "roles", "full_name", "password"):
        assert f'href="#{field}"' in summary, field
    assert 'value="Not a name!"' in refused.text and f'value="{long_name}"' in refused.text
    assert "password1234" not in refused.text
    ticked = post(workspace, "/accounts", {"name": "x y", "roles": ["auditor"]}, page="/accounts")
    assert ticked.status_code == 400 and 'value="auditor" checked' in ticked.text
    assert {"not a name!", "x y"}.isdisjoint(a.name for a in list_accounts(engine))
    added = post(
        workspace,
        "/accounts",
        {"name": "sam", "full_name": "Sam Vimes", "roles": ["auditor"]},
        page="/accounts",
    )
    assert "The account sam is added" in added.text and "Sam Vimes" in added.text
    empty = post(workspace, "/accounts/carl/full-name", {"full_name": " "}, page="/accounts/carl")
    assert empty.status_code == 400 and 'href="#full_name"' in empty.text
    saved = post(
        workspace, "/accounts/carl/full-name", {"full_name": "Carl Jung"}, page="/accounts/carl"
    )
    assert "The full name of carl is saved" in saved.text and 'value="Carl Jung"' in saved.text
    assert {a.name: a.full_name for a in list_accounts(engine)}["carl"] == "Carl Jung"


def test_the_audit_forms_keep_what_was_typed_and_draw_a_seed_when_none_is_given(
    workspace, accounts, monkeypatch
):
    """A verdict refused keeps its choice and note; widening with no seed draws one, says it,
    and the log keeps it."""
    from tests.web.test_both_faces import make_draft

    run = make_draft(accounts, monkeypatch, "carl")
    sign_in(workspace, "ada")
    page = f"/audit/{run}"
    post(workspace, f"{page}/sample", {"percent": "10", "seed": "3"}, page=page)
    family = workspace.get(page).text.split(f'href="{page}/families/')[1].split('"')[0]
    refused = post(
        workspace, f"{page}/families/{family}", {"verdict": "pass", "note": " "}, page=page
    )
    assert refused.status_code == 400 and 'href="#note"' in refused.text
    assert 'value="pass" checked' in refused.text
    no_choice = post(
        workspace,
        f"{page}/families/{family}",
        {"note": "Checked the <plan> dates"},
        page=page,
    )
    assert 'href="#verdict"' in no_choice.text
    assert "Checked the &lt;plan&gt; dates</textarea>" in no_choice.text
    widened = post(workspace, f"{page}/widen", {"more": "2", "more_seed": ""}, page=page)
    said = widened.text.split("The audit sample is widened with seed ")[1]
    seed = said.split(":")[0]
    assert seed.isdigit()
    with workspace.app.state.engine.connect() as connection:
        details = connection.execute(
            text("SELECT detail FROM activity_log WHERE action = 'audit sample drawn'")
        ).scalars()
        assert any(d.endswith(f"widened by 2, seed {seed}") for d in details)


def test_everyone_changes_their_own_password_given_the_one_they_have(workspace):
    """Any account with a password changes it on its own page: refused without the password it
    has now, with a repeat that differs, or a weak one — every refusal at once, nothing
    changed; changed, the old one no longer signs in and the new one does."""
    from tests.web.conftest import PASSWORD

    sign_in(workspace, "dora")
    page = workspace.get("/password")
    assert page.status_code == 200 and 'id="your-password"' in page.text
    wrong = post(
        workspace,
        "/password",
        {"current": "not it at all", "new": "amber kettle drifts north", "again": "x"},
        page="/password",
    )
    assert wrong.status_code == 400 and "differ" in wrong.text
    for current, new, says in (
        ("not it at all", "amber kettle drifts north", "That is not your password now"),
        (PASSWORD, "password1234", "guessed too easily"),
    ):
        answer = post(
            workspace, "/password", {"current": current, "new": new, "again": new}, page="/password"
        )
        assert answer.status_code == 400 and says in answer.text
    changed = post(
        workspace,
        "/password",
        {
            "current": PASSWORD,
            "new": "amber kettle drifts north",
            "again": "amber kettle drifts north",
        },
        page="/password",
    )
    assert changed.status_code == 200 and "Your password is changed" in changed.text
    workspace.cookies.clear()
    assert sign_in(workspace, "dora", PASSWORD).status_code == 400
    assert sign_in(workspace, "dora", "amber kettle drifts north").status_code == 200


def test_anyone_makes_the_outcomes_report_in_the_workspace(workspace):
    """An auditor, who may not decide, makes the outcomes report from the quarter's page."""
    sign_in(workspace, "ada")
    page = workspace.get("/?as_of=2025-09-30")
    assert 'id="outcomes-report"' in page.text
    made = wait_for(workspace, post(workspace, "/outcomes-report", {"as_of": "30/09/2025"}))
    assert "The outcomes report is made" in made.text, made.text[:2000]
    download = workspace.get(str(made.url) + "/report")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert 'filename="outcomes-2025-09-30.xlsx"' in download.headers["content-disposition"]


def test_an_auditor_makes_the_close_out_archive_and_a_data_officer_may_not(workspace, accounts):
    import io
    import zipfile

    sign_in(workspace, "ada")
    assert 'id="archive"' in workspace.get("/audit").text
    made = wait_for(workspace, post(workspace, "/archive", {}, page="/audit"))
    assert "The close-out archive is made" in made.text, made.text[:2000]
    download = workspace.get(str(made.url) + "/report")
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "sfclaims-archive/MANIFEST.sha256" in names
    assert "sfclaims-archive/README.txt" in names
    sign_in(workspace, "dora")
    refused = wait_for(workspace, post(workspace, "/archive", {}, page="/imports"))
    assert "needs the admin or the auditor role, and dora has neither" in refused.text


def test_under_a_plan_that_pays_nothing_the_workspace_shows_no_claims(
    workspace, accounts, tmp_path
):
    """Runs, allocation and ledger are what only claims need: hidden; deciding, near misses,
    work lists and the outcomes report stay."""
    from sfclaims.platform.settings import change_settings

    sign_in(workspace, "carl")
    ended(workspace, post(workspace, "/decide", {"as_of": "30/09/2025"}))
    paying = workspace.get("/?as_of=2025-09-30").text
    assert 'href="/claims"' in paying and "id='claimed'" in paying
    plan = tmp_path / "outcomes-only.toml"
    plan.write_text('[programme]\npayment = "none"\n', encoding="utf-8")
    engine = open_database(accounts)
    change_settings(engine, framework=plan, by="root")
    engine.dispose()
    shown = workspace.get("/?as_of=2025-09-30").text
    assert 'href="/claims"' not in shown and "id='claimed'" not in shown
    assert "id='claimable'" in shown and 'id="outcomes-report"' in shown
    assert "/near-misses" in shown and 'id="work-lists"' in shown


def test_the_mail_settings_say_every_problem_at_once_and_keep_what_was_typed(workspace):
    sign_in(workspace, "root")
    typed = {
        "mail_host": "not a host!",
        "mail_port": "twenty-five",
        "mail_sender": "nobody",
        "mail_user": "relay-account",
        "mail_password_file": "",
        "workspace_address": "ftp://sfclaims.example",
    }
    refused = post(workspace, "/settings/mail", typed, page="/settings")
    assert refused.status_code == 400
    summary = refused.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    for field in ("mail_host", "mail_port", "mail_sender", "workspace_address"):
        assert f'href="#{field}"' in summary, field
    assert "port must be a whole number from 1 to 65,535" in summary
    for value in ("not a host!", "twenty-five", "nobody", "relay-account"):
        assert f'value="{value}"' in refused.text, value
    assert (
        "Not set: no email is sent" in refused.text or "not set: no email is sent" in refused.text
    )
    saved = post(
        workspace,
        "/settings/mail",
        {
            "mail_host": "smtp.council.example",
            "mail_port": "587",
            "mail_sender": "sfclaims@council.example",
            "workspace_address": "https://sfclaims.council.example",
        },
        page="/settings",
    )
    assert saved.status_code == 200 and "through smtp.council.example:587" in saved.text


def test_a_person_chooses_what_they_hear_of_among_what_their_roles_touch(workspace):
    sign_in(workspace, "dora")
    page = workspace.get("/notifications").text
    assert "An import warned of something to check" in page
    assert "A draft claim run is ready for audit" not in page  # not hers to hear of
    refused = post(
        workspace,
        "/notifications",
        {"email": "dora@council", "hears": "import warned"},
        page="/notifications",
    )
    assert refused.status_code == 400 and 'href="#email"' in refused.text
    assert 'value="dora@council"' in refused.text  # kept as typed
    kept = post(
        workspace,
        "/notifications",
        {"email": "dora@council.example", "hears": "import warned"},
        page="/notifications",
    )
    assert "You will hear of 1 thing by email." in kept.text
    assert 'value="import warned" checked' in kept.text
    assert 'value="dora@council.example"' in kept.text


def test_the_log_shows_a_job_as_a_link_to_its_page_for_its_owner_never_its_number(workspace):
    sign_in(workspace, "carl")
    started = post(workspace, "/decide", {"as_of": "30/09/2025"})
    job_id = (
        str(started.history[0].headers["location"]).rsplit("/", 1)[1] if started.history else ""
    )
    ended(workspace, started)
    assert job_id
    mine = workspace.get("/log").text
    assert f'<a class="govuk-link" href="/jobs/{job_id}">Your job&#39;s page</a>' in mine
    assert mine.count(job_id) == 1  # in the link's address alone
    workspace.cookies.clear()
    sign_in(workspace, "root")
    theirs = workspace.get("/log").text
    assert job_id not in theirs and "one of their jobs" in theirs
