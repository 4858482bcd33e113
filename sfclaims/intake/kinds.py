"""The Liquidlogic extract kinds: their files, headers, value formats and the table each loads.

This is extracts.md as data. Each column names the header the authority's file carries (matched
case-insensitively, surrounding spaces ignored), the table column it loads into, whether the
header is required, and the format of its values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# The stored values (the framework's keys in [values.*]) that the engine reads.
ACHIEVED = "Achieved"  # outcome status
IDENTIFIED = "Identified"  # need status
CHILD = "Child"  # person role
LIST_SEPARATOR = ";"  # between the items of a list cell, and of a list as stored


def members(text: str) -> frozenset[str]:
    """The items of a ``;``-list as stored (a member or headline list)."""
    return frozenset(text.split(LIST_SEPARATOR)).difference(("",))


#: What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection): no ID
#: may begin with one, and a CSV cell for people that does is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Format(Enum):
    """How a cell's text is read."""

    ID = "id"  # text, leading zeros kept
    TEXT = "text"
    DATE = "date"  # DD/MM/YYYY or YYYY-MM-DD (or an XLSX date cell)
    FLAG = "flag"  # Y/N, Yes/No, True/False, 1/0
    COUNT = "count"  # a whole number, zero or more
    ACADEMIC_YEAR = "academic_year"  # 2024/25
    HEADLINE = "headline"  # one of the ten, as code, number or name
    HEADLINES = "headlines"  # a ;-list of headlines
    PEOPLE = "people"  # a ;-list of Person IDs of the row's family
    LISTED = "listed"  # one of the framework's accepted values (``listed`` names the list)
    SERVICE = "service"  # free text; the framework's spellings of known services are tidied


@dataclass(frozen=True)
class ExtractColumn:
    header: str
    field: str
    format: Format = Format.TEXT
    required: bool = False
    listed: str | None = None  # the framework's value list, for Format.LISTED
    without: str = ""  # what the rules lose when a file has no such column (an optional one)

    @property
    def key(self) -> str:
        return self.header.lower()


@dataclass(frozen=True)
class ExtractKind:
    name: str
    columns: tuple[ExtractColumn, ...]
    unique_id: str | None = None  # header of the column whose values must not repeat
    belongs_to_family: bool = False  # Family ID must name a family in `families`
    person_of_family: bool = False  # Person ID, when given, must be a person of that family

    @property
    def required_headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)

    @property
    def record_header(self) -> str:
        """The column that names a row's record, as a report of set-aside rows shows it: the
        unique ID, else the first ID that is not the family's (a worker, a pupil), else it."""
        if self.unique_id:
            return self.unique_id
        ids = [c.header for c in self.columns if c.format is Format.ID]
        return next((h for h in ids if h != "Family ID"), ids[0])

    def column(self, header: str) -> ExtractColumn:
        return next(c for c in self.columns if c.header == header)


def _c(
    header: str,
    field: str,
    fmt: Format = Format.TEXT,
    *,
    required: bool = False,
    listed: str | None = None,
    without: str = "",
) -> ExtractColumn:
    return ExtractColumn(header, field, fmt, required, listed, without)


