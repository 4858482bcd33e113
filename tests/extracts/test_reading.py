"""Reading CSV extracts: the quick (Arrow) reader and the careful (pandas) reader agree, and the
cases only the careful one handles still number rows as the user sees them."""

from __future__ import annotations

import pytest

from sfclaims.intake.reading import _read_csv, _read_csv_carefully, _read_csv_quickly
from sfclaims.platform.errors import RefusedError

AWKWARD = (
    b"\xef\xbb\xbfPerson ID,Family ID,Notes\r\n"
    b"007,F1, padded \r\n"
    b'008,F1,"a, quoted comma"\r\n'
    b'009,F2,"two\r\nlines"\r\n'
    b"010,,\r\n"
)


def cells(read: tuple) -> tuple[list[str], list[list[str]], list[int]]:
    headers, body = read
    return headers, body.values.tolist(), list(body.index)


def test_the_quick_and_the_careful_reader_give_the_same_cells_and_row_numbers(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(AWKWARD)
    quick = _read_csv_quickly(path)
    assert quick is not None, "a plain UTF-8 file takes the quick path"
    assert cells(quick) == cells(_read_csv_carefully(path))
    headers, rows, numbers = cells(quick)
    assert headers == ["Person ID", "Family ID", "Notes"]
    assert rows[0] == ["007", "F1", " padded "] and rows[2][2] == "two\r\nlines"
    assert rows[3] == ["010", "", ""] and numbers == [2, 3, 4, 5]


def test_a_blank_line_counts_as_a_row_so_later_rows_keep_their_numbers(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"Person ID,Family ID\r\n001,F1\r\n\r\n003,F1\r\n")
    quick, careful = _read_csv_quickly(path), _read_csv_carefully(path)
    assert quick is not None
    for _, rows, numbers in (cells(quick), cells(careful)):
        assert numbers == [2, 3, 4] and rows[2] == ["003", "F1"]
        assert all(not cell or cell != cell for cell in rows[1]), "the blank line is blank"


def test_rows_that_all_leave_out_the_last_cells_read_quickly_as_blank_cells(tmp_path):
    """An export that leaves a trailing optional column out of every row (the header names it)
    takes the quick path, and reads as the careful reader reads it: those cells blank."""
    path = tmp_path / "attendance.csv"
    path.write_bytes(
        b"\xef\xbb\xbfUPN,Term,Possible Sessions,Unauthorised Sessions Missed\r\n"
        b'S1,Autumn,"1,2"\r\nS2,Spring,3\r\n'
    )
    quick = _read_csv_quickly(path)
    assert quick is not None, "rows alike in width take the quick path"
    assert cells(quick) == cells(_read_csv_carefully(path))
    headers, rows, numbers = cells(quick)
    assert headers == ["UPN", "Term", "Possible Sessions", "Unauthorised Sessions Missed"]
    assert rows == [["S1", "Autumn", "1,2", ""], ["S2", "Spring", "3", ""]]
    assert numbers == [2, 3]


def test_rows_of_different_widths_are_left_to_the_careful_reader(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"Person ID,Family ID,Notes\n001,F1\n002,F1,note\n")
    assert _read_csv_quickly(path) is None
    headers, rows, _ = cells(_read_csv(path))
    assert rows == [["001", "F1", ""], ["002", "F1", "note"]]


def test_a_row_with_too_many_cells_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"Person ID,Family ID\n001,F1\n002,F1,extra\n")
    assert _read_csv_quickly(path) is None
    with pytest.raises(RefusedError, match="row 3 has 3 cells where the header has 2"):
        _read_csv(path)
