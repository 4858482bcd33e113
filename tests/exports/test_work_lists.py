"""The decisions workbook beside the decisions CSV: work lists a manager hands out."""

import csv
from datetime import date, datetime

from openpyxl import load_workbook

from sfclaims.deciding.decisions import Assessed
from sfclaims.deciding.rules import Decision
from sfclaims.deciding.rules.forecast import Forecast
from sfclaims.outputs.work_lists import FIXABLE_NOW, HEADERS, OTHER_WORK, WAITING_ONLY, work_list
from tests.test_cli import sfclaims

AS_OF = date(2025, 9, 30)


def family(*reasons: str, waits: bool = False) -> Assessed:
    prospect = Forecast("F1", "waiting", date(2026, 1, 1), reasons, ()) if waits else None
    return Assessed(Decision("F1", AS_OF, (), reasons), date(2024, 1, 1), forecast=prospect)


def test_a_missing_record_is_fixable_now_even_beside_what_waits():
    assert work_list(family("NO_PLAN")) == FIXABLE_NOW
    assert work_list(family("NO_PLAN", "EPISODE_OPEN", "OUTCOME_NOT_SUSTAINED:HEALTH")) == (
        FIXABLE_NOW
    )
    assert work_list(family("NEED_WITHOUT_OUTCOME:HEALTH", "ATTENDANCE_DATA_MISSING")) == (
        FIXABLE_NOW
    )


def test_only_time_is_waiting():
    assert work_list(family("EPISODE_OPEN")) == WAITING_ONLY
    assert work_list(family("OUTCOME_NOT_SUSTAINED:HEALTH")) == WAITING_ONLY
    # an education need attendance will meet, by the forecast
    assert work_list(family("NEED_WITHOUT_OUTCOME:EDUCATION", waits=True)) == WAITING_ONLY


def test_what_cannot_be_claimed_or_is_claimable_is_on_no_list():
    assert work_list(family("NOT_ELIGIBLE", "NO_PLAN")) is None
    assert work_list(family()) is None  # claimable


def test_attendance_and_a_failed_audit_are_other_work():
    assert work_list(family("ATTENDANCE_CHECK_FAILED")) == OTHER_WORK
    assert work_list(family("AUDIT_FAILED", "NO_PLAN")) == OTHER_WORK


def test_assess_out_writes_the_work_lists_beside_the_csv(sample_url, tmp_path):
    out = tmp_path / "decisions.csv"
    result = sfclaims(sample_url, "assess", "--as-of", "2025-09-30", "--out", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "decisions.xlsx")
    assert book.sheetnames == ["Fixable now", "Waiting", "Other work", "About"]
    sheets = {
        name: {row[0]: row for row in list(book[name].iter_rows(values_only=True))[1:]}
        for name in ("Fixable now", "Waiting", "Other work")
    }
    assert tuple(next(book["Waiting"].iter_rows(values_only=True))) == HEADERS
    decisions = list(csv.DictReader(out.open(encoding="utf-8")))
    listed = {fid for rows in sheets.values() for fid in rows}
    cannot = {"NOT_ELIGIBLE", "NO_DEPENDENT_CHILD", "REREFERRAL_CHECK_FAILED", "ALREADY_CLAIMED"}
    expected = {
        d["family_id"]
        for d in decisions
        if d["reasons"] and not cannot & {r.split(":")[0] for r in d["reasons"].split(";")}
    }
    assert listed == expected and sum(map(len, sheets.values())) == len(expected)
    waiting = sheets["Waiting"]
    assert waiting["F000054"][7] == datetime(2025, 10, 1)  # its forecast date
    assert waiting["F000041"][7] is None  # the case is still open: no date
    fixable = sheets["Fixable now"]
    assert fixable["F000002"][1:4] == ("West Family Hub", "East", "Pat Jones")
    assert "Start and record a family action plan" in fixable["F000002"][10].split("\n")
    assert book["Fixable now"].page_setup.orientation == "landscape"


def test_assess_refuses_an_out_that_names_a_workbook(sample_url, tmp_path):
    out = tmp_path / "decisions.xlsx"
    result = sfclaims(sample_url, "assess", "--as-of", "2025-09-30", "--out", str(out))
    assert result.exit_code == 2 and not out.exists()
