"""Agreements between organisations: drafting, schedules, signature, termination."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.finance import (
    Agreement,
    AgreementPurpose,
    Installment,
    SharedAsset,
)
from portal.models.organizations import Organization
from portal.models.plans import Action
from portal.models.users import User
from portal.services import audit, inputs, notifications
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.finance.access import may_manage
from portal.services.finance.money import (
    FREQUENCIES,
    MAX_INSTALLMENTS,
    OPEN,
    STALE,
    A,
    I,
    _cents,
    money,
    parse_positive_amount,
    schedule_dates,
    split_equal,
)


def _organization_in_city(organization_id, city_id: int, field: str) -> Organization:
    organization = db.session.get(Organization, organization_id) if organization_id else None
    if organization is None or organization.city_id not in (None, city_id):
        raise InvalidInput(_l("Cet organisme n'intervient pas dans cette ville."), field=field)
    return organization


def _require_manage(actor: User, city_id: int) -> None:
    if not may_manage(actor, city_id):
        raise NotAllowed(_l("Seul le secrétariat du programme modifie les conventions."))


def save_agreement(
    actor: User,
    agreement: Agreement | None,
    *,
    city_id: int,
    payer_id: int,
    payee_id: int,
    purpose: str,
    title: str,
    action_id: int | None,
    asset_id: int | None,
    total,
    start_date: date,
    convention_reference: str = "",
    expected_version: int | None = None,
) -> tuple[Agreement, bool]:
    """Create a draft or edit one. Returns the agreement and whether its schedule was dropped
    (a new total no longer matches the old installments)."""
    _require_manage(actor, city_id)
    if agreement is not None:
        ensure_current(agreement, expected_version, STALE)
        _require_manage(actor, agreement.city_id)
        if agreement.status is not A.DRAFT:
            raise TransitionNotAllowed(
                _l(
                    "Une convention signée ou résiliée ne se modifie plus : "
                    "ses montants sont figés."
                )
            )
    _organization_in_city(payer_id, city_id, "payer_id")
    _organization_in_city(payee_id, city_id, "payee_id")
    if payer_id == payee_id:
        raise InvalidInput(_l("Le payeur et le bénéficiaire doivent différer."), field="payee_id")
    try:
        purpose_value = AgreementPurpose(purpose)
    except ValueError:
        raise InvalidInput(_l("Objet inconnu."), field="purpose") from None
    if action_id:
        action = db.session.get(Action, action_id)
        if action is None or action.plan.city_id != city_id:
            raise InvalidInput(
                _l("Cette action n'est pas du plan de cette ville."), field="action_id"
            )
    if asset_id:
        asset = db.session.get(SharedAsset, asset_id)
        if asset is None or asset.city_id != city_id:
            raise InvalidInput(
                _l("Cette infrastructure n'est pas dans cette ville."), field="asset_id"
            )
    values = {
        "city_id": city_id,
        "payer_id": payer_id,
        "payee_id": payee_id,
        "purpose": purpose_value,
        "title": inputs.text(title, "title"),
        "action_id": action_id or None,
        "asset_id": asset_id or None,
        "total_amount": parse_positive_amount(total, "total"),
        "start_date": check_day(start_date, "start_date"),
        "convention_reference": inputs.text(
            convention_reference, "convention_reference", required=False
        ),
    }
    dropped = False
    if agreement is None:
        agreement = Agreement(**values)
        db.session.add(agreement)
        audit.record(
            actor,
            "finance.agreement_created",
            obj=agreement,
            details={"total": str(values["total_amount"]), "title": values["title"]},
        )
        return agreement, dropped
    before = {key: getattr(agreement, key) for key in values}
    if agreement.installments and values["total_amount"] != agreement.total_amount:
        agreement.installments.clear()
        dropped = True
    for key, value in values.items():
        setattr(agreement, key, value)
    changes = {
        key: [_plain(before[key]), _plain(value)]
        for key, value in values.items()
        if before[key] != value
    }
    audit.record(
        actor,
        "finance.agreement_updated",
        obj=agreement,
        details={"changes": changes, "schedule_dropped": dropped},
    )
    return agreement, dropped


def _plain(value):
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def attach_document(actor: User, agreement: Agreement, stored: StoredFile) -> None:
    _require_manage(actor, agreement.city_id)
    if agreement.status is A.TERMINATED:
        raise TransitionNotAllowed(_l("Cette convention est résiliée."))
    agreement.document = stored
    audit.record(
        actor,
        "finance.document_attached",
        obj=agreement,
        details={"file": stored.original_name, "sha256": stored.sha256},
    )


def _require_draft(agreement: Agreement) -> None:
    if agreement.status is not A.DRAFT:
        raise TransitionNotAllowed(
            _l("L'échéancier d'une convention signée ou résiliée ne se modifie plus.")
        )


def generate_schedule(
    actor: User,
    agreement: Agreement,
    *,
    frequency: str,
    count: int,
    first_due: date,
    expected_version: int | None = None,
) -> list[Installment]:
    """Equal installments at a regular interval, the rounding remainder on the last one."""
    _require_manage(actor, agreement.city_id)
    ensure_current(agreement, expected_version, STALE)
    _require_draft(agreement)
    if frequency not in FREQUENCIES:
        raise InvalidInput(_l("Périodicité inconnue."), field="frequency")
    if not isinstance(count, int) or not 1 <= count <= MAX_INSTALLMENTS:
        raise InvalidInput(
            _l("Entre 1 et %(most)d échéances.", most=MAX_INSTALLMENTS), field="count"
        )
    check_day(first_due, "first_due")
    if _cents(agreement.total_amount) < count:
        raise InvalidInput(_l("Le montant est trop petit pour autant d'échéances."), field="count")
    dates = schedule_dates(first_due, frequency, count)
    check_day(dates[-1], "count")
    installments = [
        Installment(due_date=day, amount=amount)
        for day, amount in zip(dates, split_equal(agreement.total_amount, count), strict=True)
    ]
    agreement.installments.clear()
    db.session.flush()  # the old rows go before the new ones arrive
    agreement.installments.extend(installments)
    _touch(agreement)
    audit.record(
        actor,
        "finance.schedule_generated",
        obj=agreement,
        details={"frequency": frequency, "count": count, "first_due": first_due.isoformat()},
    )
    return installments


def set_schedule(
    actor: User,
    agreement: Agreement,
    rows: Iterable[tuple[date | None, object]],
    *,
    expected_version: int | None = None,
) -> list[Installment]:
    """A schedule entered by hand; refused unless it adds up exactly to the total."""
    _require_manage(actor, agreement.city_id)
    ensure_current(agreement, expected_version, STALE)
    _require_draft(agreement)
    parsed = []
    for index, (day, amount) in enumerate(rows):
        if day is None and (amount is None or str(amount).strip() == ""):
            continue  # an empty line of the form
        if day is None:
            raise InvalidInput(
                _l("Ligne %(line)d : indiquez la date d'échéance.", line=index + 1),
                field="installments",
            )
        check_day(day, "installments")
        try:
            value = parse_positive_amount(amount, "installments")
        except InvalidInput as refused:
            raise InvalidInput(
                _l("Ligne %(line)d : %(error)s", line=index + 1, error=refused.message),
                field="installments",
            ) from None
        parsed.append((day, value))
    if not parsed:
        raise InvalidInput(_l("Saisissez au moins une échéance."), field="installments")
    if len(parsed) > MAX_INSTALLMENTS:
        raise InvalidInput(
            _l("Au plus %(most)d échéances.", most=MAX_INSTALLMENTS), field="installments"
        )
    entered = sum((amount for _, amount in parsed), Decimal("0.00"))
    if entered != agreement.total_amount:
        raise InvalidInput(
            _l(
                "Les échéances totalisent %(entered)s pour une convention de %(total)s : "
                "écart de %(difference)s.",
                entered=money(entered),
                total=money(agreement.total_amount),
                difference=money(entered - agreement.total_amount),
            ),
            field="installments",
        )
    installments = [Installment(due_date=day, amount=amount) for day, amount in sorted(parsed)]
    agreement.installments.clear()
    db.session.flush()
    agreement.installments.extend(installments)
    _touch(agreement)
    audit.record(
        actor,
        "finance.schedule_entered",
        obj=agreement,
        details={"installments": [[d.isoformat(), str(a)] for d, a in sorted(parsed)]},
    )
    return installments


def _touch(agreement: Agreement) -> None:
    """A schedule change is a change of the agreement: its version moves, stale forms fail."""
    flag_modified(agreement, "total_amount")


def sign(
    actor: User,
    agreement: Agreement,
    *,
    signed_on: date,
    convention_reference: str,
    today: date,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    _require_manage(actor, agreement.city_id)
    ensure_current(agreement, expected_version, STALE)
    if agreement.status is not A.DRAFT:
        raise TransitionNotAllowed(_l("Seul un projet de convention se signe."))
    reference = inputs.text(convention_reference, "convention_reference")
    check_day(signed_on, "signed_on")
    if signed_on > today:
        raise InvalidInput(_l("La date de signature ne peut pas être future."), field="signed_on")
    scheduled = sum((i.amount for i in agreement.installments), Decimal("0.00"))
    if not agreement.installments:
        raise TransitionNotAllowed(_l("Établissez l'échéancier avant de signer."))
    if scheduled != agreement.total_amount:
        raise TransitionNotAllowed(
            _l(
                "L'échéancier totalise %(entered)s pour %(total)s : écart de %(difference)s.",
                entered=money(scheduled),
                total=money(agreement.total_amount),
                difference=money(scheduled - agreement.total_amount),
            )
        )
    agreement.status = A.SIGNED
    agreement.signed_on = signed_on
    agreement.convention_reference = reference
    audit.record(
        actor,
        "finance.agreement_signed",
        obj=agreement,
        details={
            "reference": reference,
            "signed_on": signed_on.isoformat(),
            "total": str(agreement.total_amount),
        },
    )
    notifications.agreement_signed(actor, agreement, now=now)


def terminate(
    actor: User,
    agreement: Agreement,
    *,
    reason: str,
    today: date,
    expected_version: int | None = None,
) -> list[Installment]:
    """End an agreement: what was paid stays paid, every installment still open is cancelled.
    A disputed payment must be settled first (was the money received or not?)."""
    _require_manage(actor, agreement.city_id)
    ensure_current(agreement, expected_version, STALE)
    if agreement.status is A.TERMINATED:
        raise TransitionNotAllowed(_l("Cette convention est déjà résiliée."))
    reason = inputs.text(reason, "reason")
    unsettled = [
        i for i in agreement.installments if i.status is I.DISPUTED and i.paid_on is not None
    ]
    if unsettled:
        raise TransitionNotAllowed(
            _l(
                "« %(title)s » : le paiement du %(day)s est contesté. Tranchez la contestation "
                "avant de résilier.",
                title=agreement.title,
                day=format_date(unsettled[0].paid_on),
            )
        )
    cancelled = [i for i in agreement.installments if i.status in OPEN]
    for installment in cancelled:
        installment.status = I.CANCELLED
        installment.cancel_reason = reason
    agreement.status = A.TERMINATED
    agreement.terminated_on = today
    agreement.termination_reason = reason
    audit.record(
        actor,
        "finance.agreement_terminated",
        obj=agreement,
        details={
            "reason": reason,
            "cancelled": [[i.id, str(i.amount)] for i in cancelled],
        },
    )
    return cancelled
