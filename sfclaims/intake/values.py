"""Reading the common value formats of the extracts, a whole column at a time.

Each reader takes a column of trimmed text (None for blank) and returns the parsed values, with
NA (None / NaT) wherever the text is blank or cannot be read; a check compares the two to find the
cells that could not be read. Parsed columns are cached per table so each is read once.
"""

from __future__ import annotations

import re

import pandas as pd

from sfclaims.intake.kinds import LIST_SEPARATOR, ExtractColumn, ExtractKind, Format
from sfclaims.platform.framework import Framework

FLAG_SPELLINGS = {
    "y": True,
    "yes": True,
    "true": True,
    "1": True,
    "n": False,
    "no": False,
    "false": False,
    "0": False,
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
LARGEST_COUNT = 2**31 - 1  # the largest whole number a database integer column holds
AS_WRITTEN = frozenset({Format.ID, Format.TEXT})  # formats whose value is the trimmed text
ANY_TEXT_READS = AS_WRITTEN | {Format.SERVICE, Format.PEOPLE}  # no text is unreadable
NUL = "\x00"  # a character no PostgreSQL text can hold


def visible(text: str) -> str:
    """Text as a report can show it and any database can store it: a NUL written as \\x00."""
    return text.replace(NUL, "\\x00")


def parse_dates(text: pd.Series) -> pd.Series:
    """DD/MM/YYYY or YYYY-MM-DD to datetime64; NaT where blank or not a date."""
    parsed = pd.to_datetime(text, format=DATE_FORMATS[0], errors="coerce")
    missing = parsed.isna() & text.notna()
    if missing.any():
        parsed[missing] = pd.to_datetime(text[missing], format=DATE_FORMATS[1], errors="coerce")
    return parsed


def parse_flags(text: pd.Series) -> pd.Series:
    return text.str.lower().map(FLAG_SPELLINGS)


def parse_counts(text: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(text, errors="coerce")
    whole = (
        numbers.notna() & (numbers >= 0) & (numbers == numbers.round()) & (numbers <= LARGEST_COUNT)
    )
    return numbers.where(whole).astype("Int64")


def parse_academic_years(text: pd.Series) -> pd.Series:
    parts = text.str.extract(ACADEMIC_YEAR)
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    consecutive = (first + 1) % 100 == second
    return text.where(consecutive)


def parse_listed(text: pd.Series, spellings: dict[str, str]) -> pd.Series:
    return text.str.lower().map(spellings)


def split_list(text: pd.Series) -> pd.Series:
    """A ;-list to a Python list of trimmed, non-empty items (an empty list where blank)."""
    return text.map(
        lambda cell: (
            []
            if cell is None or cell != cell
            else [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]
        )
    )


def parse_headline_lists(text: pd.Series, spellings: dict[str, str]) -> pd.Series:
    """A ;-list of headlines to their codes joined by ;, NA when any item is not a headline."""

    def codes(items: list[str]) -> str | None:
        found = [spellings.get(item.lower()) for item in items]
        if not found or None in found:
            return None
        return LIST_SEPARATOR.join(dict.fromkeys(found))  # type: ignore[arg-type]

    return split_list(text).map(codes)


class ParsedColumns:
    """The parsed form of each column of one extract table, read once and reused."""

    def __init__(self, table: pd.DataFrame, kind: ExtractKind, framework: Framework) -> None:
        self.table = table
        self.kind = kind
        self.framework = framework
        self._cache: dict[str, pd.Series] = {}

    def __getitem__(self, column: ExtractColumn) -> pd.Series:
        if column.format in AS_WRITTEN:
            return self.table[column.header]
        if column.header not in self._cache:
            self._cache[column.header] = self._parse_distinct(column)
        return self._cache[column.header]

    def _parse_distinct(self, column: ExtractColumn) -> pd.Series:
        """Parse each distinct value once and spread the results back over the rows: extracts
        repeat values (terms, years, dates, flags) far more often than they vary."""
        text = self.table[column.header]
        codes, distinct = pd.factorize(text, use_na_sentinel=True)
        parsed = self._parse(column, pd.Series(distinct, dtype=object))
        return pd.Series(parsed.array.take(codes, allow_fill=True), index=text.index)

    def _parse(self, column: ExtractColumn, text: pd.Series) -> pd.Series:
        fmt = column.format
        if fmt is Format.DATE:
            return parse_dates(text)
        if fmt is Format.FLAG:
            return parse_flags(text)
        if fmt is Format.COUNT:
            return parse_counts(text)
        if fmt is Format.ACADEMIC_YEAR:
            return parse_academic_years(text)
        if fmt is Format.HEADLINE:
            return parse_listed(text, self.framework.headline_spellings)
        if fmt is Format.HEADLINES:
            return parse_headline_lists(text, self.framework.headline_spellings)
        if fmt is Format.LISTED:
            return parse_listed(text, self.framework.accepted_values[column.listed or ""])
        if fmt is Format.SERVICE:
            known = parse_listed(text, self.framework.accepted_values["service"])
            return known.fillna(text)
        if fmt is Format.PEOPLE:
            return split_list(text)
        raise ValueError(f"no reader for {fmt}")  # pragma: no cover - every format has one

    def unreadable(self, column: ExtractColumn) -> pd.Series:
        """True where a cell holds text that its format cannot read."""
        return self.table[column.header].notna() & self[column].isna()
