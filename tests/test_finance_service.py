"""The ledger between organisations, checked on the service: money split to the cent,
sharing keys, schedules, installment statuses, who sees and acts, and the balances."""

import calendar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import (
    Agreement,
    AgreementPurpose,
    AgreementStatus,
    CostKind,
    Installment,
    InstallmentStatus,
    Role,
    SharedAsset,
)
from portal.services import finance
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed

A = AgreementStatus
I = InstallmentStatus  # noqa: E741
TODAY = date(2026, 6, 1)
SIGNED_ON = date(2026, 1, 10)
ZERO = Decimal("0.00")

# No example database: the runs leave no .hypothesis folder in the repository.
PURE = settings(max_examples=200, deadline=None, database=None)
WITH_DB = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def cents(n: int) -> Decimal:
    return Decimal(n).scaleb(-2)


def amounts(low: int, high: int):
    """Amounts with two decimals, from `low` to `high` cents."""
    return st.integers(low, high).map(cents)


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


# --- The world: one city, its organisations, everyone who may look ---------------------------


@pytest.fixture
def w(ctx, make_city, make_org, make_user):
    city, other_city = make_city(name="Marrakech"), make_city(name="Agadir")
    payer = make_org(city=city, short_name="RADEEMA")
    payee = make_org(short_name="IAM")  # national: operates in every city
    third = make_org(city=city, short_name="ONEE")
    far = make_org(city=other_city, short_name="RADEEF")
    return SimpleNamespace(
        city=city,
        other_city=other_city,
        payer_org=payer,
        payee_org=payee,
        third_org=third,
        far_org=far,
        secretariat=make_user(role=Role.SECRETARIAT),
        payer=make_user(role=Role.CONTRIBUTOR, organization=payer),
        payee=make_user(role=Role.CONTRIBUTOR, organization=payee),
        third=make_user(role=Role.CONTRIBUTOR, organization=third),
        far=make_user(role=Role.CONTRIBUTOR, organization=far),
        local=make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        local_other=make_user(role=Role.LOCAL_DECISION_MAKER, city=other_city),
        central=make_user(role=Role.CENTRAL_DECISION_MAKER),
        admin=make_user(role=Role.ADMIN),
        evaluator=make_user(role=Role.EVALUATOR),
        observer=make_user(role=Role.OBSERVER),
    )


def draft(w, total="1000.00", *, payer=None, payee=None, city=None) -> Agreement:
    agreement, _ = finance.save_agreement(
        w.secretariat,
        None,
        city_id=(city or w.city).id,
        payer_id=(payer or w.payer_org).id,
        payee_id=(payee or w.payee_org).id,
        purpose="cofinancing",
        title="Cofinancement de la fibre de la médina",
        action_id=None,
        asset_id=None,
        total=total,
        start_date=date(2026, 1, 1),
    )
    db.session.flush()
    return agreement


def schedule(w, agreement, rows) -> None:
    finance.set_schedule(w.secretariat, agreement, rows, expected_version=agreement.version)
    db.session.flush()


def sign(w, agreement, *, reference="CONV-2026-001", on=SIGNED_ON) -> None:
    finance.sign(
        w.secretariat,
        agreement,
        signed_on=on,
        convention_reference=reference,
        today=TODAY,
        expected_version=agreement.version,
    )
    db.session.flush()


def signed(w, rows, **parties) -> Agreement:
    agreement = draft(w, str(sum(Decimal(amount) for _, amount in rows)), **parties)
    schedule(w, agreement, rows)
    sign(w, agreement)
    return agreement


def act(user, installment, name, **kw) -> None:
    if name in ("invoice", "pay"):
        kw.setdefault("reference", f"{name.upper()}-1")
        kw.setdefault("day", date(2026, 5, 1))
    if name in ("dispute", "resolve", "uphold", "cancel"):
        kw.setdefault("reason", "Montant non conforme à la convention")
    finance.act_on_installment(
        user, installment, name, today=TODAY, expected_version=installment.version, **kw
    )
    db.session.flush()


def terminate(w, agreement, reason="Projet abandonné") -> list[Installment]:
    cancelled = finance.terminate(
        w.secretariat, agreement, reason=reason, today=TODAY, expected_version=agreement.version
    )
    db.session.flush()
    return cancelled


def refused(error, call, *args, **kw):
    with pytest.raises(error) as caught:
        call(*args, **kw)
    assert caught.value.message, "a refusal always says why"
    return caught.value


def statuses(agreement) -> list[InstallmentStatus]:
    return [i.status for i in agreement.installments]


# --- Shared assets and their keys -------------------------------------------------------------


def new_asset(
    w, owner, capital="1000.00", yearly="0", city=None, name="Fourreau avenue Mohammed VI"
) -> SharedAsset:
    asset = finance.save_asset(
        w.secretariat,
        None,
        city_id=(city or w.city).id,
        owner_id=owner.id,
        kind="duct",
        name=name,
        description="",
        capacity="",
        capacity_unit="",
        capital_cost=str(capital),
        yearly_operating_cost=str(yearly),
    )
    db.session.flush()
    return asset


def set_key(w, asset, lines, *, basis="percent", on_existing=None) -> list[Agreement]:
    terminated = finance.set_key(
        w.secretariat,
        asset,
        basis=basis,
        lines=[(org.id, weight) for org, weight in lines],
        on_existing=on_existing,
        today=TODAY,
        expected_version=asset.version,
    )
    db.session.flush()
    return terminated


def generate(w, asset, *, count=3, frequency="monthly", years=0, start=date(2026, 1, 31)):
    result = finance.generate_agreements(
        w.secretariat,
        asset,
        start_date=start,
        frequency=frequency,
        count=count,
        operating_years=years,
        today=TODAY,
        expected_version=asset.version,
    )
    db.session.flush()
    return result


