"""The programme's calendar (contract.md): payment by results ended with the 2022-25 programme's
last claim period, 2025-Q1. A claim after it is refused; a local plan may pay on, or pay
nothing; no decision ever changes with the calendar; the cover names the department a period's
claims went to, and the claim's total at the results payment a family."""

from __future__ import annotations

from openpyxl import load_workbook

from sfclaims.platform.framework import FRAMEWORK_ROOT, load_framework
from tests.conftest import PAYING_ON
from tests.test_cli import sfclaims

RUN = ["claim", "run", "--as-of", "2025-09-30"]


def runs(url: str) -> list[str]:
    from sqlalchemy import text

    from sfclaims.platform.db import open_database

    engine = open_database(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT run_id FROM claim_runs ORDER BY run_id"))
        listed = list(found.scalars())
    engine.dispose()
    return listed


def test_a_claim_after_the_last_claim_period_is_refused_and_a_plan_may_pay_on(sample_url, tmp_path):
    assert sfclaims(sample_url, "settings", "set", "--framework", "national").exit_code == 0
    refused = sfclaims(sample_url, *RUN, "--period", "2025-Q3")
    assert refused.exit_code == 3 and runs(sample_url) == []
    assert " ".join(refused.stderr.split()).startswith(
        "Error: No claim can be made for 2025/26 Q2: payment by results under Supporting "
        "Families national outcome framework 2022-25 ended with its last claim period, "
        "2024/25 Q4; nothing was stored. Its families' needs and outcomes are reported "
        "without a claim in the outcomes report. `sfclaims report outcomes"
    )
    within = sfclaims(sample_url, *RUN, "--period", "2025-Q1")  # the last: still paid
    assert within.exit_code == 0, within.output
    assert sfclaims(sample_url, "settings", "set", "--framework", str(PAYING_ON)).exit_code == 0
    paid_on = sfclaims(sample_url, *RUN, "--period", "2025-Q3")
    assert paid_on.exit_code == 0, paid_on.output
    assert runs(sample_url) == ["2025-Q1-R1", "2025-Q3-R1"]


def test_a_plan_that_pays_no_results_makes_no_claim(sample_url, tmp_path):
    plan = tmp_path / "outcomes-only.toml"
    plan.write_text('[programme]\npayment = "none"\n', encoding="utf-8")
    assert sfclaims(sample_url, "settings", "set", "--framework", str(plan)).exit_code == 0
    refused = sfclaims(sample_url, *RUN, "--period", "2024-Q3")
    assert refused.exit_code == 3 and runs(sample_url) == []
    assert "national outcome framework 2022-25 pays no results: its outcomes are tracked " in (
        " ".join(refused.stderr.split())
    )


def test_the_calendar_changes_no_decision_and_after_it_the_decide_says_so(sample_url, tmp_path):
    national, paying_on = load_framework(), load_framework(PAYING_ON)
    assert national.sha256 == paying_on.sha256  # the calendar is no part of what decides
    files = {}
    for name, framework in (("national", "national"), ("paying-on", str(PAYING_ON))):
        assert sfclaims(sample_url, "settings", "set", "--framework", framework).exit_code == 0
        out = tmp_path / f"{name}.csv"
        decided = sfclaims(sample_url, "assess", "--as-of", "2025-09-30", "--out", str(out))
        assert decided.exit_code == 0, decided.output
        files[name] = (out.read_bytes(), " ".join(decided.stderr.split()))
    assert files["national"][0] == files["paying-on"][0]
    rows = files["national"][0].decode().splitlines()
    header = rows[0].split(",")
    claimable = sum(r.split(",")[header.index("claimable")] == "Y" for r in rows[1:])
    assert claimable > 0
    assert (
        f"Payment by results under Supporting Families national outcome framework 2022-25 "
        f"ended with its last claim period, 2024/25 Q4: the {claimable} claimable families "
        f"meet the framework but can no longer be claimed" in files["national"][1]
    )
    assert "can no longer be claimed" not in files["paying-on"][1]
    within = sfclaims(sample_url, "assess", "--as-of", "2025-03-31")
    assert "can no longer be claimed" not in " ".join(within.stderr.split())


def test_the_cover_names_the_department_of_the_period_and_the_claims_total(sample_url, tmp_path):
    """The programme moved from DLUHC to the Department for Education on 1 April 2024."""
    from tests.test_claims import cover_of

    assert sfclaims(sample_url, "settings", "set", "--results-payment", "800").exit_code == 0
    covers = {}
    for period in ("2024-Q1", "2024-Q2"):
        made = sfclaims(sample_url, *RUN, "--period", period, "--another")
        assert made.exit_code == 0, made.output
        run = made.stdout.strip().splitlines()[-1]
        out = tmp_path / period
        assert sfclaims(sample_url, "claim", "export", run, "--out", str(out)).exit_code == 0
        covers[period] = cover_of(load_workbook(out / f"claim-{run}.xlsx"))
        if period == "2024-Q1":  # its families are in the later run too: discard it first
            assert sfclaims(sample_url, "claim", "discard", run).exit_code == 0
    assert covers["2024-Q1"]["claimed from"] == (
        "Department for Levelling Up, Housing and Communities (DLUHC)"
    )
    assert covers["2024-Q2"]["claimed from"] == "Department for Education (DfE)"
    families = covers["2024-Q2"]["families claimed"]
    assert covers["2024-Q2"]["results payment"] == (f"£800 a family: £{800 * families:,} claimed")
    assert load_framework(FRAMEWORK_ROOT / "local-overlay-example.toml").programme.pays
