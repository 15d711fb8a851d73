"""The steering report: a city's (or the programme's) figures for a period, as the portal's
own pages count them on the day it is generated (the same conditions and the same service
functions), so that a member who opens a page finds the report's number there.

The figures are plain values (names in each language, enum values, decimals as strings,
ISO dates): the page and the PDF render them in the reader's language, and a report
attached to a meeting is kept exactly as generated."""

from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import authz, clock
from portal.authz import Permission
from portal.extensions import db
from portal.models.commitments import Commitment
from portal.models.coverage import Site
from portal.models.diagnostic import STANDING, Expectation, expectation_actions
from portal.models.governance import (
    ActionStatus,
    AgendaItem,
    Body,
    FollowUpAction,
    Meeting,
    MeetingStatus,
    Outcome,
    SteeringReport,
)
from portal.models.milestones import ChangeRequest, ChangeRequestStatus, Milestone, MilestoneStatus
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain, Horizon
from portal.models.tenders import Tender
from portal.models.users import User
from portal.services import audit
from portal.services import commitments as commitment_rules
from portal.services.coverage import indicators
from portal.services.errors import InvalidInput, NotAllowed
from portal.services.finance.balances import balances
from portal.services.governance.bodies import may_manage, role_in

S = MilestoneStatus
MAX_DAYS = 731  # two years: a report covers the time between two meetings, not the plan's life


def _names(obj, field: str = "name") -> dict:
    return {
        "fr": getattr(obj, field),
        "en": getattr(obj, f"{field}_en", "") or "",
        "ar": getattr(obj, f"{field}_ar", "") or "",
    }


def period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None:
        raise InvalidInput(_l("Indiquez le début de la période."), field="start")
    if end is None:
        raise InvalidInput(_l("Indiquez la fin de la période."), field="end")
    if end < start:
        raise InvalidInput(_l("La fin de la période suit son début."), field="end")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(_l("Une période de deux ans au plus."), field="end")
    return start, end


def _in_city(column, city: City | None):
    return sa.true() if city is None else column == city.id


def _plan(city, start: date, end: date, today: date) -> dict:
    """By domain and horizon: milestones (not cancelled), those due in the period, approved,
    late today (the programme page's counts), and those re-planned in the period."""
    late = Milestone.is_late(today)
    rows = db.session.execute(
        sa.select(
            Action.domain_id,
            Milestone.horizon,
            sa.func.count().label("total"),
            sa.func.sum(
                sa.case(
                    (sa.and_(Milestone.due_date >= start, Milestone.due_date <= end), 1), else_=0
                )
            ).label("due"),
            sa.func.sum(sa.case((Milestone.status == S.APPROVED, 1), else_=0)).label("done"),
            sa.func.sum(sa.case((late, 1), else_=0)).label("late"),
        )
        .select_from(Milestone)
        .join(Action, Action.id == Milestone.action_id)
        .where(_in_city(Milestone.city_id, city), Milestone.status != S.CANCELLED)
        .group_by(Action.domain_id, Milestone.horizon)
    ).all()
    replanned = {
        (domain_id, horizon): count
        for domain_id, horizon, count in db.session.execute(
            sa.select(Action.domain_id, Milestone.horizon, sa.func.count())
            .select_from(ChangeRequest)
            .join(Milestone, Milestone.id == ChangeRequest.milestone_id)
            .join(Action, Action.id == Milestone.action_id)
            .where(
                _in_city(Milestone.city_id, city),
                ChangeRequest.status == ChangeRequestStatus.ACCEPTED,
                ChangeRequest.decided_at >= clock.start_of_day(start),
                ChangeRequest.decided_at < clock.start_of_day(end + timedelta(days=1)),
            )
            .group_by(Action.domain_id, Milestone.horizon)
        )
    }
    domains = {d.id: d for d in db.session.scalars(sa.select(Domain))}
    order = {h: i for i, h in enumerate(Horizon)}
    keyed = sorted(
        rows,
        key=lambda r: (domains[r.domain_id].position, domains[r.domain_id].name, order[r.horizon]),
    )
    lines = [
        {
            "domain": _names(domains[r.domain_id]),
            "horizon": r.horizon.value,
            "total": r.total,
            "due": int(r.due or 0),
            "done": int(r.done or 0),
            "late": int(r.late or 0),
            "replanned": replanned.get((r.domain_id, r.horizon), 0),
        }
        for r in keyed
    ]
    totals = {
        key: sum(line[key] for line in lines)
        for key in ("total", "due", "done", "late", "replanned")
    }
    return {"rows": lines, "totals": totals}


