"""Every workbook the engine writes, read back as a council's officer would print it: each sheet
on A4 fitted to the page's width, its header row repeated on every page, a print area, the
workbook's title and the sheet's name above and page numbers below; numbers and dates stored as
numbers and dates, never as text; no cell that names a command or an option."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

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
        + ["--families", "120"],
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
