"""The data-quality report a data officer acts on after every import.

A workbook (what the import warned of, as it was said then; per file: rows read, loaded, set
aside; then every set-aside row with file, row as the user sees it, column, value and reason)
and a CSV of the set-aside rows. It names no server folder: the import's number and date.
"""

from __future__ import annotations

from pathlib import Path

from sfclaims.intake.importing import ImportResult
from sfclaims.outputs.files import write_csv
from sfclaims.platform.workbook import new_workbook, write_notes, write_table

ROW_HEADERS = ("file", "row", "record ID", "column", "value", "reason")


def report_names(result: ImportResult) -> tuple[str, str]:
    """The report's workbook and CSV, named by the import they are of (its date and first
    batch), so last quarter's is never written over."""
    first = min(result.files, key=lambda f: f.batch_id)
    day = f"{first.imported_at:%Y-%m-%d}" if first.imported_at else "undated"
    stem = f"{day}-import-{result.number}"
    return f"data-quality-report-{stem}.xlsx", f"data-quality-set-aside-rows-{stem}.csv"


def _when(result: ImportResult) -> str:
    at = min((f.imported_at for f in result.files if f.imported_at), default=None)
    return f", made {at:%d/%m/%Y %H:%M} UTC" if at else ""


def write_quality_report(result: ImportResult, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    problems = sorted(result.problems, key=lambda p: (p.file_name, p.row_number, p.column))
    rows = [(p.file_name, p.row_number, p.record_id, p.column, p.value, p.reason) for p in problems]
    workbook_name, csv_name = report_names(result)

    workbook_path = folder / workbook_name
    workbook = new_workbook(workbook_path, "sfclaims data-quality report")
    # what the import warned of comes first, as it was said when the import was made
    write_table(
        workbook,
        "Warnings",
        ("about", "kind", "warning"),
        [(w.about, w.kind.replace("_", " "), w.text) for w in result.warnings]
        or [("none", "", "This import warned of nothing.")],
        widths=(16, 16, 80),
        wrapped=(2,),  # each warning whole, printed or on screen
    )
    write_table(
        workbook,
        "Files",
        ("file", "kind", "rows read", "rows loaded", "rows set aside", "headers not known"),
        [
            (
                f.file_name,
                f.kind,
                f.rows_read,
                f.rows_loaded,
                f.rows_set_aside,
                ", ".join(f.unknown_headers),
            )
            for f in result.files
        ],
    )
    # the value and the reason wrap at their columns' widths: printed, each is whole
    write_table(
        workbook,
        "Set-aside rows",
        ROW_HEADERS,
        rows,
        widths=(18, 6, 12, 18, 30, 60),
        wrapped=(4, 5),
    )
    write_notes(
        workbook,
        "About",
        [
            ("import", f"import {result.number}" + _when(result)),
            (
                "what this is",
                "Every row of the extracts that was not loaded, with the reason. Fix "
                "the row in the case system, export again and re-import.",
            ),
            ("row", "The row number as you see it in the file: the header is row 1."),
            (
                "nothing lost",
                "A set-aside row is kept whole in the database (set_aside_rows.raw_row).",
            ),
        ],
    )
    workbook.close()

    return [workbook_path, write_csv(folder / csv_name, ROW_HEADERS, rows)]
