"""The demo's governance: a steering committee per city and the national committee, with
their members, and for each an upcoming meeting whose agenda was taken from what waits in
its scope, entered through the real rules."""

from datetime import date, time, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models.governance import Body
from portal.models.organizations import City
from portal.models.types import utcnow
from portal.models.users import Role, User
from portal.services import governance
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
    return len(bodies)
