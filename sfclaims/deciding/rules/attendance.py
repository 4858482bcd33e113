"""School terms and attendance, shared by the education outcome and the attendance data checks."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import NamedTuple

from sfclaims.deciding.facts import AttendanceFacts, FamilyBundle, PersonFacts
from sfclaims.deciding.rules.findings import Record, is_citing, record_of
from sfclaims.platform.dates import age_on
from sfclaims.platform.framework import Framework, Term


class SchoolTerm(NamedTuple):
    term: Term
    academic_year: str  # "2024/25"
    start: date
    end: date

    def __str__(self) -> str:
        return f"{self.term.name} {self.academic_year}"


def academic_year_label(first_year: int) -> str:
    return f"{first_year}/{(first_year + 1) % 100:02d}"


def complete_terms(framework: Framework, as_of: date, count: int) -> list[SchoolTerm]:
    """The ``count`` most recent terms that ended on or before the date, most recent first."""
    return list(_complete_terms(framework.terms, as_of, count))


@lru_cache(maxsize=64)
def _complete_terms(terms: tuple[Term, ...], as_of: date, count: int) -> tuple[SchoolTerm, ...]:
    found: list[SchoolTerm] = []
    first_year = as_of.year
    while len(found) < count:
        year_terms = []
        for term in terms:
            start, end = term.dates(first_year)
            if end <= as_of:
                year_terms.append(SchoolTerm(term, academic_year_label(first_year), start, end))
        found.extend(sorted(year_terms, key=lambda t: t.end, reverse=True))
        first_year -= 1
    return tuple(found[:count])


def terms_ending_after(framework: Framework, day: date, count: int) -> list[SchoolTerm]:
    """The ``count`` terms that end after the date (the one under way first), earliest first."""
    found: list[SchoolTerm] = []
    first_year = day.year - 1
    while len(found) < count:
        for term in framework.terms:
            start, end = term.dates(first_year)
            if end > day:
                found.append(SchoolTerm(term, academic_year_label(first_year), start, end))
        first_year += 1
    return sorted(found, key=lambda t: t.end)[:count]


def terms_needed(framework: Framework, as_of: date) -> list[tuple[str, str]]:
    """The (academic year, term) pairs the attendance rules can look at for this date."""
    count = max(framework.thresholds.attendance_terms_needed, 1)
    return [(t.academic_year, t.term.name) for t in complete_terms(framework, as_of, count)]


class TermAttendance(NamedTuple):
    """A pupil's attendance in one term, summed across schools."""

    school_term: SchoolTerm
    possible: int
    missed: int
    records: tuple[AttendanceFacts, ...]

    @property
    def has_data(self) -> bool:
        return self.possible > 0

    def is_good(self, framework: Framework) -> bool:
        """Sessions missed below the framework's share of possible sessions (exactly, in whole
        numbers: missed / possible < p / q  <=>  missed * q < p * possible)."""
        limit = framework.thresholds.good_attendance_missed_below
        return (
            self.possible > 0 and self.missed * limit.denominator < limit.numerator * self.possible
        )

    def describe(self) -> str:
        """The term's attendance summed across the pupil's schools."""
        if not self.records:
            return f"{self.school_term}: no record"
        schools = f" at {len(self.records)} schools" if len(self.records) > 1 else ""
        return f"{self.school_term}{schools}: {self.missed} of {self.possible} sessions missed"

    def cited(self, pupil: PersonFacts) -> list[Record]:
        """The records the term rests on, as an auditor checks them: each school's row with its
        own figures, then the pupil with the term's sum (none while not citing)."""
        if not is_citing():
            return []
        rows = [
            record_of(
                r,
                f"{self.school_term}, school {r.school_urn or 'not given'}: "
                f"{r.sessions_missed} of {r.possible_sessions} sessions missed"
                + (
                    f" ({r.unauthorised_missed} unauthorised)"
                    if r.unauthorised_missed is not None
                    else ""
                ),
            )
            for r in self.records
        ]
        return [*rows, record_of(pupil, self.describe())]


def term_attendance(
    family: FamilyBundle, upn: str, school_term: SchoolTerm, framework: Framework
) -> TermAttendance:
    """The pupil's term summed across schools, counting the absences the framework reads as
    absence (``Readings.absences``)."""
    year, term = school_term.academic_year, school_term.term.name
    records: list[AttendanceFacts] = []
    possible = missed = 0
    for r in family.attendance.get(upn, ()):
        if r.academic_year == year and r.term == term:
            records.append(r)
            possible += r.possible_sessions
            missed += counted_absence(r, framework)
    return TermAttendance(school_term, possible, missed, tuple(records))


def counted_absence(record: AttendanceFacts, framework: Framework) -> int:
    """The sessions missed that count: all of them (national), or the unauthorised ones where
    the framework reads it so and the record gives them (else all: none can be told apart)."""
    if framework.readings.absences == "unauthorised" and record.unauthorised_missed is not None:
        return record.unauthorised_missed
    return record.sessions_missed


def school_age_children(
    family: FamilyBundle, framework: Framework, as_of: date
) -> list[PersonFacts]:
    """Household members with a UPN aged within school age at the date (no birth date: included)."""
    low, high = framework.thresholds.school_age_from, framework.thresholds.school_age_to
    return [
        p
        for p in family.household
        if p.upn and (p.date_of_birth is None or low <= age_on(p.date_of_birth, as_of) <= high)
    ]


def good_recent_terms(
    family: FamilyBundle,
    person: PersonFacts,
    framework: Framework,
    as_of: date,
    not_before: date,
) -> tuple[bool, list[TermAttendance]]:
    """Whether the pupil had good attendance in each of the most recent complete terms, all of
    which start on or after ``not_before``; and the terms looked at."""
    if not person.upn:
        return False, []
    terms = complete_terms(framework, as_of, framework.thresholds.attendance_terms_needed)
    looked_at = [term_attendance(family, person.upn, t, framework) for t in terms]
    met = all(t.start >= not_before for t in terms) and all(t.is_good(framework) for t in looked_at)
    return met, looked_at
