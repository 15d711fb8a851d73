"""Candidate sites: their details, status moves and deployment figures."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.authz import Permission
from portal.extensions import db
from portal.models.coverage import (
    Assessment,
    Site,
    SiteEvent,
    SiteKind,
    SiteStatus,
)
from portal.models.milestones import Milestone
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Plan
from portal.models.users import User
from portal.services import audit, inputs, notifications, selection
from portal.services.coverage.access import _require, may_decide, may_manage, may_report
from portal.services.coverage.assessment import site_result
from portal.services.coverage.base import (
    DECISIONS,
    DEPLOYMENT,
    FROZEN,
    STALE,
    STATUS_LABELS,
    WITH_FIGURES,
    _count,
    parse_coordinate,
)
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)


def save_site(
    actor: User,
    site: Site | None,
    *,
    city_id,
    district,
    kind,
    name,
    address,
    latitude,
    longitude,
    host_organization_id,
    estimated_cost,
    action_id=None,
    milestone_ids=(),
    today: date,
    expected_version=None,
) -> Site:
    if site is not None:
        ensure_current(site, expected_version, STALE)
        _require(actor, Permission.COVERAGE_MANAGE, site.city_id)
        if site.status in FROZEN:
            raise TransitionNotAllowed(_l("Un site rejeté ou fermé ne se modifie plus."))
    _require(actor, Permission.COVERAGE_MANAGE, city_id)
    city = db.session.get(City, city_id or 0)
    if city is None:
        raise InvalidInput(_l("Choisissez une ville."), field="city_id")
    try:
        kind = SiteKind(kind)
    except ValueError:
        raise InvalidInput(_l("Choisissez un type de site."), field="kind") from None
    if (
        site is not None
        and (site.city_id != city.id or site.kind is not kind)
        and (_assessed(site))
    ):
        raise TransitionNotAllowed(
            _l("Ce site est déjà évalué : sa ville et son type ne changent plus."),
        )
    values = {
        "district": inputs.text(district, "district", limit=120),
        "name": inputs.text(name, "name", limit=200),
        "address": inputs.text(address, "address", limit=300),
        "latitude": parse_coordinate(latitude, "latitude"),
        "longitude": parse_coordinate(longitude, "longitude"),
        "estimated_cost": inputs.amount(estimated_cost, "estimated_cost"),
    }
    host = db.session.get(Organization, host_organization_id or 0)
    if host is None or host.city_id not in (None, city.id):
        raise InvalidInput(
            _l("L'organisme d'accueil est national ou de cette ville."),
            field="host_organization_id",
        )
    action = None
    if action_id:
        action = db.session.scalar(
            sa.select(Action).join(Plan).where(Action.id == action_id, Plan.city_id == city.id)
        )
        if action is None:
            raise InvalidInput(
                _l("L'action choisie n'est pas du plan de cette ville."), field="action_id"
            )
    wanted = {int(i) for i in milestone_ids or ()}
    milestones = (
        db.session.scalars(sa.select(Milestone).where(Milestone.id.in_(wanted))).all()
        if wanted
        else []
    )
    if len(milestones) != len(wanted) or any(
        m.city_id != city.id or (action is not None and m.action_id != action.id)
        for m in milestones
    ):
        raise InvalidInput(
            _l("Les jalons liés sont de cette ville, et de l'action choisie s'il y en a une."),
            field="milestone_ids",
        )
    created = site is None
    if created:
        site = Site(status=SiteStatus.PROPOSED, status_since=today)
        db.session.add(site)
        site.events.append(SiteEvent(to_status=SiteStatus.PROPOSED, on_date=today, actor=actor))
    site.city_id = city.id
    site.kind = kind
    site.host_organization_id = host.id
    site.action_id = action.id if action else None
    site.milestones = sorted(milestones, key=lambda m: (m.due_date, m.id))
    if not created:
        # The links are another table: without this a change to them alone would not make
        # the row's version move, and a concurrent edit would silently replace them.
        flag_modified(site, "name")
    for key, value in values.items():
        setattr(site, key, value)
    audit.record(
        actor,
        "coverage.site_created" if created else "coverage.site_updated",
        obj=site,
        details={
            "name": site.name,
            "kind": kind.value,
            "city": city.slug,
            "milestones": sorted(m.id for m in milestones),
        },
    )
    return site


def _assessed(site: Site) -> bool:
    return (
        db.session.scalar(sa.select(Assessment.id).where(Assessment.site_id == site.id).limit(1))
        is not None
    )


def allowed_moves(user: User, site: Site) -> list[SiteStatus]:
    """The statuses to offer `user` as buttons (the rules check again when one is pressed)."""
    moves = []
    for start, end in sorted(DECISIONS | DEPLOYMENT, key=lambda p: list(SiteStatus).index(p[1])):
        if start is not site.status:
            continue
        if ((start, end) in DECISIONS and may_decide(user, site)) or (
            (start, end) in DEPLOYMENT and may_manage(user, site.city_id)
        ):
            moves.append(end)
    return moves


def move(
    actor: User,
    site: Site,
    to_status,
    *,
    note: str,
    on_date: date | None,
    today: date,
    expected_version=None,
    now: datetime | None = None,
    meeting: dict | None = None,
) -> None:
    """A decision (select, reject: with the written justification) or a step of the
    deployment (fitting out, opening, closing). `meeting`: the reference of the meeting
    whose decision this is, kept in the history."""
    ensure_current(site, expected_version, STALE)
    try:
        to_status = SiteStatus(to_status)
    except ValueError:
        raise InvalidInput(_l("Statut inconnu."), field="to_status") from None
    pair = (site.status, to_status)
    if pair in DECISIONS:
        _require(actor, Permission.COVERAGE_DECIDE, site.city_id)
    elif pair in DEPLOYMENT:
        _require(actor, Permission.COVERAGE_MANAGE, site.city_id)
    else:
        raise TransitionNotAllowed(
            _l(
                "Un site « %(start)s » ne peut pas passer à « %(end)s ».",
                start=STATUS_LABELS[site.status],
                end=STATUS_LABELS[to_status],
            )
        )
    day = check_day(on_date or today, "on_date")
    if day > today:
        raise InvalidInput(_l("Une date passée ou aujourd'hui."), field="on_date")
    if day < site.status_since:
        raise InvalidInput(
            _l(
                "Le statut actuel date du %(day)s : une date antérieure n'est pas possible.",
                day=site.status_since.isoformat(),
            ),
            field="on_date",
        )
    note = (note or "").strip()
    if to_status in (SiteStatus.SELECTED, SiteStatus.REJECTED) and not note:
        raise InvalidInput(_l("Une justification écrite est requise."), field="note")
    if to_status is SiteStatus.CLOSED and not note:
        raise InvalidInput(_l("Dites pourquoi le site ferme."), field="note")
    if to_status is SiteStatus.SELECTED:
        result = site_result(site)
        if result is None or result.status == selection.UNSCORED:
            raise TransitionNotAllowed(_l("Ce site n'a pas encore été évalué."))
        if result.status == selection.ELIMINATED:
            label, _reason = result.failed[0]
            raise TransitionNotAllowed(
                _l("Ce site ne remplit pas le critère éliminatoire « %(label)s ».", label=label)
            )
    if to_status is SiteStatus.OPEN:
        capacity = site.seats if site.kind is SiteKind.DIGITAL_SPACE else site.wifi_capacity
        if not capacity:
            raise TransitionNotAllowed(
                _l("Renseignez d'abord la capacité du site (postes ou connexions simultanées).")
            )
    before = site.status
    if to_status in (SiteStatus.SELECTED, SiteStatus.REJECTED):
        site.decision_note = note
    site.status = to_status
    site.status_since = day
    site.events.append(
        SiteEvent(
            from_status=before,
            to_status=to_status,
            on_date=day,
            actor=actor,
            note=note,
            meeting_id=(meeting or {}).get("meeting"),
        )
    )
    audit.record(
        actor,
        "coverage.site_moved",
        obj=site,
        details={"from": before.value, "to": to_status.value, "on": day.isoformat()},
    )
    if to_status in (SiteStatus.SELECTED, SiteStatus.REJECTED):
        notifications.site_decided(actor, site, note=note, now=now)


def record_figures(
    actor: User,
    site: Site,
    *,
    seats,
    wifi_capacity,
    weekly_users,
    figures_on,
    today: date,
    expected_version=None,
) -> None:
    ensure_current(site, expected_version, STALE)
    if not may_report(actor, site):
        raise NotAllowed(
            _l("Seuls le programme et l'organisme d'accueil renseignent ces chiffres.")
        )
    if site.status not in WITH_FIGURES:
        raise TransitionNotAllowed(
            _l("Les chiffres se renseignent pendant le déploiement et une fois le site ouvert.")
        )
    values = {
        "seats": _count(seats, "seats"),
        "wifi_capacity": _count(wifi_capacity, "wifi_capacity"),
        "weekly_users": _count(weekly_users, "weekly_users"),
    }
    if values["weekly_users"] is not None and site.status is not SiteStatus.OPEN:
        raise InvalidInput(
            _l("La fréquentation se mesure une fois le site ouvert."), field="weekly_users"
        )
    capacity = "seats" if site.kind is SiteKind.DIGITAL_SPACE else "wifi_capacity"
    if site.status is SiteStatus.OPEN and not values[capacity]:
        # It was required to open; an open site keeps it.
        raise InvalidInput(_l("Un site ouvert garde sa capacité."), field=capacity)
    day = check_day(figures_on or today, "figures_on")
    if day > today:
        raise InvalidInput(_l("Une date passée ou aujourd'hui."), field="figures_on")
    for key, value in values.items():
        setattr(site, key, value)
    site.figures_on = day
    audit.record(
        actor,
        "coverage.site_figures",
        obj=site,
        details={k: v for k, v in values.items() if v is not None} | {"on": day.isoformat()},
    )
