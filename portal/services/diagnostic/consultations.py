"""The public consultation: a city opens one for a period; residents and businesses send an
expectation without an account and support the published ones; the secretariat moderates
every expectation before anyone else sees it (publishes it, merges it into another, or
rejects it with a reason).

Personal data is kept to what is needed: the e-mail a resident may leave, read by the
moderators only and erased once the message saying what became of the expectation has
gone; a support keeps keyed hashes of its browser and e-mail, never the address itself.
"""

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import authz
from portal import config as settings
from portal.authz import Permission
from portal.extensions import db
from portal.models.diagnostic import (
    STANDING,
    Consultation,
    ConsultationContact,
    ConsultationSupport,
    Expectation,
    ExpectationSource,
    ExpectationStatus,
)
from portal.models.plans import Domain
from portal.models.types import utcnow
from portal.models.users import User
from portal.names import local
from portal.services import audit, inputs
from portal.services.dates import check_day
from portal.services.diagnostic.expectations import (
    _population,
    may_qualify,
    merge_into,
    priority,
)
from portal.services.diagnostic.services import _level
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)

log = logging.getLogger(__name__)
S = ExpectationStatus
STALE = _l("Cette consultation a été modifiée par quelqu'un d'autre entre-temps.")
STALE_EXPECTATION = _l("Cette attente a été modérée par quelqu'un d'autre entre-temps.")
# What a resident may write: long enough to say something, short enough to read.
TEXT_MIN, TEXT_MAX = 20, 1000
MAX_DISTRICTS = 60
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def may_open(user: User, city_id: int) -> bool:
    return may_qualify(user, city_id)


def may_moderate(user: User, city_id: int) -> bool:
    return authz.can(user, Permission.DIAGNOSTIC_MODERATE, city_id=city_id)


def _districts(value) -> list[str]:
    found: list[str] = []
    for line in str(value or "").splitlines():
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > 120:
            raise InvalidInput(
                _l("Un quartier par ligne, de 120 caractères au plus."), field="districts"
            )
        if name.casefold() not in {d.casefold() for d in found}:
            found.append(name)
    if len(found) > MAX_DISTRICTS:
        raise InvalidInput(_l("Au plus %(n)d quartiers.", n=MAX_DISTRICTS), field="districts")
    return found


