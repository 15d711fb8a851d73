"""What waits on whom, across every domain: the "À faire" list, its count in the navigation,
the home page, each object page's "who acts next" and the people a change notifies.

Each kind of task is defined once (tasks/<domain>.py). A person's list is one UNION ALL of
the kinds their roles can hold, so that the list and its count cost the same few queries
whatever the amount of data.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from math import ceil
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app

from portal import authz, names
from portal.clock import local_date
from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.reminders import ReminderRule
from portal.models.users import User
from portal.services.paging import Page
from portal.services.tasks import (
    admin,
    commitments,
    coverage,
    diagnostic,
    finance,
    governance,
    plans,
    scenarios,
    tenders,
)
from portal.services.tasks.base import EVERYONE, At, Kind, Person, Task

__all__ = ["KINDS", "At", "Kind", "Task"]

# The order of the groups in a person's list: the plans, the commitments, the money, the
# tenders, the coverage, the scenarios, the diagnostic, governance, the outbox.
KINDS: tuple[Kind, ...] = (
    *plans.KINDS,
    *commitments.KINDS,
    *finance.KINDS,
    *tenders.KINDS,
    *coverage.KINDS,
    *scenarios.KINDS,
    *diagnostic.KINDS,
    *governance.KINDS,
    *admin.KINDS,
)
BY_NAME = {kind.name: kind for kind in KINDS}
RANK = {kind.name: rank for rank, kind in enumerate(KINDS)}


def held_kinds(user) -> list[Kind]:
    """The kinds this person's roles can hold anywhere (no query)."""
    return [kind for kind in KINDS if authz.can(user, kind.permission)]


def _horizon(at: At) -> date:
    return at.today + timedelta(days=current_app.config["TASKS_HORIZON_DAYS"])


def _branch(kind: Kind, at: At, person: Person):
    query = kind.source(at).where(kind.holder(person))
    if kind.window is not None:
        query = query.where(kind.window(at, _horizon(at)))
    return query.add_columns(
        sa.cast(sa.literal(kind.name), sa.String).label("kind"),
        sa.cast(sa.literal(RANK[kind.name]), sa.Integer).label("rank"),
    )


def _union(user, at: At, kinds=None):
    chosen = [k for k in held_kinds(user) if kinds is None or k.name in kinds]
    if not chosen:
        return None
    person = Person.of(user)
    return sa.union_all(*(_branch(kind, at, person) for kind in chosen)).subquery("tasks")


# The navigation counts up to this many ("99+"): every page shows it, so its cost must not
# grow with a person's backlog.
COUNT_CAP = 100


def count(user, at: At, *, cap: int = COUNT_CAP) -> int:
    """How many tasks wait on this person, up to `cap`: one query that stops reading once it
    has found that many, for the navigation on every page."""
    union = _union(user, at)
    if union is None:
        return 0
    first = sa.select(union.c.kind).limit(cap).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(first))


def summary(user, at: At, *, city_id: int | None = None) -> list[tuple[Kind, int]]:
    """Each kind with its number of tasks for this person (in one city, if given)."""
    union = _union(user, at)
    if union is None:
        return []
    query = sa.select(union.c.kind, sa.func.count()).group_by(union.c.kind)
    if city_id is not None:
        query = query.where(union.c.city_id == city_id)
    counts = dict(db.session.execute(query).all())
    return [(kind, counts[kind.name]) for kind in KINDS if kind.name in counts]


def _ordered(union):
    c = union.c
    return (
        c.rank,
        sa.nulls_last(c.due_on.asc()),
        sa.nulls_last(c.due_at.asc()),
        sa.nulls_last(c.since_on.asc()),
        sa.nulls_last(c.since_at.asc()),
        c.item_id,
    )


