"""Splitting money to the cent, sharing keys read as percentages, schedules' due dates."""

import calendar
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services import finance
from tests.finance.helpers import amounts, cents

# No example database: the runs leave no .hypothesis folder in the repository.
PURE = settings(max_examples=200, deadline=None, database=None)


def weights_of(size: int):
    return st.lists(amounts(1, 10**14 - 1), min_size=size, max_size=size)


# --- Splitting money to the cent --------------------------------------------------------------


@PURE
@given(total_cents=st.integers(0, 10**14 - 1), count=st.integers(1, finance.MAX_INSTALLMENTS))
def test_equal_parts_add_up_to_the_total_with_the_remainder_on_the_last(total_cents, count):
    total = cents(total_cents)
    parts = finance.split_equal(total, count)
    assert len(parts) == count
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    if total_cents >= count:
        assert all(p > 0 for p in parts)
    assert set(parts[:-1]) <= {parts[0]}
    assert parts[0] == cents(total_cents // count)
    assert 0 <= parts[-1] - parts[0] < cents(count)


@PURE
@given(total_cents=st.integers(0, 10**14 - 1), weights=st.integers(1, 8).flatmap(weights_of))
def test_weighted_shares_add_up_and_stay_within_a_cent_of_the_exact_share(total_cents, weights):
    total = cents(total_cents)
    shares = finance.split_by_weights(total, weights)
    assert sum(shares) == total
    assert all(s >= 0 for s in shares)
    weight_sum = sum(Fraction(w) for w in weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(Fraction(share) - exact) < Fraction(1, 100)


@PURE
@given(weights=st.integers(1, 8).flatmap(weights_of))
def test_a_key_reads_as_percentages_adding_to_exactly_100(weights):
    shown = finance.percentages(weights)
    assert sum(shown) == Decimal("100.00")
    assert all(p >= 0 for p in shown)


def test_splits_on_simple_figures():
    assert finance.split_equal(Decimal("1000.00"), 3) == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]
    # Three equal weights: the spare cent goes to the first line (ties to the earlier one).
    assert finance.split_by_weights(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert finance.percentages([Decimal(3), Decimal(1)]) == [Decimal("75.00"), Decimal("25.00")]


# --- Due dates --------------------------------------------------------------------------------


@PURE
@given(
    anchor=st.one_of(
        st.dates(date(2000, 1, 1), date(2080, 12, 31)),
        st.builds(
            lambda y, m: date(y, m, calendar.monthrange(y, m)[1]),
            st.integers(2000, 2080),
            st.integers(1, 12),
        ),
    ),
    frequency=st.sampled_from(sorted(finance.FREQUENCIES)),
    count=st.integers(1, 60),
)
def test_due_dates_clamp_to_the_month_end_and_keep_the_anchor_day(anchor, frequency, count):
    dates = finance.schedule_dates(anchor, frequency, count)
    step = finance.FREQUENCIES[frequency]
    assert len(dates) == count and dates[0] == anchor
    for k, day in enumerate(dates):
        months_later = (day.year * 12 + day.month) - (anchor.year * 12 + anchor.month)
        assert months_later == step * k
        assert day.day == min(anchor.day, calendar.monthrange(day.year, day.month)[1])


def test_due_dates_from_the_31st():
    assert finance.schedule_dates(date(2026, 1, 31), "monthly", 4) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert finance.schedule_dates(date(2027, 11, 30), "quarterly", 2)[1] == date(2028, 2, 29)
    assert finance.schedule_dates(date(2028, 2, 29), "yearly", 5) == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]
