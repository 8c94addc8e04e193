"""Document dates (DOMAIN.md § Business rules): expiry = issue + validity, months clamped to the month's end,
valid through the expiry day, reminder 30 days before, suspension the day after."""

from datetime import date

import pytest

from modules.accreditation.dates import add_months, expiry_date, period_end, reminder_date, suspension_date


def test_a_durc_issued_on_10_january_2026_expires_on_10_may_2026():
    expiry = expiry_date(date(2026, 1, 10), days=120)
    assert expiry == date(2026, 5, 10)
    assert reminder_date(expiry, 30) == date(2026, 4, 10)
    assert suspension_date(expiry) == date(2026, 5, 11)


@pytest.mark.parametrize(("issued", "months", "expiry"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),  # clamped to February's last day
    (date(2027, 8, 31), 6, date(2028, 2, 29)),  # a leap year
    (date(2026, 1, 15), 6, date(2026, 7, 15)),
    (date(2026, 10, 31), 12, date(2027, 10, 31)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
])
def test_months_end_on_the_same_day_or_the_months_last_day(issued, months, expiry):
    assert expiry_date(issued, months=months) == expiry


def test_add_months_crosses_years_both_ways():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_a_twelve_month_accreditation_ends_the_day_before_its_anniversary():
    assert period_end(date(2026, 1, 20), 12) == date(2027, 1, 19)


def test_a_validity_needs_days_or_months():
    with pytest.raises(ValueError):
        expiry_date(date(2026, 1, 1))
