"""The data checks at the point of claim: school attendance in the most recent complete term,
and no accepted re-referral into early help or children's social care after the case closed."""

from __future__ import annotations

from datetime import date

from sfclaims.deciding.facts import FamilyBundle, ReferralFacts
from sfclaims.deciding.rules.attendance import complete_terms, school_age_children, term_attendance
from sfclaims.deciding.rules.catalogue import (
    CANNOT_BE_CLAIMED,
    FIX_A_RECORD,
    NEEDS_ACTION,
    reason,
    rule,
)
from sfclaims.deciding.rules.essentials import episode_end
from sfclaims.deciding.rules.findings import Finding, Record, records_of, saying
from sfclaims.platform.dates import add_months
from sfclaims.platform.framework import Framework

ATTENDANCE_DATA_MISSING = reason(
    "ATTENDANCE_DATA_MISSING",
    "Attendance data missing",
    "A school-age child has no attendance record with possible sessions for the most recent "
    "complete term.",
    to_do="Obtain the latest complete term's attendance from the school",
    prospect=NEEDS_ACTION,
    remedy=FIX_A_RECORD,
)
ATTENDANCE_CHECK_FAILED = reason(
    "ATTENDANCE_CHECK_FAILED",
    "Attendance not good",
    "A school-age child missed the framework's share of sessions or more in the most recent "
    "complete term.",
    to_do="Support the child's attendance until a complete term is good",
    prospect=NEEDS_ACTION,
)
REREFERRAL_CHECK_FAILED = reason(
    "REREFERRAL_CHECK_FAILED",
    "Re-referred after closure",
    "After the case closed, a family member or the family was referred into a service that "
    "counts and the referral was accepted.",
    to_do="Nothing: the family was re-referred after the case closed",
    prospect=CANNOT_BE_CLAIMED,
)


@rule(
    "school_attendance",
    "School attendance in the most recent complete term",
    ATTENDANCE_DATA_MISSING,
    ATTENDANCE_CHECK_FAILED,
)
def attendance_check(family: FamilyBundle, framework: Framework, as_of: date) -> Finding:
    (latest,) = complete_terms(framework, as_of, 1)
    missing: list[str] = []
    failed: list[str] = []
    records: list[Record] = []
    pupils = school_age_children(family, framework, as_of)
    for pupil in pupils:
        term = term_attendance(family, pupil.upn or "", latest, framework)
        records.extend(term.cited(pupil))
        if not term.has_data:
            missing.append(pupil.person_id)
        elif not term.is_good(framework):
            failed.append(pupil.person_id)
    reasons = ((ATTENDANCE_DATA_MISSING(),) if missing else ()) + (
        (ATTENDANCE_CHECK_FAILED(),) if failed else ()
    )

    def says() -> str:
        parts = []
        if missing:
            parts.append(f"no attendance for {latest} for {', '.join(missing)}")
        if failed:
            parts.append(f"attendance in {latest} not good for {', '.join(failed)}")
        if parts:
            return _sentence("; ".join(parts))
        if pupils:
            return f"{len(pupils)} school-age child(ren) with good attendance in {latest}."
        return "No school-age child to check."

    return Finding(
        attendance_check.id,
        f"{attendance_check.title} ({latest})",
        reasons,
        saying(says),
        tuple(records),
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


@rule("no_rereferral", "No accepted re-referral after the case closed", REREFERRAL_CHECK_FAILED)
def rereferral_check(family: FamilyBundle, framework: Framework, as_of: date) -> Finding:
    this = rereferral_check.id, rereferral_check.title
    closed = episode_end(family, as_of)
    if closed is None:
        return Finding(*this, (), "The case is open, so there is no re-referral to check.")
    until = rereferral_window_end(closed, framework, as_of)
    rereferrals = [  # of the services and decisions a decide for the reasons alone reads
        r  # (``read_for_reasons``: the loader asks the same of the table; change one, change both)
        for r in family.referrals
        if r.service in framework.rereferral_services
        and r.decision in framework.rereferral_decisions
        and closed < rereferral_dated(r, framework) <= until
    ]
    if rereferrals:
        return Finding(
            *this,
            (REREFERRAL_CHECK_FAILED(),),
            saying(
                lambda: (
                    f"{len(rereferrals)} accepted re-referral(s) after closure on "
                    f"{closed:%d/%m/%Y}{'' if until == as_of else f', by {until:%d/%m/%Y}'}."
                )
            ),
            records_of(rereferrals),
        )
    return Finding(
        *this,
        (),
        saying(
            lambda: (
                f"No accepted re-referral between closure on {closed:%d/%m/%Y} and "
                f"{until:%d/%m/%Y}."
            )
        ),
    )


def rereferral_dated(referral: ReferralFacts, framework: Framework) -> date:
    """The day a re-referral counts from: its referral date (national), or where the framework
    reads it so, the start of the episode it opened (its decision date, else its referral's)."""
    if framework.readings.rereferral_counted_by == "start":
        return referral.decision_date or referral.referral_date
    return referral.referral_date


def rereferral_window_end(closed: date, framework: Framework, as_of: date) -> date:
    """The last day a re-referral counts: the point of claim (national), or that many months
    after closure where the framework reads it so (``Readings.rereferral_within_months``)."""
    months = framework.readings.rereferral_within_months
    return as_of if not months else min(as_of, add_months(closed, months))
