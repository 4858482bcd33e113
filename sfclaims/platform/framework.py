"""The outcome framework: headlines, thresholds, terms and accepted values, loaded from data.

The national framework lives in ``outcome_framework/national-2022-25/`` (TOML). An authority's
locally agreed outcome plan is an overlay file whose keys replace the national ones. This module is
the one place that reads those files; every threshold, headline and accepted value the engine uses
comes from the :class:`Framework` it returns.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sfclaims.platform.errors import FrameworkError

FRAMEWORK_ROOT = Path(__file__).resolve().parents[2] / "outcome_framework"
NATIONAL = FRAMEWORK_ROOT / "national-2022-25"
FRAMEWORK_FILES = ("framework.toml", "headlines.toml")


# --- the shape of the files, validated on load -------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Coded(_Strict):
    code: str = Field(min_length=1)
    descriptor: str = Field(min_length=1)


class _HeadlineFile(_Strict):
    number: int = Field(ge=1)
    names: list[str] = Field(min_length=1)
    sustain_months: int = Field(ge=0, le=120)
    evidenced_by_attendance: bool = False
    indicators: list[_Coded] = []
    outcome_measures: list[_Coded] = []


class _Thresholds(_Strict):
    minimum_headlines: int = Field(ge=1)
    dependent_child_age_under: int = Field(ge=1)
    school_age_from: int = Field(ge=0)
    school_age_to: int = Field(ge=0)
    good_attendance_missed_below_percent: float = Field(gt=0, le=100)
    attendance_terms_needed: int = Field(ge=1, le=12)


class _TermFile(_Strict):
    name: str
    start: str = Field(pattern=r"^\d\d-\d\d$")
    end: str = Field(pattern=r"^\d\d-\d\d$")
    calendar_year: str = Field(pattern=r"^(first|second)$")


class _Rereferral(_Strict):
    services: list[str] = Field(min_length=1)
    decisions: list[str] = Field(min_length=1)
    # how councils read the check differently (Readings): the national reading by default
    counted_by: str = Field(default="referral", pattern=r"^(referral|start)$")
    within_months: int = Field(default=0, ge=0, le=60)


class _Readings(_Strict):
    """Rules councils read differently, each defaulting to the national reading (Readings)."""

    child_need_attendance: str = Field(default="the child", pattern=r"^(the child|every child)$")
    absences: str = Field(default="all", pattern=r"^(all|unauthorised)$")
    severe_absence_attended_below_percent: float = Field(default=0, ge=0, le=100)
    severe_absence_improvement_percent: float = Field(default=0, ge=0, le=1000)


PERIOD = r"^\d{4}-Q[1-4]$"


class _DepartmentFile(_Strict):
    from_period: str = Field(pattern=PERIOD)
    name: str = Field(min_length=1)


class _ProgrammeFile(_Strict):
    payment: str = Field(pattern=r"^(results|none)$")
    last_claim_period: str | None = Field(default=None, pattern=PERIOD)
    departments: list[_DepartmentFile] = []


class _FrameworkFile(_Strict):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    programme: _ProgrammeFile = _ProgrammeFile(payment="results")  # no end given: no end
    readings: _Readings = _Readings()  # none given: the national reading of each
    thresholds: _Thresholds
    terms: list[_TermFile] = Field(min_length=1)
    rereferral: _Rereferral
    values: dict[str, dict[str, list[str]]]
    headlines: dict[str, _HeadlineFile] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _has_every_list(cls, values: dict[str, dict[str, list[str]]]) -> dict[Any, Any]:
        missing = [kind for kind in VALUE_LISTS if kind not in values]
        if missing:
            raise ValueError(f"the accepted values for {', '.join(missing)} are missing")
        return values


#: The listed values of the extracts that the framework names (extracts.md).
VALUE_LISTS = ("role", "need_status", "outcome_status", "term", "decision", "service")


# --- the typed framework the engine uses -------------------------------------------------------


@dataclass(frozen=True)
class Coded:
    code: str
    descriptor: str


@dataclass(frozen=True)
class Headline:
    number: int
    code: str
    names: tuple[str, ...]
    sustain_months: int
    evidenced_by_attendance: bool
    indicators: tuple[Coded, ...]
    outcome_measures: tuple[Coded, ...]

    @property
    def title(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Term:
    name: str
    start_month_day: tuple[int, int]
    end_month_day: tuple[int, int]
    in_second_year: bool

    def dates(self, academic_year_start: int) -> tuple[date, date]:
        year = academic_year_start + (1 if self.in_second_year else 0)
        return date(year, *self.start_month_day), date(year, *self.end_month_day)


@dataclass(frozen=True)
class Programme:
    """When the programme paid by results (contract.md, "The programme's calendar"): whether it
    pays at all, its last claim period (a quarter as runs keep it, ``2025-Q1``; None: no end),
    and the department each period's claims went to, from the period named. Never part of a
    decision: the framework's fingerprint leaves it out."""

    payment: str  # "results" or "none"
    last_claim_period: str | None
    departments: tuple[tuple[str, str], ...]  # (from period, name), earliest first

    @property
    def pays(self) -> bool:
        return self.payment == "results"

    def claimable_in(self, period: str) -> bool:
        """Whether a claim may be made for the period (a quarter as runs keep it)."""
        return self.pays and (self.last_claim_period is None or period <= self.last_claim_period)

    def department_for(self, period: str) -> str | None:
        """The department the period's claims went to (None: the framework names none)."""
        named = [name for since, name in self.departments if since <= period]
        return named[-1] if named else None


