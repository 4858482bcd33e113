"""The house style of every workbook the engine writes (design.md).

Header format, frozen header row, autofilter, column widths, text never turned into formulas or
links, and a fixed created date so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.chart import Chart
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

from sfclaims.platform.processes import die_with_parent, may_fork

FIXED_CREATED = datetime(2022, 4, 1)
MAX_WIDTH = 60
DEFAULT_FONT_SIZE = 11  # Calibri 11: the unit of a column's width


#: Whether the commonest cells are written in fewer steps than xlsxwriter's own (``_write_row``,
#: ``_QuickSheet``, ``_QuickStrings``): the same bytes either way, which the tests compare.
QUICK = True


class _WholeWorkbook(Workbook):  # type: ignore[misc]  # xlsxwriter declares no types
    """A workbook written to a temporary name and renamed once complete: a command stopped while
    writing never leaves a broken or empty workbook under the real name."""

    def __init__(self, path: Path, options: dict[Any, Any]) -> None:
        self.worksheet_class = _QuickSheet
        self.final_path = path
        self.title = ""
        self.partial_path = path.with_name(f".{path.name}.{os.getpid()}.partial")
        super().__init__(str(self.partial_path), options)

    def close(self) -> None:
        for sheet in self.worksheets():
            ready_to_print(sheet, self.title)
        try:
            super().close()
            os.replace(self.partial_path, self.final_path)
        finally:
            self.partial_path.unlink(missing_ok=True)

    def _get_packager(self) -> Packager:  # xlsxwriter's hook for its packager
        return _PackagedBeside()


#: Rows from which a sheet's XML is worth assembling in a copy of the process (the fork costs
#: a few milliseconds; a 10,000-row sheet's XML takes this process about a quarter of a second)
ASSEMBLED_BESIDE_FROM = 5_000


class _PackagedBeside(Packager):  # type: ignore[misc]  # xlsxwriter declares no types
    """xlsxwriter's packager, but the sheet of most rows has its XML assembled by a copy of this
    process (forked: it has the sheet as it is) while this one assembles the rest of the package
    (the other sheets, the shared strings, the styles); the package is byte for byte what one
    process makes. Only a plain sheet (cells and print settings: no link, drawing, table or
    note, whose assembly records what the package's other parts need), and only where forking
    is safe (``may_fork``)."""

    def __init__(self) -> None:
        super().__init__()
        self.beside: int | None = None  # the copy's process ID

    def _write_worksheet_files(self) -> None:
        sheets = [sheet for sheet in self.workbook.worksheets() if not sheet.is_chartsheet]
        largest = max(sheets, key=lambda sheet: sheet.dim_rowmax or 0, default=None)
        for index, sheet in enumerate(sheets, start=1):
            name = self._filename(f"xl/worksheets/sheet{index}.xml")  # in order: the zip's
            if sheet is largest and _beside_worth_it(sheet, self.in_memory):
                self.beside = _assembled_beside(sheet, name)
                continue
            if sheet.constant_memory:
                sheet._opt_reopen()
                sheet._write_single_row()
            sheet._set_xml_writer(name)
            sheet._assemble_xml_file()

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        strings = _QuickStrings()
        strings.string_table = self.workbook.str_table
        strings._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        strings._assemble_xml_file()

    def _create_package(self) -> list[tuple[Any, str, bool]]:
        try:
            try:
                files: list[tuple[Any, str, bool]] = super()._create_package()
            finally:
                if self.beside is not None:
                    _pid, status = os.waitpid(self.beside, 0)
                    self.beside = None
                    if status:  # (xlsxwriter would take an OSError for a file it could not make)
                        raise RuntimeError("a worksheet of the workbook could not be written")
        except BaseException:
            # the parts written so far hold the families' data: none is left behind
            for part, _name, _binary in [] if self.in_memory else self.filenames:
                with contextlib.suppress(OSError):
                    os.remove(part)
            raise
        return files


class _QuickSheet(Worksheet):  # type: ignore[misc]  # xlsxwriter declares no types
    """xlsxwriter's worksheet, but a row's cells of shared strings and numbers, the commonest by
    far, are written to the sheet's XML in one piece (xlsxwriter's own calls several functions a
    cell): the same XML. A sheet with notes is written by xlsxwriter's own loop."""

    def _write_rows(self) -> None:
        if not QUICK or self.comments:
            super()._write_rows()
            return
        self._calculate_spans()
        write, styled = self.fh.write, _Styled(self)
        first, last = self.dim_colmin, self.dim_colmax
        letters = {col: xl_col_to_name(col) for col in range(first, last + 1)}
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells, info = self.table.get(row), self.row_info.get(row)
            span = self.row_spans.get(row // 16)
            if not cells:
                if info is not None:  # a row of attributes alone
                    self._write_empty_row(row, span, info)
                continue
            self._write_row(row, span, info)
            row_style = info.row_format if info is not None and info.row_format else None
            number = str(row + 1)
            parts: list[str] = []
            for col in range(first, last + 1):
                cell = cells.get(col)
                if cell is None:
                    continue
                kind = type(cell)
                if kind is CellStringTuple:
                    style = styled(cell.format or row_style, col)
                    parts.append(
                        f'<c r="{letters[col]}{number}"{style} t="s"><v>{cell.string}</v></c>'
                    )
                elif kind is CellNumberTuple:
                    style = styled(cell.format or row_style, col)
                    parts.append(
                        f'<c r="{letters[col]}{number}"{style}><v>{cell.number:.16G}</v></c>'
                    )
                else:  # any other cell as xlsxwriter writes it, in its place
                    write("".join(parts))
                    parts.clear()
                    self._write_cell(row, col, cell)
            write("".join(parts))
            write("</row>")


class _Styled:
    """A cell's style attribute as xlsxwriter writes it: its own format's, else its row's, else
    its column's, else none; each format's worked out once."""

    def __init__(self, sheet: Worksheet) -> None:
        self.by_format: dict[int, str] = {}
        self.by_column = {
            col: self._of(info.column_format)
            for col, info in sheet.col_info.items()
            if info.column_format is not None
        }

    def _of(self, style: Format) -> str:
        known = self.by_format.get(id(style))
        if known is None:
            known = self.by_format[id(style)] = f' s="{style._get_xf_index()}"'
        return known

    def __call__(self, style: Format | None, col: int) -> str:
        return self._of(style) if style is not None else self.by_column.get(col, "")


#: A shared string xlsxwriter would write other than as it is: whitespace kept at an end, a
#: character escaped for XML, a control character (or what reads as its escape) or a non-character
_NOT_AS_IT_IS = re.compile(r'^\s|\s$|["&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_')


class _QuickStrings(SharedStrings):  # type: ignore[misc]  # xlsxwriter declares no types
    """xlsxwriter's shared strings, but a string written as it is (most: the families' IDs) is
    written in one step: the same XML."""

    def _write_sst_strings(self) -> None:
        if not QUICK:
            super()._write_sst_strings()
            return
        write, special = self.fh.write, _NOT_AS_IT_IS.search
        for string in self.string_table.string_array:
            if special(string):
                self._write_si(string)
            else:
                write(f"<si><t>{string}</t></si>")


def _beside_worth_it(sheet: Worksheet, in_memory: bool) -> bool:
    plain = not (
        sheet.hyperlinks
        or sheet.drawing
        or sheet.tables
        or sheet.has_vml
        or sheet.has_header_vml
        or sheet.constant_memory
    )
    return (
        plain and not in_memory and (sheet.dim_rowmax or 0) >= ASSEMBLED_BESIDE_FROM and may_fork()
    )


def _assembled_beside(sheet: Worksheet, name: str) -> int:
    """The sheet's XML written to ``name`` by a forked copy of this process: its ID."""
    copy = os.fork()
    if copy == 0:  # the copy: it writes the file and ends, never returning into the caller
        code = 1
        try:
            die_with_parent()
            sheet._set_xml_writer(name)
            sheet._assemble_xml_file()
            code = 0
        except BaseException:  # noqa: BLE001 - said here, its end told by the code
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    return copy


def ready_to_print(sheet: Worksheet, title: str) -> None:
    """What every sheet needs on paper, unless the sheet chose otherwise: A4, landscape when it
    is wide, fitted to one page's width, its header row repeated on every page, a print area
    around what it holds, the workbook's title and the sheet's name above, page numbers below."""
    rows, columns = sheet.dim_rowmax or 0, sheet.dim_colmax or 0
    sheet.set_paper(9)
    if not sheet.fit_page:
        if columns >= WIDE_FROM:
            sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
    if rows > 0 and not sheet.repeat_row_range:
        sheet.repeat_rows(0)
    if not sheet.print_area_range:
        sheet.print_area(0, 0, rows, columns)
    if not sheet.header:
        sheet.set_header(f"&L{_header_text(title)}&R{_header_text(sheet.name)}")
    if not sheet.footer:
        sheet.set_footer("&CPage &P of &N")


WIDE_FROM = 4  # columns (counted from 0): a sheet this wide prints landscape


def _header_text(text: str) -> str:
    """Text as a header or footer shows it: its ampersands doubled (an & starts a code)."""
    return text.replace("&", "&&")


def new_workbook(path: Path, title: str) -> Workbook:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = _WholeWorkbook(
        path,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "dd/mm/yyyy",
        },
    )
    workbook.set_properties({"title": title, "author": "sfclaims", "created": FIXED_CREATED})
    workbook.title = title
    return workbook


