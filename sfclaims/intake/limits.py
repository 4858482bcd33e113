"""How large an extract file may be, checked before it is read: a crafted file must not take
the machine's memory or minutes of its time.

Every limit is far beyond what a real Liquidlogic extract holds (the largest, attendance, is a
handful of columns and a row per pupil, school and term) and at most what Excel itself allows:

* any cell: 32,767 characters (Excel's own limit for a cell);
* a CSV line: 1,000,000 bytes;
* an XLSX sheet: 200 columns, 1,048,576 rows (Excel's own limit), 20 million cells in the range
  it declares or uses, and 2 GB of sheet data once unpacked;
* an XLSX's shared strings: 256 MB once unpacked, none longer than a cell.

The XLSX checks stream every worksheet and shared-strings part through an XML parser without
building them in memory, so a file that declares a range of billions of cells or texts, places
cells far away without naming them, or repeats a huge string, is refused while it is small.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from sfclaims.platform.errors import RefusedError

LARGEST_CELL = 32_767  # characters
LARGEST_CSV_LINE = 1_000_000  # bytes
LARGEST_COLUMNS = 200
LARGEST_ROWS = 1_048_576
LARGEST_CELLS = 20_000_000
LARGEST_SHEET_BYTES = 2_000_000_000
LARGEST_SHARED_STRINGS_BYTES = 256_000_000
_BLOCK = 1 << 20


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


def check_xlsx(path: Path, nothing: str = "nothing was imported") -> None:
    """Every sheet's size and the shared strings are within bounds, each read as a stream of
    XML (so neither how an attribute is quoted, nor a namespace's prefix, nor a cell written
    without its reference changes what is counted). Every sheet the package holds is checked,
    not only the one its workbook names first: which one that is depends on parts an attacker
    writes too."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            for sheet in sorted(n for n in names if _is_sheet(n)):
                _check_sheet(path, archive, sheet)
            for strings in sorted(n for n in names if _is_shared_strings(n)):
                _check_shared_strings(path, archive, strings)
    except RefusedError as refused:  # in the words of what was not done
        raise RefusedError(str(refused).replace("nothing was imported", nothing)) from None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        raise RefusedError(
            f"{path.name} could not be read as an XLSX workbook ({error})."
        ) from None


def _is_sheet(name: str) -> bool:
    """A worksheet part, wherever the package puts it (a reader follows the relations)."""
    lowered = name.lower()
    return "worksheets/" in lowered and lowered.endswith((".xml", ".bin"))


def _is_shared_strings(name: str) -> bool:
    return PurePosixPath(name.lower()).name.startswith("sharedstrings")


def _refuse(path: Path, what: str) -> RefusedError:
    return RefusedError(
        f"{path.name} {what}, far more than a real extract holds; nothing was imported — "
        f"check the file."
    )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


_CELL = re.compile(r"\$?([A-Z]{1,4})\$?(\d{1,9})$")


def _streamed(path: Path, archive: zipfile.ZipFile, part: str, parser: Any, largest: int) -> None:
    """The part fed to the expat parser a block at a time, refused past ``largest`` bytes once
    unpacked; a DOCTYPE or an entity, which no workbook needs, refused."""
    from xml.parsers import expat

    def no_declarations(*_args: object) -> None:
        raise _refuse(path, "declares a document type or entities, which no workbook has")

    parser.StartDoctypeDeclHandler = no_declarations
    parser.EntityDeclHandler = no_declarations
    unpacked = 0
    try:
        with archive.open(part) as stream:
            for block in iter(lambda: stream.read(_BLOCK), b""):
                unpacked += len(block)
                if unpacked > largest:
                    raise _refuse(path, f"has over {largest:,} bytes in {PurePosixPath(part).name}")
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise RefusedError(
            f"{path.name} could not be read as an XLSX workbook ({PurePosixPath(part).name} is "
            f"not well-formed XML: {expat.errors.messages[error.code]}, line {error.lineno})."
        ) from None


_PLACED = frozenset({"c", "row", "dimension"})  # the parts of a sheet that say where it reaches


def _check_sheet(path: Path, archive: zipfile.ZipFile, sheet: str) -> None:
    """The sheet's declared range, and every row and cell as a reader places them (a row or a
    cell without its number is the one after the last), kept within bounds."""
    from xml.parsers import expat

    if sheet.lower().endswith(".bin"):
        raise _refuse(path, "is a binary workbook (.xlsb) inside an .xlsx")
    furthest = [0, 0]  # rows, columns
    place = [0, 0]  # the row being read, the last column of it

    def reached(rows: int, columns: int) -> None:
        furthest[0], furthest[1] = max(furthest[0], rows), max(furthest[1], columns)
        if furthest[1] > LARGEST_COLUMNS:
            raise _refuse(path, f"has a sheet {furthest[1]:,} columns wide")
        if furthest[0] > LARGEST_ROWS:
            raise _refuse(path, f"has a sheet {furthest[0]:,} rows long")
        if furthest[0] * furthest[1] > LARGEST_CELLS:
            raise _refuse(path, f"has a sheet of {furthest[0]:,} rows by {furthest[1]:,} columns")

    def reference(text: str) -> tuple[int, int]:
        found = _CELL.match(text.strip().upper())
        if found is None:
            raise _refuse(path, f"names a cell {text[:20]!r} no sheet has")
        return int(found.group(2)), _column_number(found.group(1).encode())

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name[name.rfind(" ") + 1 :]  # the name without its namespace
        if local not in _PLACED:
            return  # a value, a formula, inline text: called for as often as cells, so quick
        given = (  # attributes by their names without a namespace, the last one winning
            {key.rsplit(" ", 1)[-1]: value for key, value in attributes.items()}
            if " " in "".join(attributes)
            else attributes
        )
        if local == "c":
            if "r" in given:
                row, column = reference(given["r"])
                place[0] = max(place[0], row)
            else:
                row, column = max(place[0], 1), place[1] + 1
            place[1] = column
            reached(row, column)
        elif local == "row":
            number = given.get("r", "").strip()
            if number and (not number.isdigit() or len(number) > 9):
                raise _refuse(path, f"numbers a row {number[:20]!r}")
            place[0], place[1] = (int(number) if number else place[0] + 1), 0
            reached(place[0], 0)
        elif local == "dimension" and "ref" in given:
            reached(*reference(given["ref"].split(":")[-1]))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    _streamed(path, archive, sheet, parser, LARGEST_SHEET_BYTES)


def _check_shared_strings(path: Path, archive: zipfile.ZipFile, part: str) -> None:
    """The table's declared counts and its strings: none longer than a cell, and no more of
    them than a sheet could hold (a reader makes room for as many as the table declares)."""
    from xml.parsers import expat

    length = [0, 0]  # characters of the string being read; strings so far

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "si":
            length[0] = 0
            length[1] += 1
            if length[1] > LARGEST_CELLS:
                raise _refuse(path, f"has over {LARGEST_CELLS:,} texts")
        elif local == "sst":
            for key, value in attributes.items():
                if key.rsplit(" ", 1)[-1] in ("count", "uniqueCount"):
                    declared = value.strip()
                    if not declared.isdigit() or len(declared) > 9 or int(declared) > LARGEST_CELLS:
                        raise _refuse(path, f"declares {declared[:20]!r} texts")

    def text(data: str) -> None:
        length[0] += len(data)
        if length[0] > LARGEST_CELL:
            raise _refuse(path, f"has a text longer than a cell may hold ({LARGEST_CELL:,})")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.buffer_text = True
    _streamed(path, archive, part, parser, LARGEST_SHARED_STRINGS_BYTES)
