"""Demo commitments of the utilities and operators, with their declared progress."""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models.commitments import Commitment
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.users import Role
from portal.services import commitments
from seeds.people import moment, people_by_role

COMMITMENTS = [
    (
        "utility",
        "Fourreaux mutualisés ouverts aux opérateurs",
        "Fourreaux partagés",
        "km",
        "0",
        "25",
        200,
        [("6", 60, True), ("11", 20, False)],
    ),
    (
        "utility",
        "Foyers raccordés au réseau intelligent",
        "Foyers couverts",
        "foyers",
        "0",
        "12000",
        -21,
        [("7400", 40, True)],
    ),
    (
        "IAM",
        "Fibre optique dans la médina",
        "Fibre posée",
        "km",
        "0",
        "40",
        120,
        [("14", 45, True), ("22", 10, False)],
    ),
    (
        "Orange",
        "Sites Wi-Fi publics allumés",
        "Sites allumés",
        "sites",
        "0",
        "30",
        30,
        [("30", 5, True)],
    ),
    (
        "inwi",
        "Pylônes partagés avec les autres opérateurs",
        "Pylônes partagés",
        "pylônes",
        "0",
        "12",
        300,
        [],
    ),
]


def load_commitments(today: date) -> int:
    """Believable commitments for each city's utility and the operators, with their progress:
    some validated, some waiting for the city, one late, one met."""
    people = people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(sa.func.count(Commitment.id))):
        return 0
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    added = 0
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        utility = db.session.scalar(
            sa.select(Organization).where(
                Organization.city_id == city.id, Organization.kind == OrganizationKind.UTILITY
            )
        )
        local = people.get((Role.LOCAL_DECISION_MAKER, city.id))
        for who, title, indicator, unit, baseline, target, due, updates in COMMITMENTS:
            organization = utility if who == "utility" else organizations[who]
            declarer = people.get((Role.CONTRIBUTOR, organization.id), secretariat)
            pending = local is None or (city.slug == "agadir" and who == "inwi")
            commitment = commitments.create_commitment(
                declarer,
                organization_id=organization.id,
                city_id=city.id,
                action_id=None,
                title=f"{title} — {city.name}",
                indicator=indicator,
                unit=unit,
                baseline=baseline,
                target=target,
                due_date=today + timedelta(days=due),
                now=moment(today, -3 if pending else -75),
            )
            added += 1
            if pending:
                continue  # left proposed, for the city to accept in the demo
            commitments.change_status(
                local, commitment, "accept", today=today, now=moment(today, -70)
            )
            for value, days_ago, validated in updates:
                update = commitments.declare_update(
                    declarer,
                    commitment,
                    value=value,
                    measured_on=today - timedelta(days=days_ago),
                    note="Relevé de chantier.",
                    today=today,
                    now=moment(today, min(1 - days_ago, 0)),
                )
                db.session.flush()
                if validated:
                    commitments.decide_update(
                        local, update, accept=True, now=moment(today, min(3 - days_ago, 0))
                    )
    db.session.flush()
    return added


# Per city: (name, kind, owner, capacity, unit, capital cost, yearly operating cost,
# basis, [(organisation, weight)], months before today of the first installment)
