"""The workspace in a real browser: Debian's headless Chromium driven by Playwright, against the
app served by uvicorn on loopback. The quarter, person by person: the data officer uploads the
extracts, the claims team makes a run, an auditor records a fail and passes, the claims team
submits, and the run shows as locked. A failing test saves a screenshot beside its tmp_path; with
SFCLAIMS_SCREENSHOTS=DIR each person's page is saved there too (the README's pictures)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from sfclaims.synthetic import write_authority
from sfclaims.web.app import create_app
from tests.web.conftest import PASSWORD, SECRET

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (`.ci/run` installs it)",
)
SHOTS = os.environ.get("SFCLAIMS_SCREENSHOTS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(accounts: str) -> Iterator[str]:
    """The workspace served by uvicorn on a free loopback port."""
    yield from serving(accounts, free_port())


def serving(database_url: str, port: int) -> Iterator[str]:
    """The workspace of the database served by uvicorn on the loopback port, until closed."""
    app = create_app(database_url, secret=SECRET)
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    started = time.monotonic()
    while not served.started:  # uvicorn sets it once it listens
        assert thread.is_alive() and time.monotonic() - started < 20, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture
def browser() -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def person(browser, server, request, tmp_path):  # type: ignore[no-untyped-def]
    """A signed-in person's page, one browser context each; a screenshot when the test fails."""
    pages = []

    def signed_in(name: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{server}/sign-in")
        page.fill("#name", name)
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        if "/sign-in/set-up" in page.url:  # an admin or an auditor: the app set up first
            import pyotp

            from tests.web.conftest import SECOND_FACTORS, code_for

            SECOND_FACTORS[name] = (page.text_content("#secret-key") or "", -1)
            page.fill("#code", code_for(name))
            page.click("#send-code")
            page.click("#continue")
            assert pyotp  # the code is the app's, made as the app makes it
        page.wait_for_selector("text=Signed in as")
        pages.append(page)
        return page

    yield signed_in
    failed = getattr(request.node, "failed_call", False)
    for number, page in enumerate(pages):
        if failed:
            page.screenshot(path=str(tmp_path / f"failed-{number}.png"), full_page=True)
        page.context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.jpg"), type="jpeg", quality=70)


def test_the_quarter_in_the_browser_person_by_person(person, server, tmp_path):
    # the data officer uploads the quarter's extracts and sees the result per file
    extracts = tmp_path / "extracts"
    write_authority(extracts, families=120, seed=11)
    dora = person("dora")
    dora.click("text=Imports")
    dora.set_input_files(
        "#extracts", sorted(str(p) for p in extracts.iterdir() if p.suffix in (".csv", ".xlsx"))
    )
    dora.click("#import")
    dora.wait_for_selector("#import-result", timeout=60_000)
    assert "families.csv" in dora.inner_text("#import-result")
    shot(dora, "data-officer-import")

    # the claims team decides the families and makes a draft run
    carl = person("carl")
    carl.fill("#decide_as_of", "30/09/2026")
    carl.click("#decide")
    carl.wait_for_selector("#claimable", timeout=60_000)
    shot(carl, "claims-quarter")
    carl.click("text=Claim runs")
    carl.fill("#period", "2026-Q3")
    carl.fill("#as_of", "30/09/2026")
    carl.click("#make-run")
    carl.wait_for_selector("#status")
    assert "Draft" in carl.inner_text("#status")
    run_url = carl.url
    run_id = run_url.rsplit("/", 1)[1]

    # an auditor draws the sample and records a fail, then a pass on every other family
    ada = person("ada")
    ada.goto(f"{server}/audit/{run_id}")
    ada.fill("#percent", "10")
    ada.fill("#seed", "42")
    ada.click("#draw")
    ada.wait_for_selector("#sample")
    families = [a.inner_text() for a in ada.query_selector_all("#sample a")]
    assert len(families) >= 2
    ada.click("#next")  # each verdict goes on to the next family left to check
    for number, family in enumerate(families):
        ada.wait_for_selector(f"h1:has-text('{family}')")
        ada.check("#verdict" if number == 0 else "#verdict-2")
        ada.fill(
            "#note", "no outcome evidence on file" if number == 0 else "plan and outcomes checked"
        )
        if number == 1:
            shot(ada, "auditor-verdict")
        ada.click("#record")
    ada.wait_for_selector("#left")
    assert ada.inner_text("#left").startswith("0 of")
    assert "FAIL" in ada.inner_text("#sample") and "PASS" in ada.inner_text("#sample")

    # the claims team submits behind the confirmation page; the run shows as locked
    carl.goto(run_url)
    carl.click("#submit")
    carl.wait_for_selector("#confirm-submit")
    assert "locks the run for good" in carl.inner_text("main")
    carl.click("#confirm-submit")
    carl.wait_for_selector("text=is submitted and locked")
    assert "Submitted, locked" in carl.inner_text("#status")
    shot(carl, "claims-submitted")


def test_a_role_without_the_right_sees_the_refusal_page(person, server):
    ada = person("ada")
    ada.goto(f"{server}/imports")
    assert "You cannot do this" in ada.inner_text("h1")
    assert "data_officer" in ada.inner_text("main")


# every page a person can open, as Chromium draws it: a heading, and no markup shown as text
PAGES_SEEN = {
    "root": ["/settings", "/accounts", "/log", "/claims"],
    "dora": ["/imports", "/imports/set-aside"],
    "carl": [
        "/?as_of=30/09/2025",
        "/near-misses?as_of=2025-09-30",
        "/families/F000006?as_of=2025-09-30",
    ],
    "ada": ["/audit"],
}


def test_every_page_draws_in_chromium_with_no_markup_shown_as_text(person, server, accounts):
    from datetime import date

    from sfclaims.assessing import assess_and_store
    from sfclaims.db import open_database
    from sfclaims.framework import load_framework

    engine = open_database(accounts)
    assess_and_store(engine, load_framework(), date(2025, 9, 30))  # the quarter's figures
    engine.dispose()
    for name, paths in PAGES_SEEN.items():
        page = person(name)
        for path in paths:
            page.goto(f"{server}{path}")
            assert page.inner_text("h1").strip(), path
            shown = page.inner_text("main")
            assert "<a " not in shown and "&lt;" not in shown and "&amp;" not in shown, path
            assert "You cannot do this" not in shown, path
    carl = person("carl")
    carl.goto(f"{server}/near-misses?as_of=2025-09-30")
    carl.click("main table a >> nth=0")  # a near miss links to the family's page
    assert carl.inner_text("h1").startswith("Family ")


def test_the_import_result_page_shows_every_warning_the_terminal_prints(person, tmp_path):
    """Extracts with no referrals file, and a people file whose UPN column is under the
    authority's own header ("Pupil UPN") with no mapping.toml uploaded beside it: the result page
    says both, and what losing the UPNs means for the attendance check."""
    extracts = tmp_path / "extracts"
    write_authority(extracts, families=40, seed=5)
    (extracts / "referrals.csv").unlink()
    dora = person("dora")
    dora.click("text=Imports")
    dora.set_input_files(
        "#extracts", sorted(str(p) for p in extracts.iterdir() if p.suffix in (".csv", ".xlsx"))
    )
    dora.click("#import")
    dora.wait_for_selector("#import-result", timeout=60_000)
    warnings = dora.inner_text("#import-warnings")
    assert "No referrals file was given: the referrals imported on" in warnings
    assert "people.csv has no UPN column: no child can be matched to their school attendance" in (
        warnings
    )
    assert "people.csv: headers not known, so not loaded: Pupil UPN" in warnings
    assert "--" not in warnings and "sfclaims " not in warnings