F = Format
KINDS: dict[str, ExtractKind] = {
    kind.name: kind
    for kind in (
        ExtractKind(
            "families",
            (
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Episode Start Date", "episode_start", F.DATE, required=True),
                _c(
                    "Episode End Date",
                    "episode_end",
                    F.DATE,
                    without="every case looks open, so no family can be claimed",
                ),
                _c("Closure Reason", "closure_reason"),
                _c("Team", "team"),
                _c("Locality", "locality"),
            ),
            unique_id="Family ID",
        ),
        ExtractKind(
            "people",
            (
                _c("Person ID", "person_id", F.ID, required=True),
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Role", "role", F.LISTED, required=True, listed="role"),
                _c(
                    "Date Of Birth",
                    "date_of_birth",
                    F.DATE,
                    without="no child's age is known (a dependent child, school age)",
                ),
                _c("Gender", "gender"),
                _c(
                    "UPN",
                    "upn",
                    F.ID,
                    without="no child can be matched to their school attendance, so the "
                    "attendance check has nothing to go on",
                ),
                _c("Household Member", "household_member", F.FLAG, required=True),
                _c("Expectant Parent", "expectant_parent", F.FLAG),
            ),
            unique_id="Person ID",
            belongs_to_family=True,
        ),
        ExtractKind(
            "needs",
            (
                _c("Need ID", "need_id", F.ID, required=True),
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Person ID", "person_id", F.ID),
                _c("Headline", "headline", F.HEADLINE, required=True),
                _c("Indicator", "indicator"),
                _c("Date Identified", "date_identified", F.DATE, required=True),
                _c("Status", "status", F.LISTED, required=True, listed="need_status"),
                _c("Identified By", "identified_by"),
            ),
            unique_id="Need ID",
            belongs_to_family=True,
            person_of_family=True,
        ),
        ExtractKind(
            "assessments",
            (
                _c("Assessment ID", "assessment_id", F.ID, required=True),
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Assessment Type", "assessment_type", required=True),
                _c("Start Date", "start_date", F.DATE),
                _c(
                    "Completed Date",
                    "completed_date",
                    F.DATE,
                    without="no assessment counts as completed",
                ),
                _c("Whole Family", "whole_family", F.FLAG, required=True),
                _c("Members Covered", "members_covered", F.PEOPLE, required=True),
                _c("Voice Of Child Recorded", "voice_of_child_recorded", F.FLAG),
            ),
            unique_id="Assessment ID",
            belongs_to_family=True,
        ),
        ExtractKind(
            "plans",
            (
                _c("Plan ID", "plan_id", F.ID, required=True),
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Plan Start Date", "plan_start", F.DATE, required=True),
                _c("Last Review Date", "last_review", F.DATE),
                _c("Plan End Date", "plan_end", F.DATE),
                _c("Members Covered", "members_covered", F.PEOPLE, required=True),
                _c("Headlines Addressed", "headlines_addressed", F.HEADLINES, required=True),
            ),
            unique_id="Plan ID",
            belongs_to_family=True,
        ),
        ExtractKind(
            "lead_practitioners",
            (
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Worker ID", "worker_id", F.ID, required=True),
                _c("Worker Name", "worker_name"),
                _c("Agency", "agency"),
                _c("Start Date", "start_date", F.DATE, required=True),
                _c("End Date", "end_date", F.DATE),
                _c("Recognised By Family", "recognised_by_family", F.FLAG, required=True),
            ),
            belongs_to_family=True,
        ),
        ExtractKind(
            "outcomes",
            (
                _c("Outcome ID", "outcome_id", F.ID, required=True),
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Person ID", "person_id", F.ID),
                _c("Headline", "headline", F.HEADLINE, required=True),
                _c("Outcome Measure", "outcome_measure"),
                _c("Status", "status", F.LISTED, required=True, listed="outcome_status"),
                _c(
                    "Achieved Date",
                    "achieved_date",
                    F.DATE,
                    without="no outcome has a date it was achieved",
                ),
                _c(
                    "Sustained Until",
                    "sustained_until",
                    F.DATE,
                    without="no outcome can be shown to have held",
                ),
                _c("Evidence Source", "evidence_source"),
                _c("Evidence Reference", "evidence_reference"),
                _c("Recorded By", "recorded_by"),
            ),
            unique_id="Outcome ID",
            belongs_to_family=True,
            person_of_family=True,
        ),
        ExtractKind(
            "attendance",
            (
                _c("UPN", "upn", F.ID, required=True),
                _c("School URN", "school_urn", F.ID),
                _c("Academic Year", "academic_year", F.ACADEMIC_YEAR, required=True),
                _c("Term", "term", F.LISTED, required=True, listed="term"),
                _c("Possible Sessions", "possible_sessions", F.COUNT, required=True),
                _c("Sessions Missed", "sessions_missed", F.COUNT, required=True),
                _c("Unauthorised Sessions Missed", "unauthorised_missed", F.COUNT),
            ),
        ),
        ExtractKind(
            "referrals",
            (
                _c("Referral ID", "referral_id", F.ID, required=True),
                _c("Family ID", "family_id", F.ID),
                _c("Person ID", "person_id", F.ID),
                _c("Referral Date", "referral_date", F.DATE, required=True),
                _c("Service", "service", F.SERVICE, required=True),
                _c("Decision", "decision", F.LISTED, required=True, listed="decision"),
                _c(
                    "Decision Date",
                    "decision_date",
                    F.DATE,
                    without="no referral has the date it was accepted (the re-referral check)",
                ),
            ),
            unique_id="Referral ID",
        ),
        ExtractKind(
            "previous_claims",
            (
                _c("Family ID", "family_id", F.ID, required=True),
                _c("Claim Period", "claim_period", required=True),
                _c("Claim Date", "claim_date", F.DATE),
            ),
            belongs_to_family=True,
        ),
    )
}
