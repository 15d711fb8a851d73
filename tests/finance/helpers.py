"""What the finance service tests share: dates, amounts, quick agreements and assets."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import Agreement, AgreementStatus, Installment, InstallmentStatus, SharedAsset
from portal.services import finance

A = AgreementStatus
I = InstallmentStatus  # noqa: E741
TODAY = date(2026, 6, 1)
SIGNED_ON = date(2026, 1, 10)


def cents(n: int) -> Decimal:
    return Decimal(n).scaleb(-2)


def amounts(low: int, high: int):
    """Amounts with two decimals, from `low` to `high` cents."""
    return st.integers(low, high).map(cents)


# --- Agreements, their schedules and installments ---------------------------------------------


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
