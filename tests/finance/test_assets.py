"""Shared assets on the service: sharing keys, the agreements generated and regenerated."""

from datetime import date
from decimal import Decimal
from itertools import pairwise
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import Agreement, AgreementPurpose, AgreementStatus, CostKind
from portal.services import finance
from portal.services.errors import InvalidInput, TransitionNotAllowed
from tests.finance.helpers import (
    TODAY,
    A,
    I,
    act,
    amounts,
    cents,
    new_asset,
    refused,
    schedule,
    set_key,
    sign,
    statuses,
)

ZERO = Decimal("0.00")

# No example database: the runs leave no .hypothesis folder in the repository.
WITH_DB = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# --- Sharing keys and the agreements generated from them --------------------------------------


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


# --- Assets whose agreements exist ------------------------------------------------------------


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
