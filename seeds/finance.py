"""Demo ledger: agreements between the cities' stakeholders with their schedules and
payments, and shared assets with their sharing keys."""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models.finance import Agreement
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.users import Role, User
from portal.services import finance
from seeds.people import moment, people_by_role

SHARED_ASSETS = [
    (
        "Réseau de fourreaux de la régie — axes principaux",
        "duct",
        "utility",
        "42",
        "km",
        "12600000.00",
        "480000.00",
        "percent",
        [("utility", "40"), ("IAM", "20"), ("Orange", "20"), ("inwi", "20")],
        10,
    ),
    (
        "Pylône mutualisé — zone d'activités",
        "tower",
        "IAM",
        "6",
        "emplacements d'antennes",
        "1850000.00",
        "96000.00",
        "units",
        [("IAM", "3"), ("Orange", "2"), ("inwi", "1")],
        -1,
    ),
]


# The cities' networks differ in size; so do their costs.
CITY_SCALE = {"marrakech": Decimal("1"), "fes": Decimal("0.8"), "agadir": Decimal("0.65")}


def load_finance(today: date) -> int:
    """Shared assets with their keys and generated agreements, a co-financing agreement per
    city, and installments paid, due, overdue, disputed and awaiting receipt, all recorded
    through the real rules (so the audit trail is the one people would leave)."""
    people = people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(sa.func.count(Agreement.id))):
        return 0
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    ministry = organizations["DUAT"]
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        by_kind = {o.kind: o for o in organizations.values() if o.city_id == city.id}
        named = {**organizations, "utility": by_kind[OrganizationKind.UTILITY]}
        scale = CITY_SCALE.get(city.slug, Decimal(1))
        for (
            name,
            kind,
            owner,
            capacity,
            unit,
            capital,
            operating,
            basis,
            key,
            months_ago,
        ) in SHARED_ASSETS:
            asset = finance.save_asset(
                secretariat,
                None,
                city_id=city.id,
                owner_id=named[owner].id,
                kind=kind,
                name=f"{name} ({city.name})",
                description="",
                capacity=capacity,
                capacity_unit=unit,
                capital_cost=(Decimal(capital) * scale).quantize(Decimal("0.01")),
                yearly_operating_cost=(Decimal(operating) * scale).quantize(Decimal("0.01")),
            )
            db.session.flush()
            finance.set_key(
                secretariat,
                asset,
                basis=basis,
                lines=[(named[who].id, weight) for who, weight in key],
                on_existing=None,
                today=today,
                expected_version=asset.version,
            )
            db.session.flush()
            generated = finance.generate_agreements(
                secretariat,
                asset,
                start_date=finance.add_months(today.replace(day=15), -months_ago),
                frequency="quarterly",
                count=8,
                operating_years=2 if months_ago > 0 else 0,
                today=today,
                expected_version=asset.version,
            )
            if months_ago <= 0:
                continue  # left as drafts for the secretariat to review and sign
            for agreement in generated.agreements:
                _sign_and_settle(agreement, people, secretariat, today)
        commune = by_kind[OrganizationKind.COMMUNE]
        cofinancing, _dropped = finance.save_agreement(
            secretariat,
            None,
            city_id=city.id,
            payer_id=ministry.id,
            payee_id=commune.id,
            purpose="cofinancing",
            title=f"Cofinancement du portail de services numériques — {city.name}",
            action_id=None,
            asset_id=None,
            total="2500000.00",
            start_date=finance.add_months(today, -14),
        )
        db.session.flush()
        finance.generate_schedule(
            secretariat,
            cofinancing,
            frequency="yearly",
            count=3,
            first_due=finance.add_months(today, -13),
            expected_version=cofinancing.version,
        )
        db.session.flush()
        _sign_and_settle(cofinancing, people, secretariat, today)
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.count(Agreement.id)))


def _sign_and_settle(agreement: Agreement, people: dict, secretariat: User, today: date) -> None:
    """Sign, then settle the past installments: most paid and confirmed, the latest past one
    left overdue, one disputed, one paid but awaiting the payee's confirmation."""
    signed_on = min(agreement.start_date, today)
    finance.sign(
        secretariat,
        agreement,
        signed_on=signed_on,
        convention_reference=f"CONV-{agreement.city_id}-{agreement.id:04d}",
        today=today,
        expected_version=agreement.version,
        now=moment(signed_on, 0),
    )
    db.session.flush()
    payer = people.get((Role.CONTRIBUTOR, agreement.payer_id), secretariat)
    payee = people.get((Role.CONTRIBUTOR, agreement.payee_id), secretariat)

    def act(actor, installment, name, when: date, **details):
        db.session.flush()  # the version read below is the stored one, as in a form
        finance.act_on_installment(
            actor,
            installment,
            name,
            today=today,
            expected_version=installment.version,
            now=moment(min(when, today), 0),
            **details,
        )

    past = [i for i in agreement.installments if i.due_date < today]
    for index, installment in enumerate(past):
        reference = f"{agreement.id:04d}-{index + 1:02d}"
        invoiced = installment.due_date - timedelta(days=20)
        act(payee, installment, "invoice", invoiced, reference=f"FAC-{reference}", day=invoiced)
        if index == len(past) - 1:
            continue  # invoiced, not paid: overdue
        if index == 1 and agreement.id % 3 == 0:
            act(
                payer,
                installment,
                "dispute",
                installment.due_date,
                reason="Montant contesté : usage réel inférieur.",
            )
            continue
        due = installment.due_date
        act(payer, installment, "pay", due, reference=f"VIR-{reference}", day=due)
        if index < len(past) - 2:
            act(payee, installment, "confirm", due + timedelta(days=6))
    db.session.flush()
