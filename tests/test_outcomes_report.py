"""The outcomes report (contract.md, `report outcomes`): the ten headlines' outcomes without a
claim, each quarter's figures the rules' own as of its last day, under any framework — one that
pays nothing included — through both faces."""

from __future__ import annotations

import csv
from datetime import date

from openpyxl import load_workbook

from sfclaims.deciding.outcomes_report import Episode, headline_standing, quarter_ends, worked_with
from tests.conftest import SAMPLE_AUTHORITY
from tests.test_cli import sfclaims


def test_a_quarter_is_its_first_day_to_its_last_and_the_last_ends_at_the_as_of_date():
    assert quarter_ends(date(2025, 9, 30), 2) == [
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 9, 30)),
    ]
    assert quarter_ends(date(2025, 2, 14), 1) == [(date(2025, 1, 1), date(2025, 2, 14))]


def test_a_family_is_worked_with_while_its_episode_is_open_on_a_day_of_the_quarter():
    first, last = date(2025, 7, 1), date(2025, 9, 30)
    assert worked_with(Episode(date(2025, 9, 30), None, None), first, last)
    assert worked_with(Episode(date(2024, 1, 1), date(2025, 7, 1), None), first, last)
    assert not worked_with(Episode(date(2024, 1, 1), date(2025, 6, 30), None), first, last)
    assert not worked_with(Episode(date(2025, 10, 1), None, None), first, last)


def test_a_headline_is_achieved_without_a_need_lacking_its_outcome_and_sustained_with_no_reason():
    assert headline_standing("HEALTH", ()) == (True, True)
    assert headline_standing("HEALTH", ("OUTCOME_NOT_SUSTAINED:HEALTH",)) == (True, False)
    assert headline_standing("HEALTH", ("NEED_WITHOUT_OUTCOME:HEALTH",)) == (False, False)
    assert headline_standing("HEALTH", ("NEED_WITHOUT_OUTCOME:HOUSING", "EPISODE_OPEN")) == (
        True,
        True,
    )


def test_the_reports_figures_are_the_decisions_own_for_each_headline(sample_url, tmp_path):
    """This quarter's column, counted again from the decisions file `assess` writes as of the
    same day and from families.csv, by hand."""
    out = tmp_path / "decisions.csv"
    assert sfclaims(sample_url, "assess", "--as-of", "2025-09-30", "--out", str(out)).exit_code == 0
    made = sfclaims(
        sample_url, "report", "outcomes", "--as-of", "2025-09-30", "--out", str(tmp_path)
    )
    assert made.exit_code == 0, made.output
    with (SAMPLE_AUTHORITY / "families.csv").open(encoding="utf-8") as handle:
        families = list(csv.DictReader(handle))
    day = lambda text: date(int(text[6:]), int(text[3:5]), int(text[:2])) if text else None  # noqa: E731
    open_in_q3 = {
        f["Family ID"]
        for f in families
        if day(f["Episode Start Date"]) <= date(2025, 9, 30)
        and (not f["Episode End Date"] or day(f["Episode End Date"]) >= date(2025, 7, 1))
    }
    with out.open(encoding="utf-8") as handle:
        decided = [d for d in csv.DictReader(handle) if d["family_id"] in open_in_q3]
    expected: dict[str, list[int]] = {}
    for d in decided:
        reasons = d["reasons"].split(";") if d["reasons"] else []
        for code in filter(None, d["needs"].split(";")):
            under = [r for r in reasons if r.endswith(f":{code}")]
            counts = expected.setdefault(code, [0, 0, 0])
            counts[0] += 1
            counts[1] += f"NEED_WITHOUT_OUTCOME:{code}" not in under
            counts[2] += not under
    sheet = load_workbook(tmp_path / "outcomes-2025-09-30.xlsx")["Outcomes"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "families worked with" and rows[0][4] == len(decided)
    shown = {row[0].split("(")[-1].rstrip(")"): list(row[4:7]) for row in rows[1:11]}
    assert shown == {code: expected.get(code, [0, 0, 0]) for code in shown}
    assert sum(v[2] for v in shown.values()) > 0  # some outcomes are sustained


def test_under_a_plan_that_pays_nothing_the_outcomes_are_still_reported(sample_url, tmp_path):
    plan = tmp_path / "outcomes-only.toml"
    plan.write_text('[programme]\npayment = "none"\n', encoding="utf-8")
    assert sfclaims(sample_url, "settings", "set", "--framework", str(plan)).exit_code == 0
    made = sfclaims(
        sample_url, "report", "outcomes", "--as-of", "2025-09-30", "--out", str(tmp_path)
    )
    assert made.exit_code == 0, made.output
    sheets = load_workbook(tmp_path / "outcomes-2025-09-30.xlsx").sheetnames
    assert sheets == ["Outcomes", "By team", "Sustained", "About"]
