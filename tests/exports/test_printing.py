"""Every workbook the engine writes, read back as a council's officer would print it: each sheet
on A4 fitted to the page's width, its header row repeated on every page, a print area, the
workbook's title and the sheet's name above and page numbers below; numbers and dates stored as
numbers and dates, never as text; no cell that names a command or an option. And printed, by
LibreOffice as an officer would: the submission on a cover page, the families about 40 to a page
at 8 pt or more, and the log; an evidence pack within 3 pages a family."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pypdf
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from sfclaims.cli import app

NUMBER_AS_TEXT = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?")
DATE_AS_TEXT = re.compile(r"\d{2}/\d{2}/\d{4}( \d{2}:\d{2})?|\d{4}-\d{2}-\d{2}( \d{2}:\d{2}.*)?")
COMMAND = re.compile(r"\bsfclaims [a-z]|(^|\s|\()--[a-z]")


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The demo's quarter (the data-quality report, the submission, both evidence packs, the
    progress report), and the decisions' work lists and the forecast of its database."""
    folder = tmp_path_factory.mktemp("printing")
    out = folder / "authority"
    runner = CliRunner()
    demo = runner.invoke(
        app,
        ["--database-url", f"sqlite:///{folder / 'unused.db'}", "demo", "--out", str(out)]
        + ["--families", "300"],
        catch_exceptions=False,
    )
    assert demo.exit_code == 0, demo.output
    database = ["--database-url", f"sqlite:///{out / 'sfclaims-demo.db'}"]
    more = out / "more"
    for command in (
        ["assess", "--as-of", "2026-09-30", "--out", str(more / "decisions.csv")],
        ["forecast", "--as-of", "2026-09-30", "--out", str(more)],
    ):
        done = runner.invoke(app, [*database, *command], catch_exceptions=False)
        assert done.exit_code == 0, done.output
    found = sorted((out / "outputs").glob("*.xlsx")) + sorted(more.glob("*.xlsx"))
    assert len(found) >= 6, found
    return found


def test_every_sheet_prints_on_a4_fitted_to_the_width_with_its_header_repeated(workbooks):
    problems = []
    for path in workbooks:
        for sheet in load_workbook(path).worksheets:
            where = f"{path.name} / {sheet.title}"
            setup = sheet.page_setup
            if setup.paperSize != 9:
                problems.append(f"{where}: not A4")
            if not (
                sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage
            ):
                problems.append(f"{where}: not fitted to the page")
            elif setup.fitToWidth not in (1, None):
                problems.append(f"{where}: not one page wide")
            if sheet.max_row > 1 and sheet.print_title_rows != "$1:$1":
                problems.append(f"{where}: header row not repeated")
            if not sheet.print_area:
                problems.append(f"{where}: no print area")
            if "&P" not in (sheet.oddFooter.center.text or "") + (sheet.oddFooter.right.text or ""):
                problems.append(f"{where}: no page numbers")
            if sheet.title not in (sheet.oddHeader.right.text or "") + (
                sheet.oddHeader.left.text or ""
            ):
                problems.append(f"{where}: the sheet's name is not in its header")
    assert problems == [], "\n".join(problems)


def test_numbers_and_dates_are_stored_as_such_and_no_cell_names_a_command(workbooks):
    problems = []
    for path in workbooks:
        for sheet in load_workbook(path).worksheets:
            headers = [c.value for c in sheet[1]]
            for row in sheet.iter_rows(min_row=1):
                for cell in row:
                    value = cell.value
                    where = f"{path.name} / {sheet.title} / {cell.coordinate}"
                    if headers[cell.column - 1] == "value" and sheet.title == "Set-aside rows":
                        continue  # the file's own text, refused as it was typed
                    moment = str(headers[cell.column - 1]).startswith("when") and cell.row > 1
                    if moment and (
                        not isinstance(value, datetime) or "hh:mm" not in cell.number_format
                    ):
                        problems.append(f"{where}: a moment without its time")
                    if not isinstance(value, str):
                        continue
                    if NUMBER_AS_TEXT.fullmatch(value.strip()) and cell.row > 1:
                        problems.append(f"{where}: the number {value!r} stored as text")
                    if DATE_AS_TEXT.fullmatch(value.strip()):
                        problems.append(f"{where}: the date {value!r} stored as text")
                    if COMMAND.search(value):
                        problems.append(f"{where}: names a command: {value[:80]!r}")
    assert problems == [], "\n".join(problems[:60]) + f"\n({len(problems)} in all)"


