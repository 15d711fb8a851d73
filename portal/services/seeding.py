"""Loading reference and demo data; each loader is idempotent (it adds what is missing)."""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models.milestones import (
    ChangeRequest,
    EventKind,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
)
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.plans import Action, Domain, Plan
from portal.models.users import Role, RoleAssignment, User
from portal.services import accounts, plans


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


def load_demo(today: date | None = None) -> dict[str, int]:
    from seeds import demo

    added = load_reference()
    added["users"] = 0
    cities = {c.slug: c.id for c in db.session.scalars(sa.select(City))}
    organizations = {o.short_name: o.id for o in db.session.scalars(sa.select(Organization))}
    existing = set(db.session.scalars(sa.select(User.email)))
    for email, full_name, organization, roles in demo.USERS:
        if email in existing:
            continue
        accounts.create_user(
            None,
            email=email,
            full_name=full_name,
            organization_id=organizations[organization],
            password=demo.DEMO_PASSWORD,
            grants=[accounts.RoleGrant(role, cities[c] if c else None) for role, c in roles],
        )
        added["users"] += 1
    db.session.flush()
    if today is not None:
        added.update(load_plans(today))
    return added


def load_plans(today: date) -> dict[str, int]:
    """Believable plans for the pilot cities: actions over every domain and horizon, with
    milestones in every state of the approval workflow (some late). Idempotent per city."""
    from seeds import plans as data

    added = {"domains": 0, "plans": 0, "actions": 0, "milestones": 0}
    domains = {d.code: d for d in db.session.scalars(sa.select(Domain))}
    for code, name, position in data.DOMAINS:
        if code not in domains:
            domains[code] = Domain(code=code, name=name, position=position)
            db.session.add(domains[code])
            added["domains"] += 1
    db.session.flush()
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    by_city_kind = {(o.city_id, o.kind): o for o in organizations.values() if o.city_id}
    existing_plans = {p.city_id for p in db.session.scalars(sa.select(Plan))}
    secretariat = db.session.scalar(
        sa.select(User).join(User.role_assignments).where(RoleAssignment.role == Role.SECRETARIAT)
    )
    for city_index, (slug, (title, status, prefix)) in enumerate(data.CITY_PLANS.items()):
        city = db.session.scalar(sa.select(City).where(City.slug == slug))
        if city is None or city.id in existing_plans:
            continue
        plan = Plan(city=city, title=title, start_date=today - timedelta(days=90))
        db.session.add(plan)
        added["plans"] += 1
        leads = {
            "utility": by_city_kind[(city.id, OrganizationKind.UTILITY)],
            "agency": by_city_kind[(city.id, OrganizationKind.URBAN_AGENCY)],
            "commune": by_city_kind[(city.id, OrganizationKind.COMMUNE)],
        }
        for index, (suffix, a_title, domain, lead, budget, start, end) in enumerate(data.ACTIONS):
            shift = 15 * city_index  # the cities do not move in lockstep
            start_day = today + timedelta(days=start + shift)
            end_day = today + timedelta(days=end + shift)
            pattern = data.STATE_PATTERNS[(index + 2 * city_index) % len(data.STATE_PATTERNS)]
            action = Action(
                plan=plan,
                code=f"{prefix}-{suffix}",
                title=a_title,
                domain=domains[domain],
                lead_organization=leads.get(lead) or organizations[lead],
                budget=Decimal(budget),
                planned_start=start_day,
                planned_end=end_day,
                horizon=plans.horizon_for(plan.start_date, end_day),
            )
            db.session.add(action)
            added["actions"] += 1
            previous = None
            for step, (m_title, deliverable, offset) in enumerate(data.MILESTONE_STEPS):
                due = start_day + timedelta(days=offset + 7 * step)
                state = MilestoneStatus(pattern[step])
                # Nothing far in the future has been delivered yet.
                if due > today + timedelta(days=60) and state not in (
                    MilestoneStatus.CANCELLED,
                    MilestoneStatus.IN_PROGRESS,
                ):
                    state = MilestoneStatus.PLANNED
                milestone = Milestone(
                    city=city,
                    action=action,
                    horizon=action.horizon,
                    title=f"{m_title} — {a_title[:60]}",
                    deliverable=deliverable,
                    responsible_organization=action.lead_organization,
                    planned_start=due - timedelta(days=40),
                    due_date=due,
                    status=state,
                    completion_note="Livrable déposé sur l'espace partagé."
                    if state
                    in (
                        MilestoneStatus.SUBMITTED,
                        MilestoneStatus.APPROVED_LOCALLY,
                        MilestoneStatus.APPROVED,
                    )
                    else "",
                    predecessors=[previous] if previous is not None else [],
                )
                db.session.add(milestone)
                db.session.flush()
                db.session.add(
                    MilestoneEvent(
                        milestone_id=milestone.id,
                        actor=secretariat,
                        kind=EventKind.CREATED,
                    )
                )
                added["milestones"] += 1
                previous = milestone
        if status == "adopted":
            db.session.flush()
            plans.adopt_plan(secretariat, plan, today=today - timedelta(days=200))
            _replan_examples(city, today)
    db.session.flush()
    return added


def _replan_examples(city: City, today: date) -> None:
    """A few adopted milestones already slipped (accepted change) and one request pending."""
    open_ones = db.session.scalars(
        sa.select(Milestone)
        .where(
            Milestone.city_id == city.id,
            Milestone.status.in_([MilestoneStatus.IN_PROGRESS, MilestoneStatus.PLANNED]),
        )
        .order_by(Milestone.due_date)
    ).all()
    for milestone in open_ones[:2]:
        milestone.due_date = milestone.due_date + timedelta(days=30)
    central = db.session.scalar(
        sa.select(User)
        .join(User.role_assignments)
        .where(RoleAssignment.role == Role.CENTRAL_DECISION_MAKER)
    )
    if len(open_ones) > 3 and central is not None:
        milestone = open_ones[3]
        db.session.add(
            ChangeRequest(
                milestone=milestone,
                requested_by=central,
                current_due_date=milestone.due_date,
                proposed_due_date=milestone.due_date + timedelta(days=45),
                reason="Livraison des équipements retardée par le fournisseur.",
            )
        )


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
