"""The board's progress report: the funnel with shares, one chart of the journey, printable."""

import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from sfclaims.outputs.progress import MEASURES, journey_rows
from tests.test_cli import sfclaims


def test_the_funnel_per_quarter_with_shares_of_attached(sample_url, tmp_path):
    sfclaims(sample_url, "settings", "set", "--allocation", "40")
    result = sfclaims(
        sample_url, "report", "progress", "--as-of", "2025-09-30", "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    path = tmp_path / "progress-2025-09-30.xlsx"
    book = load_workbook(path)
    header, *rows = list(book["Progress"].values)
    assert (
        header[1:7]
        == MEASURES
        == ("attached", "assessed", "with a plan", "eligible", "claimable", "claimed")
    )
    assert header[7:] == ("% assessed", "% with a plan", "% eligible", "% claimable", "% claimed")
    for row in rows:
        counts = row[1:7]
        assert max(counts) == counts[0]  # nothing beyond the families attached
        assert list(row[7:]) == pytest.approx([count / counts[0] for count in counts[1:]])
    sheet = book["Progress"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage  # one page: width and height 1,
    assert {sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight} <= {None, 1}  # the default
    assert sheet.print_title_rows == "$1:$1"
    journey = list(book["Journey"].values)
    assert journey[-1][1] == sum(r[6] for r in rows)  # every family claimed, cumulatively
    assert journey[-1][3] == 40


def test_one_chart_claimed_with_claimable_stacked_against_the_allocation(sample_url, tmp_path):
    sfclaims(sample_url, "settings", "set", "--allocation", "40")
    sfclaims(sample_url, "report", "progress", "--as-of", "2025-09-30", "--out", str(tmp_path))
    archive = zipfile.ZipFile(tmp_path / "progress-2025-09-30.xlsx")
    (chart,) = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    xml = archive.read(chart).decode()
    assert re.findall(r"<c:tx><c:strRef><c:f>(.*?)</c:f>", xml) == [
        "Journey!$B$1",
        "Journey!$C$1",
        "Journey!$D$1",
    ]
    assert '<c:grouping val="stacked"/>' in xml and "<c:lineChart>" in xml


def test_the_journey_adds_up_quarter_by_quarter():
    rows = [("Q1", 10, 9, 8, 7, 3, 2), ("Q2", 5, 5, 5, 4, 2, 1)]
    assert journey_rows(rows, 12) == [("Q1", 2, 3, 12), ("Q2", 3, 5, 12)]


def test_this_quarter_is_set_beside_the_last_as_each_was_decided(sample_url, tmp_path):
    """The quarter before, as its families were decided as of its last day, beside this one,
    each total with its change; not decided as of that day, the report says which day to
    decide as of."""
    from sfclaims.deciding.decisions import totals_as_of
    from sfclaims.platform.db import open_database

    made = sfclaims(
        sample_url, "report", "progress", "--as-of", "2025-08-15", "--out", str(tmp_path)
    )
    assert made.exit_code == 0, made.output
    header, (said, *_) = list(
        load_workbook(tmp_path / "progress-2025-08-15.xlsx")["Beside the last"].values
    )
    assert header == (
        "families",
        "2025/26 Q1, as of 30/06/2025",
        "2025/26 Q2, as of 15/08/2025",
        "change",
    )
    assert "decide the families as of 30/06/2025 to set it beside this one" in said
    assert sfclaims(sample_url, "assess", "--as-of", "2025-06-30").exit_code == 0
    assert sfclaims(sample_url, "assess", "--as-of", "2025-08-15").exit_code == 0
    sfclaims(sample_url, "report", "progress", "--as-of", "2025-08-15", "--out", str(tmp_path))
    header, *rows = list(
        load_workbook(tmp_path / "progress-2025-08-15.xlsx")["Beside the last"].values
    )
    engine = open_database(sample_url)
    with engine.connect() as connection:
        then, now = (
            totals_as_of(connection, date(2025, 6, 30)),
            totals_as_of(connection, date(2025, 8, 15)),
        )
    engine.dispose()
    assert then is not None and now is not None and then != now
    assert [row[0] for row in rows] == [
        "decided",
        "eligible (three or more headline needs)",
        "claimable, not yet claimed",
        "claimed already",
    ]
    expected = zip(
        (then.decided, then.eligible, then.claimable, then.claimed),
        (now.decided, now.eligible, now.claimable, now.claimed),
        strict=True,
    )
    assert [row[1:] for row in rows] == [(a, b, b - a) for a, b in expected]
