"""The board's progress report: the funnel with shares, one chart of the journey, printable."""

import re
import zipfile

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
