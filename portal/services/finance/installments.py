"""Installments: invoice, payment, receipt, dispute and cancellation, each by its party."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from portal.models.finance import (
    UNPAID,
    Agreement,
    Installment,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, inputs, notifications
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.finance.access import may_manage, may_see, sides
from portal.services.finance.money import INSTALLMENT_LABELS, OPEN, STALE, A, I

# "resolve" dismisses a dispute (back to where the installment stood); "uphold" agrees with it
# and undoes the disputed step (the payment that did not arrive, the invoice that was wrong).
INSTALLMENT_ACTIONS = ("invoice", "pay", "confirm", "dispute", "resolve", "uphold", "cancel")


def awaiting_receipt(installment: Installment) -> bool:
    return installment.status is I.PAID and installment.received_at is None


def allowed_actions(user: User, installment: Installment) -> list[str]:
    """The buttons to show `user` for this installment."""
    return [
        name
        for name in INSTALLMENT_ACTIONS
        if _who_may(user, installment.agreement, name) and _applies(installment, name)
    ]


def _who_may(user: User, agreement: Agreement, name: str) -> bool:
    if may_manage(user, agreement.city_id):
        return True
    side = {
        "invoice": {"payee"},
        "pay": {"payer"},
        "confirm": {"payee"},
        "dispute": {"payer", "payee"},
    }
    return bool(side.get(name, set()) & sides(user, agreement))


def _applies(installment: Installment, name: str) -> bool:
    status = installment.status
    return {
        "invoice": status is I.PLANNED,
        "pay": status in UNPAID,
        "confirm": awaiting_receipt(installment),
        "dispute": status in UNPAID or awaiting_receipt(installment),
        "resolve": status is I.DISPUTED,
        "uphold": status is I.DISPUTED
        and (installment.paid_on is not None or installment.invoiced_on is not None),
        # A payment is never cancelled away: uphold the dispute first.
        "cancel": status in OPEN and installment.paid_on is None,
    }[name]


def act_on_installment(
    actor: User,
    installment: Installment,
    name: str,
    *,
    today: date,
    reference: str = "",
    day: date | None = None,
    reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    agreement = installment.agreement
    if name not in INSTALLMENT_ACTIONS:
        raise TransitionNotAllowed(_l("Cette action n'existe pas."))
    if not may_see(actor, agreement) or not _who_may(actor, agreement, name):
        raise NotAllowed(_l("Cette action revient à l'autre partie ou au secrétariat."))
    ensure_current(installment, expected_version, STALE)
    if agreement.status is not A.SIGNED:
        raise TransitionNotAllowed(
            _l("Les paiements se suivent sur une convention signée et en vigueur.")
        )
    if not _applies(installment, name):
        raise TransitionNotAllowed(
            _l(
                "Impossible : l'échéance est « %(status)s ».",
                status=INSTALLMENT_LABELS[installment.status],
            )
        )
    before = installment.status
    details: dict[str, object] = {"amount": str(installment.amount)}
    if name in ("invoice", "pay"):
        reference = inputs.text(reference, "reference")
        if day is None:
            raise InvalidInput(_l("Indiquez la date."), field="day")
        check_day(day, "day")
        if day > today:
            raise InvalidInput(_l("La date ne peut pas être future."), field="day")
        details.update(reference=reference, day=day.isoformat())
    if name in ("dispute", "resolve", "uphold", "cancel"):
        reason = inputs.text(reason, "reason")
        details["reason"] = reason
    if name == "invoice":
        installment.status = I.INVOICED
        installment.invoice_reference = reference
        installment.invoiced_on = day
    elif name == "pay":
        installment.status = I.PAID
        installment.paid_on = day
        installment.payment_reference = reference
        installment.paid_recorded_by = actor
    elif name == "confirm":
        installment.received_at = now or utcnow()
        installment.received_by = actor
    elif name == "dispute":
        installment.status = I.DISPUTED
        installment.dispute_reason = reason
        installment.disputed_at = now or utcnow()
    elif name == "resolve":
        # Back to where it stood before the dispute.
        if installment.paid_on is not None:
            installment.status = I.PAID
        elif installment.invoiced_on is not None:
            installment.status = I.INVOICED
        else:
            installment.status = I.PLANNED
    elif name == "uphold":
        if installment.paid_on is not None:
            details["payment_undone"] = [
                installment.paid_on.isoformat(),
                installment.payment_reference,
            ]
            installment.paid_on = None
            installment.payment_reference = ""
            installment.paid_recorded_by = None
            installment.received_at = None
            installment.received_by = None
            installment.status = I.INVOICED if installment.invoiced_on else I.PLANNED
        else:
            details["invoice_undone"] = installment.invoice_reference
            installment.invoice_reference = ""
            installment.invoiced_on = None
            installment.status = I.PLANNED
    elif name == "cancel":
        installment.status = I.CANCELLED
        installment.cancel_reason = reason
    details.update({"from": before.value, "to": installment.status.value})
    audit.record(actor, f"finance.installment_{name}", obj=installment, details=details)
    notifications.installment_step(actor, installment, name, reason=reason, now=now)
