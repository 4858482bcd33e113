"""Finding and reading the extract files of a folder: CSV or XLSX, headers renamed to ours.

A file that cannot be used as a whole (unreadable, empty, no header row, a required column
missing) raises :class:`RefusedError` naming the file; the import then changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from sfclaims.intake.kinds import KINDS, ExtractKind
from sfclaims.intake.limits import LARGEST_CELL, check_cell_lengths, check_csv, check_xlsx
from sfclaims.intake.values import visible
from sfclaims.platform.errors import RefusedError, UsageError

MAPPING_FILE = "mapping.toml"
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class HeaderMapping:
    """The authority's headers renamed to ours, per kind, read from a mapping.toml."""

    renames: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> theirs -> ours
    source: str | None = None
    sha256: str = ""

    def for_kind(self, kind: str) -> dict[str, str]:
        return self.renames.get(kind, {})


@dataclass
class RawExtract:
    """One file read: every cell as trimmed text (None when blank), headers already ours."""

    kind: ExtractKind
    path: Path
    sha256: str
    table: pd.DataFrame  # index = row number as the user sees it (header is row 1)
    unknown_headers: list[str]
    missing_headers: list[str] = field(default_factory=list)  # optional columns of ours absent

    @property
    def rows_read(self) -> int:
        return len(self.table)


def find_extract_files(folder: Path) -> dict[str, Path]:
    """The extract file of each kind present in the folder, in import order."""
    return survey_folder(folder)[0]


