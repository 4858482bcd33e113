from datetime import date

from sfclaims.platform.dates import add_months, age_on


def test_adding_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_adding_months_crosses_years_both_ways():
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert add_months(date(2025, 2, 15), -3) == date(2024, 11, 15)


def test_age_is_whole_years_and_a_leap_day_birthday_turns_on_1_march_in_a_common_year():
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2024, 2, 29)) == 16
    assert age_on(date(2010, 6, 1), date(2025, 5, 31)) == 14