def _indicators(city, today: date) -> list[dict]:
    """Each city's targets (the city-wide ones for the programme), as the indicator pages
    measure them."""
    if city is not None:
        targets = indicators.city_targets(city.id)
    else:
        targets = [
            target for row in indicators.programme_comparison() for target in row.cells.values()
        ]
    found = []
    for target in targets:
        progress = indicators.progress(target, today)
        indicator = target.indicator
        found.append(
            {
                "name": _names(indicator),
                "unit": _names(indicator, "unit"),
                "city": target.city_id,
                "district": target.district,
                "baseline": str(target.baseline_value),
                "target": str(target.target_value),
                "current": None if target.current_value is None else str(target.current_value),
                "target_date": target.target_date.isoformat(),
                "achieved": None if progress.achieved is None else str(progress.achieved),
                "expected": str(progress.expected),
                "state": progress.state,
            }
        )
    return found


def _commitments(city, today: date) -> list[dict]:
    """The scorecard of each organisation, as its profile counts it (restricted to the city)."""
    by_organization: dict[int, list[Commitment]] = defaultdict(list)
    names: dict[int, Organization] = {}
    for commitment in db.session.scalars(
        sa.select(Commitment)
        .where(_in_city(Commitment.city_id, city))
        .options(joinedload(Commitment.organization))
    ):
        by_organization[commitment.organization_id].append(commitment)
        names[commitment.organization_id] = commitment.organization
    return [
        {"organization": names[o].short_name, **commitment_rules.scorecard(found, today)}
        for o, found in sorted(by_organization.items(), key=lambda kv: names[kv[0]].short_name)
    ]


def _money(user: User, city, today: date) -> dict:
    """The finance pages' balances: the city's, or the programme's total."""
    found = balances(user, today=today, city_id=city.id if city else None)
    figures = found.by_city[city.id] if city is not None else found.total
    return {
        "committed": str(figures.committed),
        "paid": str(figures.paid),
        "outstanding": str(figures.outstanding),
        "overdue": str(figures.overdue),
        "disputed": str(figures.disputed),
    }


def _tenders(city) -> list[dict]:
    # A city's report counts its own tenders; the programme's counts them all.
    rows = db.session.execute(
        sa.select(Tender.stage, sa.func.count())
        .where(_in_city(Tender.city_id, city))
        .group_by(Tender.stage)
    ).all()
    return sorted(({"stage": s.value, "count": n} for s, n in rows), key=lambda r: r["stage"])


def _sites(city) -> list[dict]:
    rows = db.session.execute(
        sa.select(Site.kind, Site.status, sa.func.count())
        .where(_in_city(Site.city_id, city))
        .group_by(Site.kind, Site.status)
    ).all()
    return sorted(
        ({"kind": k.value, "status": s.value, "count": n} for k, s, n in rows),
        key=lambda r: (r["kind"], r["status"]),
    )


def _expectations(city) -> list[dict]:
    """The expectations matrix in figures: standing expectations of each domain, and how
    many no action answers yet (the matrix page's gaps)."""
    answered = sa.exists().where(expectation_actions.c.expectation_id == Expectation.id)
    rows = db.session.execute(
        sa.select(
            Expectation.domain_id,
            sa.func.count(),
            sa.func.sum(sa.case((answered, 1), else_=0)),
        )
        .where(_in_city(Expectation.city_id, city), Expectation.status.in_(STANDING))
        .group_by(Expectation.domain_id)
    ).all()
    domains = {d.id: d for d in db.session.scalars(sa.select(Domain))}
    return [
        {
            "domain": _names(domains[domain_id]),
            "standing": standing,
            "answered": int(done or 0),
            "unanswered": standing - int(done or 0),
        }
        for domain_id, standing, done in sorted(
            rows, key=lambda r: (domains[r[0]].position, domains[r[0]].name)
        )
    ]


def _bodies(city):
    # A city's bodies, or every body for the programme.
    return sa.true() if city is None else Body.city_id == city.id


DECISIONS_SHOWN = 100


def _decisions(city, start: date, end: date, meetings) -> list[dict]:
    """The newest decisions of the period (the register holds them all)."""
    items = db.session.execute(
        sa.select(AgendaItem, Meeting.starts_at, Body.name)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .where(
            _bodies(city),
            meetings,
            AgendaItem.outcome == Outcome.DECISION,
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at >= clock.start_of_day(start),
            Meeting.starts_at < clock.start_of_day(end + timedelta(days=1)),
        )
        .order_by(Meeting.starts_at.desc(), AgendaItem.position)
        .limit(DECISIONS_SHOWN)
    ).all()
    return [
        {
            "day": clock.local_date(starts_at).isoformat(),
            "body": body,
            "title": item.title,
            "text": item.outcome_text,
            "source": item.source,
            "carried_out": item.carried_out,
        }
        for item, starts_at, body in items
    ]


ACTIONS_SHOWN = 100