def listing(
    user,
    at: At,
    *,
    kinds: set[str] | None = None,
    city_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
    total: int | None = None,
    cities: dict | None = None,
) -> Page:
    """One page of this person's tasks, by kind then by due date (oldest first). `total` is
    the number of tasks the filters select, when the caller knows it from `summary`."""
    union = _union(user, at, kinds)
    if union is None:
        return Page([], 1, per_page, 0)
    query = sa.select(union)
    if city_id is not None:
        query = query.where(union.c.city_id == city_id)
    if total is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = max(1, min(page, max(1, ceil(total / per_page))))
    rows = db.session.execute(
        query.order_by(*_ordered(union)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(to_tasks(rows, at, cities), page, per_page, total)


def most_urgent(user, at: At, number: int, cities: dict | None = None) -> list[Task]:
    """The `number` tasks due first across every kind (the latest ones first of all), for
    the home page: the first few of each kind in one query, then ordered by their due date
    (for what waits on a decision, that depends on the reminder rules, read here)."""
    union = _union(user, at)
    if union is None:
        return []
    position = (
        sa.func.row_number()
        .over(partition_by=union.c.kind, order_by=_ordered(union)[1:])
        .label("position")
    )
    ranked = sa.select(union, position).subquery()
    rows = db.session.execute(
        sa.select(ranked).where(ranked.c.position <= number).order_by(*_ordered(ranked))
    ).all()
    found = to_tasks(rows, at, cities)
    never = date.max
    found.sort(key=lambda t: (t.due or never, t.since or never, RANK[t.kind.name]))
    return found[:number]


def everything(user, at: At) -> list[Task]:
    """Every task of this person, in the list's order (the command line's JSON)."""
    union = _union(user, at)
    if union is None:
        return []
    rows = db.session.execute(sa.select(union).order_by(*_ordered(union))).all()
    return to_tasks(rows, at)


def to_tasks(rows, at: At, cities: dict | None = None) -> list[Task]:
    rules = {}
    if any(BY_NAME[row.kind].due_after is not None for row in rows):
        rules = defaultdict(
            _DefaultRule, {r.kind: r for r in db.session.scalars(sa.select(ReminderRule))}
        )
    if cities is None:
        cities = cities_by_id() if rows else {}
    tasks = []
    for row in rows:
        kind = BY_NAME[row.kind]
        since = row.since_on or (local_date(row.since_at) if row.since_at else None)
        due = row.due_on or (local_date(row.due_at) if row.due_at else None)
        if due is None and since is not None and kind.due_after is not None:
            due = since + timedelta(days=kind.due_after(rules))
        task = Task(
            kind=kind,
            item_id=row.item_id,
            title=row.title,
            city_id=row.city_id,
            state=row.state,
            link_id=row.link_id,
            due=due,
            since=since,
            late_days=max(0, (at.today - due).days) if due else 0,
        )
        task.url = kind.url(task, cities)
        if kind.describe is not None:
            task.title = kind.describe(task)
        tasks.append(task)
    return tasks


class _DefaultRule:
    """A reminder rule not created yet has the defaults (services.reminders.ensure_rules)."""

    respond_within_days = 10


def cities_by_id() -> dict[int, City]:
    return {city.id: city for city in db.session.scalars(sa.select(City))}


# --- Who acts next on an object ---------------------------------------------------------------


@dataclass
class Waiting:
    kind: Kind
    states: set = field(default_factory=set)
    items: set = field(default_factory=set)  # an agreement may wait on several installments
    # (full name, organisation's name) of each active account that holds it; none means
    # that nobody has the role yet.
    people: list[tuple[str, str]] = field(default_factory=list)

    @property
    def action(self):
        if len(self.states) == 1:
            (state,) = self.states
            return self.kind.state_labels.get(state, self.kind.waiting)
        return self.kind.waiting

    @property
    def by_organization(self) -> list[tuple[str, list[str]]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for name, organization in self.people:
            grouped[organization].append(name)
        return sorted(grouped.items())


def _held_by_everyone(kind: Kind):
    """The join condition from a kind's objects to the active accounts that hold it."""
    return sa.and_(
        User.active.is_(True),
        authz.holders_first(User.id, kind.permission),
        kind.holder(EVERYONE),
    )


def _holders_query(kinds, at: At, link_ids):
    branches = []
    for kind in kinds:
        query = kind.source(at)
        columns = query.selected_columns
        branches.append(
            query.where(columns.link_id.in_(link_ids))
            .outerjoin(User, _held_by_everyone(kind))
            .outerjoin(Organization, Organization.id == User.organization_id)
            .with_only_columns(
                sa.cast(sa.literal(kind.name), sa.String).label("kind"),
                columns.link_id,
                columns.item_id,
                columns.state,
                User.id.label("user_id"),
                User.full_name.label("full_name"),
                Organization.name.label("organization"),
                Organization.name_en.label("organization_en"),
                Organization.name_ar.label("organization_ar"),
            )
        )
    return sa.union_all(*branches)


def waiting_on_many(page: str, link_ids, at: At) -> dict[int, list[Waiting]]:
    """Who must act next on each of these objects (milestones, agreements, tenders...): each
    task an object waits for, with the people who hold it. One query."""
    kinds = [kind for kind in KINDS if kind.page == page]
    found: dict[int, dict[str, Waiting]] = defaultdict(dict)
    link_ids = list(link_ids)
    if not link_ids or not kinds:
        return {}
    for row in db.session.execute(_holders_query(kinds, at, link_ids)):
        waiting = found[row.link_id].setdefault(row.kind, Waiting(BY_NAME[row.kind]))
        waiting.states.add(row.state)
        waiting.items.add(row.item_id)
        organization = names.local(
            SimpleNamespace(
                name=row.organization, name_en=row.organization_en, name_ar=row.organization_ar
            )
        )
        if row.user_id is not None and (row.full_name, organization) not in waiting.people:
            waiting.people.append((row.full_name, organization))
    return {
        link_id: sorted(
            (w for w in waits.values() if w.people or not w.kind.holder_pending),
            key=lambda w: RANK[w.kind.name],
        )
        for link_id, waits in found.items()
    }


def waiting_on(page: str, link_id: int, at: At) -> list[Waiting]:
    """Who must act next on this object."""
    return waiting_on_many(page, [link_id], at).get(link_id, [])


def people(kind_name: str, model, object_id: int) -> set[int]:
    """The active accounts that hold this kind of task on this object whatever its state
    (the deliverers of a milestone already approved, a tender's chair...): whom an event
    about the object concerns. `model` is the table the kind's holder condition reads."""
    return set(db.session.scalars(_people_query(kind_name, model), {"object_id": object_id}))


@cache
def _people_query(kind_name: str, model):
    # Built once per kind: services ask it at every change they notify.
    kind = BY_NAME[kind_name]
    return (
        sa.select(User.id)
        .select_from(model)
        .join(User, _held_by_everyone(kind))
        .where(model.id == sa.bindparam("object_id"))
    )
