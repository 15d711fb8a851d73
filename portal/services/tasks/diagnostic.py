"""The diagnostic's task: what residents sent to a public consultation waits for its
moderators (one line per consultation, since its oldest submission)."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.authz import Permission
from portal.models.diagnostic import Consultation, Expectation, ExpectationStatus
from portal.services.tasks.base import At, Kind, shape


def _waiting(at: At):
    oldest = (
        sa.select(sa.func.min(Expectation.created_at))
        .where(
            Expectation.consultation_id == Consultation.id,
            Expectation.status == ExpectationStatus.PENDING,
        )
        .correlate(Consultation)
        .scalar_subquery()
    )
    return shape(
        sa.select(Consultation).where(oldest.is_not(None)),
        item_id=Consultation.id,
        title=Consultation.title,
        city_id=Consultation.city_id,
        state=sa.literal("pending"),
        since_at=oldest,
    )


KINDS = (
    Kind(
        name="consultation_moderate",
        page="consultation",
        label=_l("Consultations publiques à modérer"),
        verb=_l("Publier, réunir ou écarter ce que les habitants ont envoyé"),
        waiting=_l("Des attentes reçues attendent la modération"),
        permission=Permission.DIAGNOSTIC_MODERATE,
        source=_waiting,
        holder=lambda person: person.holds(
            Permission.DIAGNOSTIC_MODERATE, city_id=Consultation.city_id
        ),
        url=lambda task, cities: url_for("consultations.moderation", consultation_id=task.item_id),
    ),
)
