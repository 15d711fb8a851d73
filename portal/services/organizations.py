"""Cities and organisations, as the administrator maintains them."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.errors import InvalidInput, ensure_current

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STALE = _l(
    "Cette fiche a été modifiée par quelqu'un d'autre entre-temps. "
    "Rechargez la page pour voir ses nouvelles valeurs."
)


def all_cities() -> list[City]:
    return db.session.scalars(sa.select(City).order_by(City.name)).all()


def all_organizations() -> list[Organization]:
    return db.session.scalars(sa.select(Organization).order_by(Organization.name)).all()


def _unique(model, column, value, field: str, message, exclude_id: int | None) -> None:
    query = sa.select(model.id).where(sa.func.lower(column) == value.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise InvalidInput(message, field=field)


def _plain(value):
    return value.value if isinstance(value, OrganizationKind) else value


def _changes(obj, values: dict) -> dict:
    """Apply `values` to `obj`; return what changed, as the audit trail records it."""
    changed = {}
    for key, value in values.items():
        before = getattr(obj, key)
        if before != value:
            changed[key] = {"before": _plain(before), "after": _plain(value)}
            setattr(obj, key, value)
    return changed


# --- Cities -------------------------------------------------------------------------------


def _city_values(name: str, slug: str, region: str, exclude_id: int | None) -> dict:
    name = inputs.text(name, "name")
    slug = inputs.text(slug, "slug").lower()
    region = inputs.text(region, "region")
    if not SLUG_RE.match(slug):
        raise InvalidInput(
            _l("L'identifiant ne peut contenir que des lettres minuscules, chiffres et tirets."),
            field="slug",
        )
    _unique(City, City.name, name, "name", _l("Une ville porte déjà ce nom."), exclude_id)
    _unique(City, City.slug, slug, "slug", _l("Cet identifiant est déjà pris."), exclude_id)
    return {"name": name, "slug": slug, "region": region}


def create_city(actor: User, *, name: str, slug: str, region: str, names=None, ip=None) -> City:
    """`names`: the city's name in English and Arabic (`name_en`, `name_ar`), optional."""
    city = City(**_city_values(name, slug, region, None), **inputs.names(names, City))
    db.session.add(city)
    audit.record(actor, "city.created", obj=city, details={"name": city.name}, ip=ip)
    return city


def update_city(
    actor: User,
    city: City,
    *,
    expected_version,
    name: str,
    slug: str,
    region: str,
    names=None,
    ip=None,
) -> None:
    ensure_current(city, expected_version, STALE)
    values = _city_values(name, slug, region, city.id) | inputs.names(names, City)
    changed = _changes(city, values)
    if changed:
        audit.record(actor, "city.updated", obj=city, details=changed, ip=ip)


# --- Organisations --------------------------------------------------------------------------


def _organization_values(name, short_name, kind, city_id, exclude_id) -> dict:
    name = inputs.text(name, "name")
    short_name = inputs.text(short_name, "short_name")
    try:
        kind = OrganizationKind(kind)
    except ValueError:
        raise InvalidInput(_l("Type d'organisme inconnu."), field="kind") from None
    if city_id is not None and db.session.get(City, city_id) is None:
        raise InvalidInput(_l("Ville inconnue."), field="city_id")
    _unique(
        Organization,
        Organization.name,
        name,
        "name",
        _l("Un organisme porte déjà ce nom."),
        exclude_id,
    )
    _unique(
        Organization,
        Organization.short_name,
        short_name,
        "short_name",
        _l("Ce sigle est déjà utilisé par un autre organisme."),
        exclude_id,
    )
    return {"name": name, "short_name": short_name, "kind": kind, "city_id": city_id}


def create_organization(
    actor: User, *, name: str, short_name: str, kind, city_id: int | None, names=None, ip=None
) -> Organization:
    """`names`: the organisation's name in English and Arabic, where one exists."""
    organization = Organization(
        **_organization_values(name, short_name, kind, city_id, None),
        **inputs.names(names, Organization),
    )
    db.session.add(organization)
    audit.record(
        actor,
        "organization.created",
        obj=organization,
        details={"name": organization.name, "kind": organization.kind.value, "city_id": city_id},
        ip=ip,
    )
    return organization


def update_organization(
    actor: User,
    organization: Organization,
    *,
    expected_version,
    name: str,
    short_name: str,
    kind,
    city_id: int | None,
    names=None,
    ip=None,
) -> None:
    ensure_current(organization, expected_version, STALE)
    values = _organization_values(name, short_name, kind, city_id, organization.id) | inputs.names(
        names, Organization
    )
    changed = _changes(organization, values)
    if changed:
        audit.record(actor, "organization.updated", obj=organization, details=changed, ip=ip)


@dataclass(frozen=True)
class Criteria:
    """What the organisation lists are filtered by: `city` is a city's id, or "national"."""

    q: str = ""
    kind: OrganizationKind | None = None
    city: int | str | None = None
    valid: bool = True


def filtered_query(criteria: Criteria):
    """Organisations matching `criteria` (none when a filter value was not valid)."""
    query = sa.select(Organization).options(selectinload(Organization.city))
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.q:
        text = criteria.q.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Organization.name).contains(text, autoescape=True),
                sa.func.lower(Organization.short_name).contains(text, autoescape=True),
            )
        )
    if criteria.kind is not None:
        query = query.where(Organization.kind == criteria.kind)
    if criteria.city == "national":
        query = query.where(Organization.city_id.is_(None))
    elif criteria.city is not None:
        query = query.where(Organization.city_id == criteria.city)
    return query