@dataclass(frozen=True)
class Readings:
    """How this framework reads the rules councils have read differently; each defaults to the
    national reading, so a framework that sets none decides as the national one does.

    - ``absences``: the sessions missed that count against attendance: "all" (national) or
      "unauthorised" only (the extract's Unauthorised Sessions Missed; a record without it
      counts every session missed, as it cannot say which were authorised).
    - ``child_need_attendance``: a child's own need under a headline evidenced by attendance is
      met by "the child"'s attendance (national) or "every child"'s — every school-age child of
      the household, so the family fails when any one fails.
    - ``severe_absence_attended_below`` / ``severe_absence_improvement`` (fractions; 0: not
      read): a pupil who attended less than the first share of sessions in the last complete
      term before the need was identified has the need met by attendance that improved, in the
      most recent complete term, by the second share of that term's (relative improvement).
    - ``rereferral_counted_by``: an accepted re-referral is dated by its "referral" date
      (national) or by the "start" of the episode it opened (the date the service decided, else
      the referral's); ``rereferral_within_months``: it counts when that date falls within so
      many months of the case's closure (0: any time up to the point of claim, national).
    """

    child_need_attendance: str = "the child"
    absences: str = "all"
    severe_absence_attended_below: Fraction = Fraction(0)
    severe_absence_improvement: Fraction = Fraction(0)
    rereferral_counted_by: str = "referral"
    rereferral_within_months: int = 0


@dataclass(frozen=True)
class Thresholds:
    minimum_headlines: int
    dependent_child_age_under: int
    school_age_from: int
    school_age_to: int
    good_attendance_missed_below: Fraction
    attendance_terms_needed: int


@dataclass(frozen=True)
class Framework:
    name: str
    version: str
    sha256: str  # of everything that decides: the programme's calendar is not part of it
    programme: Programme
    headlines: tuple[Headline, ...]
    thresholds: Thresholds
    terms: tuple[Term, ...]
    rereferral_services: frozenset[str]
    rereferral_decisions: frozenset[str]
    readings: Readings
    accepted_values: dict[str, dict[str, str]]  # list -> lower-case spelling -> stored value
    sources: tuple[str, ...]

    @cached_property
    def headline_codes(self) -> tuple[str, ...]:
        return tuple(h.code for h in self.headlines)

    def headline(self, code: str) -> Headline:
        return self._by_code[code]

    @cached_property
    def _by_code(self) -> dict[str, Headline]:
        return {h.code: h for h in self.headlines}

    @cached_property
    def headline_spellings(self) -> dict[str, str]:
        """Every accepted spelling of a headline (code, number, names), lower-case, to its code."""
        spellings: dict[str, str] = {}
        for h in self.headlines:
            for spelling in (h.code, str(h.number), *h.names):
                spellings[spelling.strip().lower()] = h.code
        return spellings

    def label(self) -> str:
        return f"{self.name} {self.version}"


def load_framework(overlay: Path | str | None = None) -> Framework:
    """The national framework, with an authority's overlay file (or a whole framework folder).
    Read again only when one of its files changes (the web workspace asks on every page)."""
    return _load_framework(None if overlay is None else str(overlay), _stamp(overlay))


def _stamp(overlay: Path | str | None) -> tuple[Any, ...]:
    """When and how large each file the framework would be read from is, as it stands now."""
    paths = [NATIONAL / name for name in FRAMEWORK_FILES]
    if overlay is not None:
        path = Path(overlay)
        paths = [path / name for name in FRAMEWORK_FILES] if path.is_dir() else [*paths, path]
    stamps: list[tuple[str, int | None, int | None]] = []
    for path in paths:
        try:
            found = path.stat()
            stamps.append((str(path), found.st_mtime_ns, found.st_size))
        except OSError:
            stamps.append((str(path), None, None))
    return tuple(stamps)


