"""The extracts documented from the definitions the import itself uses (``kinds.py``, the
framework's accepted values, ``limits.py``), so the documentation cannot drift from the code.

    uv run python -m sfclaims.intake.documentation > docs/extracts.md

A test holds ``docs/extracts.md`` to what this writes.
"""

from __future__ import annotations

from sfclaims.intake import limits
from sfclaims.intake.kinds import KINDS, LIST_SEPARATOR, ExtractColumn, Format
from sfclaims.platform.framework import Framework, load_framework

FORMAT_WORDS = {
    Format.ID: "an ID, kept as text (leading zeros kept); may not begin with = + - @",
    Format.TEXT: "text",
    Format.DATE: "a date: DD/MM/YYYY or YYYY-MM-DD (or an XLSX date cell), not after the day of import",
    Format.FLAG: "Y or N (also Yes/No, True/False, 1/0, any case)",
    Format.COUNT: "a whole number from 0 to 2,147,483,647",
    Format.ACADEMIC_YEAR: "an academic year, like 2024/25",
    Format.HEADLINE: "one of the ten headlines: its code, number (1-10) or any of its names",
    Format.HEADLINES: f"headlines (as above) separated by {LIST_SEPARATOR}",
    Format.PEOPLE: f"Person IDs of the row's family separated by {LIST_SEPARATOR}",
}


def _accepted(framework: Framework, listed: str) -> str:
    by_value: dict[str, list[str]] = {}
    for spelling, value in framework.accepted_values[listed].items():
        by_value.setdefault(value, [])
        if spelling != value.lower():
            by_value[value].append(spelling)
    return "; ".join(
        f"{value}" + (f" (also {', '.join(sorted(aliases))})" if aliases else "")
        for value, aliases in by_value.items()
    )


def _describe(column: ExtractColumn, framework: Framework) -> str:
    if column.format is Format.LISTED and column.listed:
        return "one of: " + _accepted(framework, column.listed) + " (any case)"
    if column.format is Format.SERVICE:
        return "text; these are read as the service named: " + _accepted(framework, "service")
    return FORMAT_WORDS[column.format]


def extracts_markdown(framework: Framework | None = None) -> str:
    framework = framework or load_framework()
    lines = [
        "# The extract files sfclaims imports",
        "",
        "Written by `python -m sfclaims.intake.documentation` from the definitions the import",
        "uses; a test keeps this file and them the same. One file per kind in the folder, named",
        "`<kind>.csv` (UTF-8, with or without a byte-order mark) or `<kind>.xlsx` (first sheet),",
        "names matched in any case. Headers are matched in any case with surrounding spaces",
        "ignored; a `mapping.toml` beside the files renames an authority's own headers to these.",
        "Blank cells are empty values; surrounding spaces are trimmed.",
        "",
        "Files larger than any real extract are refused before they are read: any cell over "
        f"{limits.LARGEST_CELL:,} characters, a CSV line over {limits.LARGEST_CSV_LINE:,} bytes, "
        f"an XLSX sheet over {limits.LARGEST_COLUMNS:,} columns, {limits.LARGEST_ROWS:,} rows or "
        f"{limits.LARGEST_CELLS:,} cells, or over {limits.LARGEST_SHARED_STRINGS_BYTES:,} bytes "
        "of shared text.",
        "",
    ]
    for kind in KINDS.values():
        lines += [f"## `{kind.name}`", ""]
        if kind.unique_id:
            lines += [f"{kind.unique_id} must be unique: every row repeating one is set aside.", ""]
        lines += ["| column | required | value |", "|---|---|---|"]
        for column in kind.columns:
            required = "yes" if column.required else ""
            lines.append(f"| {column.header} | {required} | {_describe(column, framework)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(extracts_markdown(), end="")
