"""The territories' expectations: recorded by the study's team (or, later, the public
consultation), qualified by the secretariat and the city's decision-maker (merged,
rejected with a reason, or given a priority), and answered by the plan's actions; the
matrix sets them against the actions, with what no action answers and what answers none.

Priority = importance (1-5) x feasibility (1-5) x reach (1-5), from 1 to 125, where reach
grows with the population concerned: under 1,000 people 1, under 5,000 2, under 20,000 3,
under 100,000 4, else 5."""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.diagnostic import (
    STANDING,
    ConsultationSupport,
    Expectation,
    ExpectationSource,
    ExpectationStatus,
    expectation_actions,
)
from portal.models.organizations import Organization
from portal.models.plans import Action, Domain, Plan
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.diagnostic.services import _level, may_manage
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)

S = ExpectationStatus
STALE = _l("Cette attente a été modifiée par quelqu'un d'autre entre-temps.")
# (population below which, reach)
REACH = ((1_000, 1), (5_000, 2), (20_000, 3), (100_000, 4))
MAX_POPULATION = 10_000_000


def reach(population: int) -> int:
    return next((level for bound, level in REACH if population < bound), 5)


def priority(importance: int, feasibility: int, population: int) -> int:
    return importance * feasibility * reach(population)


def may_qualify(user: User, city_id: int) -> bool:
    return authz.can(user, Permission.DIAGNOSTIC_QUALIFY, city_id=city_id)


def may_record(user: User, city_id: int) -> bool:
    return may_manage(user, city_id) or may_qualify(user, city_id)


def _population(value) -> int:
    number = inputs.quantity(inputs.text(str(value or ""), "population"), "population")
    if number != number.to_integral_value() or number > MAX_POPULATION:
        raise InvalidInput(_l("Un nombre d'habitants entier et plausible."), field="population")
    return int(number)


def save_expectation(
    actor: User,
    expectation: Expectation | None,
    *,
    city_id: int,
    domain_id,
    district="",
    text,
    source,
    organization_id=None,
    workshop="",
    importance,
    population,
    expected_version=None,
) -> Expectation:
    """An expectation as it was expressed; editable while it stands."""
    if expectation is not None:
        ensure_current(expectation, expected_version, STALE)
        city_id = expectation.city_id
        if expectation.status not in STANDING:
            raise TransitionNotAllowed(_l("Une attente fusionnée ou rejetée ne change plus."))
    if not may_record(actor, city_id):
        raise NotAllowed(_l("Vous ne tenez pas le diagnostic de cette ville."))
    if not domain_id or db.session.get(Domain, domain_id) is None:
        raise InvalidInput(inputs.REQUIRED, field="domain_id")
    try:
        origin = ExpectationSource(source)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field="source") from None
    was = expectation.source if expectation is not None else None
    if (origin is ExpectationSource.CONSULTATION) != (was is ExpectationSource.CONSULTATION):
        # What residents sent stays theirs, and nothing else passes for it.
        raise InvalidInput(
            _l("Seules les attentes reçues par la consultation publique en viennent."),
            field="source",
        )
    organization = None
    if origin is ExpectationSource.ORGANIZATION:
        organization = db.session.get(Organization, organization_id) if organization_id else None
        if organization is None or organization.city_id not in (None, city_id):
            raise InvalidInput(
                _l("Cet organisme n'intervient pas dans cette ville."), field="organization_id"
            )
    workshop = inputs.text(
        workshop,
        "workshop",
        required=origin is ExpectationSource.WORKSHOP,
        limit=Expectation.workshop.type.length,
    )
    values = {
        "domain_id": int(domain_id),
        "district": inputs.text(district, "district", required=False, limit=120),
        "text": inputs.text(text, "text", limit=2000),
        "source": origin,
        "organization_id": organization.id if organization else None,
        "workshop": workshop if origin is ExpectationSource.WORKSHOP else "",
        "importance": _level(importance, "importance"),
        "population": _population(population),
    }
    if expectation is None:
        expectation = Expectation(city_id=city_id, **values)
        db.session.add(expectation)
        audit.record(
            actor,
            "diagnostic.expectation_created",
            obj=expectation,
            details={"text": values["text"][:200]},
        )
        return expectation
    for key, value in values.items():
        setattr(expectation, key, value)
    if expectation.feasibility is not None:
        expectation.priority = priority(
            expectation.importance, expectation.feasibility, expectation.population
        )
    audit.record(actor, "diagnostic.expectation_updated", obj=expectation)
    return expectation


