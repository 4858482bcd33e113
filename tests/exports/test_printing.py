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