def key_of(asset) -> dict[int, Decimal]:
    return {s.organization_id: s.weight for s in asset.shares}


def test_percent_keys_must_add_to_exactly_100(w):
    asset = new_asset(w, w.payer_org)
    for last, total, gap in [("19.99", "99,99", "-0,01"), ("20.01", "100,01", "+0,01")]:
        error = refused(
            InvalidInput,
            set_key,
            w,
            asset,
            [(w.payer_org, "50"), (w.payee_org, "30"), (w.third_org, last)],
        )
        assert error.field == "lines"
        assert f"totalisent {total} %" in error.message and f"écart de {gap}" in error.message
    assert asset.shares == []
    # Usage units need not add to 100; they read as percentages.
    set_key(w, asset, [(w.payer_org, "3"), (w.payee_org, "1")], basis="units")
    assert [p for _, p in finance.key_lines(asset)] == [Decimal("75.00"), Decimal("25.00")]


def test_a_key_names_each_organisation_once_and_someone_besides_the_owner(w):
    asset = new_asset(w, w.payer_org)
    twice = refused(InvalidInput, set_key, w, asset, [(w.payee_org, "50"), (w.payee_org, "50")])
    assert "deux fois" in twice.message
    alone = refused(InvalidInput, set_key, w, asset, [(w.payer_org, "100")])
    assert "autre que le propriétaire" in alone.message
    elsewhere = refused(InvalidInput, set_key, w, asset, [(w.payer_org, "50"), (w.far_org, "50")])
    assert "n'intervient pas dans cette ville" in elsewhere.message
    assert asset.shares == []
    # One cent to share, and it falls to the owner: nobody owes anything.
    crumb = new_asset(w, w.payer_org, capital="0.01")
    set_key(w, crumb, [(w.payer_org, "60"), (w.payee_org, "40")])
    assert "Aucune somme" in refused(InvalidInput, generate, w, crumb).message


def test_changing_a_key_in_use_needs_a_choice_and_keep_leaves_the_agreements(w):
    asset = new_asset(w, w.payer_org)
    set_key(w, asset, [(w.payer_org, "50"), (w.payee_org, "30"), (w.third_org, "20")])
    generated = generate(w, asset)
    sign(w, generated.agreements[0])
    before = {
        a.id: (a.status, a.total_amount, [(i.due_date, i.amount, i.status) for i in a.installments])
        for a in generated.agreements
    }
    error = refused(InvalidInput, set_key, w, asset, [(w.payer_org, "80"), (w.payee_org, "20")])
    assert error.field == "on_existing"
    assert key_of(asset) == {
        w.payer_org.id: Decimal("50.00"),
        w.payee_org.id: Decimal("30.00"),
        w.third_org.id: Decimal("20.00"),
    }

    kept = set_key(w, asset, [(w.payer_org, "80"), (w.payee_org, "20")], on_existing="keep")
    assert kept == []
    assert key_of(asset) == {w.payer_org.id: Decimal("80.00"), w.payee_org.id: Decimal("20.00")}
    db.session.expire_all()
    after = {
        a.id: (a.status, a.total_amount, [(i.due_date, i.amount, i.status) for i in a.installments])
        for a in finance.active_generated(asset)
    }
    assert after == before
    # Kept agreements are still in force: no second set on top of them.
    refused(TransitionNotAllowed, generate, w, asset)


def test_regenerating_nets_what_each_sharer_already_paid(w, make_org):
    owner, b, c = w.payer_org, w.payee_org, w.third_org
    asset = new_asset(w, owner, capital="1000.00")
    set_key(w, asset, [(owner, "50"), (b, "30"), (c, "20")])
    first = generate(w, asset)
    assert first.owner_share == Decimal("500.00")
    by_payer = {a.payer_id: a for a in first.agreements}
    assert [i.amount for i in by_payer[b.id].installments] == [Decimal("100.00")] * 3
    assert [i.amount for i in by_payer[c.id].installments] == [
        Decimal("66.66"),
        Decimal("66.66"),
        Decimal("66.68"),
    ]
    for agreement in first.agreements:
        sign(w, agreement)
    b_agreement, c_agreement = by_payer[b.id], by_payer[c.id]
    act(w.payee, b_agreement.installments[0], "pay")  # IAM pays its share: 200 of 300
    act(w.payee, b_agreement.installments[1], "pay")
    act(w.third, c_agreement.installments[0], "pay")  # ONEE: 66.66 of 200
    act(w.payer, c_agreement.installments[1], "invoice")

    terminated = set_key(w, asset, [(owner, "80"), (b, "10"), (c, "10")], on_existing="regenerate")
    assert {a.id for a in terminated} == {b_agreement.id, c_agreement.id}
    assert b_agreement.status is A.TERMINATED and c_agreement.status is A.TERMINATED
    assert statuses(b_agreement) == [I.PAID, I.PAID, I.CANCELLED]
    assert statuses(c_agreement) == [I.PAID, I.CANCELLED, I.CANCELLED]

    second = generate(w, asset)
    assert second.owner_share == Decimal("800.00")
    got = {(a.purpose, a.payer_id, a.payee_id): a for a in second.agreements}
    # IAM paid 200 for a share now worth 100: the owner pays 100 back, in one installment.
    back = got[(AgreementPurpose.COMPENSATION, owner.id, b.id)]
    assert back.total_amount == Decimal("100.00") and len(back.installments) == 1
    # ONEE paid 66.66 of its new 100: 33.34 left, over three months.
    rest = got[(AgreementPurpose.CONTRIBUTION, c.id, owner.id)]
    assert [i.amount for i in rest.installments] == [
        Decimal("11.11"),
        Decimal("11.11"),
        Decimal("11.12"),
    ]
    assert len(second.agreements) == 2

    # The compensation, once paid, counts too; a sharer dropped from the key is paid back all.
    sign(w, back)
    act(w.secretariat, back.installments[0], "pay")
    newcomer = make_org(city=w.city, short_name="LYDEC")
    set_key(w, asset, [(owner, "70"), (c, "20"), (newcomer, "10")], on_existing="regenerate")
    third = generate(w, asset)
    got = {(a.purpose, a.payer_id, a.payee_id): a.total_amount for a in third.agreements}
    assert got == {
        (AgreementPurpose.CONTRIBUTION, c.id, owner.id): Decimal("133.34"),
        (AgreementPurpose.CONTRIBUTION, newcomer.id, owner.id): Decimal("100.00"),
        (AgreementPurpose.COMPENSATION, owner.id, b.id): Decimal("100.00"),
    }