def _qualifier(actor: User, expectation: Expectation, expected_version) -> None:
    if not may_qualify(actor, expectation.city_id):
        raise NotAllowed(_l("Qualifier les attentes revient à la ville et au secrétariat."))
    ensure_current(expectation, expected_version, STALE)
    if expectation.status not in STANDING:
        raise TransitionNotAllowed(_l("Une attente fusionnée ou rejetée ne change plus."))


def qualify(actor: User, expectation: Expectation, *, feasibility, expected_version=None) -> int:
    """Its feasibility set, hence its priority (the formula above)."""
    _qualifier(actor, expectation, expected_version)
    expectation.feasibility = _level(feasibility, "feasibility")
    expectation.priority = priority(
        expectation.importance, expectation.feasibility, expectation.population
    )
    expectation.status = S.QUALIFIED
    audit.record(
        actor,
        "diagnostic.expectation_qualified",
        obj=expectation,
        details={"feasibility": expectation.feasibility, "priority": expectation.priority},
    )
    return expectation.priority


def reject(actor: User, expectation: Expectation, *, reason, expected_version=None) -> None:
    _qualifier(actor, expectation, expected_version)
    expectation.rejection_reason = inputs.text(reason, "reason", limit=2000)
    expectation.status = S.REJECTED
    expectation.actions.clear()
    audit.record(
        actor,
        "diagnostic.expectation_rejected",
        obj=expectation,
        details={"reason": expectation.rejection_reason},
    )


def merge(actor: User, expectation: Expectation, into: Expectation, *, expected_version=None):
    """A duplicate merged into the expectation that stands for both: its actions and the
    larger population go with it."""
    _qualifier(actor, expectation, expected_version)
    if into.id == expectation.id or into.city_id != expectation.city_id:
        raise InvalidInput(_l("Choisissez une autre attente de la même ville."), field="into_id")
    if into.status not in STANDING:
        raise InvalidInput(_l("Cette attente est fusionnée ou rejetée."), field="into_id")
    merge_into(expectation, into)
    if into.feasibility is not None:
        into.priority = priority(into.importance, into.feasibility, into.population)
    audit.record(actor, "diagnostic.expectation_merged", obj=expectation, details={"into": into.id})


MERGE_TARGETS = 500


def merge_targets(city_id: int, *, besides: int | None = None) -> list[Expectation]:
    """The city's standing expectations another one may be merged into (the first ones)."""
    query = sa.select(Expectation).where(
        Expectation.city_id == city_id, Expectation.status.in_(STANDING)
    )
    if besides is not None:
        query = query.where(Expectation.id != besides)
    return list(db.session.scalars(query.order_by(Expectation.id).limit(MERGE_TARGETS)))


def merge_into(expectation: Expectation, into: Expectation) -> None:
    """`expectation` now stands in `into`: its actions, the larger population, and the
    consultation's supports it had (one per browser and address, as ever)."""
    for action in expectation.actions:
        if action not in into.actions:
            into.actions.append(action)
    into.population = max(into.population, expectation.population)
    expectation.actions.clear()
    expectation.status = S.MERGED
    expectation.merged_into = into
    kept = sa.select(ConsultationSupport).where(ConsultationSupport.expectation_id == into.id)
    browsers, emails = set(), set()
    for given in db.session.scalars(kept):
        browsers.add(given.browser_key)
        emails.add(given.email_key)
    moved = sa.select(ConsultationSupport).where(
        ConsultationSupport.expectation_id == expectation.id
    )
    for given in db.session.scalars(moved):
        if given.browser_key in browsers or (given.email_key and given.email_key in emails):
            db.session.delete(given)  # this person supports the other one already
            continue
        browsers.add(given.browser_key)
        emails.add(given.email_key)
        given.expectation_id = into.id


