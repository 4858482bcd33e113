from dataclasses import replace
from datetime import date

from sfclaims.deciding.rules import decide
from sfclaims.platform.framework import load_framework
from tests.rules.builders import (
    AS_OF,
    attendance,
    claimable_family,
    person,
    referral,
    with_people,
)

FRAMEWORK = load_framework()
PARENT = person("P1", role="Parent/Carer", born=date(1985, 3, 3))


def reasons(family, as_of=AS_OF):
    return decide(family, FRAMEWORK, as_of).reasons


def with_summer(*rows):
    """The baseline family with the most recent complete term (Summer 2024/25) replaced."""
    family = claimable_family()
    return replace(family, attendance={"U1": (*family.attendance["U1"][:2], *rows)})


def test_no_record_for_the_most_recent_complete_term_is_missing_data():
    assert reasons(with_summer()) == ("ATTENDANCE_DATA_MISSING",)


def test_records_with_no_possible_sessions_are_missing_data_not_a_failed_check():
    assert reasons(with_summer(attendance("U1", "2024/25", "Summer", 0, 0))) == (
        "ATTENDANCE_DATA_MISSING",
    )


def test_exactly_ten_percent_missed_is_not_good_and_just_under_is():
    assert reasons(with_summer(attendance("U1", "2024/25", "Summer", 120, 12))) == (
        "ATTENDANCE_CHECK_FAILED",
    )
    assert reasons(with_summer(attendance("U1", "2024/25", "Summer", 120, 11))) == ()


def test_attendance_is_summed_across_schools_in_a_term():
    two_schools = (
        attendance("U1", "2024/25", "Summer", 60, 1, school="1"),
        attendance("U1", "2024/25", "Summer", 60, 11, school="2"),
    )
    # 12 of 120 missed across both schools: not good, though the first school alone is fine
    assert reasons(with_summer(*two_schools)) == ("ATTENDANCE_CHECK_FAILED",)


def test_each_schools_row_is_cited_with_its_own_figures_and_then_the_terms_sum():
    two_schools = (
        attendance("U1", "2024/25", "Summer", 60, 1, school="1"),
        attendance("U1", "2024/25", "Summer", 60, 11, school="2"),
    )
    finding = next(
        f
        for f in decide(with_summer(*two_schools), FRAMEWORK, AS_OF).findings
        if f.rule_id == "school_attendance"
    )
    assert [(r.kind, r.record_id, r.note) for r in finding.records] == [
        ("attendance", "U1", "Summer 2024/25, school 1: 1 of 60 sessions missed"),
        ("attendance", "U1", "Summer 2024/25, school 2: 11 of 60 sessions missed"),
        ("person", "C1", "Summer 2024/25 at 2 schools: 12 of 120 sessions missed"),
    ]


def test_the_most_recent_complete_term_moves_with_the_date():
    family = with_summer()  # no Summer 2024/25 record
    assert reasons(family, as_of=date(2025, 7, 30)) == ()  # Spring 2024/25 is the latest then
    assert reasons(family, as_of=date(2025, 7, 31)) == ("ATTENDANCE_DATA_MISSING",)


def test_children_aged_4_and_16_are_not_checked_but_5_and_15_are():
    for born, checked in (
        (date(2021, 6, 1), False),
        (date(2020, 6, 1), True),
        (date(2010, 6, 1), True),
        (date(2009, 6, 1), False),
    ):
        family = claimable_family(people=(PARENT, person("C1", born=born, upn="U1")), attendance={})
        assert ("ATTENDANCE_DATA_MISSING" in reasons(family)) is checked, born


def test_a_child_with_no_upn_is_not_checked():
    family = claimable_family(people=(PARENT, person("C1", upn=None)), attendance={})
    assert reasons(family) == ()


def test_a_pupil_with_no_date_of_birth_is_treated_as_school_age():
    family = claimable_family(people=(PARENT, person("C1", born=None, upn="U1")), attendance={})
    assert reasons(family) == ("ATTENDANCE_DATA_MISSING",)


def test_both_attendance_reasons_can_apply_for_different_children():
    family = with_people(claimable_family(), PARENT, person("C1", upn="U1"), person("C2", upn="U2"))
    family = replace(family, attendance={"U1": (attendance("U1", "2024/25", "Summer", 100, 50),)})
    assert reasons(family) == ("ATTENDANCE_DATA_MISSING", "ATTENDANCE_CHECK_FAILED")


def test_an_accepted_referral_after_closure_fails_the_rereferral_check():
    family = claimable_family(referrals=(referral("R1", date(2024, 10, 1)),))
    assert reasons(family) == ("REREFERRAL_CHECK_FAILED",)


def test_referrals_before_closure_and_on_the_closure_date_are_part_of_the_work():
    before = referral("R1", date(2024, 3, 1))
    on_closure = referral("R2", date(2024, 9, 30))
    assert reasons(claimable_family(referrals=(before, on_closure))) == ()


def test_a_referral_on_the_as_of_date_counts_and_one_after_it_does_not_exist():
    on_date = claimable_family(referrals=(referral("R1", AS_OF),))
    after = claimable_family(referrals=(referral("R1", date(2025, 10, 1)),))
    assert reasons(on_date) == ("REREFERRAL_CHECK_FAILED",)
    assert reasons(after) == ()


def test_only_listed_services_and_accepted_decisions_count():
    for service, decision in (
        ("Police", "Accepted"),
        ("Early Help", "Signposted"),
        ("Children's Social Care", "No Further Action"),
    ):
        family = claimable_family(referrals=(referral("R1", date(2025, 1, 1), service, decision),))
        assert reasons(family) == (), (service, decision)
    early_help = claimable_family(referrals=(referral("R1", date(2025, 1, 1), "Early Help"),))
    assert reasons(early_help) == ("REREFERRAL_CHECK_FAILED",)


def test_a_referral_for_a_family_member_by_person_id_counts():
    family = claimable_family(
        referrals=(referral("R1", date(2025, 1, 1), family_id=None, person_id="C1"),)
    )
    assert reasons(family) == ("REREFERRAL_CHECK_FAILED",)


def test_an_open_episode_has_no_rereferral_check():
    family = claimable_family(episode_end=None, referrals=(referral("R1", date(2025, 1, 1)),))
    assert reasons(family) == ("EPISODE_OPEN",)
