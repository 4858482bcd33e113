"""One pandera schema per extract kind, each check carrying the plain-English reason a data
officer reads when a row is set aside.

The schema of a kind is built from its column declarations (``kinds.py``): a required column may
not be blank, each format has its check, an ID may not repeat. Then come the kind's own row rules
(``ROW_RULES``) and the cross-file rules (a family that is not in `families`, a person of another
family), which look at the rows loaded from the other files of the same import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as arrow_compute

from sfclaims.intake.kinds import ACHIEVED, FORMULA_STARTS, ExtractColumn, ExtractKind, Format
from sfclaims.intake.values import ANY_TEXT_READS, LARGEST_COUNT, NUL, ParsedColumns

ARROW_TEXT = pyarrow.large_string()
DUPLICATE_CHECK = "field_uniqueness"
BLANK_CHECK = "not_nullable"


@dataclass(frozen=True)
class References:
    """What the other files of the import say exists: families, and each person's family."""

    family_ids: frozenset[str] = frozenset()
    family_of_person: dict[str, str] = field(default_factory=dict)

    def names_a_family(self, ids: pd.Series) -> pd.Series:
        """True where the ID is a known family (blank: False). Arrow's set lookup, built once:
        pandas' own ``isin`` on Arrow text makes an object per known ID at every call."""
        values = pyarrow.array(ids, type=ARROW_TEXT, from_pandas=True)
        found = arrow_compute.is_in(values, value_set=self._family_id_array)
        return pd.Series(found.to_numpy(zero_copy_only=False), index=ids.index)

    @cached_property
    def _family_id_array(self) -> pyarrow.Array:
        return pyarrow.array(sorted(self.family_ids), type=ARROW_TEXT)


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of a row; ``passes`` is True for the rows that keep."""

    column: str  # the column the problem is reported against
    reason: str
    passes: Callable[[ParsedColumns], pd.Series]


def reason_for_format(column: ExtractColumn, parsed: ParsedColumns) -> str:
    name = column.header
    fmt = column.format
    if fmt is Format.DATE:
        return f"{name} is not a date; use DD/MM/YYYY or YYYY-MM-DD."
    if fmt is Format.FLAG:
        return f"{name} is not a flag; use Y or N (Yes/No, True/False and 1/0 are accepted too)."
    if fmt is Format.COUNT:
        return f"{name} is not a whole number from 0 to {LARGEST_COUNT:,}."
    if fmt is Format.ACADEMIC_YEAR:
        return f"{name} is not an academic year written like 2024/25."
    if fmt is Format.HEADLINE:
        return f"{name} is none of the ten headlines (give its code, its number 1-10 or its name)."
    if fmt is Format.HEADLINES:
        return f"{name} names something that is none of the ten headlines."
    if fmt is Format.LISTED:
        listed = sorted(set(parsed.framework.accepted_values[column.listed or ""].values()))
        return f"{name} is not one of the listed values: {', '.join(listed)}."
    raise ValueError(
        f"no reason text for {fmt}"
    )  # pragma: no cover - every readable format has one


def blank_reason(column: ExtractColumn) -> str:
    return f"{column.header} is blank; it is required."


def duplicate_reason(column_header: str) -> str:
    return (
        f"{column_header} appears on more than one row; every copy is set aside because none "
        f"can be trusted over the others."
    )


def build_schema(
    kind: ExtractKind, parsed: ParsedColumns, references: References, import_date: date
) -> tuple[pa.DataFrameSchema, dict[str, str]]:
    """The kind's schema, and the column each of its row-level reasons is reported against."""
    columns: dict[str, pa.Column] = {}
    for column in kind.columns:
        checks = []
        if column.format in ANY_TEXT_READS:
            checks.append(
                _check(
                    lambda s: ~s.str.contains(NUL, regex=False).fillna(False),
                    f"{column.header} holds a NUL character (shown as \\x00), which a database "
                    f"cannot store as text; remove it and export the file again.",
                )
            )
        else:  # a NUL makes the cell unreadable, so this check reports it
            checks.append(
                _check(
                    lambda _s, c=column: ~parsed.unreadable(c), reason_for_format(column, parsed)
                )
            )
        if column.format is Format.ID:
            checks.append(
                _check(
                    lambda s: ~s.str.startswith(FORMULA_STARTS).fillna(False),
                    f"{column.header} begins with {', '.join(map(repr, FORMULA_STARTS[:4]))}, a "
                    f"tab or a return, which a spreadsheet would run as a formula; no ID in the "
                    f"case system does — check the row.",
                )
            )
        if column.format is Format.DATE:
            latest = pd.Timestamp(import_date)
            checks.append(
                _check(
                    lambda _s, c=column, latest=latest: ~(parsed[c] > latest),
                    f"{column.header} is later than the day of import ({import_date:%d/%m/%Y}).",
                )
            )
        if column.header == "Family ID" and kind.belongs_to_family:
            checks.append(
                _check(
                    lambda s: references.names_a_family(s) | s.isna(),
                    "Family ID names no family in the families extract.",
                )
            )
        unique = column.header == kind.unique_id
        columns[column.header] = pa.Column(
            nullable=not column.required,
            unique=unique,
            report_duplicates="all",
            checks=checks,
            required=True,
        )
    rules = ROW_RULES.get(kind.name, []) + _cross_file_rules(kind, references)
    schema = pa.DataFrameSchema(
        columns,
        checks=[_check(lambda _df, r=rule: r.passes(parsed), rule.reason) for rule in rules],
        strict=False,
    )
    return schema, {rule.reason: rule.column for rule in rules}