def answer(actor: User, expectation: Expectation, action_ids, *, expected_version=None) -> None:
    """The plan's actions that answer it (the city's own), replacing those given before."""
    _qualifier(actor, expectation, expected_version)
    wanted = {int(i) for i in action_ids or []}
    actions = (
        db.session.scalars(
            sa.select(Action)
            .join(Plan)
            .where(Action.id.in_(wanted), Plan.city_id == expectation.city_id)
        ).all()
        if wanted
        else []
    )
    if len(actions) != len(wanted):
        raise InvalidInput(_l("Cette action n'est pas du plan de cette ville."), field="action_ids")
    before = sorted(a.code for a in expectation.actions)
    expectation.actions[:] = sorted(actions, key=lambda a: a.code)
    audit.record(
        actor,
        "diagnostic.expectation_answered",
        obj=expectation,
        details={"before": before, "after": [a.code for a in expectation.actions]},
    )


@dataclass
class Matrix:
    """A city's standing expectations by domain against its plan's actions: one page of its
    rows, and its gaps counted over them all."""

    actions: list[Action]
    rows: dict = field(default_factory=dict)  # domain -> [expectation], this page's
    links: set = field(default_factory=set)  # (expectation id, action id), this page's
    unanswered_count: int = 0
    unanswered: list[Expectation] = field(default_factory=list)  # the first ones
    idle_actions: list[Action] = field(default_factory=list)
    pagination: object = None


def _standing(city_id: int):
    return sa.and_(Expectation.city_id == city_id, Expectation.status.in_(STANDING))


def _answered():
    return sa.exists().where(expectation_actions.c.expectation_id == Expectation.id)


UNANSWERED_SHOWN = 20


def matrix(city_id: int, *, page: int = 1, per_page: int | None = 50) -> Matrix:
    """The same few queries whatever the number of expectations and actions; `per_page`
    None gives every row (the export)."""
    actions = db.session.scalars(
        sa.select(Action).join(Plan).where(Plan.city_id == city_id).order_by(Action.code)
    ).all()
    ordered = (
        sa.select(Expectation)
        .join(Domain, Domain.id == Expectation.domain_id)
        .where(_standing(city_id))
        .options(selectinload(Expectation.domain))
        .order_by(
            Domain.position, Domain.id, Expectation.priority.desc().nulls_last(), Expectation.id
        )
    )
    pagination = None
    if per_page is None:
        expectations = db.session.scalars(ordered).all()
    else:
        pagination = db.paginate(ordered, page=page, per_page=per_page, error_out=False)
        expectations = pagination.items
    ids = [e.id for e in expectations]
    links = (
        set(
            db.session.execute(
                sa.select(
                    expectation_actions.c.expectation_id, expectation_actions.c.action_id
                ).where(expectation_actions.c.expectation_id.in_(ids))
            ).all()
        )
        if ids
        else set()
    )
    rows = defaultdict(list)
    for expectation in expectations:
        rows[expectation.domain].append(expectation)
    unanswered = sa.select(Expectation).where(_standing(city_id), ~_answered())
    used = (
        sa.select(expectation_actions.c.action_id)
        .join(Expectation, Expectation.id == expectation_actions.c.expectation_id)
        .where(_standing(city_id))
    )
    answering = set(db.session.scalars(used))
    return Matrix(
        actions=list(actions),
        rows=dict(rows),
        links=links,
        unanswered_count=db.session.scalar(
            sa.select(sa.func.count()).select_from(unanswered.subquery())
        ),
        unanswered=db.session.scalars(
            unanswered.order_by(Expectation.priority.desc().nulls_last(), Expectation.id).limit(
                UNANSWERED_SHOWN
            )
        ).all(),
        idle_actions=[a for a in actions if a.id not in answering],
        pagination=pagination,
    )