def survey_folder(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """The extract file of each kind present in the folder (names matched in any case), in
    import order; and the names of the files that are no extract kind (nor mapping.toml)."""
    if not folder.is_dir():
        raise UsageError(f"The folder {folder} does not exist.")
    by_name = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    known = {kind + suffix for kind in KINDS for suffix in SUFFIXES} | {MAPPING_FILE}
    not_recognised = sorted(
        p.name for name, p in by_name.items() if name not in known and not name.startswith(".")
    )
    found: dict[str, Path] = {}
    for kind in KINDS:
        present = [by_name[kind + suffix] for suffix in SUFFIXES if kind + suffix in by_name]
        if len(present) > 1:
            raise RefusedError(
                f"The folder {folder} has both {present[0].name} and {present[1].name}; "
                f"keep one file per kind."
            )
        if present:
            found[kind] = present[0]
    if not found:
        names = ", ".join(k + ".csv" for k in KINDS)
        raise RefusedError(f"The folder {folder} holds no extract files (expected any of {names}).")
    return found, not_recognised


def load_mapping(folder: Path, mapping_path: Path | None) -> HeaderMapping:
    """The header mapping: ``--mapping FILE`` if given, else the folder's mapping.toml, else none."""
    path = mapping_path if mapping_path is not None else folder / MAPPING_FILE
    if not path.is_file():
        if mapping_path is not None:
            raise UsageError(f"The mapping file {mapping_path} does not exist.")
        return HeaderMapping()
    content = path.read_bytes()
    try:
        data = tomllib.loads(content.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RefusedError(f"The mapping file {path} is not valid TOML ({error}).") from None
    renames: dict[str, dict[str, str]] = {}
    for kind_name, table in data.items():
        if kind_name not in KINDS:
            raise RefusedError(
                f"The mapping file {path} has a table [{kind_name}], which is not an extract kind "
                f"(one of {', '.join(KINDS)})."
            )
        if not isinstance(table, dict):
            raise RefusedError(f"The mapping file {path}: [{kind_name}] must be a table.")
        ours = {c.key: c.header for c in KINDS[kind_name].columns}
        renames[kind_name] = {}
        for theirs, our_header in table.items():
            if not isinstance(our_header, str) or our_header.strip().lower() not in ours:
                raise RefusedError(
                    f"The mapping file {path}: [{kind_name}] {theirs!r} maps to {our_header!r}, "
                    f"which is not a {kind_name} column (one of {', '.join(ours.values())})."
                )
            renames[kind_name][theirs.strip().lower()] = ours[our_header.strip().lower()]
    return HeaderMapping(renames, str(path), hashlib.sha256(content).hexdigest())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_extract(kind: ExtractKind, path: Path, mapping: HeaderMapping, sha256: str) -> RawExtract:
    """Read one extract file into trimmed text cells with our headers (``sha256``: the file's,
    as the import already computed it)."""
    if path.suffix.lower() == ".xlsx":
        check_xlsx(path)  # before anything of it is unpacked
        headers, table = _read_xlsx(path)
    else:
        check_csv(path)
        headers, table = _read_csv(path)
    check_cell_lengths(path, max(map(len, headers), default=0), "row 1")
    _refuse_other_separators(path, headers)
    columns, unknown = _rename_headers(kind, path, headers, mapping.for_kind(kind.name))
    table = table.iloc[:, [i for i, _ in columns]]
    table.columns = [ours for _, ours in columns]
    for column in table.columns:
        text = table[column].astype("str").str.strip()
        lengths = text.str.len()
        if len(lengths) and lengths.max() > LARGEST_CELL:
            check_cell_lengths(
                path, int(lengths.max()), f"row {lengths.idxmax()}, column {visible(column)}"
            )
        table[column] = text.where(text != "")
    table = table.dropna(how="all")
    missing = [c.header for c in kind.columns if c.header not in table.columns]
    for header in missing:
        table[header] = None
    return RawExtract(kind, path, sha256, table, unknown, missing)


def _read_csv(path: Path) -> tuple[list[str], pd.DataFrame]:
    """The header and the body of a CSV file as text cells, the body's rows numbered as the user
    sees them (the header is row 1, a blank line counts)."""
    return _read_csv_quickly(path) or _read_csv_carefully(path)


def _read_csv_quickly(path: Path) -> tuple[list[str], pd.DataFrame] | None:
    """The common case, read by Arrow's CSV reader (several times faster than pandas'): UTF-8,
    a header on one line, every row as wide as the header or every row short of the same last
    cells (an export that leaves out a trailing blank optional column: those cells are blank,
    as the careful reader reads them). Anything else gives None, for the careful reader, which
    says exactly what is wrong."""
    import pyarrow
    from pyarrow import csv as arrow_csv

    try:
        data = path.read_bytes()
    except OSError:
        return None
    end = data.find(b"\n")
    first_line = data[: max(end, 0)].removeprefix(codecs.BOM_UTF8)
    if end < 0 or first_line.count(b'"') % 2:  # no body, or a line break inside a header
        return None
    try:
        headers = next(csv.reader([first_line.decode("utf-8")]))
        width = len(headers)
        table = arrow_csv.read_csv(
            pyarrow.py_buffer(memoryview(data)[end + 1 :]),
            read_options=arrow_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=arrow_csv.ParseOptions(
                newlines_in_values=True,
                ignore_empty_lines=False,  # a blank line is a row
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types={f"f{i}": pyarrow.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except (pyarrow.ArrowInvalid, UnicodeDecodeError, csv.Error, StopIteration):
        return None
    if table.num_columns > width:
        return None
    frame = table.to_pandas()
    frame.columns = range(table.num_columns)
    for left_out in range(table.num_columns, width):
        frame[left_out] = ""
    frame.index = range(2, len(frame) + 2)
    return headers, frame


def _read_csv_carefully(path: Path) -> tuple[list[str], pd.DataFrame]:
    try:
        table = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skip_blank_lines=False,
            header=None,
        )
    except pd.errors.EmptyDataError:
        raise RefusedError(f"{path.name} is empty: it has no header row.") from None
    except UnicodeDecodeError:
        raise RefusedError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8.") from None
    except pd.errors.ParserError as error:
        cells = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if cells:
            expected, line, saw = cells.groups()
            raise RefusedError(
                f"{path.name} could not be read as CSV: row {line} has {saw} cells where the "
                f"header has {expected}; check for an unquoted comma."
            ) from None
        raise RefusedError(f"{path.name} could not be read as CSV ({error}).") from None
    except OSError as error:
        raise RefusedError(f"{path.name} could not be read ({error.strerror}).") from None
    if table.empty:
        raise RefusedError(f"{path.name} is empty: it has no header row.")
    headers = [str(h) for h in table.iloc[0].tolist()]
    body = table.iloc[1:]
    body.index = range(2, len(body) + 2)
    return headers, body


def _read_xlsx(path: Path) -> tuple[list[str], pd.DataFrame]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as error:
        raise RefusedError(
            f"{path.name} could not be read as an XLSX workbook ({error})."
        ) from None
    if not rows or not any(str(cell).strip() for cell in rows[0]):
        raise RefusedError(f"{path.name} is empty: its first sheet has no header row.")
    headers = [_cell_text(cell) for cell in rows[0]]
    width = len(headers)
    body = [
        [_cell_text(cell) for cell in row[:width]] + [""] * (width - len(row)) for row in rows[1:]
    ]
    table = pd.DataFrame(body, columns=range(width), index=range(2, len(body) + 2), dtype=object)
    return headers, table


SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _refuse_other_separators(path: Path, headers: list[str]) -> None:
    """A CSV saved with another separator reads as one column: say so, not that every required
    column is missing."""
    if path.suffix.lower() == ".csv" and len(headers) == 1:
        for separator, name in SEPARATORS.items():
            if separator in headers[0]:
                raise RefusedError(
                    f"{path.name} is separated by {name}, not commas; save it again as CSV "
                    f"(comma separated)."
                )


def _cell_text(cell: object) -> str:
    """An XLSX cell as the text a CSV would hold: dates as ISO dates, whole numbers without .0."""
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time(0) else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, bool):
        return "Y" if cell else "N"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell)


def _rename_headers(
    kind: ExtractKind, path: Path, headers: list[str], renames: dict[str, str]
) -> tuple[list[tuple[int, str]], list[str]]:
    """The (position, our header) of each known column, and the headers we do not know."""
    ours = {c.key: c.header for c in kind.columns}
    columns: list[tuple[int, str]] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for position, header in enumerate(headers):
        key = header.strip().lower()
        if not key:
            continue
        target = renames.get(key) or ours.get(key)
        if target is None:
            unknown.append(visible(header.strip()))
            continue
        if target in seen:
            raise RefusedError(
                f"{path.name} has two columns for {target} ({seen[target]!r} and "
                f"{header.strip()!r}); remove one or fix the mapping."
            )
        seen[target] = header.strip()
        columns.append((position, target))
    missing = [h for h in kind.required_headers if h not in seen]
    if missing:
        raise RefusedError(
            f"{path.name} is missing the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; add {'them' if len(missing) > 1 else 'it'} to the extract "
            f"or map the authority's header{'s' if len(missing) > 1 else ''} in mapping.toml."
        )
    return columns, unknown
