"""A whole quarter in Chromium, each role's every step in the browser, with no terminal step after
the first admin account: the admin names the authority and adds the team; the data officer
imports the extracts with their mapping file, then a quarter whose referrals came back empty
(asked, and confirmed); business development decides, reads the work lists, makes a second draft
and discards it, and keeps the first run; the auditor draws a sample of 70 families, records 60
verdicts by uploading the sample pack's sheet and the other 10 on each family's page; business
development submits. With SFCLAIMS_SCREENSHOTS=DIR each role's pages are saved there (the
README's pictures)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from sfclaims.intake.synthetic import DEFAULT_AS_OF, write_authority
from sfclaims.platform.activity import operating_system_user
from tests.test_cli import runner
from tests.web.browsing import NEEDS_CHROMIUM, free_port, serving, shot
from tests.web.conftest import PASSWORD
from tests.web.test_accessibility import axe_source, sideways, violations

pytestmark = NEEDS_CHROMIUM
AS_OF = f"{DEFAULT_AS_OF:%d/%m/%Y}"
TEAM = {"dora": "Data officer", "carl": "Business development (claims)", "ada": "Internal auditor"}


@pytest.fixture
def first_admin(tmp_path) -> Iterator[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """The one terminal step: `sfclaims init` makes a new database and prints the one-time link
    that makes its first admin in the browser; then the workspace, served. The address, the
    admin's name to be (the operating-system user, as on a council's server) and the link's
    path."""
    from sfclaims.cli import app

    url = f"sqlite:///{tmp_path / 'quarter.db'}"
    done = runner.invoke(app, ["--database-url", url, "init"])
    assert done.exit_code == 0, done.output
    link = re.search(r"http://HOST:PORT(/first-admin/[A-Za-z0-9_-]+)", done.output)
    assert link is not None, done.output
    served = serving(url, free_port())
    yield next(served), operating_system_user(), link.group(1)
    next(served, None)


def looked_at(page, name: str, of: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The page as its person sees it: no serious or critical axe-core violation, no sideways
    scrolling at a phone's 375 px, and saved for the README when screenshots are asked for."""
    page.evaluate(axe_source())
    assert violations(page) == [], name
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    assert not sideways(page), name
    page.set_viewport_size(size)
    shot(page, name, of)


def downloaded(page, selector: str) -> bytes:  # type: ignore[no-untyped-def]
    with page.expect_download() as download:
        page.click(selector)
    return download.value.path().read_bytes()