def write_table(
    workbook: Workbook,
    sheet_name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] | None = None,
    wrapped: Sequence[int] = (),
    font_size: float = DEFAULT_FONT_SIZE,
    continued: Sequence[int] = (0,),
) -> Worksheet:
    """A sheet with one table: bold header, frozen, filtered, sized to its contents. Cells of the
    ``wrapped`` columns wrap at the column's width, one line per line of their text; a row whose
    wrapped text would be taller than a row can be (409 points) goes on over the rows below it,
    each repeating the ``continued`` columns (the family's ID), so nothing is clipped. A smaller
    ``font_size`` prints more to a page (widths stay counted in characters of that font)."""
    sheet = workbook.add_worksheet(sheet_name)
    # every cell at the top of its row: a row made tall by one wrapped cell keeps its family's
    # ID and reasons on one line, not its ID at the foot beside the next family's reasons
    font = {"valign": "top"} | ({"font_size": font_size} if font_size != DEFAULT_FONT_SIZE else {})
    header_format = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        | font
    )
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"} | font)
    moment_format = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"} | font)
    sheet.write_row(0, 0, headers, header_format)
    sizes = [len(h) for h in headers]
    count = 0
    tall: dict[int, tuple[Any, ...]] = {}  # row -> its wrapped cells, whose text may not fit
    fits = min((widths[c] for c in wrapped), default=MAX_WIDTH) if widths else MAX_WIDTH
    scale = font_size / DEFAULT_FONT_SIZE  # a column's width counts the default font's characters
    line = 15 * scale  # a line's height in points
    most = int(TALLEST_ROW // line)  # lines a row can show
    wrapped_of = _picker(wrapped)
    # wrapped cells -> whether their text may not fit a line, and whether it overflows a row:
    # judged once for each combination (a county's families share their reasons' texts)
    judged: dict[tuple[Any, ...], tuple[bool, bool]] = {}
    for whole in rows:
        tall_text, overflows = False, False
        if wrapped:
            cells = wrapped_of(whole)
            known = judged.get(cells)
            if known is None:
                texts = _texts(wrapped, cells)
                tall_text = any("\n" in t or len(t) > fits for t in texts.values())
                overflows = (
                    tall_text and len(_rows_that_fit(whole, texts, widths, most, continued)) > 1
                )
                known = judged[cells] = (tall_text, overflows)
            tall_text, overflows = known
        pieces: Iterable[Sequence[Any]] = (
            _rows_that_fit(whole, _texts(wrapped, cells), widths, most, continued)
            if overflows
            else (whole,)
        )
        for row in pieces:
            count += 1
            if tall_text:
                tall[count] = wrapped_of(row)
            _write_row(sheet, count, row, sizes, date_format, moment_format)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(count, 1), len(headers) - 1)
    wrap_format = workbook.add_format({"text_wrap": True, "valign": "top"} | font)
    plain_format = workbook.add_format(font)
    chosen = [min(max(size + 2, 8), MAX_WIDTH) for size in (widths or sizes)]
    for column, width in enumerate(chosen):
        sheet.set_column(
            column,
            column,
            round(width * scale, 1),
            wrap_format if column in wrapped else plain_format,
        )
    if font_size != DEFAULT_FONT_SIZE:  # printed dense: rows a line high unless they wrap
        sheet.set_default_row(line)
        sheet.set_margins(left=0.4, right=0.4)
    heights: dict[tuple[Any, ...], int] = {}  # wrapped cells -> the lines they take
    for row_number, cells in tall.items():  # neither Excel nor LibreOffice sizes them on opening
        lines = heights.get(cells)
        if lines is None:
            lines = heights[cells] = max(
                (_lines(text, chosen[c]) for c, text in _texts(wrapped, cells).items()), default=1
            )
        if lines > 1:
            sheet.set_row(row_number, min(line * lines, TALLEST_ROW))
    header_lines = max(_lines(h, chosen[c]) for c, h in enumerate(headers))
    if header_lines > 1:  # the header row wraps its words within the columns' widths
        sheet.set_row(0, line * header_lines)
    return sheet