def _actions(city, start: date, end: date, today: date, meetings) -> dict:
    """The follow-up actions of the scope's bodies: counted in full (open, late, done and
    abandoned in the period), and the first ones listed, late first."""
    closed_in_period = sa.and_(
        FollowUpAction.status != ActionStatus.OPEN,
        FollowUpAction.closed_at >= clock.start_of_day(start),
        FollowUpAction.closed_at < clock.start_of_day(end + timedelta(days=1)),
    )
    late = sa.and_(FollowUpAction.status == ActionStatus.OPEN, FollowUpAction.due_on < today)
    scope = sa.and_(
        _bodies(city),
        meetings,
        sa.or_(FollowUpAction.status == ActionStatus.OPEN, closed_in_period),
    )
    counts = {"open": 0, "late": 0, "done": 0, "cancelled": 0}
    for status, is_late, count in db.session.execute(
        sa.select(FollowUpAction.status, late, sa.func.count())
        .join(Meeting, Meeting.id == FollowUpAction.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .where(scope)
        .group_by(FollowUpAction.status, late)
    ):
        counts[status.value] += count
        if is_late:
            counts["late"] += count
    found = db.session.scalars(
        sa.select(FollowUpAction)
        .join(Meeting, Meeting.id == FollowUpAction.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .where(scope)
        .options(joinedload(FollowUpAction.owner_organization))
        .order_by(sa.case((late, 0), else_=1), FollowUpAction.due_on, FollowUpAction.id)
        .limit(ACTIONS_SHOWN)
    ).all()
    items = [
        {
            "title": action.title,
            "organization": action.owner_organization.short_name,
            "due_on": action.due_on.isoformat(),
            "status": "late"
            if action.status is ActionStatus.OPEN and action.due_on < today
            else action.status.value,
        }
        for action in found
    ]
    return {"counts": counts, "items": items}


def figures(
    user: User, city: City | None, start: date, end: date, *, now: datetime, body=None
) -> dict:
    """Every figure of the report, read on the day of `now`. Attached to a meeting of `body`,
    its decisions and actions are that body's and the published meetings' (what its members
    read in the register), not those of other bodies' closed meetings."""
    start, end = period(start, end)
    today = clock.local_date(now)
    meetings = (
        sa.true()
        if body is None
        else sa.or_(Meeting.published.is_(True), Meeting.body_id == body.id)
    )
    return {
        "scope": {"city": city.id if city else None, "name": _names(city) if city else None},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "today": today.isoformat(),
        "plan": _plan(city, start, end, today),
        "indicators": _indicators(city, today),
        "commitments": _commitments(city, today),
        "money": _money(user, city, today),
        "tenders": _tenders(city),
        "sites": _sites(city),
        "expectations": _expectations(city),
        "decisions": _decisions(city, start, end, meetings),
        "actions": _actions(city, start, end, today, meetings),
    }


def default_period_for(today: date) -> tuple[date, date]:
    """The last three months."""
    return today - timedelta(days=91), today


def default_period(meeting: Meeting, today: date) -> tuple[date, date]:
    """Since the body's previous held meeting (or three months), until today."""
    before = db.session.scalar(
        sa.select(sa.func.max(Meeting.starts_at)).where(
            Meeting.body_id == meeting.body_id,
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at < meeting.starts_at,
        )
    )
    if before is None:
        return default_period_for(today)
    return min(clock.local_date(before), today), today


def attach(actor: User, meeting: Meeting, *, start, end, now: datetime) -> SteeringReport:
    """Generated by the secretariat for the meeting's scope; generating again replaces it
    (until the meeting is held: then it is the one the meeting saw)."""
    if not may_manage(actor):
        raise NotAllowed(_l("Le secrétariat établit le rapport de pilotage."))
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise InvalidInput(
            _l("Le rapport s'établit avant la réunion : celle-ci est tenue ou annulée."),
            field="start",
        )
    city = meeting.body.city
    values = figures(actor, city, start, end, now=now, body=meeting.body)
    found = db.session.scalar(
        sa.select(SteeringReport).where(SteeringReport.meeting_id == meeting.id)
    )
    if found is None:
        found = SteeringReport(meeting_id=meeting.id)
        db.session.add(found)
    found.city_id = city.id if city else None
    found.period_start = date.fromisoformat(values["start"])
    found.period_end = date.fromisoformat(values["end"])
    found.generated_at = now
    found.generated_by_id = actor.id
    found.figures = values
    audit.record(
        actor,
        "governance.report_generated",
        obj=meeting,
        details={"start": values["start"], "end": values["end"]},
    )
    return found


def may_read_attached(user: User, meeting: Meeting) -> bool:
    """The report drawn up for a meeting is for the body (and the secretariat), even once the
    meeting is published: it carries the scope's money."""
    return may_manage(user) or role_in(user, meeting.body) is not None


def shows_money(user: User, city_id: int | None) -> bool:
    """Amounts for those who oversee the scope's money on the finance pages."""
    return may_manage(user) or authz.can(user, Permission.FINANCE_OVERSEE, city_id=city_id)


def attached(meeting: Meeting) -> SteeringReport | None:
    return db.session.scalar(
        sa.select(SteeringReport).where(SteeringReport.meeting_id == meeting.id)
    )
