"""WCAG 2.2 AA, checked as an auditor of a council's service would: axe-core (from npm, the
version tests/web/axe/package-lock.json pins, installed here on first use) run in Debian's
Chromium on every page each role sees, with no serious or critical violation allowed; and at a
phone's 375 px no page scrolls sideways."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.web.browsing import NEEDS_CHROMIUM, npm_installed

AXE = Path(__file__).parent / "axe"
pytestmark = NEEDS_CHROMIUM
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source() -> str:
    """axe-core's script, installed from the lock file when it is not yet."""
    return npm_installed(AXE, "axe-core/axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The page's serious and critical WCAG violations, one line each (axe runs through the
    browser's debugging protocol, which the page's Content-Security-Policy does not govern)."""
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => [v.id, v.impact, v.help, v.nodes.map(n => n.target.join(' '))"
        ".slice(0, 3).join(' | ')])",
        WCAG,
    )
    return [
        f"{i} ({impact}): {h} at {where}"
        for i, impact, h, where in found
        if impact
        in (
            "serious",
            "critical",
        )
    ]


def sideways(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


PAGES = {
    "root": [
        "/settings",
        "/purge",
        "/accounts",
        "/accounts/carl",
        "/log",
        "/claims",
        "/claims/RUN",
    ],
    "dora": ["/imports", "/imports/set-aside", "/accessibility", "/notifications"],
    "carl": [
        "/?as_of=30/09/2025",
        "/near-misses?as_of=2025-09-30",
        "/work-lists?as_of=2025-09-30&list=waiting",
        "/families/F000002?as_of=2025-09-30",
        "/claims",
        "/claims/RUN",
        "/claims/RUN/discard",
        "/claims/RUN/submit",
    ],
    "ada": ["/audit", "/audit/RUN", "/audit/RUN/families/FAMILY"],
}


def test_every_page_of_every_role_has_no_serious_accessibility_violation_and_fits_a_phone(
    browser,
    person,
    server,
    accounts,
):
    from sfclaims.claims import create_run, run_contents
    from sfclaims.claims.audit import sample_run
    from sfclaims.deciding.assessing import assess_and_store
    from sfclaims.platform.db import open_database
    from sfclaims.platform.framework import load_framework
    from tests.conftest import PAYING_ON

    engine = open_database(accounts)
    framework = load_framework(PAYING_ON)
    assess_and_store(engine, framework, date(2025, 9, 30))
    run = create_run(engine, framework, "2025-Q3", date(2025, 9, 30), by="carl").run_id
    sample_run(engine, run, 3, None, 7, by="ada")
    family = run_contents(engine, run, evidence=False, records=False).claimed[0].family_id
    engine.dispose()
    source = axe_source()
    anyone = browser.new_context().new_page()  # no one signed in: the sign-in page
    seen = [(anyone, "/sign-in", "no one")] + [
        (page, path.replace("RUN", run).replace("FAMILY", family), name)
        for name, paths in PAGES.items()
        for page in [person(name)]
        for path in paths
    ]
    problems, wide = [], []
    for page, path, name in seen:
        page.set_viewport_size({"width": 1100, "height": 900})
        page.goto(f"{server}{path}")
        page.evaluate(source)
        problems += [f"{name} {path}: {v}" for v in violations(page)]
        page.set_viewport_size({"width": 375, "height": 800})
        if sideways(page):
            wide.append(f"{name} {path}")
    anyone.context.close()
    assert problems == [], "\n".join(problems)
    assert wide == [], wide