def test_each_roles_whole_quarter_in_the_browser_after_the_first_admin(
    first_admin, browser, signing_in, tmp_path, mail_server
):
    url, admin, link = first_admin

    # the first admin is made in the browser from the link init printed, which then works no
    # more; the admin names the authority and adds the team, each with a role and a password
    maker = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    maker.set_default_timeout(20_000)
    maker.goto(f"{url}{link}")
    looked_at(maker, "first-admin")
    maker.fill("#name", admin)
    maker.fill("#full_name", "Ann Admin")
    maker.fill("#password", PASSWORD)
    maker.fill("#again", PASSWORD)
    maker.click("#make-first-admin")
    maker.wait_for_selector(f"text=The first admin, {admin}, is made")
    maker.goto(f"{url}{link}")
    assert "This link does not work" in maker.inner_text("h1")
    maker.context.close()
    ann = signing_in(url, admin)
    ann.click("text=Settings")
    ann.fill("#authority_name", "Anytown Council")
    ann.fill("#authority_code", "E06000999")
    ann.click("text=Save the settings")
    ann.wait_for_selector(".govuk-notification-banner--success")
    for name, role in TEAM.items():
        ann.goto(f"{url}/accounts")
        ann.fill("#name", name)
        ann.fill("#full_name", f"{name.title()} Example")  # as the cover will print them
        ann.check(f"label:has-text('{role}')")
        ann.fill("#password", PASSWORD)
        ann.click("text=Add the account")
        ann.wait_for_selector(".govuk-notification-banner--success")
    ann.goto(f"{url}/accounts")
    assert all(f"{name.title()} Example" in ann.inner_text("table") for name in TEAM)
    looked_at(ann, "admin-accounts")
    assert all(name in ann.inner_text("main") for name in TEAM)

    # the council's mail relay (the test's own SMTP server), and each person chooses what
    # they hear of by email
    ann.goto(f"{url}/settings")
    ann.fill("#mail_host", "127.0.0.1")
    ann.fill("#mail_port", str(mail_server.port))
    ann.fill("#mail_sender", "sfclaims@council.example")
    ann.fill("#workspace_address", url)
    ann.click("#save-mail")
    ann.wait_for_selector(".govuk-notification-banner--success")
    pages = {admin: ann}
    for name, events in (
        (admin, ["run submitted"]),
        ("dora", ["import warned"]),
        ("carl", ["sample checked"]),
        ("ada", ["draft ready", "run submitted"]),
    ):
        page = pages.get(name) or signing_in(url, name)
        page.click("#your-emails")
        page.fill("#email", f"{name}@council.example")
        for event in events:
            page.check(f"input[value='{event}']")
        page.click("#save-notifications")
        page.wait_for_selector(".govuk-notification-banner--success")
        pages[name] = page
    looked_at(pages["ada"], "your-emails")

    # the data officer lands on Imports and uploads the extracts with their mapping.toml (the
    # authority's people report calls the UPN "Pupil UPN")
    extracts = tmp_path / "extracts"
    write_authority(extracts, families=500, seed=11)
    assert "Pupil UPN" in (extracts / "mapping.toml").read_text()
    dora = pages["dora"]
    dora.goto(f"{url}/")
    assert dora.url.endswith("/imports")
    dora.set_input_files("#extracts", sorted(str(p) for p in extracts.iterdir()))
    dora.click("#import")
    dora.wait_for_selector("#import-result", timeout=60_000)
    warned = dora.locator("#import-warnings").count()  # the first import's warnings, if any
    assert "Pupil UPN" not in dora.inner_text("main")  # mapped, so not a header unknown
    looked_at(dora, "data-officer-import")

    # the referrals report comes back with its header alone: asked, in words, and confirmed
    header = (extracts / "referrals.csv").read_text(encoding="utf-8").splitlines()[0]
    (extracts / "referrals.csv").write_text(header + "\n", encoding="utf-8")
    dora.goto(f"{url}/imports")
    dora.set_input_files("#extracts", [str(extracts / "referrals.csv")])
    dora.click("#import")
    dora.wait_for_selector("text=referrals.csv has no rows: import it as empty?")
    looked_at(dora, "data-officer-empty-kind")
    dora.check("#empty")  # yes
    dora.click("#answer")
    dora.wait_for_selector("#import-result", timeout=60_000)
    assert dora.locator("#import-warnings").count() == 1  # the other kinds were not given
    told = [m["Subject"] for m in mail_server.to("dora@council.example")]
    assert len(told) == warned + 1 and all("warned of" in t for t in told), told
    dora.goto(f"{url}/imports")
    assert dora.inner_text("#imports").count("Workbook") == 2  # each import's report kept
    # where the quarter stands: imported by dora, and the claims team's turn to decide
    assert "Waiting on: Business development (claims), to decide every family" in dora.inner_text(
        "#waiting-on"
    )
    assert "Data officer: dora" in dora.inner_text("#tasks")
    looked_at(dora, "data-officer-imports")

    # business development decides, reads the work lists (the workbook, and the pages by
    # team), makes a run, a second draft on a plain question, and discards the second
    carl = pages["carl"]
    carl.goto(f"{url}/")
    carl.fill("#decide_as_of", AS_OF)
    carl.click("#decide")
    carl.wait_for_selector("#claimable", timeout=60_000)
    looked_at(carl, "claims-quarter")
    carl.fill("#files_as_of", AS_OF)
    carl.click("#quarter-files")
    carl.wait_for_selector("#download", timeout=60_000)
    files = zipfile.ZipFile(io.BytesIO(downloaded(carl, "#download")))
    lists = next(n for n in files.namelist() if n.startswith("decisions-") and n.endswith("xlsx"))
    sheets = load_workbook(io.BytesIO(files.read(lists)), read_only=True).sheetnames
    assert sheets[:3] == ["Fixable now", "Waiting", "Other work"]
    carl.goto(f"{url}/?as_of={DEFAULT_AS_OF.isoformat()}")
    carl.click("#work-lists")
    team = carl.locator("#team option").nth(1).get_attribute("value") or ""
    carl.select_option("#team", team)
    carl.click("#show-team")
    carl.wait_for_selector("#work-list")
    assert carl.locator("#work-list tbody tr").count() > 0
    assert all(
        team == t for t in carl.locator("#work-list tbody td:nth-child(2)").all_inner_texts()
    )
    looked_at(carl, "claims-work-lists")

    carl.click("text=Claim runs")
    carl.fill("#period", "2024/25 Q4")
    carl.fill("#as_of", AS_OF)
    carl.click("#make-run")
    carl.wait_for_selector("#status", timeout=60_000)
    first_run = carl.url
    assert "2024/25 Q4 (January to March 2025)" in carl.inner_text("main")
    carl.click("text=Claim runs")
    carl.fill("#period", "2025-Q1")  # the same quarter by its other name
    carl.fill("#as_of", AS_OF)
    carl.click("#make-run")
    carl.wait_for_selector("text=Do you want to make another draft for 2024/25 Q4?")
    looked_at(carl, "claims-second-draft")
    carl.check("#another")  # yes
    carl.click("#continue")
    carl.wait_for_selector("#status", timeout=60_000)
    assert carl.url != first_run and carl.url.endswith("-R2")
    carl.click("#discard")
    carl.click("#confirm-discard")
    carl.wait_for_selector(".govuk-notification-banner--success")
    assert "-R2" not in carl.inner_text("#runs")
    run_id = first_run.rsplit("/", 1)[1]

    # the auditor draws 70 families, records 60 verdicts from the sample pack's sheet, and
    # the other 10 one family at a time
    assert [m["Subject"] for m in mail_server.to("ada@council.example")] == [
        f"sfclaims: draft claim run {run_id} is ready for audit",
        f"sfclaims: draft claim run {run_id[:-1]}2 is ready for audit",
    ]
    ada = pages["ada"]
    ada.goto(f"{url}/audit/{run_id}")
    ada.fill("#size", "70")
    ada.fill("#seed", "42")
    ada.click("#draw")
    ada.wait_for_selector("#left")
    assert ada.inner_text("#left") == "70 of 70"
    ada.click("#sample-pack")
    ada.wait_for_selector("#download", timeout=120_000)
    pack = tmp_path / "sample-pack.xlsx"
    pack.write_bytes(downloaded(ada, "#download"))
    book = load_workbook(pack)
    sheet = book["Verdicts to record"]
    for row in range(2, 62):  # as the auditor fills it in, in Excel
        sheet.cell(row, 2, "fail" if row == 2 else "pass")
        sheet.cell(row, 3, "no outcome evidence on file" if row == 2 else "plan and outcomes seen")
    book.save(pack)
    ada.goto(f"{url}/audit/{run_id}")
    ada.set_input_files("#verdicts", str(pack))
    ada.click("#upload-verdicts")
    ada.wait_for_selector("text=60 verdicts recorded", timeout=60_000)
    assert ada.inner_text("#left") == "10 of 70"
    looked_at(ada, "auditor-sample")
    ada.click("#next")
    for number in range(10):
        ada.wait_for_selector("#record")
        ada.check("#verdict")  # pass
        ada.fill("#note", "plan, outcomes and attendance checked")
        if number == 0:
            looked_at(ada, "auditor-verdict")
        ada.click("#record")
    ada.wait_for_selector("#left")
    assert ada.inner_text("#left") == "0 of 70"
    (checked,) = mail_server.to("carl@council.example")  # told once: by the last verdict
    assert checked["Subject"] == f"sfclaims: the audit sample of {run_id} is checked"
    assert "69 passed, 1 failed" in checked.get_content()
    assert f"See it at {url}/claims/{run_id}" in checked.get_content()

    # business development submits the audited run, behind its confirmation
    carl.goto(first_run)
    carl.click("#submit")
    carl.click("#confirm-submit")
    carl.wait_for_selector("text=is submitted and locked")
    assert "Submitted, locked" in carl.inner_text("#status")
    looked_at(carl, "claims-submitted")
    for name in (admin, "ada"):
        last = mail_server.to(f"{name}@council.example")[-1]
        assert last["Subject"] == f"sfclaims: claim run {run_id} is submitted", name
    for _to, message in mail_server.messages:  # counts and links, never a family
        assert not re.search(r"F\d{7}", message["Subject"] + message.get_content())

    # the quarter's task list, on the dashboard: every task done, each by whom
    carl.goto(f"{url}/")
    assert carl.inner_text("#waiting-on") == "The quarter's claim is submitted."
    tasks = carl.inner_text("#tasks")
    assert tasks.count("Completed") == 6 and "Internal auditor: ada" in tasks
    looked_at(carl, "quarter-tasks", "#tasks")
