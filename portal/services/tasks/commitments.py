"""Tasks of the commitments: to accept, progress to validate, the organisation's late ones."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.authz import Permission
from portal.models.commitments import (
    OPEN_COMMITMENTS,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    UpdateStatus,
)
from portal.services.tasks.base import At, Kind, Person, shape


def _commitment_url(task, cities) -> str:
    return url_for("commitments.detail", commitment_id=task.link_id)


def _validator(person: Person):
    return person.holds(
        Permission.COMMITMENTS_VALIDATE,
        city_id=Commitment.city_id,
    )


def _proposed(at: At):
    return shape(
        sa.select(Commitment).where(Commitment.status == CommitmentStatus.PROPOSED),
        item_id=Commitment.id,
        title=Commitment.title,
        city_id=Commitment.city_id,
        state=Commitment.status,
        due_on=Commitment.due_date,
        since_at=Commitment.created_at,
    )


def _declared(at: At):
    return shape(
        sa.select(CommitmentUpdate)
        .join(Commitment, CommitmentUpdate.commitment_id == Commitment.id)
        .where(
            CommitmentUpdate.status == UpdateStatus.DECLARED,
            Commitment.status.in_(OPEN_COMMITMENTS),
        ),
        item_id=CommitmentUpdate.id,
        title=Commitment.title,
        city_id=Commitment.city_id,
        state=CommitmentUpdate.status,
        link_id=Commitment.id,
        since_at=CommitmentUpdate.declared_at,
    )


def _late(at: At):
    return shape(
        # Late, and accepted: a proposed one waits on the city's answer first.
        sa.select(Commitment).where(
            Commitment.is_late(at.today), Commitment.status.in_(OPEN_COMMITMENTS)
        ),
        item_id=Commitment.id,
        title=Commitment.title,
        city_id=Commitment.city_id,
        state=Commitment.status,
        due_on=Commitment.due_date,
    )


def _committed(person: Person):
    # The committed organisation's own people, who declare its progress.
    return sa.and_(
        person.organization_id == Commitment.organization_id,
        person.holds(
            Permission.COMMITMENTS_DECLARE,
            city_id=Commitment.city_id,
            object_organization_id=Commitment.organization_id,
        ),
    )


KINDS = (
    Kind(
        name="commitment_accept",
        page="commitment",
        label=_l("Engagements à accepter"),
        verb=_l("Accepter l'engagement"),
        waiting=_l("En attente de l'acceptation par la ville"),
        permission=Permission.COMMITMENTS_VALIDATE,
        source=_proposed,
        holder=_validator,
        url=_commitment_url,
    ),
    Kind(
        name="commitment_validate",
        page="commitment",
        label=_l("Avancements déclarés à valider"),
        verb=_l("Valider ou rejeter la déclaration"),
        waiting=_l("Avancement déclaré, en attente de validation par la ville"),
        permission=Permission.COMMITMENTS_VALIDATE,
        source=_declared,
        holder=_validator,
        url=lambda task, cities: (
            url_for("commitments.detail", commitment_id=task.link_id) + "#updates"
        ),
    ),
    Kind(
        name="commitment_late",
        page="commitment",
        label=_l("Engagements en retard de votre organisme"),
        verb=_l("Déclarer l'avancement"),
        waiting=_l("Échéance dépassée : l'organisme engagé doit déclarer son avancement"),
        permission=Permission.COMMITMENTS_DECLARE,
        source=_late,
        holder=_committed,
        url=_commitment_url,
    ),
)
