"""The forecast command: the forecast file of contract.md on the worked example, the workbook
read back, and the pipeline of the quarters ahead."""

import csv
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from sfclaims.deciding.forecasting import pipeline
from sfclaims.deciding.rules.forecast import Forecast
from sfclaims.platform.db import open_database
from tests.conftest import FIXTURES
from tests.test_cli import sfclaims

SAMPLE_FORECAST = FIXTURES / "sample-authority-forecast-2025-09-30.csv"


def run_forecast(url: str, folder, *more: str):
    result = sfclaims(url, "forecast", "--as-of", "30/09/2025", "--out", str(folder), *more)
    assert result.exit_code == 0, result.output
    return result


def test_the_forecast_of_the_worked_example_is_the_expected_one(sample_url, tmp_path):
    run_forecast(sample_url, tmp_path)
    with (tmp_path / "forecast-2025-09-30.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["family_id", "status", "forecast_date", "reasons", "actions"]
    expected = list(csv.reader(SAMPLE_FORECAST.open(newline="", encoding="utf-8")))
    assert [row[:4] for row in rows] == expected
    assert all(row[4] for row in rows[1:])  # something to do, or why not, for every family


def test_the_forecast_workbook_lists_families_with_team_date_and_actions(sample_url, tmp_path):
    result = run_forecast(sample_url, tmp_path, "--allocation", "20")
    assert "claimable now" in result.stderr and "2025/26 Q3" in result.stderr
    book = load_workbook(tmp_path / "forecast-2025-09-30.xlsx")
    assert book.sheetnames == ["Families", "Quarters", "About"]
    families = list(book["Families"].iter_rows(values_only=True))
    assert families[0][:5] == ("family", "team", "locality", "status", "forecast date")
    waiting = {row[0]: row for row in families[1:] if row[3] == "waiting"}
    assert waiting["F000069"][4].date() == date(2026, 3, 7)
    assert (
        waiting["F000069"][5] == "record that outcome F000069-O1 still held, on or after 07/03/2026"
    )
    assert all(row[1] for row in families[1:])  # the sample gives every family a team
    quarters = list(book["Quarters"].iter_rows(values_only=True))
    assert [row[0] for row in quarters[1:]] == [
        "2025/26 Q3",
        "2025/26 Q4",
        "2026/27 Q1",
        "2026/27 Q2",
    ]
    assert [row[3:] for row in quarters[1:]] == [(4, 16, 20), (2, 18, 20), (0, 18, 20), (0, 18, 20)]


def test_the_quarters_chart_sets_cumulative_claimable_against_the_allocation(sample_url, tmp_path):
    run_forecast(sample_url, tmp_path, "--allocation", "20")
    archive = zipfile.ZipFile(tmp_path / "forecast-2025-09-30.xlsx")
    (chart,) = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    xml = archive.read(chart).decode()
    assert re.findall(r"<c:tx><c:strRef><c:f>(.*?)</c:f>", xml) == [
        "Quarters!$E$1",  # claimable by then (cumulative), the columns
        "Quarters!$F$1",  # allocation left, the line
    ]
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml


def test_without_an_allocation_the_chart_has_no_line(sample_url, tmp_path):
    run_forecast(sample_url, tmp_path)
    archive = zipfile.ZipFile(tmp_path / "forecast-2025-09-30.xlsx")
    (chart,) = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert "<c:lineChart>" not in archive.read(chart).decode()


def waiting(family_id: str, day: date) -> Forecast:
    return Forecast(family_id, "waiting", day, ("OUTCOME_NOT_SUSTAINED:HEALTH",), ("x",))


def test_the_pipeline_counts_each_quarter_s_new_families_and_the_running_total():
    families = [
        waiting("F1", date(2025, 10, 1)),  # first day of the quarter after 30/09/2025
        waiting("F2", date(2025, 12, 31)),  # its last day
        waiting("F3", date(2026, 1, 1)),
        waiting("F4", date(2027, 1, 1)),  # beyond two quarters
        Forecast("F5", "needs action", None, ("NO_PLAN",), ("Start a plan",)),
    ]
    quarters, later = pipeline(families, 10, date(2025, 9, 30), "calendar", 2)
    assert [(q.quarter.label, q.new, q.cumulative) for q in quarters] == [
        ("2025-Q4", 2, 12),
        ("2026-Q1", 1, 13),
    ]
    assert later == 1


def test_a_forecast_needs_a_database_that_exists(tmp_path):
    result = sfclaims(f"sqlite:///{tmp_path}/none.db", "forecast", "--as-of", "2025-09-30")
    assert result.exit_code == 2


@pytest.mark.raw_changes
def test_a_forecast_after_a_decide_of_its_date_reads_what_it_kept_until_the_data_change(
    sample_url, tmp_path
):
    """The forecast straight after a decide of the same date reads each family's forecast as the
    decide kept it (the same files as one decided afresh) instead of deciding every family again;
    once an import changes the data, it decides them again."""
    files = ("forecast-2025-09-30.csv", "forecast-2025-09-30.xlsx")
    run_forecast(sample_url, tmp_path / "afresh")  # nothing kept for the date: decided now
    decided = sfclaims(sample_url, "assess", "--as-of", "30/09/2025", "--out", str(tmp_path / "d"))
    assert decided.exit_code == 0, decided.output
    run_forecast(sample_url, tmp_path / "kept")
    for name in files:
        assert (tmp_path / "kept" / name).read_bytes() == (tmp_path / "afresh" / name).read_bytes()

    family = "F000013"
    engine = open_database(sample_url)
    with engine.begin() as connection:  # what the decide kept, marked: the forecast shows it
        marked = connection.execute(
            text(
                "UPDATE decisions SET forecast_actions = '[\"as the decide kept it\"]' "
                "WHERE family_id = :family AND as_of = '2025-09-30' AND NOT claimable"
            ),
            {"family": family},
        ).rowcount
    engine.dispose()
    assert marked == 1
    run_forecast(sample_url, tmp_path / "marked")
    assert forecast_row(tmp_path / "marked", family)[4] == "as the decide kept it"

    claims = tmp_path / "next"
    claims.mkdir()
    (claims / "previous_claims.csv").write_text("Family ID,Claim Period\nF000001,2025-Q1\n")
    assert sfclaims(sample_url, "import", str(claims)).exit_code == 0
    run_forecast(sample_url, tmp_path / "after")  # the data changed: decided again
    assert forecast_row(tmp_path / "after", family) == forecast_row(tmp_path / "afresh", family)


def forecast_row(folder, family: str) -> list[str]:
    with (folder / "forecast-2025-09-30.csv").open(newline="", encoding="utf-8") as handle:
        return next(row for row in csv.reader(handle) if row[0] == family)