def printed(workbook: Path, folder: Path) -> pypdf.PdfReader:
    """The workbook printed to PDF by LibreOffice (Debian's libreoffice-calc, which .ci/run
    installs), with a profile of its own so that tests printing at once do not share one."""
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required under CI: .ci/run installs it")
        pytest.skip("LibreOffice is not installed (.ci/run installs it)")
    profile = folder / "libreoffice-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless"]
        + ["--convert-to", "pdf", "--outdir", str(folder), str(workbook)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pypdf.PdfReader(folder / f"{workbook.stem}.pdf")


def smallest_text(page: pypdf.PageObject) -> float:
    """The size, in points, of the smallest text printed on the page."""
    sizes: list[float] = []

    def seen(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            a, b = pypdf.mult(tm, cm)[:2]
            sizes.append(size * (a * a + b * b) ** 0.5)

    page.extract_text(visitor_text=seen)
    return min(sizes, default=0.0)


def pages_of(pdf: pypdf.PdfReader, sheet: str) -> list[pypdf.PageObject]:
    """The printed pages of one sheet (each page's header names its sheet)."""
    return [p for p in pdf.pages if p.extract_text().splitlines()[0].endswith(sheet)]


def test_the_submission_prints_a_cover_then_about_40_families_a_page_at_8_points(
    workbooks, tmp_path
):
    (submission,) = [p for p in workbooks if p.name.startswith("claim-")]
    with submission.with_suffix(".csv").open(encoding="utf-8-sig") as handle:
        families = len(list(csv.reader(handle))) - 1
    pdf = printed(submission, tmp_path)
    assert len(pdf.pages) <= 2 + -(-families // 40), (len(pdf.pages), families)
    (cover,) = pages_of(pdf, "Submission")
    text = cover.extract_text()
    for words in (
        "Demo Borough Council",
        "Improved mental and physical health (HEALTH)",
        "I confirm that the families",
        "signature",
        "name",
        "role",
        "date",
    ):
        assert words in text
    claimed = pages_of(pdf, "Claimed families")
    assert len(claimed) == -(-families // 40)
    assert load_workbook(submission)["Claimed families"].print_options.gridLines  # a table
    assert min(smallest_text(page) for page in claimed) >= 7.95
    assert sum(t.count("F0") for t in (p.extract_text() for p in claimed)) == families


def test_an_evidence_pack_of_ten_families_prints_within_three_pages_a_family(workbooks, tmp_path):
    (submission,) = [p for p in workbooks if p.name.startswith("claim-")]
    with submission.with_suffix(".csv").open(encoding="utf-8-sig") as handle:
        ten = [row[0] for row in list(csv.reader(handle))[1:11]]
    run = submission.stem.removeprefix("claim-")
    database = submission.parent.parent / "sfclaims-demo.db"
    chosen = [arg for family in ten for arg in ("--family", family)]
    made = CliRunner().invoke(
        app,
        ["--database-url", f"sqlite:///{database}", "audit", "pack", run]
        + ["--out", str(tmp_path), *chosen],
        catch_exceptions=False,
    )
    assert made.exit_code == 0, made.output
    (pack,) = tmp_path.glob("evidence-pack-*.xlsx")
    pdf = printed(pack, tmp_path)
    assert len(pdf.pages) <= 3 * len(ten), len(pdf.pages)
    printed_text = "".join(page.extract_text() for page in pdf.pages)
    assert all(family in printed_text for family in ten)
    assert min(smallest_text(page) for page in pages_of(pdf, "Rules")) >= 7.95


def test_the_data_quality_report_prints_each_reason_whole_and_no_server_folder(workbooks, tmp_path):
    (report,) = [p for p in workbooks if p.name.startswith("data-quality-report-")]
    book = load_workbook(report)
    assert book.sheetnames[0] == "Warnings"
    reasons = {
        row[5] for row in book["Set-aside rows"].iter_rows(min_row=2, values_only=True) if row[5]
    }
    pdf = printed(report, tmp_path)
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert reasons, "the demo's extracts set some rows aside"
    cut = [r for r in reasons if " ".join(r.split()) not in text]
    assert cut == [], cut[:3]
    assert str(report.parent.parent) not in text  # no server folder, printed or not


def test_a_charts_page_prints_the_chart_with_its_table(workbooks, tmp_path):
    """The progress report's journey: the print area holds the chart below its table, and
    LibreOffice's PDF of the sheet draws the chart (its title printed beside the figures)."""
    (report,) = [p for p in workbooks if p.name.startswith("progress-")]
    sheet = load_workbook(report)["Journey"]
    (area,) = re.findall(r"\$(\d+)$", str(sheet.print_area))
    (chart,) = sheet._charts  # noqa: SLF001 - openpyxl keeps a sheet's charts here only
    assert int(area) >= chart.anchor._from.row + 15, (sheet.print_area, chart.anchor._from.row)
    pdf = printed(report, tmp_path)
    journey = " ".join(" ".join(p.extract_text().split()) for p in pages_of(pdf, "Journey"))
    assert "Families claimed, and claimable, against the allocation" in journey, journey[:500]


def test_a_familys_reasons_print_on_its_own_row_every_cell_at_the_rows_top(workbooks):
    """Work lists and the forecast: a row made tall by its wrapped reasons holds every one of
    its cells at the top, so the family's ID prints level with its own reasons, never at the
    foot of the row beside the next family's."""
    chosen = [p for p in workbooks if p.name.startswith(("decisions", "forecast-"))]
    assert len(chosen) >= 2, workbooks
    problems = []
    for path in chosen:
        for sheet in load_workbook(path).worksheets:
            if sheet.title == "About":
                continue
            for row in sheet.iter_rows(min_row=2, max_row=min(sheet.max_row, 300)):
                problems += [
                    f"{path.name} {sheet.title}!{c.coordinate}"
                    for c in row
                    if c.value is not None and c.alignment.vertical != "top"
                ]
    assert problems == [], problems[:10]


def test_a_cell_taller_than_a_row_goes_on_over_the_rows_below_and_prints_whole(tmp_path):
    """A rule relying on more records than the tallest row (409 pt) shows: its records go on
    over more rows, each repeating the family, the rule and its result, none taller than a row
    can be, and LibreOffice prints every record (the last too), none cut off."""
    from sfclaims.platform.workbook import TALLEST_ROW, new_workbook, write_table

    records = "\n".join(
        f"attendance record R{n:04d} [attendance.csv row {n + 1}]" for n in range(300)
    )
    path = tmp_path / "pack.xlsx"
    workbook = new_workbook(path, "Evidence pack")
    write_table(
        workbook,
        "Rules",
        ("family ID", "rule", "result", "records relied on"),
        [("F0001", "school attendance", "PASS", records), ("F0002", "plan", "PASS", "one")],
        (8, 20, 6, 46),
        wrapped=(1, 3),
        font_size=8,
        continued=(0, 1, 2),
    )
    workbook.close()
    rows = list(load_workbook(path)["Rules"].iter_rows(min_row=2, values_only=True))
    first = [row for row in rows if row[0] == "F0001"]
    assert len(first) > 1 and all(row[1] == "school attendance" for row in first)
    assert {row[2] for row in first} == {"PASS"}
    assert "\n".join(row[3] for row in first) == records
    assert rows[-1] == ("F0002", "plan", "PASS", "one")
    sheet = load_workbook(path)["Rules"]
    heights = [sheet.row_dimensions[n].height or 0 for n in range(2, len(first) + 2)]
    assert max(heights) <= TALLEST_ROW and min(heights) > 15
    text = " ".join(page.extract_text() for page in printed(path, tmp_path).pages)
    assert all(f"R{n:04d}" in text for n in (0, 150, 299)), text[-300:]


def test_the_forecast_prints_every_family_then_its_quarters_chart_on_one_page(workbooks, tmp_path):
    """The forecast printed: its families (each ID read back) about 25 a page at most a page
    more, then its quarters with their chart on one page, then what it was made under."""
    (forecast,) = [p for p in workbooks if p.name.startswith("forecast-")]
    book = load_workbook(forecast)
    families = [row[0] for row in book["Families"].iter_rows(min_row=2, values_only=True)]
    assert len(families) > 100, len(families)
    pdf = printed(forecast, tmp_path)
    printed_families = pages_of(pdf, "Families")
    assert len(printed_families) <= -(-len(families) // 20), len(printed_families)
    assert len(pdf.pages) == len(printed_families) + 2, [p.extract_text()[:60] for p in pdf.pages]
    text = " ".join(page.extract_text() for page in printed_families)
    assert [f for f in families if f not in text] == []
    (quarters,) = pages_of(pdf, "Quarters")
    assert "Families claimable by each quarter against the allocation left" in " ".join(
        quarters.extract_text().split()
    )
    assert len(pages_of(pdf, "About")) == 1


def test_the_outcomes_report_prints_a_page_a_sheet_with_every_headline_named(workbooks, tmp_path):
    """The outcomes report printed: each of its sheets on one page, the headlines by name
    beside their codes, and the chart of outcomes sustained with its table."""
    (report,) = [p for p in workbooks if p.name.startswith("outcomes-")]
    sheets = load_workbook(report).sheetnames
    pdf = printed(report, tmp_path)
    assert [len(pages_of(pdf, sheet)) for sheet in sheets] == [1] * len(sheets)
    assert len(pdf.pages) == len(sheets)
    (outcomes,) = pages_of(pdf, "Outcomes")
    text = " ".join(outcomes.extract_text().split())
    for named in ("Getting a good education (EDUCATION)", "Improved family relationships"):
        assert named in text
    (sustained,) = pages_of(pdf, "Sustained")
    assert "Outcomes sustained by headline" in " ".join(sustained.extract_text().split())


def test_the_work_lists_print_every_family_on_its_own_lists_pages(workbooks, tmp_path):
    """The work lists printed: each list's families (each ID read back on that list's pages),
    at most a page for every 15 families, and what they were decided under on one page."""
    (lists,) = [p for p in workbooks if p.name.startswith("decisions-")]
    book = load_workbook(lists)
    pdf = printed(lists, tmp_path)
    counted = 0
    for sheet in book.worksheets:
        pages = pages_of(pdf, sheet.title)
        counted += len(pages)
        if sheet.title == "About":
            assert len(pages) == 1
            continue
        families = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
        assert 1 <= len(pages) <= max(1, -(-len(families) // 15)), (sheet.title, len(pages))
        text = " ".join(page.extract_text() for page in pages)
        assert [f for f in families if f not in text] == [], sheet.title
    assert counted == len(pdf.pages)