def save_consultation(
    actor: User,
    consultation: Consultation | None,
    *,
    city_id: int,
    title,
    title_en="",
    title_ar="",
    introduction="",
    introduction_en="",
    introduction_ar="",
    districts="",
    opens_on: date | None,
    closes_on: date | None,
    expected_version=None,
) -> Consultation:
    """A consultation opened, or its texts and period changed. Two consultations of a city
    never overlap: a resident would not know which one to answer."""
    if consultation is not None:
        ensure_current(consultation, expected_version, STALE)
        city_id = consultation.city_id
    if not may_open(actor, city_id):
        raise NotAllowed(_l("Ouvrir une consultation revient à la ville et au secrétariat."))
    if opens_on is None:
        raise InvalidInput(inputs.REQUIRED, field="opens_on")
    if closes_on is None:
        raise InvalidInput(inputs.REQUIRED, field="closes_on")
    check_day(opens_on, "opens_on")
    check_day(closes_on, "closes_on")
    if closes_on < opens_on:
        raise InvalidInput(_l("La clôture suit l'ouverture."), field="closes_on")
    overlapping = sa.select(Consultation.id).where(
        Consultation.city_id == city_id,
        Consultation.opens_on <= closes_on,
        Consultation.closes_on >= opens_on,
    )
    if consultation is not None:
        overlapping = overlapping.where(Consultation.id != consultation.id)
    if db.session.scalar(overlapping.limit(1)) is not None:
        raise InvalidInput(
            _l("Une autre consultation de cette ville couvre déjà une partie de cette période."),
            field="opens_on",
        )
    values = {
        "title": inputs.text(title, "title", limit=200),
        "title_en": inputs.text(title_en, "title_en", required=False, limit=200),
        "title_ar": inputs.text(title_ar, "title_ar", required=False, limit=200),
        "introduction": inputs.text(introduction, "introduction", required=False, limit=5000),
        "introduction_en": inputs.text(
            introduction_en, "introduction_en", required=False, limit=5000
        ),
        "introduction_ar": inputs.text(
            introduction_ar, "introduction_ar", required=False, limit=5000
        ),
        "districts": _districts(districts),
        "opens_on": opens_on,
        "closes_on": closes_on,
    }
    if consultation is None:
        consultation = Consultation(city_id=city_id, created_by_id=actor.id, **values)
        db.session.add(consultation)
        action = "diagnostic.consultation_opened"
    else:
        for key, value in values.items():
            setattr(consultation, key, value)
        action = "diagnostic.consultation_updated"
    audit.record(
        actor,
        action,
        obj=consultation,
        details={"opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()},
    )
    return consultation


def title(consultation: Consultation) -> str:
    return local(consultation, "title")


def introduction(consultation: Consultation) -> str:
    return local(consultation, "introduction")


def unpublished():
    """Sent through a consultation and never published: the moderators' alone."""
    return sa.and_(Expectation.consultation_id.is_not(None), Expectation.published_at.is_(None))


def is_unpublished(expectation: Expectation) -> bool:
    return expectation.consultation_id is not None and expectation.published_at is None


# --- What residents do ------------------------------------------------------------------------


def _email(value, field: str) -> str:
    address = (value or "").strip().lower()
    if not address:
        return ""
    if len(address) > 254 or not EMAIL_RE.match(address):
        raise InvalidInput(_l("Adresse e-mail non valide."), field=field)
    return address


def _ensure_open(consultation: Consultation, today: date) -> None:
    if today < consultation.opens_on:
        raise TransitionNotAllowed(_l("Cette consultation n'est pas encore ouverte."))
    if today > consultation.closes_on:
        raise TransitionNotAllowed(_l("Cette consultation est close."))


def submit(
    consultation: Consultation,
    *,
    domain_id,
    district,
    text,
    email="",
    language: str,
    honeypot="",
    today: date,
) -> Expectation:
    """An expectation sent by a resident: kept for the moderators, shown to no one else."""
    if honeypot:
        # Filled by a program that fills every field; a person does not see this one.
        raise InvalidInput(
            _l("Laissez vide le champ « Ne pas remplir » pour envoyer votre attente."),
            field="website",
        )
    _ensure_open(consultation, today)
    domain = db.session.get(Domain, int(domain_id)) if str(domain_id or "").isdigit() else None
    if domain is None:
        raise InvalidInput(_l("Choisissez un domaine."), field="domain_id")
    district = (district or "").strip()
    if district and district not in consultation.districts:
        raise InvalidInput(_l("Choisissez un quartier de la liste."), field="district")
    words = " ".join((text or "").split())
    if len(words) < TEXT_MIN:
        raise InvalidInput(
            _l("Décrivez votre attente en %(n)d caractères au moins.", n=TEXT_MIN), field="text"
        )
    if len(words) > TEXT_MAX:
        raise InvalidInput(_l("Au plus %(n)d caractères.", n=TEXT_MAX), field="text")
    address = _email(email, "email")
    expectation = Expectation(
        city_id=consultation.city_id,
        domain_id=domain.id,
        district=district,
        text=words,
        source=ExpectationSource.CONSULTATION,
        consultation=consultation,
        status=S.PENDING,
        population=0,
    )
    db.session.add(expectation)
    db.session.flush()
    if address:
        db.session.add(
            ConsultationContact(
                expectation_id=expectation.id,
                email=address,
                language=language if language in settings.LANGUAGES else "fr",
            )
        )
    # Neither the text nor the address: the audit trail is read beyond the moderators.
    audit.record(
        None,
        "diagnostic.consultation_submitted",
        obj=expectation,
        details={"consultation": consultation.id},
        actor_label="public",
    )
    return expectation


def _key(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def browser_key(token: str) -> str:
    return _key("browser", token)


ALREADY = _l("Vous avez déjà soutenu cette attente.")


def support(expectation: Expectation, *, browser_token: str, email="", today: date) -> None:
    """One support more, unless this browser or this address has given one already."""
    consultation = expectation.consultation
    if consultation is None or expectation.published_at is None:
        raise TransitionNotAllowed(_l("Cette attente n'est pas publiée."))
    if expectation.status not in STANDING:
        raise TransitionNotAllowed(_l("Cette attente a été fusionnée ou rejetée."))
    _ensure_open(consultation, today)
    address = _email(email, "email")
    browser = browser_key(browser_token)
    mail = _key("email", address) if address else None
    given = sa.or_(
        ConsultationSupport.browser_key == browser,
        *([ConsultationSupport.email_key == mail] if mail else []),
    )
    if db.session.scalar(
        sa.select(ConsultationSupport.id)
        .where(ConsultationSupport.expectation_id == expectation.id, given)
        .limit(1)
    ):
        raise InvalidInput(ALREADY, field="email")
    try:
        with db.session.begin_nested():
            db.session.add(
                ConsultationSupport(
                    expectation_id=expectation.id, browser_key=browser, email_key=mail
                )
            )
    except sa.exc.IntegrityError:
        raise InvalidInput(ALREADY, field="email") from None  # the same support, at once


def support_counts(ids) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(ConsultationSupport.expectation_id, sa.func.count())
            .where(ConsultationSupport.expectation_id.in_(ids))
            .group_by(ConsultationSupport.expectation_id)
        ).all()
    )


def supported_here(ids, token: str | None) -> set[int]:
    if not ids or not token:
        return set()
    return set(
        db.session.scalars(
            sa.select(ConsultationSupport.expectation_id).where(
                ConsultationSupport.expectation_id.in_(ids),
                ConsultationSupport.browser_key == browser_key(token),
            )
        )
    )


