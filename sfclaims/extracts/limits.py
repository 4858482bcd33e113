"""How large an extract file may be, checked before it is read: a crafted file must not take
the machine's memory or minutes of its time.

Every limit is far beyond what a real Liquidlogic extract holds (the largest, attendance, is a
handful of columns and a row per pupil, school and term) and at most what Excel itself allows:

* any cell: 32,767 characters (Excel's own limit for a cell);
* a CSV line: 1,000,000 bytes;
* an XLSX sheet: 200 columns, 1,048,576 rows (Excel's own limit), 20 million cells in the range
  it declares or uses, and 2 GB of sheet data once unpacked;
* an XLSX's shared strings: 256 MB once unpacked, none longer than a cell.

The XLSX checks stream the workbook's parts without building them in memory, so a file that
declares a range of billions of cells, or repeats a huge string, is refused while it is small.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from sfclaims.errors import RefusedError

LARGEST_CELL = 32_767  # characters
LARGEST_CSV_LINE = 1_000_000  # bytes
LARGEST_COLUMNS = 200
LARGEST_ROWS = 1_048_576
LARGEST_CELLS = 20_000_000
LARGEST_SHEET_BYTES = 2_000_000_000
LARGEST_SHARED_STRINGS_BYTES = 256_000_000
# a shared string of the largest cell takes at most this many bytes of XML (UTF-8, escaped, tags)
_LARGEST_SHARED_STRING_BYTES = LARGEST_CELL * 6 + 1_000
_BLOCK = 1 << 20

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')
_ROW = re.compile(rb'<(?:\w+:)?row [^>]*?r="(\d+)"')
_WIDE_CELL = re.compile(rb'\sr="([A-Z]{2,})\d')  # a cell in a column beyond Z
_FAR_CELL = re.compile(rb'\sr="[A-Z]+(\d{7,})"')  # a cell in a row from 1,000,000 on
_STRING_ITEM = re.compile(rb"<(?:\w+:)?si[ >]")


def check_csv(path: Path) -> None:
    """No line of the file is longer than a real extract's can be."""
    carried = 0  # bytes of the line that began in an earlier block
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            first = block.find(b"\n")
            longest = carried + (len(block) if first < 0 else first)
            if first >= 0:
                last = block.rfind(b"\n")
                inner = block[first + 1 : last]
                longest = max(longest, max(map(len, inner.split(b"\n")), default=0))
                carried = len(block) - last - 1
            else:
                carried = longest
            if longest > LARGEST_CSV_LINE:
                raise RefusedError(
                    f"{path.name} has a line longer than {LARGEST_CSV_LINE:,} bytes, far more "
                    f"than a real extract holds; nothing was imported — check the file."
                )


def check_cell_lengths(path: Path, longest: int, where: str) -> None:
    if longest > LARGEST_CELL:
        raise RefusedError(
            f"{path.name} has a cell of {longest:,} characters ({where}), more than a cell may "
            f"hold ({LARGEST_CELL:,}); nothing was imported — check the file."
        )


def check_xlsx(path: Path) -> None:
    """The first sheet's size and the shared strings are within bounds, read as streams."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheet = _first_sheet(archive)
            if sheet is not None:
                _check_sheet(path, archive, sheet)
            if "xl/sharedStrings.xml" in archive.namelist():
                _check_shared_strings(path, archive)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        raise RefusedError(
            f"{path.name} could not be read as an XLSX workbook ({error})."
        ) from None


def _refuse(path: Path, what: str) -> RefusedError:
    return RefusedError(
        f"{path.name} {what}, far more than a real extract holds; nothing was imported — "
        f"check the file."
    )


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part holding the workbook's first sheet, as the workbook and its relations name it."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        return None
    workbook = archive.read("xl/workbook.xml")[:_BLOCK]
    first = re.search(rb'<(?:\w+:)?sheet [^>]*?r:id="([^"]+)"', workbook)
    relations = "xl/_rels/workbook.xml.rels"
    if first is None or relations not in names:
        return None
    for relation in re.finditer(rb"<Relationship [^>]*>", archive.read(relations)[:_BLOCK]):
        if f'Id="{first.group(1).decode()}"'.encode() in relation.group(0):
            target = re.search(rb'Target="([^"]+)"', relation.group(0))
            if target:
                name = target.group(1).decode().lstrip("/")
                return name if name.startswith("xl/") else str(PurePosixPath("xl") / name)
    return None


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_sheet(path: Path, archive: zipfile.ZipFile, sheet: str) -> None:
    rows = columns = 0
    unpacked = 0
    tail = b""
    with archive.open(sheet) as part:
        for block in iter(lambda: part.read(_BLOCK), b""):
            unpacked += len(block)
            if unpacked > LARGEST_SHEET_BYTES:
                raise _refuse(path, f"has over {LARGEST_SHEET_BYTES:,} bytes of sheet data")
            text = tail + block
            for match in _DIMENSION.finditer(text):
                columns = max(columns, _column_number(match.group(1)))
                rows = max(rows, int(match.group(2)))
            rows = max([rows, *map(int, _ROW.findall(text)), *map(int, _FAR_CELL.findall(text))])
            columns = max([columns, _widest(text), *map(_column_number, _WIDE_CELL.findall(text))])
            if columns > LARGEST_COLUMNS:
                raise _refuse(path, f"has a sheet {columns:,} columns wide")
            if rows > LARGEST_ROWS:
                raise _refuse(path, f"has a sheet {rows:,} rows long")
            if rows * columns > LARGEST_CELLS:
                raise _refuse(path, f"has a sheet of {rows:,} rows by {columns:,} columns")
            tail = block[-64:]


def _widest(text: bytes) -> int:
    """The furthest of the columns A to Z that a cell of the text names (a search per letter, from
    Z down, rather than a match per cell)."""
    for number in range(26, 0, -1):
        letter = bytes([64 + number])
        if any(space + b'r="' + letter in text for space in (b" ", b"\t", b"\n", b"\r")):
            return number
    return 0


def _check_shared_strings(path: Path, archive: zipfile.ZipFile) -> None:
    unpacked = 0
    since_item = 0  # bytes since the last shared string began
    with archive.open("xl/sharedStrings.xml") as part:
        for block in iter(lambda: part.read(_BLOCK), b""):
            unpacked += len(block)
            if unpacked > LARGEST_SHARED_STRINGS_BYTES:
                raise _refuse(path, f"has over {LARGEST_SHARED_STRINGS_BYTES:,} bytes of text")
            starts = [m.start() for m in _STRING_ITEM.finditer(block)]
            gaps = [since_item + (starts[0] if starts else len(block))]
            gaps += [b - a for a, b in zip(starts, starts[1:], strict=False)]
            if max(gaps) > _LARGEST_SHARED_STRING_BYTES:
                raise _refuse(path, f"has a text longer than a cell may hold ({LARGEST_CELL:,})")
            since_item = len(block) - starts[-1] if starts else since_item + len(block)
    if since_item > _LARGEST_SHARED_STRING_BYTES:
        raise _refuse(path, f"has a text longer than a cell may hold ({LARGEST_CELL:,})")
