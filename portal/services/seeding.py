"""Loading reference and demo data; each loader is idempotent (it adds what is missing)."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.users import User
from portal.services import accounts


def load_reference() -> dict[str, int]:
    from seeds import reference

    added = {"cities": 0, "organizations": 0}
    cities = {c.slug: c for c in db.session.scalars(sa.select(City))}
    for row in reference.CITIES:
        if row["slug"] not in cities:
            cities[row["slug"]] = City(**row)
            db.session.add(cities[row["slug"]])
            added["cities"] += 1
    existing = set(db.session.scalars(sa.select(Organization.short_name)))
    for short_name, name, kind, city_slug in reference.ORGANIZATIONS:
        if short_name not in existing:
            db.session.add(
                Organization(
                    short_name=short_name,
                    name=name,
                    kind=kind,
                    city=cities[city_slug] if city_slug else None,
                )
            )
            added["organizations"] += 1
    db.session.flush()
    return added


def load_demo() -> dict[str, int]:
    from seeds import demo

    added = load_reference()
    added["users"] = 0
    cities = {c.slug: c.id for c in db.session.scalars(sa.select(City))}
    organizations = {o.short_name: o.id for o in db.session.scalars(sa.select(Organization))}
    existing = set(db.session.scalars(sa.select(User.email)))
    for email, full_name, organization, roles in demo.USERS:
        if email in existing:
            continue
        accounts.create_user(
            None,
            email=email,
            full_name=full_name,
            organization_id=organizations[organization],
            password=demo.DEMO_PASSWORD,
            grants=[accounts.RoleGrant(role, cities[c] if c else None) for role, c in roles],
        )
        added["users"] += 1
    db.session.flush()
    return added


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
