"""The workspace in a real browser: Debian's headless Chromium driven by Playwright, against the
app served by uvicorn on loopback: a refusal, every page drawn with no markup shown as text, and
the import's warnings (the whole quarter, role by role, is test_whole_quarter.py). A failing test
saves a screenshot beside its tmp_path."""

from __future__ import annotations

import re

from sfclaims.intake.synthetic import write_authority
from tests.web.browsing import NEEDS_CHROMIUM
from tests.web.conftest import PASSWORD, SECOND_FACTORS, code_for

pytestmark = NEEDS_CHROMIUM


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

    from sfclaims.deciding.assessing import assess_and_store
    from sfclaims.platform.db import open_database
    from sfclaims.platform.framework import load_framework

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
    # said before it matters: no green "Imported" over them, and the warnings before the table
    assert dora.locator(".govuk-notification-banner--success").count() == 0
    listed = dora.locator("#import-warnings li").count()
    assert f"Imported, with {listed} things to check" in dora.inner_text("#imported-with-warnings")
    order = dora.evaluate(
        "document.getElementById('import-warnings').compareDocumentPosition("
        "document.getElementById('import-result'))"
    )
    assert order & 4, "the warnings come before the table"  # DOCUMENT_POSITION_FOLLOWING
    # kept with the import: Imports so far says every one again, as it was said
    said = dora.locator("#import-warnings li").all_inner_texts()
    dora.click("text=Imports")
    latest = dora.inner_text("#imports tbody tr >> nth=0")
    assert said and all(line in latest for line in said), (said, latest)


def test_signing_in_and_deciding_by_keyboard_alone_each_focus_visible(browser, server):
    """No mouse: Tab to each field (each one, as it takes the focus, visibly marked, as GOV.UK
    marks it: a yellow outline or box shadow), type, and Enter submits; the families are
    decided and the quarter shown."""
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server}/sign-in")

    def tab_to(element_id: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                marked = page.evaluate(
                    "(() => { const s = getComputedStyle(document.activeElement);"
                    " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
                )
                assert marked[0] != "none" and marked[1] != "0px" or marked[2] != "none", marked
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("name")
    page.keyboard.type("carl")
    tab_to("password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(
        re.compile(r"/sign-in/set-up")
    )  # the claims team's second factor, set up first
    SECOND_FACTORS["carl"] = (page.text_content("#secret-key") or "", -1)
    tab_to("code")
    page.keyboard.type(code_for("carl"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#continue")
    tab_to("continue")  # past the recovery codes, shown once
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Signed in as")
    tab_to("decide_as_of")
    page.keyboard.type("30/09/2025")
    page.keyboard.press("Enter")
    page.wait_for_selector("#claimable", timeout=60_000)
    page.context.close()


def test_a_plan_is_previewed_before_it_is_put_in_force(person, server, accounts):
    """The admin uploads the local plan: a page says what it would change (counted by reason,
    axe-core clean), and nothing changes until it is put in force from that page."""
    from pathlib import Path

    from sfclaims.platform.db import open_database
    from sfclaims.platform.settings import read_settings
    from tests.web.test_accessibility import axe_source, violations

    engine = open_database(accounts)
    before = read_settings(engine).framework_sha256
    root = person("root")
    root.goto(f"{server}/settings")
    plan = Path(__file__).parents[2] / "outcome_framework/local-overlay-example.toml"
    root.set_input_files("#plan", str(plan))
    root.click("#put-plan")
    root.wait_for_selector("#plan-preview", timeout=60_000)
    said = root.inner_text("#plan-preview")
    assert "under the plan" in said and "Nothing has changed yet." in said
    assert read_settings(engine).framework_sha256 == before
    root.evaluate(axe_source())
    assert violations(root) == []
    root.click("#plan-in-force")
    root.wait_for_selector(".govuk-notification-banner--success")
    assert "The local outcome plan is in force" in root.inner_text("main")
    assert read_settings(engine).framework_sha256 != before
    engine.dispose()