def published(consultation_id: int):
    """What the public sees: the published expectations still standing, most supported
    first."""
    supports = (
        sa.select(sa.func.count())
        .where(ConsultationSupport.expectation_id == Expectation.id)
        .scalar_subquery()
    )
    return (
        sa.select(Expectation)
        .where(
            Expectation.consultation_id == consultation_id,
            Expectation.published_at.is_not(None),
            Expectation.status.in_(STANDING),
        )
        .order_by(supports.desc(), Expectation.id)
    )


# --- Moderation -------------------------------------------------------------------------------


def _moderated(actor: User, expectation: Expectation, expected_version) -> None:
    if not may_moderate(actor, expectation.city_id):
        raise NotAllowed(_l("La modération des consultations revient au secrétariat."))
    ensure_current(expectation, expected_version, STALE_EXPECTATION)
    if expectation.status is not S.PENDING:
        raise TransitionNotAllowed(_l("Cette attente est déjà modérée."))


def _tell(expectation: Expectation) -> None:
    contact = db.session.get(ConsultationContact, expectation.id)
    if contact is not None:
        contact.due = True


def publish(
    actor: User, expectation: Expectation, *, text, importance, population, expected_version=None
) -> None:
    """Published as the moderator leaves it: the text may be cut of what must not be shown
    (a name, a telephone number), and it gets the importance and population the priority
    needs."""
    _moderated(actor, expectation, expected_version)
    words = " ".join((text or "").split())
    if not words:
        raise InvalidInput(inputs.REQUIRED, field="text")
    if len(words) > TEXT_MAX:
        raise InvalidInput(_l("Au plus %(n)d caractères.", n=TEXT_MAX), field="text")
    edited = words != expectation.text
    expectation.text = words
    expectation.importance = _level(importance, "importance")
    expectation.population = _population(population)
    expectation.status = S.SUBMITTED
    expectation.published_at = utcnow()
    _tell(expectation)
    audit.record(
        actor, "diagnostic.consultation_published", obj=expectation, details={"edited": edited}
    )


def merge(actor: User, expectation: Expectation, into: Expectation, *, expected_version=None):
    """A resident's expectation that another already says: merged into it unpublished."""
    _moderated(actor, expectation, expected_version)
    if into.id == expectation.id or into.city_id != expectation.city_id:
        raise InvalidInput(_l("Choisissez une autre attente de la même ville."), field="into_id")
    if into.status not in STANDING:
        raise InvalidInput(_l("Cette attente est fusionnée ou rejetée."), field="into_id")
    merge_into(expectation, into)
    if into.feasibility is not None:
        into.priority = priority(into.importance, into.feasibility, into.population)
    _tell(expectation)
    audit.record(
        actor, "diagnostic.consultation_merged", obj=expectation, details={"into": into.id}
    )


def reject(actor: User, expectation: Expectation, *, reason, expected_version=None) -> None:
    _moderated(actor, expectation, expected_version)
    expectation.rejection_reason = inputs.text(reason, "reason", limit=2000)
    expectation.status = S.REJECTED
    _tell(expectation)
    audit.record(
        actor,
        "diagnostic.consultation_rejected",
        obj=expectation,
        details={"reason": expectation.rejection_reason},
    )


def pending(consultation_id: int):
    return (
        sa.select(Expectation)
        .where(Expectation.consultation_id == consultation_id, Expectation.status == S.PENDING)
        .order_by(Expectation.created_at, Expectation.id)
    )


@dataclass
class Tally:
    pending: int = 0
    published: int = 0
    merged: int = 0
    rejected: int = 0
    supports: int = 0


def tallies(consultation_ids) -> dict[int, Tally]:
    """Per consultation: how many expectations wait, were published, merged or rejected,
    and how many supports the published ones got."""
    found = {i: Tally() for i in consultation_ids}
    if not found:
        return found
    rows = db.session.execute(
        sa.select(
            Expectation.consultation_id,
            Expectation.status,
            Expectation.published_at.is_not(None),
            sa.func.count(),
        )
        .where(Expectation.consultation_id.in_(found))
        .group_by(
            Expectation.consultation_id, Expectation.status, Expectation.published_at.is_not(None)
        )
    )
    for consultation_id, status, was_published, count in rows:
        tally = found[consultation_id]
        if status is S.PENDING:
            tally.pending += count
        elif status is S.MERGED:
            tally.merged += count
        elif status is S.REJECTED and not was_published:
            tally.rejected += count
        elif was_published:
            tally.published += count
    for consultation_id, count in db.session.execute(
        sa.select(Expectation.consultation_id, sa.func.count())
        .join(ConsultationSupport, ConsultationSupport.expectation_id == Expectation.id)
        .where(Expectation.consultation_id.in_(found))
        .group_by(Expectation.consultation_id)
    ):
        found[consultation_id].supports = count
    return found


def results(consultation: Consultation) -> list[Expectation]:
    """Every moderated expectation of the consultation (the export), without what waits."""
    return list(
        db.session.scalars(
            sa.select(Expectation)
            .where(
                Expectation.consultation_id == consultation.id,
                Expectation.status != S.PENDING,
            )
            .options(selectinload(Expectation.actions))
            .order_by(Expectation.id)
        )
    )
