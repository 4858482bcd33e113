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


_CELL = re.compile(r"\$?([A-Z]{1,4})\$?(\d{1,9})$")


def _check_sheet(path: Path, archive: zipfile.ZipFile, sheet: str) -> None:
    """The sheet parsed as XML, as a stream (expat: either quote style, any namespace prefix,
    whitespace wherever XML allows it): its declared range, each row's number and each cell's
    reference kept within bounds; a DOCTYPE or an entity, which no workbook needs, refused."""
    from xml.parsers import expat

    furthest = [0, 0]  # rows, columns

    def reached(rows: int, columns: int) -> None:
        furthest[0], furthest[1] = max(furthest[0], rows), max(furthest[1], columns)
        if furthest[1] > LARGEST_COLUMNS:
            raise _refuse(path, f"has a sheet {furthest[1]:,} columns wide")
        if furthest[0] > LARGEST_ROWS:
            raise _refuse(path, f"has a sheet {furthest[0]:,} rows long")
        if furthest[0] * furthest[1] > LARGEST_CELLS:
            raise _refuse(path, f"has a sheet of {furthest[0]:,} rows by {furthest[1]:,} columns")

    def cell(reference: str) -> None:
        found = _CELL.match(reference.strip().upper())
        if found is None:
            raise _refuse(path, f"names a cell {reference[:20]!r} no sheet has")
        reached(int(found.group(2)), _column_number(found.group(1).encode()))

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "c" and "r" in attributes:
            cell(attributes["r"])
        elif local == "row" and "r" in attributes:
            number = attributes["r"].strip()
            if not number.isdigit() or len(number) > 9:
                raise _refuse(path, f"numbers a row {number[:20]!r}")
            reached(int(number), 0)
        elif local == "dimension" and "ref" in attributes:
            cell(attributes["ref"].split(":")[-1])

    def no_declarations(*_args: object) -> None:
        raise _refuse(path, "declares a document type or entities, which no workbook has")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_declarations
    parser.EntityDeclHandler = no_declarations
    unpacked = 0
    try:
        with archive.open(sheet) as part:
            for block in iter(lambda: part.read(_BLOCK), b""):
                unpacked += len(block)
                if unpacked > LARGEST_SHEET_BYTES:
                    raise _refuse(path, f"has over {LARGEST_SHEET_BYTES:,} bytes of sheet data")
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise RefusedError(
            f"{path.name} could not be read as an XLSX workbook (its sheet is not well-formed "
            f"XML: {expat.errors.messages[error.code]}, line {error.lineno})."
        ) from None


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
