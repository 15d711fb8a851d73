"""Who sees agreements and shared assets, and who acts on each side of an installment."""

from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Agreement, Role, SharedAsset
from portal.services import finance
from portal.services.errors import NotAllowed
from tests.finance.helpers import I, act, new_asset, refused, set_key, signed


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
