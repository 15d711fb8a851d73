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
        _fill_names(cities[row["slug"]], name_en=row["name_en"], name_ar=row["name_ar"])
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    for short_name, name, kind, city_slug in reference.ORGANIZATIONS:
        if short_name not in organizations:
            organizations[short_name] = Organization(
                short_name=short_name,
                name=name,
                kind=kind,
                city=cities[city_slug] if city_slug else None,
            )
            db.session.add(organizations[short_name])
            added["organizations"] += 1
        if short_name in reference.NAMES:
            name_en, name_ar = reference.NAMES[short_name]
            _fill_names(organizations[short_name], name_en=name_en, name_ar=name_ar)
    db.session.flush()
    return added


def _fill_names(row, **names) -> None:
    """Give the English and Arabic names to a row that has none yet (an existing portal
    gets them from `flask seed reference`; a name someone changed stays theirs)."""
    for field, value in names.items():
        if not getattr(row, field):
            setattr(row, field, value)


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