def test_generated_agreements_keep_to_the_installment_ceiling(w):
    asset = new_asset(w, w.payer_org, capital="1000.00", yearly="1200.00")
    set_key(w, asset, [(w.payer_org, "50"), (w.payee_org, "50")])
    # Thirty years of monthly fees would be 360 installments: refused, nothing created.
    with pytest.raises(InvalidInput) as refused:
        generate(w, asset, frequency="monthly", count=12, years=30)
    assert refused.value.field == "operating_years"
    assert "Au plus 240 échéances" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 0
    result = generate(w, asset, frequency="monthly", count=12, years=20)
    fee = next(a for a in result.agreements if a.cost_kind is CostKind.OPERATING)
    assert fee.total_amount == Decimal("12000.00")
    assert len(fee.installments) == finance.MAX_INSTALLMENTS
    # The schedule page posts a draft's rows back as they are: they must be accepted.
    schedule(w, fee, [(i.due_date, i.amount) for i in fee.installments])


def test_a_long_asset_name_still_gives_generated_agreements_a_title_that_fits(w):
    # The asset form takes names of up to 200 characters, as many as an agreement title.
    name = ("Artère de fibre optique Bab Doukkala – Jemaa el-Fna – Guéliz " * 4)[:200]
    asset = new_asset(w, w.payer_org, yearly="1200.00", name=name)
    set_key(w, asset, [(w.payer_org, "50"), (w.payee_org, "50")])
    result = generate(w, asset, years=1)  # PostgreSQL refuses the insert: value too long
    limit = Agreement.__table__.c.title.type.length
    assert len(result.agreements) == 2
    assert max(len(a.title) for a in result.agreements) <= limit


# --- Generation from random keys --------------------------------------------------------------


@pytest.fixture
def pool(w, make_org):
    """An owner and six possible sharers, half of them national."""
    sharers = [make_org(city=w.city if n % 2 else None, short_name=f"SHARER{n}") for n in range(6)]
    return SimpleNamespace(w=w, owner=w.payer_org, sharers=sharers)


@st.composite
def sharing_keys(draw):
    """(basis, whether the owner holds a line, weights): 2 to 6 lines."""
    size = draw(st.integers(2, 6))
    if draw(st.booleans()):
        cuts = draw(
            st.lists(st.integers(1, 9_999), min_size=size - 1, max_size=size - 1, unique=True)
        )
        bounds = [0, *sorted(cuts), 10_000]
        weights = [cents(high - low) for low, high in pairwise(bounds)]
        basis = "percent"
    else:
        weights = draw(st.lists(amounts(1, 10**8), min_size=size, max_size=size))
        basis = "units"
    return basis, draw(st.booleans()), weights


def key_lines_for(pool, key):
    basis, owner_in, weights = key
    organizations = [pool.owner] if owner_in else []
    organizations += pool.sharers[: len(weights) - len(organizations)]
    return basis, list(zip(organizations, weights, strict=True))


def stored_agreements(asset_id) -> list[Agreement]:
    db.session.expire_all()  # read back what the database holds
    return list(
        db.session.scalars(
            sa.select(Agreement).where(Agreement.asset_id == asset_id).order_by(Agreement.id)
        )
    )


