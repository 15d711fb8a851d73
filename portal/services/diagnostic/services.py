"""The inventory of a city's digital services: each one's provider, domain, channels and
maturity (at the baseline and now, on the five-level scale), its planned change, its
monthly use; and the city's maturity profile by domain."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.authz import Permission
from portal.extensions import db
from portal.models.diagnostic import Channel, DigitalService, Maturity, ServiceUse
from portal.models.organizations import Organization
from portal.models.plans import Action, Domain, Plan
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.dates import check_day
from portal.services.errors import InvalidInput, NotAllowed, ensure_current
from portal.services.study import on_study

STALE = _l("Ce service a été modifié par quelqu'un d'autre entre-temps.")
LEVELS = tuple(int(level) for level in Maturity)


def may_manage(user: User, city_id: int) -> bool:
    return on_study(user, Permission.DIAGNOSTIC_MANAGE, city_id)


def _require(actor: User, city_id: int) -> None:
    if not may_manage(actor, city_id):
        raise NotAllowed(_l("Vous ne tenez pas le diagnostic de cette ville."))


def _level(value, field: str, *, required: bool = True) -> int | None:
    if value in (None, "", 0, "0"):
        if required:
            raise InvalidInput(inputs.REQUIRED, field=field)
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in LEVELS:
        raise InvalidInput(_l("Un niveau de 1 à 5."), field=field)
    return level


def save_service(
    actor: User,
    service: DigitalService | None,
    *,
    city_id: int,
    name,
    description="",
    provider_id,
    domain_id,
    channels,
    baseline_level,
    baseline_on,
    level,
    level_on,
    action_id=None,
    target_level=None,
    expected_version=None,
) -> DigitalService:
    if service is not None:
        ensure_current(service, expected_version, STALE)
        city_id = service.city_id
    _require(actor, city_id)
    name = inputs.text(name, "name", limit=DigitalService.name.type.length)
    same_name = sa.select(DigitalService.id).where(
        DigitalService.city_id == city_id, DigitalService.name == name
    )
    if service is not None:
        same_name = same_name.where(DigitalService.id != service.id)
    if db.session.scalar(same_name) is not None:
        raise InvalidInput(_l("La ville a déjà un service de ce nom."), field="name")
    provider = db.session.get(Organization, provider_id) if provider_id else None
    if provider is None or provider.city_id not in (None, city_id):
        raise InvalidInput(
            _l("Cet organisme n'intervient pas dans cette ville."), field="provider_id"
        )
    if not domain_id or db.session.get(Domain, domain_id) is None:
        raise InvalidInput(inputs.REQUIRED, field="domain_id")
    chosen = [c.value for c in Channel if c.value in set(channels or [])]
    if not chosen:
        raise InvalidInput(_l("Au moins un canal."), field="channels")
    if set(channels or []) - set(chosen):
        raise InvalidInput(_l("Valeur inconnue."), field="channels")
    baseline = _level(baseline_level, "baseline_level")
    now = _level(level, "level")
    baseline_day = check_day(baseline_on, "baseline_on")
    level_day = check_day(level_on, "level_on")
    if level_day < baseline_day:
        raise InvalidInput(
            _l("La date du niveau actuel ne précède pas celle du diagnostic."), field="level_on"
        )
    action = None
    if action_id:
        action = db.session.get(Action, action_id)
        if action is None or action.plan.city_id != city_id:
            raise InvalidInput(
                _l("Cette action n'est pas du plan de cette ville."), field="action_id"
            )
    target = _level(target_level, "target_level", required=False)
    if target is not None and action is None:
        raise InvalidInput(_l("Un niveau visé va avec l'action qui le porte."), field="action_id")
    values = {
        "name": name,
        "description": inputs.text(description, "description", required=False, limit=5000),
        "provider_id": provider.id,
        "domain_id": int(domain_id),
        "channels": chosen,
        "baseline_level": baseline,
        "baseline_on": baseline_day,
        "level": now,
        "level_on": level_day,
        "action_id": action.id if action else None,
        "target_level": target,
    }
    if service is None:
        service = DigitalService(city_id=city_id, **values)
        db.session.add(service)
        audit.record(actor, "diagnostic.service_created", obj=service, details={"name": name})
        return service
    changes = {
        key: [_plain(getattr(service, key)), _plain(value)]
        for key, value in values.items()
        if getattr(service, key) != value
    }
    for key, value in values.items():
        setattr(service, key, value)
    if changes:
        audit.record(actor, "diagnostic.service_updated", obj=service, details={"changes": changes})
    return service


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def record_use(
    actor: User, service: DigitalService, *, month, volume, expected_version=None
) -> ServiceUse:
    """A month's use of the service; entered again, it replaces that month's figure."""
    _require(actor, service.city_id)
    ensure_current(service, expected_version, STALE)
    day = check_day(month, "month").replace(day=1)
    count = inputs.quantity(inputs.text(volume, "volume"), "volume")
    if count != count.to_integral_value():
        raise InvalidInput(_l("Un nombre entier."), field="volume")
    use = next((u for u in service.uses if u.month == day), None)
    if use is None:
        use = ServiceUse(month=day, volume=int(count))
        service.uses.append(use)
    else:
        use.volume = int(count)
    flag_modified(service, "name")  # a new version: a page loaded before is stale
    audit.record(
        actor,
        "diagnostic.service_use",
        obj=service,
        details={"month": day.isoformat(), "volume": int(count)},
    )
    return use


@dataclass
class DomainProfile:
    domain: Domain
    baseline: dict = field(default_factory=dict)  # level -> services
    now: dict = field(default_factory=dict)
    count: int = 0
    baseline_mean: Decimal = Decimal(0)
    mean: Decimal = Decimal(0)

    @property
    def change(self) -> Decimal:
        return self.mean - self.baseline_mean


def maturity_profile(city_id: int) -> list[DomainProfile]:
    """Per domain with services in the city: how many services stand at each level, at the
    baseline and now, and the mean level then and now (one grouped query)."""
    rows = db.session.execute(
        sa.select(
            DigitalService.domain_id,
            DigitalService.baseline_level,
            DigitalService.level,
            sa.func.count(),
        )
        .where(DigitalService.city_id == city_id)
        .group_by(DigitalService.domain_id, DigitalService.baseline_level, DigitalService.level)
    ).all()
    domains = {d.id: d for d in db.session.scalars(sa.select(Domain).order_by(Domain.position))}
    profiles: dict[int, DomainProfile] = {}
    for domain_id, baseline, level, count in rows:
        profile = profiles.setdefault(domain_id, DomainProfile(domains[domain_id]))
        profile.baseline[baseline] = profile.baseline.get(baseline, 0) + count
        profile.now[level] = profile.now.get(level, 0) + count
        profile.count += count
    for profile in profiles.values():
        for attribute, levels in (("baseline_mean", profile.baseline), ("mean", profile.now)):
            total = sum(level * n for level, n in levels.items())
            setattr(
                profile,
                attribute,
                (Decimal(total) / profile.count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
            )
    order = list(domains)
    return sorted(profiles.values(), key=lambda p: order.index(p.domain.id))


def city_actions(city_id: int) -> list[Action]:
    return db.session.scalars(
        sa.select(Action).join(Plan).where(Plan.city_id == city_id).order_by(Action.code)
    ).all()
