"""The reference data production needs (the pilot cities and their organisations); the
demo's loaders live in `seeds/`. Each loader is idempotent: it adds what is missing."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.users import User


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


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