@WITH_DB
@given(
    capital=amounts(1, 10**11),
    yearly=st.one_of(st.just(ZERO), amounts(1, 10**9)),
    years=st.integers(0, 3),
    key=sharing_keys(),
    frequency=st.sampled_from(sorted(finance.FREQUENCIES)),
    count=st.integers(1, 24),
    start=st.dates(date(2020, 1, 1), date(2040, 12, 31)),
)
def test_generated_agreements_add_up_to_the_costs_to_the_cent(
    pool, capital, yearly, years, key, frequency, count, start
):
    w, owner = pool.w, pool.owner
    basis, lines = key_lines_for(pool, key)
    ids = [org.id for org, _ in lines]
    weights = [weight for _, weight in lines]
    capital_shares = dict(zip(ids, finance.split_by_weights(capital, weights), strict=True))
    yearly_shares = dict(zip(ids, finance.split_by_weights(yearly, weights), strict=True))
    expected_capital = {o: a for o, a in capital_shares.items() if o != owner.id and a > 0}
    expected_operating = {
        o: a * years for o, a in yearly_shares.items() if o != owner.id and a > 0 and years
    }
    try:
        asset = new_asset(w, owner, capital=capital, yearly=yearly)
        set_key(w, asset, lines, basis=basis)
        if not expected_capital and not expected_operating:
            refused(InvalidInput, generate, w, asset, count=count, frequency=frequency, years=years)
            return
        result = generate(w, asset, count=count, frequency=frequency, years=years, start=start)
        assert result.owner_share == capital_shares.get(owner.id, ZERO)
        agreements = stored_agreements(asset.id)
        assert {a.id for a in agreements} == {a.id for a in result.agreements}

        capital_agreements = [a for a in agreements if a.cost_kind is CostKind.CAPITAL]
        assert sum(a.total_amount for a in capital_agreements) + result.owner_share == capital
        assert {a.payer_id: a.total_amount for a in capital_agreements} == expected_capital
        operating = [a for a in agreements if a.cost_kind is CostKind.OPERATING]
        assert {a.payer_id: a.total_amount for a in operating} == expected_operating
        assert sum(a.total_amount for a in operating) == sum(expected_operating.values(), ZERO)
        if years and yearly > 0:
            non_owner = yearly - yearly_shares.get(owner.id, ZERO)
            assert sum(a.total_amount for a in operating) == non_owner * years

        periods = 12 // finance.FREQUENCIES[frequency] * years
        for agreement in agreements:
            assert agreement.payee_id == owner.id and agreement.status is A.DRAFT
            assert agreement.purpose is (
                AgreementPurpose.CONTRIBUTION
                if agreement.cost_kind is CostKind.CAPITAL
                else AgreementPurpose.USAGE_FEE
            )
            parts = [i.amount for i in agreement.installments]
            assert sum(parts) == agreement.total_amount
            assert all(amount > 0 for amount in parts)
            wanted = count if agreement.cost_kind is CostKind.CAPITAL else periods
            assert len(parts) == min(wanted, int(agreement.total_amount * 100))
            assert [i.due_date for i in agreement.installments] == finance.schedule_dates(
                start, frequency, len(parts)
            )
    finally:
        db.session.rollback()


@WITH_DB
@given(
    capital=amounts(1, 10**11),
    before=sharing_keys(),
    after=sharing_keys(),
    paid_counts=st.lists(st.integers(0, 6), min_size=6, max_size=6),
    count=st.integers(1, 6),
)
def test_regenerated_agreements_plus_what_was_paid_still_add_up_to_the_capital_cost(
    pool, capital, before, after, paid_counts, count
):
    w, owner = pool.w, pool.owner
    try:
        asset = new_asset(w, owner, capital=capital)
        basis, lines = key_lines_for(pool, before)
        set_key(w, asset, lines, basis=basis)
        try:
            first = generate(w, asset, count=count)
        except InvalidInput:
            return  # nothing to share under the first key: covered above
        paid: dict[int, Decimal] = {}
        for agreement, paid_count in zip(first.agreements, paid_counts, strict=False):
            sign(w, agreement)
            for installment in agreement.installments[:paid_count]:
                act(w.secretariat, installment, "pay")
                paid[agreement.payer_id] = paid.get(agreement.payer_id, ZERO) + installment.amount

        basis, lines = key_lines_for(pool, after)
        set_key(w, asset, lines, basis=basis, on_existing="regenerate")
        shares = finance.split_by_weights(capital, [weight for _, weight in lines])
        new_share = {org.id: share for (org, _), share in zip(lines, shares, strict=True)}
        due = {
            org_id: new_share.get(org_id, ZERO) - paid.get(org_id, ZERO)
            for org_id in set(new_share) | set(paid)
            if org_id != owner.id
        }
        due = {org_id: amount for org_id, amount in due.items() if amount != 0}
        if not due:
            refused(InvalidInput, generate, w, asset, count=count)
            return
        second = generate(w, asset, count=count)
        assert second.owner_share == new_share.get(owner.id, ZERO)
        netted: dict[int, Decimal] = {}
        for agreement in second.agreements:
            if agreement.purpose is AgreementPurpose.COMPENSATION:
                assert agreement.payer_id == owner.id and len(agreement.installments) == 1
                netted[agreement.payee_id] = -agreement.total_amount
            else:
                assert agreement.payee_id == owner.id
                netted[agreement.payer_id] = agreement.total_amount
            assert sum(i.amount for i in agreement.installments) == agreement.total_amount
        assert netted == due
        assert sum(netted.values()) + sum(paid.values(), ZERO) + second.owner_share == capital
    finally:
        db.session.rollback()


# --- Schedules and signature ------------------------------------------------------------------


