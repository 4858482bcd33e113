"""Outputs: checked before any work, written whole, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv

import pytest

from sfclaims.outputs.files import ready_file, ready_folder, safe_cell, write_csv, written_whole
from sfclaims.platform.errors import UsageError
from sfclaims.platform.workbook import new_workbook, write_table
from tests.alone import in_a_process_of_its_own


@pytest.mark.parametrize(
    "text", ["=cmd|' /C calc'!A0", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_text_a_spreadsheet_would_run_is_written_as_text(tmp_path, text):
    path = write_csv(tmp_path / "rows.csv", ("value",), [(text,), ("plain",), (42,)])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["value"], ["'" + text], ["plain"], ["42"]]
    assert safe_cell(-3) == -3  # numbers stay numbers


def test_a_file_stopped_while_being_written_leaves_nothing_under_its_name(tmp_path):
    path = tmp_path / "report.csv"
    with pytest.raises(RuntimeError), written_whole(path) as partial:
        partial.write_text("half a re")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_a_workbook_appears_under_its_name_only_once_complete(tmp_path):
    path = tmp_path / "report.xlsx"
    workbook = new_workbook(path, "test")
    write_table(workbook, "Sheet", ("a",), [("x",)])
    assert not path.exists()
    workbook.close()
    assert path.stat().st_size > 0 and [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_an_out_folder_that_is_a_file_or_cannot_be_made_is_refused(tmp_path):
    a_file = tmp_path / "taken"
    a_file.write_text("")
    with pytest.raises(UsageError, match="is a file, not a folder; give a folder"):
        ready_folder(a_file)
    with pytest.raises(UsageError, match=r"cannot be created \(Not a directory\)"):
        ready_folder(a_file / "inside")


def test_an_out_file_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(UsageError, match="is a folder; give the name of a file"):
        ready_file(tmp_path)
    assert ready_file(tmp_path / "new" / "decisions.csv").parent.is_dir()


def _a_workbook_of_many_rows(path):
    """Three sheets, the largest past the rows from which its XML is assembled beside."""
    from datetime import date

    book = new_workbook(path, "test")
    big = 5_010
    for name, count in (("Small", 300), ("Large", big), ("Middle", 2_000)):
        rows = [
            (f"F{n:07d}", f"reason {n % 7}\nand {n % 3}", date(2025, 1, 1 + n % 28), n)
            for n in range(count)
        ]
        write_table(book, name, ("family", "reasons", "day", "number"), rows, wrapped=(1,))
    return book


@in_a_process_of_its_own  # (so what it sets on the module ends with that process)
def test_a_large_sheet_assembled_beside_gives_the_workbook_one_process_gives(tmp_path):
    """The largest sheet's XML is written by a copy of the process while this one writes the
    rest: the workbook is byte for byte the one written in one process."""
    from sfclaims.platform import workbook as house

    assert house.ASSEMBLED_BESIDE_FROM <= 5_010
    copies: list[int] = []
    real = house._assembled_beside
    house._assembled_beside = lambda *a: copies.append(1) or real(*a)
    _a_workbook_of_many_rows(tmp_path / "beside.xlsx").close()
    assert copies == [1], "the largest sheet was not assembled beside"
    house.ASSEMBLED_BESIDE_FROM = 10**9
    _a_workbook_of_many_rows(tmp_path / "alone.xlsx").close()
    assert copies == [1]
    assert (tmp_path / "beside.xlsx").read_bytes() == (tmp_path / "alone.xlsx").read_bytes()


def test_a_sheet_the_copy_could_not_write_leaves_no_workbook(tmp_path, monkeypatch):
    from xlsxwriter.worksheet import Worksheet

    def fails(self) -> None:
        raise OSError("No space left on device")

    parts = tmp_path / "parts"  # where xlsxwriter writes each part before zipping them
    parts.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(parts))
    book = _a_workbook_of_many_rows(tmp_path / "lists.xlsx")
    large = book.get_worksheet_by_name("Large")
    monkeypatch.setattr(large, "_assemble_xml_file", fails.__get__(large, Worksheet))
    with pytest.raises(RuntimeError, match="a worksheet of the workbook could not be written"):
        book.close()
    assert [p.name for p in tmp_path.iterdir()] == ["parts"]
    assert list(parts.iterdir()) == [], "the parts written so far were left behind"


def _a_workbook_of_every_kind_of_cell(path):
    """Cells of every type write_table takes, strings xlsxwriter writes other than as they are
    among them, rows that wrap and go on over the rows below, a row with its own format and one
    of attributes alone, a sheet past the beside size."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    awkward = [
        "plain",
        'Smith & Sons <ltd> "quoted"',
        " leading space",
        "trailing space ",
        "ends with a line\n",
        "a\x01control",
        "reads as an escape _x0041_",
        "not a character \ufffe",
        "<r>not rich</r>",
        "über café",
        "x" * 20_000,
        "y" * 40_000,  # past Excel's limit: xlsxwriter cuts it
        "",
    ]
    values = [
        *awkward,
        date(2025, 3, 31),
        date(1900, 1, 1),  # before Excel's false leap day
        datetime(2025, 3, 31, 9, 30),
        datetime(2025, 3, 31, 9, 30, tzinfo=UTC),
        7,
        -12,
        2.5,
        True,
        None,
        Decimal("1.5"),
    ]
    book = new_workbook(path, "every kind of cell")
    rows = [
        (f"F{n:07d}", values[n % len(values)], "\n".join(["reason"] * (n % 40)), n)
        for n in range(300)
    ]
    kinds = write_table(book, "Kinds", ("family", "value", "reasons", "n"), rows, wrapped=(2,))
    kinds.set_row(3, 30, book.add_format({"italic": True}))  # a row's own format
    kinds.set_row(400, 20)  # a row of attributes alone, below the cells
    many = [(f"F{n:07d}", f"team {n % 9}", date(2025, 1, 1 + n % 28), n) for n in range(5_010)]
    write_table(book, "Many", ("family", "team", "day", "n"), many)
    return book


def test_the_quick_cells_give_the_workbook_xlsxwriters_own_calls_give(tmp_path, monkeypatch):
    """Strings, whole numbers and days put straight into xlsxwriter's table, and shared strings
    and cells written to the XML in one step: byte for byte what xlsxwriter's own calls make."""
    from sfclaims.platform import workbook as house

    assert house.QUICK
    _a_workbook_of_every_kind_of_cell(tmp_path / "quick.xlsx").close()
    monkeypatch.setattr(house, "QUICK", False)
    _a_workbook_of_every_kind_of_cell(tmp_path / "own.xlsx").close()
    assert (tmp_path / "quick.xlsx").read_bytes() == (tmp_path / "own.xlsx").read_bytes()
