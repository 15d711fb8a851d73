"""The shape of a kind of task, and the columns every kind's query gives.

A kind is two things: the objects that wait (a query with the pending condition) and the
condition that ties a person to one of them. Applied to one account, the condition lists
what waits on that person; joined to every active account, it names who must act on an
object. Both come from the same definition, so the list, the count, the object pages and
the notifications can never disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal import authz
from portal.authz import Permission
from portal.models.types import UTCDateTime
from portal.models.users import User


@dataclass(frozen=True)
class At:
    """When the question is asked: the day in Morocco and the instant."""

    today: date
    now: datetime

    @property
    def day_start(self) -> datetime:
        """Midnight of `today` in Morocco, as an instant: deadlines compare to it."""
        zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
        return datetime.combine(self.today, time.min, tzinfo=zone)

    @property
    def tomorrow_start(self) -> datetime:
        return self.day_start + timedelta(days=1)


@dataclass(frozen=True)
class Person:
    """A person in SQL: one account (whose roles are read here), or the users table's own
    columns (whose roles the database reads, row by row)."""

    id: object
    organization_id: object
    user: object = None

    @classmethod
    def of(cls, user) -> "Person":
        return cls(
            sa.literal(user.id, sa.Integer), sa.literal(user.organization_id, sa.Integer), user
        )

    def holds(self, permission: Permission, **scope):
        """Whether this person holds `permission` on the row's city and organisation."""
        if self.user is not None:
            return authz.holds_for(self.user, permission, **scope)
        return authz.holds(self.id, self.organization_id, permission, **scope)


EVERYONE = Person(User.id, User.organization_id)


def shape(
    query,
    *,
    item_id,
    title,
    city_id,
    state,
    link_id=None,
    due_on=None,
    due_at=None,
    since_on=None,
    since_at=None,
):
    """The columns every kind gives, in one order and with one type each, so that the kinds
    of a person's list go into one UNION ALL."""

    def typed(value, kind):
        return sa.cast(sa.null(), kind) if value is None else value

    return query.with_only_columns(
        item_id.label("item_id"),
        sa.cast(title, sa.String).label("title"),
        typed(city_id, sa.Integer).label("city_id"),
        sa.cast(state, sa.String).label("state"),
        (item_id if link_id is None else link_id).label("link_id"),
        typed(due_on, sa.Date).label("due_on"),
        typed(due_at, UTCDateTime()).label("due_at"),
        typed(since_on, sa.Date).label("since_on"),
        typed(since_at, UTCDateTime()).label("since_at"),
    )


@dataclass(frozen=True, eq=False)
class Kind:
    """One kind of task: what waits, who holds it, how it reads and where one acts on it."""

    name: str
    # The object page it shows on ("who acts next") and the notifications' item type.
    page: str
    label: object  # the group's heading in the list: "Jalons à approuver (niveau local)"
    verb: object  # what the person does, on each line: "Approuver ou renvoyer"
    waiting: object  # on the object's page: "En attente de l'approbation locale"
    # A person without this permission anywhere never holds the kind: skipped at no cost.
    permission: Permission
    source: Callable[[At], sa.Select]  # the waiting objects, shaped
    holder: Callable[[Person], object]  # the condition tying a person to a row of source
    url: Callable[["Task", dict], str]  # the task and the cities by id
    # Listed only once due within the horizon (what is due next year does not wait yet).
    window: Callable[[At, date], object] | None = None
    # Days after it started waiting that it falls due (what waits on a decision: the
    # reminder rule's days to decide), given the reminder rules by kind.
    due_after: Callable[[dict], int] | None = None
    # Whether the people who hold it may be named to everyone who sees the object.
    public_holders: bool = True
    # Each holder does it once (a declaration, one's scores): once no one holds it, the
    # object no longer waits for it, rather than waiting on "nobody has the role".
    holder_pending: bool = False
    # The task's wording when it depends on the object's state (a tender's stage...).
    state_labels: dict = field(default_factory=dict)
    # How its title reads, when the query's title is not a name (a number of messages).
    describe: Callable[["Task"], str] | None = None


@dataclass
class Task:
    kind: Kind
    item_id: int | None
    title: str
    city_id: int | None
    state: str | None
    link_id: int | None
    due: date | None
    since: date | None
    late_days: int = 0
    url: str = ""

    @property
    def action(self):
        return self.kind.state_labels.get(self.state, self.kind.verb)