def test_a_schedule_entered_by_hand_must_add_up_to_the_total(w):
    agreement = draft(w, "1000.00")
    short = refused(
        InvalidInput,
        schedule,
        w,
        agreement,
        [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "599.99")],
    )
    assert short.field == "installments" and "écart de -0,01 MAD" in short.message
    over = refused(
        InvalidInput,
        schedule,
        w,
        agreement,
        [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.50")],
    )
    assert "écart de 0,50 MAD" in over.message
    assert agreement.installments == []
    # Entered out of order, kept in date order.
    schedule(w, agreement, [(date(2026, 9, 30), "600.00"), (date(2026, 3, 31), "400.00")])
    assert [(i.due_date, i.amount) for i in agreement.installments] == [
        (date(2026, 3, 31), Decimal("400.00")),
        (date(2026, 9, 30), Decimal("600.00")),
    ]


def test_a_generated_schedule_puts_the_remainder_on_the_last_installment(w):
    agreement = draft(w, "1000.00")
    finance.generate_schedule(
        w.secretariat,
        agreement,
        frequency="monthly",
        count=3,
        first_due=date(2026, 1, 31),
        expected_version=agreement.version,
    )
    db.session.flush()
    db.session.expire_all()
    assert [(i.due_date, i.amount) for i in agreement.installments] == [
        (date(2026, 1, 31), Decimal("333.33")),
        (date(2026, 2, 28), Decimal("333.33")),
        (date(2026, 3, 31), Decimal("333.34")),
    ]
    tiny = draft(w, "0.02")
    error = refused(
        InvalidInput,
        finance.generate_schedule,
        w.secretariat,
        tiny,
        frequency="monthly",
        count=3,
        first_due=date(2026, 1, 31),
        expected_version=tiny.version,
    )
    assert error.field == "count"


def test_signing_needs_a_schedule_a_reference_and_a_past_date(w):
    agreement = draft(w, "1000.00")
    refused(TransitionNotAllowed, sign, w, agreement)
    schedule(w, agreement, [(date(2026, 3, 31), "1000.00")])
    unreferenced = refused(InvalidInput, sign, w, agreement, reference="  ")
    assert unreferenced.field == "convention_reference"
    future = refused(InvalidInput, sign, w, agreement, on=TODAY + timedelta(days=1))
    assert future.field == "signed_on"
    assert agreement.status is A.DRAFT and agreement.signed_on is None
    sign(w, agreement, on=TODAY)
    assert agreement.status is A.SIGNED and agreement.signed_on == TODAY
    assert agreement.convention_reference == "CONV-2026-001"
    refused(TransitionNotAllowed, sign, w, agreement)


def test_a_signed_schedule_is_frozen(w):
    agreement = signed(w, [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.00")])
    frozen = [(i.id, i.due_date, i.amount) for i in agreement.installments]
    refused(TransitionNotAllowed, schedule, w, agreement, [(date(2026, 4, 30), "1000.00")])
    refused(
        TransitionNotAllowed,
        finance.generate_schedule,
        w.secretariat,
        agreement,
        frequency="yearly",
        count=1,
        first_due=date(2026, 4, 30),
        expected_version=agreement.version,
    )
    refused(
        TransitionNotAllowed,
        finance.save_agreement,
        w.secretariat,
        agreement,
        city_id=w.city.id,
        payer_id=w.payer_org.id,
        payee_id=w.payee_org.id,
        purpose="cofinancing",
        title="Autre titre",
        action_id=None,
        asset_id=None,
        total="2000.00",
        start_date=date(2026, 1, 1),
        expected_version=agreement.version,
    )
    db.session.expire_all()
    assert [(i.id, i.due_date, i.amount) for i in agreement.installments] == frozen
    assert agreement.total_amount == Decimal("1000.00")


# --- Installments -----------------------------------------------------------------------------


def test_the_payee_invoices_the_payer_pays_the_payee_confirms(w):
    agreement = signed(w, [(date(2026, 3, 31), "600.00"), (date(2026, 9, 30), "400.00")])
    first = agreement.installments[0]
    refused(NotAllowed, act, w.payer, first, "invoice")
    unreferenced = refused(InvalidInput, act, w.payee, first, "invoice", reference=" ")
    assert unreferenced.field == "reference"
    assert refused(InvalidInput, act, w.payee, first, "invoice", day=None).field == "day"
    future = refused(InvalidInput, act, w.payee, first, "invoice", day=TODAY + timedelta(1))
    assert future.field == "day"
    assert first.status is I.PLANNED

    act(w.payee, first, "invoice", reference="F-2026-114", day=date(2026, 3, 1))
    assert first.status is I.INVOICED
    assert (first.invoice_reference, first.invoiced_on) == ("F-2026-114", date(2026, 3, 1))
    refused(TransitionNotAllowed, act, w.payee, first, "invoice")

    refused(NotAllowed, act, w.payee, first, "pay")
    act(w.payer, first, "pay", reference="VIR-889", day=date(2026, 4, 2))
    assert first.status is I.PAID and first.paid_on == date(2026, 4, 2)
    assert first.payment_reference == "VIR-889" and first.paid_recorded_by_id == w.payer.id
    assert finance.awaiting_receipt(first)

    refused(NotAllowed, act, w.payer, first, "confirm")
    when = datetime(2026, 4, 5, 10, 0, tzinfo=UTC)
    act(w.payee, first, "confirm", now=when)
    assert first.received_at == when and first.received_by_id == w.payee.id
    assert first.status is I.PAID and not finance.awaiting_receipt(first)
    refused(TransitionNotAllowed, act, w.payee, first, "confirm")
    refused(TransitionNotAllowed, act, w.payee, first, "dispute")

    # The payer may pay before any invoice.
    second = agreement.installments[1]
    act(w.payer, second, "pay")
    assert second.status is I.PAID and second.invoiced_on is None


def test_a_dispute_needs_a_reason_and_resolving_returns_to_the_previous_state(w):
    agreement = signed(
        w,
        [
            (date(2026, 2, 28), "100.00"),
            (date(2026, 3, 31), "200.00"),
            (date(2026, 4, 30), "300.00"),
        ],
    )
    planned, invoiced, paid = agreement.installments
    act(w.payee, invoiced, "invoice")
    act(w.payee, paid, "invoice")
    act(w.payer, paid, "pay")
    for installment, who, back_to in [
        (planned, w.payer, I.PLANNED),
        (invoiced, w.payer, I.INVOICED),
        (paid, w.payee, I.PAID),  # "the transfer never arrived"
    ]:
        error = refused(InvalidInput, act, who, installment, "dispute", reason="  ")
        assert error.field == "reason" and installment.status is back_to
        opened = datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
        act(who, installment, "dispute", reason="Virement non reçu", now=opened)
        assert installment.status is I.DISPUTED
        assert installment.dispute_reason == "Virement non reçu"
        assert installment.disputed_at == opened  # how long the dispute has waited
        refused(TransitionNotAllowed, act, w.payer, installment, "pay")
        for party in (w.payer, w.payee):
            refused(NotAllowed, act, party, installment, "resolve")
        refused(InvalidInput, act, w.secretariat, installment, "resolve", reason="")
        act(w.secretariat, installment, "resolve", reason="Relevé bancaire fourni")
        assert installment.status is back_to


def test_the_secretariat_cancels_an_open_installment_with_a_reason(w):
    agreement = signed(w, [(date(2026, 3, 31), "600.00"), (date(2026, 9, 30), "400.00")])
    first = agreement.installments[0]
    for party in (w.payer, w.payee, w.central):
        refused(NotAllowed, act, party, first, "cancel")
    refused(InvalidInput, act, w.secretariat, first, "cancel", reason="")
    act(w.secretariat, first, "cancel", reason="Tranche reportée par avenant")
    assert first.status is I.CANCELLED and first.cancel_reason == "Tranche reportée par avenant"
    for name, who in [("pay", w.payer), ("invoice", w.payee), ("dispute", w.payer)]:
        refused(TransitionNotAllowed, act, who, first, name)
    assert first.status is I.CANCELLED


def test_payments_are_tracked_only_on_a_signed_agreement(w):
    agreement = draft(w)
    schedule(w, agreement, [(date(2026, 3, 31), "1000.00")])
    refused(TransitionNotAllowed, act, w.payer, agreement.installments[0], "pay")
    refused(TransitionNotAllowed, act, w.payee, agreement.installments[0], "invoice")
    assert agreement.installments[0].status is I.PLANNED

    other = signed(w, [(date(2026, 3, 31), "500.00"), (date(2026, 9, 30), "500.00")])
    refused(InvalidInput, terminate, w, other, reason=" ")
    terminate(w, other)
    for installment in other.installments:
        refused(TransitionNotAllowed, act, w.secretariat, installment, "resolve")
        refused(TransitionNotAllowed, act, w.payer, installment, "pay")
    refused(TransitionNotAllowed, terminate, w, other)


def test_terminating_cancels_every_open_installment_and_keeps_the_paid_ones(w):
    agreement = signed(
        w,
        [
            (date(2026, 1, 31), "100.00"),
            (date(2026, 2, 28), "200.00"),
            (date(2026, 3, 31), "300.00"),
            (date(2026, 12, 31), "400.00"),
        ],
    )
    paid, invoiced, disputed, planned = agreement.installments
    act(w.payer, paid, "pay")
    act(w.payee, invoiced, "invoice")
    act(w.payer, disputed, "dispute")
    cancelled = terminate(w, agreement, reason="Tracé abandonné")
    assert {i.id for i in cancelled} == {invoiced.id, disputed.id, planned.id}
    db.session.expire_all()
    assert statuses(agreement) == [I.PAID, I.CANCELLED, I.CANCELLED, I.CANCELLED]
    assert paid.paid_on == date(2026, 5, 1)
    assert {i.cancel_reason for i in agreement.installments[1:]} == {"Tracé abandonné"}
    assert agreement.status is A.TERMINATED and agreement.terminated_on == TODAY
    assert agreement.termination_reason == "Tracé abandonné"


def test_an_installment_is_overdue_once_its_due_date_has_passed_unpaid():
    def installment(status, due):
        return Installment(due_date=due, amount=Decimal("10.00"), status=status)

    yesterday = TODAY - timedelta(days=1)
    assert installment(I.PLANNED, yesterday).is_overdue(TODAY)
    assert installment(I.INVOICED, yesterday).is_overdue(TODAY)
    assert not installment(I.PLANNED, TODAY).is_overdue(TODAY)
    assert not installment(I.INVOICED, TODAY + timedelta(days=30)).is_overdue(TODAY)
    for settled in (I.PAID, I.DISPUTED, I.CANCELLED):
        assert not installment(settled, yesterday).is_overdue(TODAY)


# --- Who sees and who acts --------------------------------------------------------------------


def test_who_sees_an_agreement(w, make_org):
    here = signed(w, [(date(2026, 3, 31), "1000.00")])
    there = signed(
        w,
        [(date(2026, 3, 31), "500.00")],
        payer=w.far_org,
        payee=make_org(short_name="INWI"),
        city=w.other_city,
    )
    expected = {
        "payer": {here.id},
        "payee": {here.id},
        "third": set(),
        "far": {there.id},
        "local": {here.id},
        "local_other": {there.id},
        "central": {here.id, there.id},
        "secretariat": {here.id, there.id},
        "admin": set(),
        "evaluator": set(),
        "observer": set(),
    }
    for name, ids in expected.items():
        user = getattr(w, name)
        listed = set(
            db.session.scalars(sa.select(Agreement.id).where(finance.visible_filter(user)))
        )
        assert listed == ids, name
        assert {a.id for a in (here, there) if finance.may_see(user, a)} == ids, name


def test_who_sees_a_shared_asset(w):
    asset = new_asset(w, w.payer_org)
    set_key(w, asset, [(w.payer_org, "60"), (w.payee_org, "40")])
    for name, sees in [
        ("payer", True),  # the owner
        ("payee", True),  # a sharer
        ("third", False),
        ("local", True),
        ("local_other", False),
        ("central", True),
        ("secretariat", True),
        ("observer", False),
    ]:
        user = getattr(w, name)
        query = sa.select(SharedAsset.id).where(finance.visible_filter(user, SharedAsset))
        assert (asset.id in set(db.session.scalars(query))) is sees, name
        assert finance.may_see_asset(user, asset) is sees, name


def test_only_each_partys_own_people_act_on_its_side(w, make_user):
    agreement = signed(w, [(date(2026, 3, 31), "1000.00")])
    installment = agreement.installments[0]
    local_of_payer = make_user(
        role=Role.LOCAL_DECISION_MAKER, city=w.city, organization=w.payer_org
    )
    payer_elsewhere = make_user(
        role=Role.LOCAL_DECISION_MAKER, city=w.other_city, organization=w.payer_org
    )
    assert finance.sides(w.payer, agreement) == {"payer"}
    assert finance.sides(w.payee, agreement) == {"payee"}
    assert finance.sides(local_of_payer, agreement) == {"payer"}
    for outsider in (w.third, w.secretariat, w.local, w.central, payer_elsewhere, w.observer):
        assert finance.sides(outsider, agreement) == set()

    for name in finance.INSTALLMENT_ACTIONS:
        for outsider in (w.third, w.far, w.local_other, payer_elsewhere, w.observer):
            refused(NotAllowed, act, outsider, installment, name)
    for name in ("invoice", "pay", "resolve", "cancel"):
        refused(NotAllowed, act, w.local, installment, name)  # oversees, is no party
    assert installment.status is I.PLANNED

    act(local_of_payer, installment, "pay")
    assert installment.status is I.PAID


# --- Balances ---------------------------------------------------------------------------------


def figures(f) -> tuple[Decimal, ...]:
    return (f.committed, f.invoiced, f.paid, f.outstanding, f.overdue, f.disputed)


def money_row(*values) -> tuple[Decimal, ...]:
    """committed, invoiced, paid, outstanding, overdue, disputed"""
    return tuple(Decimal(v).quantize(Decimal("0.01")) for v in values)


def test_balances_per_organisation_city_and_in_total(w, make_org):
    a, b = w.payee_org, w.payer_org  # a national operator, a city utility
    c = make_org(short_name="INWI")  # national too, so it deals in Agadir
    # A owes B: 300 paid, 300 invoiced and past due, 700 still to come.
    ab = signed(
        w,
        [(date(2026, 1, 31), "300"), (date(2026, 3, 31), "300"), (date(2026, 9, 30), "700")],
        payer=a,
        payee=b,
    )
    act(w.payer, ab.installments[0], "invoice", day=date(2026, 1, 15))
    act(w.payee, ab.installments[0], "pay", day=date(2026, 2, 1))
    act(w.payer, ab.installments[1], "invoice", day=date(2026, 3, 1))
    # B owes A: 100 invoiced then disputed (past due, yet not overdue), 200 to come.
    ba = signed(w, [(date(2026, 2, 28), "100"), (date(2026, 12, 31), "200")], payer=b, payee=a)
    act(w.payee, ba.installments[0], "invoice", day=date(2026, 2, 1))
    act(w.payer, ba.installments[0], "dispute")
    # In Agadir, C owes A: 200 cancelled, 300 past due without an invoice.
    ca = signed(
        w,
        [(date(2026, 4, 30), "200"), (date(2026, 5, 1), "300")],
        payer=c,
        payee=a,
        city=w.other_city,
    )
    act(w.secretariat, ca.installments[0], "cancel")
    # Terminated after one paid installment: the paid one counts, the cancelled one not.
    ended = signed(w, [(date(2026, 2, 1), "200"), (date(2026, 8, 1), "200")], payer=b, payee=a)
    act(w.payer, ended.installments[0], "pay")
    terminate(w, ended)
    # A draft, even scheduled, commits nobody.
    pending = draft(w, "999.00", payer=a, payee=b)
    schedule(w, pending, [(date(2026, 1, 31), "999.00")])

    result = finance.balances(w.secretariat, today=TODAY)
    a_to_b = money_row(1300, 600, 300, 1000, 300, 0)
    assert figures(result.payable[a.id]) == a_to_b
    assert figures(result.receivable[b.id]) == a_to_b
    assert figures(result.payable[b.id]) == money_row(500, 100, 200, 300, 0, 100)
    assert figures(result.payable[c.id]) == money_row(300, 0, 0, 300, 300, 0)
    assert figures(result.receivable[a.id]) == money_row(800, 100, 200, 600, 300, 100)
    assert c.id not in result.receivable
    assert result.organizations() == sorted({a.id, b.id, c.id})
    assert figures(result.by_city[w.city.id]) == money_row(1800, 700, 500, 1300, 300, 100)
    assert figures(result.by_city[w.other_city.id]) == money_row(300, 0, 0, 300, 300, 0)
    assert set(result.by_city) == {w.city.id, w.other_city.id}
    assert figures(result.total) == money_row(2100, 700, 500, 1600, 600, 100)
    # A owes B 1000 and B owes A 300: only the 700 difference remains.
    assert result.net_matrix() == {
        (a.id, b.id): Decimal("700.00"),
        (c.id, a.id): Decimal("300.00"),
    }

    # Per agreement, the same figures; a draft's page shows its own schedule.
    per_agreement = finance.agreement_figures([ab, pending], TODAY)
    assert figures(per_agreement[ab.id]) == a_to_b
    assert figures(per_agreement[pending.id]) == money_row(999, 0, 0, 999, 999, 0)

    # Each person sees the figures of what they may see.
    agadir = finance.balances(w.secretariat, today=TODAY, city_id=w.other_city.id)
    assert figures(agadir.total) == money_row(300, 0, 0, 300, 300, 0)
    local = finance.balances(w.local, today=TODAY)
    assert set(local.by_city) == {w.city.id}
    assert figures(local.total) == money_row(1800, 700, 500, 1300, 300, 100)
    outsider = finance.balances(w.third, today=TODAY)
    assert figures(outsider.total) == money_row(0, 0, 0, 0, 0, 0)
    assert finance.balances(w.observer, today=TODAY).organizations() == []
    # Later, the planned 700 of A->B is overdue too.
    late = finance.balances(w.secretariat, today=date(2026, 10, 1))
    assert late.payable[a.id].overdue == Decimal("1000.00")


# --- Disputes over a payment, and assets whose agreements exist -------------------------------


def test_upholding_a_dispute_undoes_the_payment_that_did_not_arrive(w):
    agreement = signed(w, [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.00")])
    first = agreement.installments[0]
    act(w.payee, first, "invoice")
    act(w.payer, first, "pay")
    act(w.payee, first, "dispute", reason="Virement jamais reçu")
    assert finance.allowed_actions(w.payer, first) == []
    assert "uphold" in finance.allowed_actions(w.secretariat, first)
    # A payment is never cancelled away while disputed.
    refused(TransitionNotAllowed, act, w.secretariat, first, "cancel")
    refused(NotAllowed, act, w.payee, first, "uphold")
    act(w.secretariat, first, "uphold", reason="La banque confirme l'échec du virement")
    assert first.status is InstallmentStatus.INVOICED
    assert (first.paid_on, first.payment_reference, first.received_at) == (None, "", None)
    assert first.invoice_reference == "INVOICE-1"
    assert first.is_overdue(TODAY)
    # An upheld dispute on an invoice withdraws the invoice.
    act(w.payer, first, "dispute", reason="Facture erronée")
    act(w.secretariat, first, "uphold")
    assert (first.status, first.invoice_reference, first.invoiced_on) == (
        InstallmentStatus.PLANNED,
        "",
        None,
    )
    # Nothing left to uphold on a planned installment under dispute: it is resolved or cancelled.
    act(w.payer, first, "dispute")
    assert "uphold" not in finance.allowed_actions(w.secretariat, first)


def test_a_disputed_payment_is_settled_before_the_agreement_ends(w):
    agreement = signed(w, [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.00")])
    first, second = agreement.installments
    act(w.payer, first, "pay")
    act(w.payee, first, "dispute", reason="Virement jamais reçu")
    # Was the money received or not? Terminating cannot decide it, nor can a new key.
    error = refused(TransitionNotAllowed, terminate, w, agreement)
    assert "est contesté" in error.message
    assert agreement.status is AgreementStatus.SIGNED
    assert statuses(agreement) == [InstallmentStatus.DISPUTED, InstallmentStatus.PLANNED]
    act(w.secretariat, first, "resolve", reason="Relevé bancaire produit")
    assert terminate(w, agreement) == [second]
    assert first.status is InstallmentStatus.PAID
    figures = finance.agreement_figures([agreement], TODAY)[agreement.id]
    assert (figures.paid, figures.cancelled) == (Decimal("400.00"), Decimal("600.00"))


def test_an_assets_owner_and_city_are_fixed_once_agreements_exist(w):
    asset = new_asset(w, w.payer_org)
    set_key(w, asset, [(w.payer_org, "50"), (w.payee_org, "50")])
    generate(w, asset)

    def edit(**change):
        values = {
            "city_id": w.city.id,
            "owner_id": w.payer_org.id,
            "kind": "duct",
            "name": asset.name,
            "description": "",
            "capacity": "",
            "capacity_unit": "",
            "capital_cost": "1000.00",
            "yearly_operating_cost": "0",
            **change,
        }
        finance.save_asset(w.secretariat, asset, expected_version=asset.version, **values)

    error = refused(InvalidInput, edit, owner_id=w.third_org.id)
    assert error.field == "owner_id"
    assert asset.owner_id == w.payer_org.id
    edit(name="Fourreau avenue Mohammed VI, tronçon nord")  # the rest may still change
    db.session.flush()
    assert asset.name.endswith("tronçon nord")


def test_regenerating_with_no_operating_years_keeps_the_operating_agreements(w):
    asset = new_asset(w, w.payer_org, capital="1000.00", yearly="120.00")
    set_key(w, asset, [(w.payer_org, "50"), (w.payee_org, "50")])
    generate(w, asset, years=2)
    capital, operating = sorted(
        finance.active_generated(asset), key=lambda a: a.cost_kind is CostKind.OPERATING
    )
    terminated = set_key(
        w, asset, [(w.payer_org, "40"), (w.payee_org, "60")], on_existing="regenerate"
    )
    assert terminated == [capital]
    assert operating.status is AgreementStatus.DRAFT
    new = generate(w, asset)
    assert [a.total_amount for a in new.agreements] == [Decimal("600.00")]


def test_an_operating_share_too_large_for_the_ledger_is_refused(w):
    asset = new_asset(w, w.payer_org, capital="1000.00", yearly="999999999999.99")
    set_key(w, asset, [(w.payer_org, "50"), (w.payee_org, "50")])
    error = refused(InvalidInput, generate, w, asset, frequency="yearly", years=30)
    assert error.field == "operating_years"
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 0


def test_an_asset_does_not_move_to_a_city_where_its_sharers_do_not_operate(w):
    asset = new_asset(w, w.payee_org)  # a national owner, shared with a Marrakech utility
    set_key(w, asset, [(w.payee_org, "50"), (w.payer_org, "50")])
    error = refused(
        InvalidInput,
        finance.save_asset,
        w.secretariat,
        asset,
        city_id=w.other_city.id,
        owner_id=w.payee_org.id,
        kind="duct",
        name=asset.name,
        description="",
        capacity="",
        capacity_unit="",
        capital_cost="1000.00",
        yearly_operating_cost="0",
        expected_version=asset.version,
    )
    assert error.field == "city_id"
    assert asset.city_id == w.city.id
