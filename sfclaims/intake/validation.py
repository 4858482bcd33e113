"""Validating one extract table: every problem of every row, and the good rows ready to load.

Nothing raises per row: the result carries the good rows and the problems together. A row with
any problem is set aside whole; each of its problems is reported with file, row, column, value
and reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pandera.pandas as pa

from sfclaims.intake.kinds import LIST_SEPARATOR, ExtractKind, Format
from sfclaims.intake.reading import RawExtract
from sfclaims.intake.schemas import (
    BLANK_CHECK,
    DUPLICATE_CHECK,
    References,
    blank_reason,
    build_schema,
    duplicate_reason,
)
from sfclaims.intake.values import ParsedColumns, visible
from sfclaims.platform.framework import Framework
from sfclaims.platform.models import EXTRACT_TABLES, table_of


@dataclass(frozen=True)
class RowProblem:
    """Why one row of an extract was set aside, and where."""

    file_name: str
    row_number: int  # as the user sees it in the file: the header is row 1
    column: str
    value: str
    reason: str
    record_id: str = ""  # what the row's record was called (its ID), to find it in the source


@dataclass
class ValidatedExtract:
    raw: RawExtract
    parsed: ParsedColumns
    problems: list[RowProblem]
    good_rows: pd.Index  # row numbers of the rows that load

    @property
    def kind(self) -> ExtractKind:
        return self.raw.kind

    @property
    def rows_set_aside(self) -> int:
        return len({p.row_number for p in self.problems})

    @property
    def rows_loaded(self) -> int:
        return len(self.good_rows)

    def good_column(self, header: str) -> pd.Series:
        return self.raw.table.loc[self.good_rows, header]

    def raw_row(self, row_number: int) -> str:
        """The row as the file had it, for the set-aside table: nothing is lost."""
        cells = self.raw.table.loc[row_number]
        return json.dumps(
            {k: v for k, v in cells.items() if isinstance(v, str)}, ensure_ascii=False
        )

    def table_frame(self) -> pd.DataFrame:
        """The good rows typed as their table stores them (dates as ISO text, flags as booleans,
        counts as whole numbers, lists joined), in the table's columns but ``batch_id``: the
        batch is known only once it is recorded."""
        table = table_of(EXTRACT_TABLES[self.kind.name])
        rows = self.good_rows
        every_row = len(rows) == len(self.raw.table)
        keep = None if every_row else self.raw.table.index.isin(rows)  # by position, once
        values: dict[str, object] = {"source_row": rows.to_numpy()}
        if "id" in table.c and "id" not in (c.field for c in self.kind.columns):
            values["id"] = values["source_row"]
        for column in self.kind.columns:
            typed = self.parsed[column]
            if keep is not None:
                typed = typed[keep]
            if column.format is Format.DATE:
                typed = typed.dt.strftime("%Y-%m-%d")
            elif column.format is Format.PEOPLE:
                typed = typed.map(LIST_SEPARATOR.join)
            elif column.format is Format.FLAG:
                typed = typed.astype("boolean")
                if not table.c[column.field].nullable:
                    typed = typed.fillna(False)
            values[column.field] = typed.array  # without the row numbers, keeping the type
        return pd.DataFrame(values)


def validate_extract(
    raw: RawExtract, framework: Framework, references: References, import_date: date
) -> ValidatedExtract:
    parsed = ParsedColumns(raw.table, raw.kind, framework)
    schema, rule_columns = build_schema(raw.kind, parsed, references, import_date)
    problems: list[RowProblem] = []
    try:
        schema.validate(raw.table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = _problems(raw, errors.failure_cases, rule_columns)
    bad_rows = {p.row_number for p in problems}
    good_rows = raw.table.index[~raw.table.index.isin(bad_rows)]
    return ValidatedExtract(raw, parsed, problems, good_rows)


def _problems(
    raw: RawExtract, failure_cases: pd.DataFrame, rule_columns: dict[str, str]
) -> list[RowProblem]:
    kind = raw.kind
    problems: set[RowProblem] = set()
    cases = failure_cases.dropna(subset=["index"])
    unexpected = failure_cases[failure_cases["index"].isna()]
    if not unexpected.empty:  # a schema-wide failure is a defect in the schema, not in the file
        raise RuntimeError(f"{raw.path.name}: {unexpected.iloc[0].to_dict()}")
    for case in cases.itertuples(index=False):
        row_number = int(case.index)
        check = str(case.check)
        if case.schema_context == "DataFrameSchema":
            column = rule_columns[check]
            reason = check
        else:
            column = str(case.column)
            if check == BLANK_CHECK:
                reason = blank_reason(kind.column(column))
            elif check == DUPLICATE_CHECK:
                reason = duplicate_reason(column)
            else:
                reason = check
        value = raw.table.at[row_number, column]
        shown = "" if pd.isna(value) else visible(str(value))
        record = raw.table.at[row_number, kind.record_header]
        named = "" if pd.isna(record) else visible(str(record))
        problems.add(RowProblem(raw.path.name, row_number, column, shown, reason, named))
    order = {c.header: i for i, c in enumerate(kind.columns)}
    return sorted(problems, key=lambda p: (p.row_number, order.get(p.column, 99), p.reason))
