"""The demo's governance: a steering committee per city and the national committee, with
their members, and for each an upcoming meeting whose agenda was taken from what waits in
its scope, entered through the real rules."""

from datetime import date, time, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models.governance import Body, FollowUpAction
from portal.models.organizations import City
from portal.models.reminders import OutboxMessage, ReminderKind
from portal.models.types import utcnow
from portal.models.users import Role, User
from portal.services import governance
from portal.services.governance import minutes, report
from portal.services.tasks import At
from seeds.people import people_by_role

# slug: (utility's demo account, the place of its meetings)
CITIES = {
    "marrakech": ("contributeur@sdtn.demo", "Wilaya de Marrakech-Safi, salle du conseil"),
    "fes": ("radeef@sdtn.demo", "Commune de Fès, salle des délibérations"),
    "agadir": ("ramsa@sdtn.demo", "Commune d'Agadir, salle Argana"),
}
NAMES = {
    "marrakech": (
        "Comité de pilotage de Marrakech",
        "Marrakech steering committee",
        "لجنة القيادة لمراكش",
    ),
    "fes": ("Comité de pilotage de Fès", "Fez steering committee", "لجنة القيادة لفاس"),
    "agadir": ("Comité de pilotage d'Agadir", "Agadir steering committee", "لجنة القيادة لأكادير"),
}


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def load_governance(today: date) -> int:
    # The agenda's proposals are the task list's, which names each one's page.
    with current_app.test_request_context("/"):
        return _load(today)


def _load(today: date) -> int:
    people = people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(Body.id)):
        return 0
    at = At(today, utcnow())
    bodies = []
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        if city.slug not in CITIES:
            continue
        utility, place = CITIES[city.slug]
        name, name_en, name_ar = NAMES[city.slug]
        body = governance.save_body(
            secretariat,
            None,
            kind="steering",
            name=name,
            name_en=name_en,
            name_ar=name_ar,
            city_id=city.id,
            description=(
                "Suit l'avancement du schéma directeur de la ville, décide de ce qui revient "
                "à la ville et porte au comité national ce qui le dépasse."
            ),
            quorum=3,
            meets_every_months=3,
        )
        db.session.flush()
        local = people.get((Role.LOCAL_DECISION_MAKER, city.id))
        for person, role in (
            (local, "chair"),
            (secretariat, "secretary"),
            (_user(utility), "member"),
            (_user("iam@sdtn.demo"), "member"),
            (_user("observateur@sdtn.demo"), "observer"),
        ):
            if person is not None:
                governance.set_member(secretariat, body, user_id=person.id, role=role)
        bodies.append((body, place))
    national = governance.save_body(
        secretariat,
        None,
        kind="national",
        name="Comité national du programme",
        name_en="Programme national committee",
        name_ar="اللجنة الوطنية للبرنامج",
        description="Arbitre ce que les villes portent au ministère et suit le programme.",
        quorum=3,
        meets_every_months=6,
    )
    db.session.flush()
    members = [(people.get(Role.CENTRAL_DECISION_MAKER), "chair"), (secretariat, "secretary")]
    members += [
        (people.get((Role.LOCAL_DECISION_MAKER, body.city_id)), "member") for body, _ in bodies
    ]
    for person, role in members:
        if person is not None:
            governance.set_member(secretariat, national, user_id=person.id, role=role)
    bodies.append((national, "Ministère de l'Intérieur, DUAT, Rabat"))
    for body, place in bodies:
        _past_meeting(secretariat, body, place, today)
    for number, (body, place) in enumerate(bodies):
        meeting = governance.save_meeting(
            secretariat,
            None,
            body=body,
            day=today + timedelta(days=10 + 7 * number),
            starts=time(10, 0),
            ends=time(12, 30),
            place=place,
            video_link="https://visio.sdtn.example/" + str(body.id),
        )
        db.session.flush()
        offered = governance.proposals(meeting, at)
        if offered:
            governance.add_proposed(
                secretariat,
                meeting,
                [p.key for p in offered[:5]],
                at,
                expected_version=meeting.version,
            )
        governance.add_free(
            secretariat,
            meeting,
            title="Questions diverses",
            expected_version=meeting.version,
        )
        db.session.flush()
        # The secretariat has drawn up the steering report since the last meeting.
        start, end = report.default_period(meeting, today)
        report.attach(secretariat, meeting, start=start, end=end, now=utcnow())
        db.session.flush()
    return len(bodies)