@lru_cache(maxsize=16)
def _load_framework(overlay: str | None, _stamp: tuple[Any, ...]) -> Framework:
    base_dir = NATIONAL
    overlay_data: dict[str, Any] = {}
    overlay_name: str | None = None
    if overlay is not None:
        path = Path(overlay)
        if path.is_dir():
            base_dir = path
        elif path.is_file():
            overlay_data = _read_toml(path)
            overlay_name = str(path)
        else:
            raise FrameworkError(f"The framework file {path.name} does not exist.", exit_code=2)
    shown = Path(overlay_name).name if overlay_name else None  # a file's name, never its folder
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name in FRAMEWORK_FILES:
        file = base_dir / name
        if not file.is_file():
            raise FrameworkError(f"The framework folder {base_dir.name} has no {name}.")
        data = _read_toml(file)
        merged.update(data)
        origin.update({key: file.name for key in data})
    if overlay_data:
        unknown = [
            key
            for key in overlay_data
            if key not in merged and key not in _FrameworkFile.model_fields
        ]
        if unknown:
            raise FrameworkError(
                f"{shown}: the key {unknown[0]!r} is not part of the framework "
                f"(known: {', '.join(sorted(set(merged) | set(_FrameworkFile.model_fields)))})."
            )
        merged = _overlay(merged, overlay_data)
        origin.update({key: shown for key in overlay_data})  # type: ignore[misc]
    try:
        parsed = _FrameworkFile.model_validate(merged)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        where = origin.get(str(first["loc"][0]), base_dir.name)
        raise FrameworkError(f"{where}: {key}: {first['msg']}.") from None
    sources = tuple(str(base_dir / n) for n in FRAMEWORK_FILES) + (
        (overlay_name,) if overlay_name else ()
    )
    try:
        return _build(parsed, merged, sources)
    except ValueError as error:  # a value of the right type that is no date, no number, ...
        raise FrameworkError(
            f"{shown or base_dir.name}: a value is not what the framework needs ({error})."
        ) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise FrameworkError(f"{path.name}: the file is not valid TOML ({error}).") from None


def _overlay(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _overlay(base[key], value)
        else:
            merged[key] = value
    return merged


def _build(parsed: _FrameworkFile, merged: dict[str, Any], sources: tuple[str, ...]) -> Framework:
    numbers = sorted(h.number for h in parsed.headlines.values())
    if numbers != list(range(1, len(numbers) + 1)):
        raise FrameworkError(
            f"{Path(sources[-1]).name}: headlines: numbers must run 1 to {len(numbers)}."
        )
    headlines = tuple(
        sorted(
            (
                Headline(
                    number=h.number,
                    code=code,
                    names=tuple(h.names),
                    sustain_months=h.sustain_months,
                    evidenced_by_attendance=h.evidenced_by_attendance,
                    indicators=tuple(Coded(i.code, i.descriptor) for i in h.indicators),
                    outcome_measures=tuple(Coded(o.code, o.descriptor) for o in h.outcome_measures),
                )
                for code, h in parsed.headlines.items()
            ),
            key=lambda h: h.number,
        )
    )
    t = parsed.thresholds
    thresholds = Thresholds(
        minimum_headlines=t.minimum_headlines,
        dependent_child_age_under=t.dependent_child_age_under,
        school_age_from=t.school_age_from,
        school_age_to=t.school_age_to,
        good_attendance_missed_below=Fraction(str(t.good_attendance_missed_below_percent)) / 100,
        attendance_terms_needed=t.attendance_terms_needed,
    )
    terms = tuple(
        Term(
            name=term.name,
            start_month_day=_month_day(term.start),
            end_month_day=_month_day(term.end),
            in_second_year=term.calendar_year == "second",
        )
        for term in parsed.terms
    )
    accepted: dict[str, dict[str, str]] = {}
    for kind, listed in parsed.values.items():
        spellings: dict[str, str] = {}
        for stored, aliases in listed.items():
            for spelling in (stored, *aliases):
                spellings[spelling.strip().lower()] = stored
        accepted[kind] = spellings
    deciding = {key: value for key, value in merged.items() if key != "programme"}
    digest = hashlib.sha256(json.dumps(deciding, sort_keys=True).encode()).hexdigest()
    calendar = parsed.programme
    return Framework(
        name=parsed.name,
        version=parsed.version,
        sha256=digest,
        programme=Programme(
            payment=calendar.payment,
            last_claim_period=calendar.last_claim_period,
            departments=tuple(sorted((d.from_period, d.name) for d in calendar.departments)),
        ),
        headlines=headlines,
        thresholds=thresholds,
        terms=terms,
        rereferral_services=frozenset(parsed.rereferral.services),
        rereferral_decisions=frozenset(parsed.rereferral.decisions),
        readings=Readings(
            child_need_attendance=parsed.readings.child_need_attendance,
            absences=parsed.readings.absences,
            severe_absence_attended_below=Fraction(
                str(parsed.readings.severe_absence_attended_below_percent)
            )
            / 100,
            severe_absence_improvement=Fraction(
                str(parsed.readings.severe_absence_improvement_percent)
            )
            / 100,
            rereferral_counted_by=parsed.rereferral.counted_by,
            rereferral_within_months=parsed.rereferral.within_months,
        ),
        accepted_values=accepted,
        sources=sources,
    )


def _month_day(text: str) -> tuple[int, int]:
    month, day = (int(part) for part in text.split("-"))
    date(2000, month, day)  # a day of the year (ValueError when it is none: "13-45")
    return month, day
