"""The infrastructure a city has before its plan: backbone and access fibre and ducts (in
km), towers, data rooms, public Wi-Fi zones and digital spaces (one by one), each with its
owner and, where known, a point or a line on the map; a pooled one links to its shared
asset."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models.diagnostic import LINEAR, Infrastructure, InfrastructureKind
from portal.models.finance import SharedAsset
from portal.models.organizations import Organization
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.coverage.base import parse_coordinate
from portal.services.diagnostic.services import _require
from portal.services.errors import InvalidInput, ensure_current

STALE = _l("Cette infrastructure a été modifiée par quelqu'un d'autre entre-temps.")
MAX_POINTS = 200


def _path(text: str) -> list[list[str]]:
    """A line typed one point per line, "latitude, longitude" (or "latitude longitude")."""
    points = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.replace(";", " ").replace(",", " ").split()
        if len(parts) != 2:
            raise InvalidInput(
                _l("Ligne %(n)d : « latitude longitude » attendu.", n=number), field="path"
            )
        try:
            latitude = parse_coordinate(parts[0], "latitude")
            longitude = parse_coordinate(parts[1], "longitude")
        except InvalidInput as refused:
            raise InvalidInput(
                _l("Ligne %(n)d : %(error)s", n=number, error=refused.message), field="path"
            ) from None
        points.append([f"{latitude:f}", f"{longitude:f}"])
    if len(points) == 1:
        raise InvalidInput(_l("Un tracé compte au moins deux points."), field="path")
    if len(points) > MAX_POINTS:
        raise InvalidInput(_l("Au plus %(n)d points.", n=MAX_POINTS), field="path")
    return points


def path_text(item: Infrastructure) -> str:
    return "\n".join(f"{lat}, {lng}" for lat, lng in item.path or [])


def save_infrastructure(
    actor: User,
    item: Infrastructure | None,
    *,
    city_id: int,
    kind,
    name,
    owner_id,
    quantity,
    latitude=None,
    longitude=None,
    path="",
    asset_id=None,
    description="",
    expected_version=None,
) -> Infrastructure:
    if item is not None:
        ensure_current(item, expected_version, STALE)
        city_id = item.city_id
    _require(actor, city_id)
    try:
        chosen = InfrastructureKind(kind)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field="kind") from None
    name = inputs.text(name, "name", limit=Infrastructure.name.type.length)
    same = sa.select(Infrastructure.id).where(
        Infrastructure.city_id == city_id, Infrastructure.name == name
    )
    if item is not None:
        same = same.where(Infrastructure.id != item.id)
    if db.session.scalar(same) is not None:
        raise InvalidInput(_l("La ville a déjà une infrastructure de ce nom."), field="name")
    owner = db.session.get(Organization, owner_id) if owner_id else None
    if owner is None or owner.city_id not in (None, city_id):
        raise InvalidInput(_l("Cet organisme n'intervient pas dans cette ville."), field="owner_id")
    amount = inputs.quantity(inputs.text(quantity, "quantity"), "quantity")
    if chosen not in LINEAR and amount != amount.to_integral_value():
        raise InvalidInput(_l("Un nombre entier."), field="quantity")
    point = (str(latitude or "").strip(), str(longitude or "").strip())
    if any(point) and not all(point):
        field = "longitude" if point[0] else "latitude"
        raise InvalidInput(_l("La latitude et la longitude vont ensemble."), field=field)
    coordinates = (
        (parse_coordinate(point[0], "latitude"), parse_coordinate(point[1], "longitude"))
        if all(point)
        else (None, None)
    )
    points = _path(path)
    if points and chosen not in LINEAR:
        raise InvalidInput(_l("Un tracé est pour la fibre et les fourreaux."), field="path")
    asset = None
    if asset_id:
        asset = db.session.get(SharedAsset, asset_id)
        if asset is None or asset.city_id != city_id:
            raise InvalidInput(
                _l("Cette infrastructure n'est pas dans cette ville."), field="asset_id"
            )
        taken = db.session.scalar(
            sa.select(Infrastructure.id).where(
                Infrastructure.asset_id == asset.id,
                Infrastructure.id != (item.id if item is not None else 0),
            )
        )
        if taken is not None:
            raise InvalidInput(
                _l("Cette infrastructure partagée est déjà liée à un autre élément."),
                field="asset_id",
            )
    values = {
        "kind": chosen,
        "name": name,
        "owner_id": owner.id,
        "quantity": amount,
        "latitude": coordinates[0],
        "longitude": coordinates[1],
        "path": points,
        "asset_id": asset.id if asset else None,
        "description": inputs.text(description, "description", required=False, limit=5000),
    }
    if item is None:
        item = Infrastructure(city_id=city_id, **values)
        db.session.add(item)
        audit.record(actor, "diagnostic.infrastructure_created", obj=item, details={"name": name})
        return item
    for key, value in values.items():
        setattr(item, key, value)
    audit.record(actor, "diagnostic.infrastructure_updated", obj=item, details={"name": name})
    return item


def totals(city_id: int) -> dict[InfrastructureKind, Decimal]:
    """How much of each kind the city has (km or units), in one query."""
    return dict(
        db.session.execute(
            sa.select(Infrastructure.kind, sa.func.sum(Infrastructure.quantity))
            .where(Infrastructure.city_id == city_id)
            .group_by(Infrastructure.kind)
        ).all()
    )


def map_items(city_id: int | None) -> list[dict]:
    """What the map draws: the located items, a point or a line each (one query)."""
    query = sa.select(
        Infrastructure.id,
        Infrastructure.name,
        Infrastructure.kind,
        Infrastructure.latitude,
        Infrastructure.longitude,
        Infrastructure.path,
    )
    if city_id is not None:
        query = query.where(Infrastructure.city_id == city_id)
    items = []
    for item_id, name, kind, latitude, longitude, path in db.session.execute(query):
        if path:
            items.append(
                {
                    "id": item_id,
                    "name": name,
                    "kind": kind.value,
                    "path": [[float(a), float(b)] for a, b in path],
                }
            )
        elif latitude is not None:
            items.append(
                {
                    "id": item_id,
                    "name": name,
                    "kind": kind.value,
                    "lat": float(latitude),
                    "lng": float(longitude),
                }
            )
    return items
