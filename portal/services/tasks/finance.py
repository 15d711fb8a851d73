"""Tasks of the financial counterparts: agreements to sign, each party's side of an
installment (invoice, pay, confirm receipt), disputes to settle."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.authz import Permission
from portal.models.finance import (
    UNPAID,
    Agreement,
    AgreementStatus,
    Installment,
    InstallmentStatus,
)
from portal.services.tasks.base import At, Kind, Person, shape

I = InstallmentStatus  # noqa: E741


def _agreement_url(task, cities) -> str:
    return url_for("finance.agreement", agreement_id=task.link_id)


def _manager(person: Person):
    return person.holds(Permission.FINANCE_MANAGE, city_id=Agreement.city_id)


def _party(side):
    """The people who act for one side of the agreement: its own organisation's, with the
    right to take that side's steps in the agreement's city (finance.sides)."""

    def holder(person: Person):
        return sa.and_(
            person.organization_id == side,
            person.holds(
                Permission.FINANCE_SETTLE,
                city_id=Agreement.city_id,
                object_organization_id=side,
            ),
        )

    return holder


def _drafts(at: At):
    return shape(
        sa.select(Agreement).where(Agreement.status == AgreementStatus.DRAFT),
        item_id=Agreement.id,
        title=Agreement.title,
        city_id=Agreement.city_id,
        state=Agreement.status,
        since_at=Agreement.created_at,
    )


def _installments(*condition, due=True, since_on=None, since_at=None):
    def source(at: At):
        return shape(
            sa.select(Installment)
            .join(Agreement, Installment.agreement_id == Agreement.id)
            .where(Agreement.status == AgreementStatus.SIGNED, *condition),
            item_id=Installment.id,
            title=Agreement.title,
            city_id=Agreement.city_id,
            state=Installment.status,
            link_id=Agreement.id,
            due_on=Installment.due_date if due else None,
            since_on=since_on,
            since_at=since_at,
        )

    return source


def _upcoming(at: At, horizon):
    return Installment.due_date <= horizon


KINDS = (
    Kind(
        name="agreement_sign",
        page="agreement",
        label=_l("Conventions à signer"),
        verb=_l("Établir l'échéancier et signer"),
        waiting=_l("Projet de convention, à faire signer par le secrétariat"),
        permission=Permission.FINANCE_MANAGE,
        source=_drafts,
        holder=_manager,
        url=_agreement_url,
    ),
    Kind(
        name="installment_invoice",
        page="agreement",
        label=_l("Échéances à facturer"),
        verb=_l("Facturer"),
        waiting=_l("Échéance à facturer par le bénéficiaire"),
        permission=Permission.FINANCE_SETTLE,
        source=_installments(Installment.status == I.PLANNED),
        holder=_party(Agreement.payee_id),
        url=_agreement_url,
        window=_upcoming,
    ),
    Kind(
        name="installment_pay",
        page="agreement",
        label=_l("Échéances à payer"),
        verb=_l("Payer"),
        waiting=_l("Échéance à payer par le payeur"),
        permission=Permission.FINANCE_SETTLE,
        source=_installments(Installment.status.in_(UNPAID)),
        holder=_party(Agreement.payer_id),
        url=_agreement_url,
        window=_upcoming,
        state_labels={I.INVOICED.value: _l("Facturée : à payer")},
    ),
    Kind(
        name="installment_confirm",
        page="agreement",
        label=_l("Paiements reçus à confirmer"),
        verb=_l("Confirmer la réception"),
        waiting=_l("Paiement enregistré, en attente de la confirmation de réception"),
        permission=Permission.FINANCE_SETTLE,
        source=_installments(
            Installment.status == I.PAID,
            Installment.received_at.is_(None),
            due=False,
            since_on=Installment.paid_on,
        ),
        holder=_party(Agreement.payee_id),
        url=_agreement_url,
    ),
    Kind(
        name="installment_dispute",
        page="agreement",
        label=_l("Contestations à trancher"),
        verb=_l("Trancher la contestation"),
        waiting=_l("Échéance contestée, à trancher par le secrétariat"),
        permission=Permission.FINANCE_MANAGE,
        # The installment's own due date says nothing of how long the dispute has waited.
        source=_installments(
            Installment.status == I.DISPUTED, due=False, since_at=Installment.disputed_at
        ),
        holder=_manager,
        url=_agreement_url,
    ),
)