def _past_meeting(secretariat: User, body: Body, place: str, today: date) -> None:
    """Six weeks ago: everyone came but one who sent apologies; an item for information, a
    decision, and two follow-up actions, one done and one now late."""
    meeting = governance.save_meeting(
        secretariat,
        None,
        body=body,
        day=today - timedelta(days=42),
        starts=time(10, 0),
        ends=time(12, 0),
        place=place,
    )
    db.session.flush()
    # Its invitations went out two weeks before it.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.kind == ReminderKind.MEETING_INVITATION,
            OutboxMessage.item_id == meeting.id,
        )
        .values(created_at=meeting.starts_at - timedelta(days=14))
        .execution_options(synchronize_session=False)
    )
    items = [
        "Avancement du schéma directeur",
        "Calendrier des appels d'offres",
        "Raccordement des espaces publics numériques",
        "Communication auprès des habitants",
    ]
    for title in items:
        governance.add_free(secretariat, meeting, title=title, expected_version=meeting.version)
        db.session.flush()
    members = body.members
    presences = {
        m.user_id: "apologised" if m.role.value == "observer" else "present" for m in members
    }
    governance.record_attendance(
        secretariat, meeting, presences, now=meeting.ends_at, expected_version=meeting.version
    )
    db.session.flush()
    first, second, third, fourth = meeting.items
    governance.record_outcome(
        secretariat,
        meeting,
        first.id,
        outcome="information",
        text="Le secrétariat a présenté l'avancement ; les retards sont suivis ci-dessous.",
        expected_version=meeting.version,
    )
    db.session.flush()
    governance.record_outcome(
        secretariat,
        meeting,
        second.id,
        outcome="decision",
        text="Le calendrier des appels d'offres est arrêté tel que présenté.",
        expected_version=meeting.version,
    )
    db.session.flush()
    owner = next((m.user for m in members if m.role.value == "member"), secretariat)
    governance.record_outcome(
        secretariat,
        meeting,
        third.id,
        outcome="action",
        text="Chiffrer le raccordement des espaces publics numériques",
        owner_organization_id=owner.organization_id,
        due_on=today - timedelta(days=7),
        expected_version=meeting.version,
    )
    db.session.flush()
    governance.record_outcome(
        secretariat,
        meeting,
        fourth.id,
        outcome="action",
        text="Publier le calendrier sur le site de la commune",
        owner_organization_id=owner.organization_id,
        due_on=today - timedelta(days=28),
        expected_version=meeting.version,
    )
    db.session.flush()
    done = db.session.scalar(sa.select(FollowUpAction).where(FollowUpAction.item_id == fourth.id))
    governance.close_action(
        secretariat,
        done,
        status="done",
        note="Publié sur le site de la commune.",
        now=meeting.ends_at + timedelta(days=10),
        expected_version=done.version,
    )
    _adopted_minutes(secretariat, meeting)


def _adopted_minutes(secretariat: User, meeting) -> None:
    """Drafted the next day, circulated for a week, a member's remark, adopted by the chair."""
    minutes.save(
        secretariat,
        meeting,
        text=(
            "Le comité a fait le point sur l'avancement du schéma directeur et arrêté le "
            "calendrier des appels d'offres. Deux actions de suivi ont été confiées."
        ),
        expected_version=meeting.version,
    )
    db.session.flush()
    minutes.circulate(
        secretariat,
        meeting,
        days=7,
        now=meeting.ends_at + timedelta(days=1),
        expected_version=meeting.version,
    )
    db.session.flush()
    member = next((m.user for m in meeting.body.members if m.role.value == "member"), None)
    if member is not None:
        minutes.comment(
            member,
            meeting,
            text="Merci de préciser que le calendrier sera publié sur le site de la commune.",
            now=meeting.ends_at + timedelta(days=3),
        )
    chair = next((m.user for m in meeting.body.members if m.role.value == "chair"), None)
    if chair is not None:
        minutes.adopt(
            chair,
            meeting,
            now=meeting.ends_at + timedelta(days=9),
            expected_version=meeting.version,
        )
    db.session.flush()
