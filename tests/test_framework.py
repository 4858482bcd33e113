from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from sfclaims.deciding.rules import decide
from sfclaims.platform.errors import FrameworkError
from sfclaims.platform.framework import FRAMEWORK_ROOT, load_framework
from tests.rules.builders import AS_OF, attendance, claimable_family

OVERLAY = FRAMEWORK_ROOT / "local-overlay-example.toml"


def test_the_national_framework_has_the_ten_headlines_and_the_spec_thresholds():
    framework = load_framework()
    assert framework.headline_codes[0] == "EDUCATION" and len(framework.headlines) == 10
    assert framework.thresholds.minimum_headlines == 3
    assert framework.thresholds.good_attendance_missed_below == Fraction(1, 10)
    assert framework.thresholds.attendance_terms_needed == 3
    assert (framework.thresholds.school_age_from, framework.thresholds.school_age_to) == (5, 15)
    assert framework.thresholds.dependent_child_age_under == 18
    assert all(h.sustain_months == 6 for h in framework.headlines)
    assert all(h.indicators and h.outcome_measures for h in framework.headlines)
    assert (
        framework.headline_spellings["promoting recovery and reducing harm from substance use"]
        == "SUBSTANCE"
    )
    assert framework.headline_spellings["7"] == "CRIME"


def test_an_overlay_replaces_only_the_values_it_names_and_records_its_version():
    national = load_framework()
    local = load_framework(OVERLAY)
    assert local.version == "2024.2" and local.name.startswith("Example Borough")
    assert local.thresholds.attendance_terms_needed == 4
    assert local.headline("DOMESTIC_ABUSE").sustain_months == 12
    assert local.headline("HOUSING").sustain_months == 6
    assert local.thresholds.minimum_headlines == national.thresholds.minimum_headlines
    assert local.sha256 != national.sha256


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overlay.toml"
    path.write_text(text)
    return path


def test_an_overlay_threshold_changes_the_decisions_that_depend_on_it(tmp_path):
    family = claimable_family()
    stricter = load_framework(write(tmp_path, "[thresholds]\nminimum_headlines = 4\n"))
    assert decide(family, load_framework(), AS_OF).reasons == ()
    assert decide(family, stricter, AS_OF).reasons == ("NOT_ELIGIBLE",)
    summer = (*family.attendance["U1"][:2], attendance("U1", "2024/25", "Summer", 100, 12))
    poorer = replace(family, attendance={"U1": summer})
    lenient = load_framework(
        write(tmp_path, "[thresholds]\ngood_attendance_missed_below_percent = 15\n")
    )
    assert decide(poorer, load_framework(), AS_OF).reasons == ("ATTENDANCE_CHECK_FAILED",)
    assert decide(poorer, lenient, AS_OF).reasons == ()


def test_an_overlay_sustain_months_changes_sustainment(tmp_path):
    family = claimable_family()  # outcomes held until 30/09/2025, closure 30/09/2024
    twelve = load_framework(write(tmp_path, "[headlines.FINANCE]\nsustain_months = 13\n"))
    assert decide(family, twelve, AS_OF).reasons == ("OUTCOME_NOT_SUSTAINED:FINANCE",)


def test_an_unknown_overlay_key_names_the_file_and_the_key(tmp_path):
    path = write(tmp_path, "[treshold]\nminimum_headlines = 4\n")
    with pytest.raises(FrameworkError, match=r"overlay\.toml: the key 'treshold'"):
        load_framework(path)


def test_a_bad_value_names_the_file_and_the_key(tmp_path):
    path = write(tmp_path, "[thresholds]\nminimum_headlines = 'three'\n")
    with pytest.raises(FrameworkError, match=r"overlay\.toml: thresholds\.minimum_headlines"):
        load_framework(path)
    typo = write(tmp_path, "[headlines.HOUSING]\nsustain_monhts = 3\n")
    with pytest.raises(FrameworkError, match=r"headlines\.HOUSING\.sustain_monhts"):
        load_framework(typo)


def test_a_missing_framework_file_is_a_usage_error(tmp_path):
    with pytest.raises(FrameworkError) as raised:
        load_framework(tmp_path / "nowhere.toml")
    assert raised.value.exit_code == 2


def test_a_framework_date_is_never_hard_coded_terms_come_from_the_files():
    terms = load_framework().terms
    assert [t.name for t in terms] == ["Autumn", "Spring", "Summer"]
    assert terms[0].dates(2024) == (date(2024, 9, 1), date(2024, 12, 31))
    assert terms[1].dates(2024) == (date(2025, 1, 1), date(2025, 3, 31))
