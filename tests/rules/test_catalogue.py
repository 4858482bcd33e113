import pytest

from sfclaims.deciding.rules import REASONS, canonical_codes
from sfclaims.deciding.rules.catalogue import (
    CANNOT_BE_CLAIMED,
    CATALOGUE,
    FIX_A_RECORD,
    NEEDS_ACTION,
    PROSPECTS,
    REMEDIES,
    TIME_ALONE,
    WAITING,
    describe,
    reason,
    what_to_do,
)
from sfclaims.platform.framework import load_framework

# The canonical order of domain.md, written out as the spec gives it.
DOMAIN_ORDER = [
    "NOT_ELIGIBLE",
    "NO_DEPENDENT_CHILD",
    "NO_ASSESSMENT",
    "ASSESSMENT_NOT_WHOLE_FAMILY",
    "NO_PLAN",
    "PLAN_NOT_WHOLE_FAMILY",
    "PLAN_MISSING_NEEDS",
    "NO_LEAD_PRACTITIONER",
    "LEAD_PRACTITIONER_NOT_RECOGNISED",
    "EPISODE_OPEN",
]
HEADLINES = [
    "EDUCATION",
    "EARLY_YEARS",
    "HEALTH",
    "SUBSTANCE",
    "RELATIONSHIPS",
    "EXPLOITATION",
    "CRIME",
    "DOMESTIC_ABUSE",
    "HOUSING",
    "FINANCE",
]


def test_the_catalogue_gives_domain_mds_codes_in_its_canonical_order():
    expected = (
        DOMAIN_ORDER
        + [f"NEED_WITHOUT_OUTCOME:{h}" for h in HEADLINES]
        + [f"OUTCOME_NOT_SUSTAINED:{h}" for h in HEADLINES]
        + [
            "ATTENDANCE_DATA_MISSING",
            "ATTENDANCE_CHECK_FAILED",
            "REREFERRAL_CHECK_FAILED",
            "AUDIT_FAILED",
            "ALREADY_CLAIMED",
        ]
    )
    assert canonical_codes(load_framework()) == expected


def test_every_declared_reason_is_in_the_canonical_order_once():
    assert sorted(r.code for r in REASONS) == sorted(CATALOGUE)
    assert len({r.code for r in REASONS}) == len(REASONS)


def test_a_code_cannot_be_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        reason("NO_PLAN", "again", "again", to_do="again", prospect=NEEDS_ACTION)


def test_the_prospects_of_domain_md_forecast_section():
    """Forecast: which reasons cannot be claimed, which wait, the rest need action."""
    by_prospect = {p: {c for c, r in CATALOGUE.items() if r.prospect == p} for p in PROSPECTS}
    assert by_prospect[CANNOT_BE_CLAIMED] == {
        "NOT_ELIGIBLE",
        "NO_DEPENDENT_CHILD",
        "REREFERRAL_CHECK_FAILED",
        "ALREADY_CLAIMED",
    }
    assert by_prospect[WAITING] == {"OUTCOME_NOT_SUSTAINED"}
    assert all(r.to_do for r in CATALOGUE.values())
    assert what_to_do("NEED_WITHOUT_OUTCOME:HEALTH").startswith("HEALTH: Record")


def test_the_remedies_of_the_work_lists():
    """#15: fixable now is a record missing or incomplete; waiting is time alone."""
    by_remedy = {r: {c for c, d in CATALOGUE.items() if d.remedy == r} for r in REMEDIES}
    assert by_remedy[FIX_A_RECORD] == {
        "NO_ASSESSMENT",
        "ASSESSMENT_NOT_WHOLE_FAMILY",
        "NO_PLAN",
        "PLAN_NOT_WHOLE_FAMILY",
        "PLAN_MISSING_NEEDS",
        "NO_LEAD_PRACTITIONER",
        "LEAD_PRACTITIONER_NOT_RECOGNISED",
        "NEED_WITHOUT_OUTCOME",
        "ATTENDANCE_DATA_MISSING",
    }
    assert by_remedy[TIME_ALONE] == {"OUTCOME_NOT_SUSTAINED", "EPISODE_OPEN"}
    with pytest.raises(ValueError, match="is not one of"):
        reason("NEW_CODE", "t", "m", to_do="x", prospect=NEEDS_ACTION, remedy="luck")


def test_every_code_has_a_title_and_a_message_for_people():
    for code in canonical_codes(load_framework()):
        entry = describe(code)
        assert entry.title and entry.message.endswith(".")