TALLEST_ROW = 409  # points: the tallest row Excel (and LibreOffice) keeps


def _picker(columns: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """What picks a row's cells of the columns, as a tuple."""
    if len(columns) == 1:
        (column,) = columns
        return lambda row: (row[column],)
    return operator.itemgetter(*columns) if columns else lambda row: ()


def _texts(columns: Sequence[int], cells: tuple[Any, ...]) -> dict[int, str]:
    """The columns' cells (``_picker``) that hold text, by column."""
    return {c: cell for c, cell in zip(columns, cells, strict=True) if type(cell) is str and cell}


def _rows_that_fit(
    row: Sequence[Any],
    texts: dict[int, str],
    widths: Sequence[int] | None,
    most: int,
    continued: Sequence[int],
) -> list[Sequence[Any]]:
    """The row as one row or, when a wrapped cell has more lines than a row shows, as several:
    the ``continued`` columns on every one, each other wrapped cell's lines shared out in order,
    the other cells on the first."""
    shared: dict[int, list[str]] = {}
    for column, text in texts.items():
        if column in continued:
            continue
        width = min(max(widths[column] + 2, 8), MAX_WIDTH) if widths else MAX_WIDTH
        # most rows fit: their text is one part, as _shared_out would find line by line
        shared[column] = [text] if _lines(text, width) <= most else _shared_out(text, width, most)
    count = max((len(parts) for parts in shared.values()), default=1)
    if count == 1:
        return [row]
    return [
        tuple(
            value
            if c in continued
            else (shared[c][i] if i < len(shared[c]) else "")
            if c in shared
            else (value if i == 0 else "")
            for c, value in enumerate(row)
        )
        for i in range(count)
    ]


def _shared_out(text: str, width: int, most: int) -> list[str]:
    """The text in parts of at most ``most`` wrapped lines each, broken between its lines (a
    line too long for one part alone, between its words or characters)."""
    parts: list[str] = []
    taken: list[str] = []
    used = 0
    for each in text.split("\n"):
        for piece in _pieces_of(each, width, most):
            lines = _line_lines(piece, width)
            if taken and used + lines > most:
                parts.append("\n".join(taken))
                taken, used = [], 0
            taken.append(piece)
            used += lines
    parts.append("\n".join(taken))
    return parts


def _pieces_of(line: str, width: int, most: int) -> list[str]:
    """A line as it is, or, when it alone is taller than a row, cut into pieces that fit."""
    if _line_lines(line, width) <= most:
        return [line]
    room = max((width - 1) * most, 1)  # characters, counted as the widest
    return [line[start : start + room] for start in range(0, len(line), room)]


#: Excel numbers a day by the days since this one (its 1900 leap day, which never was, aside):
#: true from 1 March 1900, before which write_datetime reckons the day.
DAY_NOUGHT, FIRST_TRUE_DAY = date(1899, 12, 30), date(1900, 3, 1)


def _write_row(
    sheet: Worksheet,
    number: int,
    row: Sequence[Any],
    sizes: list[int],
    date_format: Format,
    moment_format: Format,
) -> None:
    """A row's cells, each as its type; ``sizes`` grows to the widest of each column. A string,
    a whole number or a day is put straight into xlsxwriter's table of cells, as its own calls
    put it after their checks (``QUICK``: the same workbook, with a few steps a cell, not dozens)."""
    quick = QUICK and not sheet.constant_memory and number < sheet.xls_rowmax
    short = sheet.xls_strmax // 2  # no longer, under Excel's limit however it counts (as it checks)
    cells: dict[int, Any] = sheet.table[number] if quick else {}  # column -> cell
    shared = sheet.str_table._get_shared_string_index
    cell = tuple.__new__  # xlsxwriter's cells are named tuples: made as its constructor makes them
    put: list[int] = []  # the columns put straight in
    for column, value in enumerate(row):
        if type(value) is str:  # most cells: first, and an empty one left blank
            if not value:
                pass
            elif quick and len(value) <= short:
                cells[column] = cell(CellStringTuple, (shared(value), None))
                put.append(column)
            else:
                sheet.write_string(number, column, value)
            size = len(value)
        elif isinstance(value, datetime):  # a moment: its day and time, in UTC
            moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
            sheet.write_datetime(number, column, moment, moment_format)
            size = 16
        elif isinstance(value, date):
            if value < FIRST_TRUE_DAY:
                sheet.write_datetime(
                    number, column, datetime(value.year, value.month, value.day), date_format
                )
            elif quick:  # the day's number, as write_datetime would reckon it
                cells[column] = cell(CellNumberTuple, ((value - DAY_NOUGHT).days, date_format))
                put.append(column)
            else:
                sheet.write_number(number, column, (value - DAY_NOUGHT).days, date_format)
            size = 10
        elif value is None:
            size = 0
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if quick and type(value) is int:
                cells[column] = cell(CellNumberTuple, (value, None))
                put.append(column)
            else:
                sheet.write_number(number, column, value)
            size = len(f"{value:,}")
        else:
            text = str(value)
            sheet.write_string(number, column, text)
            size = len(text)
        if size > sizes[column]:
            sizes[column] = size
    if put:  # the sheet's extent, as each call would have widened it
        sheet._check_dimensions(number, put[0])
        sheet._check_dimensions(number, put[-1])


#: The wrapped texts whose lines are counted once: a county's families share their reasons' texts
#: (the benchmark's 50,000 families have 12,800 combinations of them)
TEXTS_KEPT = 65_536


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _lines(text: str, width: int) -> int:
    """How many lines the text takes wrapped in a column ``width`` characters wide (a width
    counts characters as wide as a digit; capitals are about as wide, most others narrower)."""
    if "\n" not in text:
        return _line_lines(text, width)
    return sum(_line_lines(line, width) for line in text.split("\n"))


@functools.lru_cache(maxsize=8192)
def _line_lines(line: str, width: int) -> int:
    """How many lines one line of text takes wrapped (``_lines``). Kept for lines seen before:
    a county's families share a few hundred reasons and actions, in many combinations."""
    return max(1, -(-_wide(line) // max(width - 1, 1)))


_ASCII_NARROW = re.compile(r"[^A-Z0-9_]")


def _wide(line: str) -> int:
    """The line's width in digits' widths, roughly: capitals, digits and _ one each, the rest
    four fifths (counted by a regular expression for plain ASCII, the most of any extract)."""
    if line.isascii():
        narrow = len(_ASCII_NARROW.findall(line))
    else:
        narrow = sum(1 for c in line if not (c.isupper() or c.isdigit() or c == "_"))
    return len(line) - narrow // 5


def write_notes(workbook: Workbook, sheet_name: str, lines: Sequence[tuple[str, Any]]) -> Worksheet:
    """A sheet of label / value pairs (what a workbook is, where it came from)."""
    return write_table(workbook, sheet_name, ("about", "value"), lines)


def columns_against_a_line(
    workbook: Workbook,
    sheet_name: str,
    count: int,
    columns: Sequence[tuple[int, str]],
    line: int | None,
    title: str,
) -> Chart:
    """A chart of the sheet's first ``count`` rows: the ``columns`` (column, colour) as columns,
    stacked when more than one, against the ``line`` column (an allocation) as a dashed line."""
    kind = {"type": "column", "subtype": "stacked"} if len(columns) > 1 else {"type": "column"}
    chart = workbook.add_chart(kind)
    assert chart is not None
    categories = [sheet_name, 1, 0, count, 0]
    for column, colour in columns:
        chart.add_series(
            {
                "name": [sheet_name, 0, column],
                "categories": categories,
                "values": [sheet_name, 1, column, count, column],
                "fill": {"color": colour},
                "gap": 60,
            }
        )
    if line is not None:
        dashed = workbook.add_chart({"type": "line"})
        assert dashed is not None
        dashed.add_series(
            {
                "name": [sheet_name, 0, line],
                "categories": categories,
                "values": [sheet_name, 1, line, count, line],
                "line": {"color": "#D4351C", "width": 2.5, "dash_type": "dash"},
                "marker": {"type": "none"},
            }
        )
        chart.combine(dashed)
    chart.set_title({"name": title})
    chart.set_y_axis({"name": "families", "min": 0})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": 420})
    return chart


CHART_ROWS, CHART_COLUMNS = 15, 8  # the cells a chart of xlsxwriter's default size covers


def chart_below_its_table(sheet: Worksheet, table_rows: int, chart: Chart) -> None:
    """The chart two rows below its table, and the print area around both: printed, the chart
    is on the page beside the figures it draws (a print area of the table alone left it off)."""
    top = table_rows + 3
    sheet.insert_chart(top, 0, chart)
    columns = max(sheet.dim_colmax or 0, CHART_COLUMNS - 1)
    sheet.print_area(0, 0, top + CHART_ROWS, columns)


def print_on_one_page(sheet: Worksheet, wide_only: bool = False) -> None:
    """Landscape A4, the header row repeated on every page, fitted to one page (or, for a long
    table, to the page's width)."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.repeat_rows(0)
    sheet.fit_to_pages(1, 0 if wide_only else 1)