def _check(function: Callable[..., Any], reason: str) -> pa.Check:
    return pa.Check(function, error=reason, ignore_na=False)


def _cross_file_rules(kind: ExtractKind, references: References) -> list[RowRule]:
    rules: list[RowRule] = []
    if kind.person_of_family:
        rules.append(
            RowRule(
                "Person ID",
                "Person ID is not a person of this row's family in the people extract.",
                lambda p: _person_in_family(p, references),
            )
        )
    if "Members Covered" in (c.header for c in kind.columns):
        rules.append(
            RowRule(
                "Members Covered",
                "Members Covered names someone who is not a person of this row's family.",
                lambda p: _members_in_family(p, references),
            )
        )
    return rules


def _person_in_family(parsed: ParsedColumns, references: References) -> pd.Series:
    person = parsed.table["Person ID"]
    family_of_person = person.map(references.family_of_person)
    return person.isna() | (family_of_person == parsed.table["Family ID"])


def _members_in_family(parsed: ParsedColumns, references: References) -> pd.Series:
    members = parsed[parsed_column(parsed, "Members Covered")]
    families = parsed.table["Family ID"]
    family_of = references.family_of_person
    return pd.Series(
        [
            all(family_of.get(person) == family for person in people)
            for people, family in zip(members, families.tolist(), strict=True)
        ],
        index=parsed.table.index,
    )


def parsed_column(parsed: ParsedColumns, header: str) -> ExtractColumn:
    return parsed.kind.column(header)


def _not_before(later: str, earlier: str) -> Callable[[ParsedColumns], pd.Series]:
    def passes(parsed: ParsedColumns) -> pd.Series:
        late = parsed[parsed_column(parsed, later)]
        early = parsed[parsed_column(parsed, earlier)]
        return ~(late < early)

    return passes


def _achieved_has_date(parsed: ParsedColumns) -> pd.Series:
    achieved = parsed[parsed_column(parsed, "Status")] == ACHIEVED
    return ~(achieved & parsed.table["Achieved Date"].isna())


def _missed_within_possible(parsed: ParsedColumns) -> pd.Series:
    missed = parsed[parsed_column(parsed, "Sessions Missed")]
    possible = parsed[parsed_column(parsed, "Possible Sessions")]
    return ~(missed > possible).fillna(False)


def _unauthorised_within_missed(parsed: ParsedColumns) -> pd.Series:
    if "Unauthorised Sessions Missed" not in parsed.table:
        return pd.Series(True, index=parsed.table.index)
    unauthorised = parsed[parsed_column(parsed, "Unauthorised Sessions Missed")]
    missed = parsed[parsed_column(parsed, "Sessions Missed")]
    return ~(unauthorised > missed).fillna(False)


#: Rules over several columns of one row, per kind.
ROW_RULES: dict[str, list[RowRule]] = {
    "families": [
        RowRule(
            "Episode End Date",
            "Episode End Date is before the Episode Start Date.",
            _not_before("Episode End Date", "Episode Start Date"),
        ),
    ],
    "outcomes": [
        RowRule(
            "Achieved Date", "Status is Achieved but Achieved Date is blank.", _achieved_has_date
        ),
        RowRule(
            "Sustained Until",
            "Sustained Until is before the Achieved Date.",
            _not_before("Sustained Until", "Achieved Date"),
        ),
    ],
    "attendance": [
        RowRule(
            "Sessions Missed",
            "Sessions Missed is more than Possible Sessions.",
            _missed_within_possible,
        ),
        RowRule(
            "Unauthorised Sessions Missed",
            "Unauthorised Sessions Missed is more than Sessions Missed.",
            _unauthorised_within_missed,
        ),
    ],
}
