"""Rule readings as framework data (a local plan's `[readings]` and `[rereferral]`): each key
changes exactly the families it should — hand-made here — and, left at its default, nothing
(the national framework sets none of them, so its fingerprint and decisions are unchanged)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from sfclaims.deciding.rules import decide
from sfclaims.platform.framework import FRAMEWORK_ROOT, load_framework
from tests.rules.builders import AS_OF, attendance, good_terms, person, referral, with_people
from tests.rules.test_outcomes import education_family

NATIONAL = load_framework()


def plan(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return load_framework(path)


def reasons(family, framework) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return decide(family, framework, AS_OF).reasons


def test_left_at_their_defaults_the_readings_change_no_fingerprint(tmp_path):
    defaults = plan(
        tmp_path,
        '[readings]\nchild_need_attendance = "the child"\n'
        "severe_absence_attended_below_percent = 0\n",
    )
    assert defaults.readings == NATIONAL.readings
    assert NATIONAL.sha256 == (
        "7361a2034fc6624d97fc3c3ebeb4b391027555a30df2693771810d2ef8844755"
    )  # as before the readings: every stored decision and run still names it


def test_every_child_reading_fails_a_childs_own_need_when_a_sibling_missed_school(tmp_path):
    """C1's own education need, C1's terms all good; C2 missed a fifth of the autumn term (the
    latest term good, so the data check passes): met nationally, not where every child counts."""
    parent = person("P1", role="Parent/Carer", born=date(1985, 3, 3))
    family = with_people(education_family(), parent, person("C1", upn="U1"), person("C2", upn="U2"))
    family = replace(
        family,
        attendance={
            "U1": good_terms("U1"),
            "U2": (attendance("U2", "2024/25", "Autumn", 100, 20), *good_terms("U2")[1:]),
        },
    )
    every_child = plan(tmp_path, '[readings]\nchild_need_attendance = "every child"\n')
    assert reasons(family, NATIONAL) == ()
    assert reasons(family, every_child) == ("NEED_WITHOUT_OUTCOME:EDUCATION",)
    alone = replace(family, attendance={**family.attendance, "U2": good_terms("U2")})
    assert reasons(alone, every_child) == ()  # no sibling failing: the same as nationally


def test_a_severe_absence_improved_by_a_third_meets_the_need_where_the_plan_reads_it(tmp_path):
    """Identified 15/01/2024, C1 attended 40% in the autumn term 2023/24 before it, and 55% in
    the summer term 2024/25 (37.5% better, relatively): met under a 50%/30% reading, not
    nationally (it is no good attendance); 50% (25% better) is not enough."""
    council = plan(
        tmp_path,
        "[readings]\nsevere_absence_attended_below_percent = 50\n"
        "severe_absence_improvement_percent = 30\n",
    )

    def terms(summer_missed: int):  # type: ignore[no-untyped-def]
        return (
            attendance("U1", "2023/24", "Autumn", 100, 60),
            attendance("U1", "2024/25", "Autumn", 100, 50),
            attendance("U1", "2024/25", "Spring", 100, 50),
            attendance("U1", "2024/25", "Summer", 100, summer_missed),
        )

    improved = education_family(terms=terms(45))
    assert reasons(improved, NATIONAL)[0] == "NEED_WITHOUT_OUTCOME:EDUCATION"
    assert "NEED_WITHOUT_OUTCOME:EDUCATION" not in reasons(improved, council)
    not_enough = education_family(terms=terms(50))
    assert "NEED_WITHOUT_OUTCOME:EDUCATION" in reasons(not_enough, council)
    not_severe = replace(
        improved,
        attendance={"U1": (attendance("U1", "2023/24", "Autumn", 100, 45), *terms(30)[1:])},
    )
    assert "NEED_WITHOUT_OUTCOME:EDUCATION" in reasons(not_severe, council)  # 55% then: not severe


@pytest.mark.parametrize(
    ("referred", "national", "within_six_months"),
    [
        (date(2025, 3, 1), True, True),  # five months after closure: counts in both
        (date(2025, 5, 1), True, False),  # seven months after: only up to the point of claim
    ],
)
def test_a_rereferral_counts_within_the_months_the_plan_reads(
    tmp_path, referred, national, within_six_months
):
    from tests.rules.builders import claimable_family

    closed = replace(claimable_family(), episode_end=date(2024, 9, 30))
    family = replace(closed, referrals=(referral("R1", referred),))
    six = plan(tmp_path, "[rereferral]\nwithin_months = 6\n")
    failed = ("REREFERRAL_CHECK_FAILED",)
    assert (reasons(family, NATIONAL) == failed) is national
    assert (reasons(family, six) == failed) is within_six_months


def test_a_rereferral_dated_by_the_episode_it_started_where_the_plan_reads_it(tmp_path):
    """Referred before the case closed on 30/09/2024, taken on by early help after it: no
    re-referral nationally (its referral date), a re-referral by the episode's start; referred
    after closure but never decided: the referral's date stands in both."""
    from tests.rules.builders import claimable_family

    closed = replace(claimable_family(), episode_end=date(2024, 9, 30))
    start = plan(tmp_path, '[rereferral]\ncounted_by = "start"\n')
    before_closure = replace(
        closed,
        referrals=(referral("R1", date(2024, 9, 20), "Early Help", decided=date(2024, 10, 14)),),
    )
    assert reasons(before_closure, NATIONAL) == ()
    assert reasons(before_closure, start) == ("REREFERRAL_CHECK_FAILED",)
    undecided = replace(closed, referrals=(referral("R2", date(2025, 1, 6)),))
    assert reasons(undecided, NATIONAL) == reasons(undecided, start) == ("REREFERRAL_CHECK_FAILED",)


def test_unauthorised_absence_alone_counts_where_the_plan_reads_it(tmp_path):
    """C1 missed 15 of 100 sessions last summer, 5 of them unauthorised: not good attendance
    nationally (the data check fails); good where unauthorised absence alone counts. A record
    without the column counts every session missed, as it cannot tell them apart."""
    from tests.rules.builders import claimable_family

    unauthorised = plan(tmp_path, '[readings]\nabsences = "unauthorised"\n')
    family = claimable_family()
    summer = attendance("U1", "2024/25", "Summer", 100, 15, unauthorised=5)
    given = replace(family, attendance={"U1": (*good_terms("U1")[:2], summer)})
    assert reasons(given, NATIONAL) == ("ATTENDANCE_CHECK_FAILED",)
    assert reasons(given, unauthorised) == ()
    untold = replace(
        family,
        attendance={"U1": (*good_terms("U1")[:2], attendance("U1", "2024/25", "Summer", 100, 15))},
    )
    assert reasons(untold, unauthorised) == ("ATTENDANCE_CHECK_FAILED",)


def test_the_overlay_example_shows_every_reading(tmp_path):
    example = load_framework(FRAMEWORK_ROOT / "local-overlay-example.toml")
    text = (FRAMEWORK_ROOT / "local-overlay-example.toml").read_text(encoding="utf-8")
    for key in (
        "absences",
        "child_need_attendance",
        "severe_absence_attended_below_percent",
        "severe_absence_improvement_percent",
        "counted_by",
        "within_months",
    ):
        assert key in text
    assert example.readings != NATIONAL.readings
