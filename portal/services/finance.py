"""The ledger between organisations: agreements, their schedules, payments, and the sharing
of pooled assets' costs. Amounts are `Decimal` to the cent, never floats."""

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from portal import authz, labels
from portal.authz import Permission
from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.finance import (
    OPEN_INSTALLMENTS,
    UNPAID,
    Agreement,
    AgreementPurpose,
    AgreementStatus,
    AssetKind,
    AssetShare,
    CostKind,
    Installment,
    InstallmentStatus,
    KeyBasis,
    SharedAsset,
)
from portal.models.organizations import Organization
from portal.models.plans import Action
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

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")  # what a MONEY column holds (14 digits, 2 decimals)
HUNDRED = Decimal("100")
MAX_INSTALLMENTS = 240  # twenty years of monthly payments

A = AgreementStatus
I = InstallmentStatus  # noqa: E741
OPEN = OPEN_INSTALLMENTS

PURPOSE_LABELS = labels.AGREEMENT_PURPOSE_LABELS
AGREEMENT_LABELS = labels.AGREEMENT_STATUS_LABELS
INSTALLMENT_LABELS = labels.INSTALLMENT_STATUS_LABELS
ASSET_LABELS = labels.ASSET_KIND_LABELS
COST_LABELS = labels.COST_KIND_LABELS
FREQUENCIES = {"monthly": 1, "quarterly": 3, "yearly": 12}
FREQUENCY_LABELS = labels.FREQUENCY_LABELS
# Stored text, in the programme's working language whoever generates it (read by everyone).
GENERATED_TITLES = {CostKind.CAPITAL: "Investissement", CostKind.OPERATING: "Exploitation"}
REGENERATED_REASON = "Clé de répartition modifiée : convention régénérée."
STALE = _l("Cette fiche a été modifiée par quelqu'un d'autre entre-temps. Rechargez-la.")


def money(value) -> str:
    """An amount for a message, written the way the person's language writes numbers."""
    return f"{format_decimal(value, format='#,##0.00')} MAD"


# --- Splitting money to the cent --------------------------------------------------------------


def _cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def split_equal(total: Decimal, count: int) -> list[Decimal]:
    """`count` equal parts rounded down to the cent; the remainder goes on the last one."""
    if count < 1:
        raise ValueError("count must be positive")
    cents = _cents(total)
    part = cents // count
    parts = [part] * count
    parts[-1] += cents - part * count
    return [Decimal(p) * CENT for p in parts]


def split_by_weights(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Shares of `total` in proportion to `weights`, to the cent, adding up to `total`.

    Largest remainder: each share is first rounded down, then the cents left over go one by
    one to the largest remainders (ties to the earlier line), so no share moves by more
    than a cent and the order of the key only breaks exact ties.
    """
    if not weights or any(w <= 0 for w in weights):
        raise ValueError("weights must be positive")
    cents = _cents(total)
    weight_sum = sum(weights)
    exact = [Decimal(cents) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]


def percentages(weights: Sequence[Decimal]) -> list[Decimal]:
    """Weights (percentages or usage units) as percentages adding up to exactly 100.00."""
    return split_by_weights(HUNDRED, weights) if weights else []


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule_dates(first_due: date, frequency: str, count: int) -> list[date]:
    step = FREQUENCIES[frequency]
    return [add_months(first_due, step * k) for k in range(count)]


def parse_positive_amount(value, field: str) -> Decimal:
    amount = inputs.amount(value, field)
    if amount <= 0:
        raise InvalidInput(_l("Le montant doit être supérieur à zéro."), field=field)
    return amount


# --- Who sees and who acts --------------------------------------------------------------------


def visible_filter(user: User, model=Agreement):
    """The agreements (or assets) `user` may see: all of their city scope for the ministry,
    the secretariat and the cities' decision-makers; their own organisation's otherwise."""
    if not authz.can(user, Permission.FINANCE_VIEW):
        return sa.false()
    scope = authz.city_scope(user, Permission.FINANCE_OVERSEE)
    if scope.all_cities:
        return sa.true()
    clauses = []
    if scope.city_ids:
        clauses.append(model.city_id.in_(scope.city_ids))
    if user.organization_id is not None:
        if model is Agreement:
            clauses += [
                Agreement.payer_id == user.organization_id,
                Agreement.payee_id == user.organization_id,
            ]
        else:
            sharer = sa.select(AssetShare.id).where(
                AssetShare.asset_id == SharedAsset.id,
                AssetShare.organization_id == user.organization_id,
            )
            clauses += [SharedAsset.owner_id == user.organization_id, sa.exists(sharer)]
    return sa.or_(*clauses) if clauses else sa.false()


def reads_every_ledger(user: User) -> bool:
    """Whether `user` reads every city's agreements; pages that gather events from all of
    them (the audit trail, the outbox) show the others that money moved, not the details."""
    return authz.city_scope(user, Permission.FINANCE_OVERSEE).all_cities


# --- The lists -------------------------------------------------------------------------------

# "À venir": the installments due within this many days.
UPCOMING_DAYS = 90


@dataclass(frozen=True)
class AgreementCriteria:
    """What the agreements list is filtered by; `valid` is False when the filters were not."""

    city_id: int | None = None
    organization_id: int | None = None  # as payer or as payee
    status: AgreementStatus | None = None
    purpose: AgreementPurpose | None = None
    valid: bool = True


def agreements_query(criteria: AgreementCriteria, user: User):
    """The agreements `user` may see that match `criteria`, by city, newest first."""
    query = (
        sa.select(Agreement)
        .where(visible_filter(user))
        .options(
            joinedload(Agreement.payer), joinedload(Agreement.payee), joinedload(Agreement.city)
        )
    )
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.city_id is not None:
        query = query.where(Agreement.city_id == criteria.city_id)
    if criteria.organization_id is not None:
        query = query.where(_party(criteria.organization_id))
    if criteria.status is not None:
        query = query.where(Agreement.status == criteria.status)
    if criteria.purpose is not None:
        query = query.where(Agreement.purpose == criteria.purpose)
    return query.order_by(Agreement.city_id, Agreement.start_date.desc(), Agreement.id)


def _party(organization_id: int):
    return sa.or_(Agreement.payer_id == organization_id, Agreement.payee_id == organization_id)


@dataclass(frozen=True)
class InstallmentCriteria:
    """Which installments: `when` is upcoming, overdue, open, receipt, disputed or all."""

    when: str = "open"
    city_id: int | None = None
    organization_id: int | None = None
    valid: bool = True


def installments_query(criteria: InstallmentCriteria, user: User, today: date):
    """The installments of the signed or ended agreements `user` may see, soonest due first."""
    query = (
        sa.select(Installment)
        .join(Installment.agreement)
        .where(visible_filter(user), Agreement.status != A.DRAFT)
        .options(
            joinedload(Installment.agreement).joinedload(Agreement.payer),
            joinedload(Installment.agreement).joinedload(Agreement.payee),
            joinedload(Installment.agreement).joinedload(Agreement.city),
        )
    )
    if not criteria.valid:
        return query.where(sa.false())
    when = criteria.when
    if when == "upcoming":
        query = query.where(
            Installment.status.in_(UNPAID),
            Installment.due_date >= today,
            Installment.due_date <= today + timedelta(days=UPCOMING_DAYS),
        )
    elif when == "overdue":
        query = query.where(Installment.is_overdue(today))
    elif when == "open":
        query = query.where(Installment.status.in_(OPEN_INSTALLMENTS))
    elif when == "receipt":
        query = query.where(Installment.status == I.PAID, Installment.received_at.is_(None))
    elif when == "disputed":
        query = query.where(Installment.status == I.DISPUTED)
    if criteria.city_id:
        query = query.where(Agreement.city_id == criteria.city_id)
    if criteria.organization_id:
        query = query.where(_party(criteria.organization_id))
    return query.order_by(Installment.due_date, Installment.id)


@dataclass(frozen=True)
class AssetCriteria:
    city_id: int | None = None
    kind: AssetKind | None = None
    valid: bool = True


def assets_query(criteria: AssetCriteria, user: User):
    """The shared assets `user` may see that match `criteria`, by city and name."""
    query = (
        sa.select(SharedAsset)
        .where(visible_filter(user, SharedAsset))
        .options(joinedload(SharedAsset.owner), joinedload(SharedAsset.city))
    )
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.city_id is not None:
        query = query.where(SharedAsset.city_id == criteria.city_id)
    if criteria.kind is not None:
        query = query.where(SharedAsset.kind == criteria.kind)
    return query.order_by(SharedAsset.city_id, SharedAsset.name)


def private_audit_prefixes(user: User) -> tuple[str, ...]:
    """Audit event kinds whose details (amounts, references) `user` may not read: the trail
    shows that money moved, not how much, to those outside the ledger's audience."""
    return () if reads_every_ledger(user) else ("finance.",)


def may_see(user: User, agreement: Agreement) -> bool:
    if not authz.can(user, Permission.FINANCE_VIEW):
        return False
    if authz.can(user, Permission.FINANCE_OVERSEE, city_id=agreement.city_id):
        return True
    return user.organization_id in (agreement.payer_id, agreement.payee_id)


def may_see_asset(user: User, asset: SharedAsset) -> bool:
    if not authz.can(user, Permission.FINANCE_VIEW):
        return False
    if authz.can(user, Permission.FINANCE_OVERSEE, city_id=asset.city_id):
        return True
    organization_id = user.organization_id
    return organization_id == asset.owner_id or any(
        share.organization_id == organization_id for share in asset.shares
    )


def key_lines_shown(user: User, asset: SharedAsset) -> set[int]:
    """The organisations whose share of `asset` this reader sees in figures: all of them
    for those who read the city's agreements and for the owner (party to each sharer's
    agreement); a sharer, its own line only (the others' are their agreements)."""
    organizations = {share.organization_id for share in asset.shares}
    if authz.can(user, Permission.FINANCE_OVERSEE, city_id=asset.city_id):
        return organizations
    if user.organization_id == asset.owner_id:
        return organizations
    return organizations & {user.organization_id}


def may_manage(user: User, city_id: int | None) -> bool:
    return authz.can(user, Permission.FINANCE_MANAGE, city_id=city_id)


def sides(user: User, agreement: Agreement) -> set[str]:
    """The sides ("payer", "payee") of the agreement that `user` acts for."""
    result = set()
    for side, organization_id in (("payer", agreement.payer_id), ("payee", agreement.payee_id)):
        if user.organization_id == organization_id and authz.can(
            user,
            Permission.FINANCE_SETTLE,
            city_id=agreement.city_id,
            organization_id=organization_id,
        ):
            result.add(side)
    return result


# --- Agreements -------------------------------------------------------------------------------


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


# --- Installments -----------------------------------------------------------------------------

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


# --- Shared assets and sharing keys -----------------------------------------------------------


def parse_weight(value, field: str) -> Decimal:
    weight = inputs.amount(value, field)
    if weight <= 0:
        raise InvalidInput(_l("Chaque part doit être supérieure à zéro."), field=field)
    return weight


def save_asset(
    actor: User,
    asset: SharedAsset | None,
    *,
    city_id: int,
    owner_id: int,
    kind: str,
    name: str,
    description: str,
    capacity,
    capacity_unit: str,
    capital_cost,
    yearly_operating_cost,
    expected_version: int | None = None,
) -> SharedAsset:
    _require_manage(actor, city_id)
    if asset is not None:
        ensure_current(asset, expected_version, STALE)
        _require_manage(actor, asset.city_id)
        if (asset.city_id, asset.owner_id) != (city_id, owner_id) and _generated(asset):
            raise InvalidInput(
                _l(
                    "Des conventions existent pour cette infrastructure : sa ville et son "
                    "propriétaire ne changent plus."
                ),
                field="owner_id" if asset.city_id == city_id else "city_id",
            )
    _organization_in_city(owner_id, city_id, "owner_id")
    if asset is not None and asset.city_id != city_id:
        for share in asset.shares:
            _organization_in_city(share.organization_id, city_id, "city_id")
    try:
        kind_value = AssetKind(kind)
    except ValueError:
        raise InvalidInput(_l("Type d'infrastructure inconnu."), field="kind") from None
    capacity_text = str(capacity or "").strip()
    values = {
        "city_id": city_id,
        "owner_id": owner_id,
        "kind": kind_value,
        "name": inputs.text(name, "name"),
        "description": inputs.text(description, "description", required=False),
        "capacity": inputs.amount(capacity_text, "capacity") if capacity_text else None,
        "capacity_unit": inputs.text(capacity_unit, "capacity_unit", required=False),
        "capital_cost": parse_positive_amount(capital_cost, "capital_cost"),
        "yearly_operating_cost": inputs.amount(
            yearly_operating_cost or "0", "yearly_operating_cost"
        ),
    }
    if asset is None:
        asset = SharedAsset(**values)
        db.session.add(asset)
        audit.record(actor, "finance.asset_created", obj=asset, details={"name": values["name"]})
        return asset
    changes = {
        key: [_plain(getattr(asset, key)), _plain(value)]
        for key, value in values.items()
        if getattr(asset, key) != value
    }
    for key, value in values.items():
        setattr(asset, key, value)
    audit.record(actor, "finance.asset_updated", obj=asset, details={"changes": changes})
    return asset


def _generated(asset: SharedAsset, *, active_only: bool = False) -> list[Agreement]:
    query = sa.select(Agreement).where(
        Agreement.asset_id == asset.id, Agreement.cost_kind.is_not(None)
    )
    if active_only:
        query = query.where(Agreement.status != A.TERMINATED)
    return list(db.session.scalars(query.order_by(Agreement.id)))


def active_generated(asset: SharedAsset, kinds=tuple(CostKind)) -> list[Agreement]:
    return [a for a in _generated(asset, active_only=True) if a.cost_kind in kinds]


def set_key(
    actor: User,
    asset: SharedAsset,
    *,
    basis: str,
    lines: Iterable[tuple[int | None, object]],
    on_existing: str | None,
    today: date,
    expected_version: int | None = None,
    regenerate_operating: bool = False,
) -> list[Agreement]:
    """Replace the sharing key. When agreements were generated from the old key, the person
    must choose: keep them as they are, or terminate them (the caller then regenerates): the
    capital ones, and the operating ones only when new operating agreements are asked for.
    Returns the agreements terminated."""
    _require_manage(actor, asset.city_id)
    ensure_current(asset, expected_version, STALE)
    try:
        basis_value = KeyBasis(basis)
    except ValueError:
        raise InvalidInput(_l("Mode de répartition inconnu."), field="basis") from None
    parsed: dict[int, Decimal] = {}
    for index, (organization_id, weight) in enumerate(lines):
        if not organization_id and str(weight or "").strip() == "":
            continue
        if not organization_id:
            raise InvalidInput(
                _l("Ligne %(line)d : choisissez l'organisme.", line=index + 1), field="lines"
            )
        _organization_in_city(organization_id, asset.city_id, "lines")
        if organization_id in parsed:
            raise InvalidInput(_l("Un organisme figure deux fois dans la clé."), field="lines")
        try:
            parsed[organization_id] = parse_weight(weight, "lines")
        except InvalidInput as refused:
            raise InvalidInput(
                _l("Ligne %(line)d : %(error)s", line=index + 1, error=refused.message),
                field="lines",
            ) from None
    if not any(org_id != asset.owner_id for org_id in parsed):
        raise InvalidInput(
            _l("La clé doit compter au moins un organisme autre que le propriétaire."),
            field="lines",
        )
    if basis_value is KeyBasis.PERCENT:
        total = sum(parsed.values(), Decimal("0.00"))
        if total != HUNDRED:
            raise InvalidInput(
                _l(
                    "Les parts totalisent %(total)s %% : il faut exactement 100 %% "
                    "(écart de %(difference)s).",
                    total=format_decimal(total, format="#,##0.00"),
                    difference=format_decimal(total - HUNDRED, format="+#,##0.00;-#,##0.00"),
                ),
                field="lines",
            )
    existing = active_generated(asset)
    if existing and on_existing not in ("keep", "regenerate"):
        raise InvalidInput(
            _l(
                "Des conventions ont été générées avec la clé actuelle : choisissez de les "
                "garder ou de les résilier pour en générer de nouvelles."
            ),
            field="on_existing",
        )
    old = {s.organization_id: str(s.weight) for s in asset.shares}
    asset.shares.clear()
    db.session.flush()
    asset.key_basis = basis_value
    asset.shares.extend(
        AssetShare(organization_id=org_id, weight=weight) for org_id, weight in parsed.items()
    )
    flag_modified(asset, "key_basis")  # the version moves even when only the lines change
    terminated = []
    if existing and on_existing == "regenerate":
        kinds = (
            (CostKind.CAPITAL, CostKind.OPERATING) if regenerate_operating else (CostKind.CAPITAL,)
        )
        for agreement in active_generated(asset, kinds):
            terminate(
                actor,
                agreement,
                reason=REGENERATED_REASON,
                today=today,
                expected_version=agreement.version,
            )
            terminated.append(agreement)
    audit.record(
        actor,
        "finance.key_changed",
        obj=asset,
        details={
            "basis": basis_value.value,
            "before": old,
            "after": {str(k): str(v) for k, v in parsed.items()},
            "existing_agreements": on_existing if existing else None,
        },
    )
    return terminated


def key_lines(asset: SharedAsset) -> list[tuple[AssetShare, Decimal]]:
    """Each line of the key with its percentage (adding up to exactly 100.00)."""
    shares = list(asset.shares)
    return list(zip(shares, percentages([s.weight for s in shares]), strict=True))


def _net_paid(asset: SharedAsset, cost_kind: CostKind) -> dict[int, Decimal]:
    """What each sharer has already paid the owner for this cost, net of compensations."""
    paid: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    rows = db.session.execute(
        sa.select(Agreement.payer_id, Agreement.payee_id, Installment.amount)
        .join(Installment)
        .where(
            Agreement.asset_id == asset.id,
            Agreement.cost_kind == cost_kind,
            Installment.status == I.PAID,
        )
    )
    for payer_id, payee_id, amount in rows:
        if payee_id == asset.owner_id:
            paid[payer_id] += amount
        elif payer_id == asset.owner_id:
            paid[payee_id] -= amount
    return paid


def _generated_title(name: str, cost_kind: CostKind) -> str:
    suffix = f" — {GENERATED_TITLES[cost_kind]}"
    room = Agreement.title.type.length - len(suffix)
    return (name if len(name) <= room else name[: room - 1] + "…") + suffix


@dataclass
class Generated:
    agreements: list[Agreement] = field(default_factory=list)
    owner_share: Decimal = Decimal("0.00")


def generate_agreements(
    actor: User,
    asset: SharedAsset,
    *,
    start_date: date,
    frequency: str,
    count: int,
    operating_years: int = 0,
    today: date,
    expected_version: int | None = None,
) -> Generated:
    """From the key: for every sharer but the owner, a draft agreement to pay the owner its
    share of the capital cost (net of what it already paid under terminated agreements; an
    overpayment becomes a compensation the owner pays back), and optionally one for its
    share of the yearly operating cost over `operating_years` years."""
    _require_manage(actor, asset.city_id)
    ensure_current(asset, expected_version, STALE)
    kinds = (CostKind.CAPITAL, CostKind.OPERATING) if operating_years else (CostKind.CAPITAL,)
    if active_generated(asset, kinds):
        raise TransitionNotAllowed(
            _l(
                "Des conventions générées sont en vigueur : modifiez la clé et choisissez de "
                "les régénérer."
            )
        )
    if not asset.shares:
        raise InvalidInput(_l("Définissez d'abord la clé de répartition."), field="lines")
    if frequency not in FREQUENCIES:
        raise InvalidInput(_l("Périodicité inconnue."), field="frequency")
    if not isinstance(count, int) or not 1 <= count <= MAX_INSTALLMENTS:
        raise InvalidInput(
            _l("Entre 1 et %(most)d échéances.", most=MAX_INSTALLMENTS), field="count"
        )
    if not isinstance(operating_years, int) or not 0 <= operating_years <= 30:
        raise InvalidInput(_l("Entre 0 et 30 années."), field="operating_years")
    check_day(start_date, "start_date")
    periods_per_year = 12 // FREQUENCIES[frequency]
    if operating_years * periods_per_year > MAX_INSTALLMENTS:
        raise InvalidInput(
            _l(
                "Au plus %(most)d échéances par convention : réduisez les années ou "
                "choisissez une périodicité plus longue.",
                most=MAX_INSTALLMENTS,
            ),
            field="operating_years",
        )
    shares = list(asset.shares)
    weights = [s.weight for s in shares]
    result = Generated()

    def add(payer_id, payee_id, purpose, cost_kind, total, installments_count):
        agreement = Agreement(
            city_id=asset.city_id,
            payer_id=payer_id,
            payee_id=payee_id,
            purpose=purpose,
            title=_generated_title(asset.name, cost_kind),
            asset_id=asset.id,
            cost_kind=cost_kind,
            total_amount=total,
            start_date=start_date,
        )
        installments_count = min(installments_count, _cents(total))
        agreement.installments = [
            Installment(due_date=day, amount=amount)
            for day, amount in zip(
                schedule_dates(start_date, frequency, installments_count),
                split_equal(total, installments_count),
                strict=True,
            )
        ]
        check_day(agreement.installments[-1].due_date, "count")
        db.session.add(agreement)
        result.agreements.append(agreement)
        audit.record(
            actor,
            "finance.agreement_created",
            obj=agreement,
            details={"total": str(total), "asset_id": asset.id, "cost": cost_kind.value},
        )

    yearly = split_by_weights(asset.yearly_operating_cost, weights) if operating_years else []
    if yearly and max(yearly) * operating_years >= MAX_AMOUNT:
        raise InvalidInput(
            _l("La part d'exploitation sur ces années dépasse le montant maximal."),
            field="operating_years",
        )
    capital = dict(
        zip(
            (s.organization_id for s in shares),
            split_by_weights(asset.capital_cost, weights),
            strict=True,
        )
    )
    result.owner_share = capital.get(asset.owner_id, Decimal("0.00"))
    paid = _net_paid(asset, CostKind.CAPITAL)
    for organization_id in [*capital, *(o for o in paid if o not in capital)]:
        if organization_id == asset.owner_id:
            continue
        due = capital.get(organization_id, Decimal("0.00")) - paid.get(organization_id, 0)
        if due > 0:
            add(
                organization_id,
                asset.owner_id,
                AgreementPurpose.CONTRIBUTION,
                CostKind.CAPITAL,
                due,
                count,
            )
        elif due < 0:
            add(
                asset.owner_id,
                organization_id,
                AgreementPurpose.COMPENSATION,
                CostKind.CAPITAL,
                -due,
                1,
            )
    if operating_years and asset.yearly_operating_cost > 0:
        periods = periods_per_year * operating_years
        for share, amount in zip(shares, yearly, strict=True):
            if share.organization_id == asset.owner_id or amount <= 0:
                continue
            add(
                share.organization_id,
                asset.owner_id,
                AgreementPurpose.USAGE_FEE,
                CostKind.OPERATING,
                amount * operating_years,
                periods,
            )
    if not result.agreements:
        raise InvalidInput(_l("Aucune somme à répartir avec cette clé."), field="lines")
    flag_modified(asset, "key_basis")  # two generations at once: the second one is stale
    db.session.flush()
    audit.record(
        actor,
        "finance.agreements_generated",
        obj=asset,
        details={
            "agreements": [
                [a.id, a.payer_id, a.payee_id, str(a.total_amount)] for a in result.agreements
            ],
            "owner_share": str(result.owner_share),
            "frequency": frequency,
            "count": count,
            "operating_years": operating_years,
        },
    )
    return result


# --- Balances ---------------------------------------------------------------------------------


@dataclass
class Figures:
    committed: Decimal = Decimal("0.00")
    invoiced: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    overdue: Decimal = Decimal("0.00")
    disputed: Decimal = Decimal("0.00")
    # Waived by the secretariat on a signed agreement: no longer committed nor due.
    cancelled: Decimal = Decimal("0.00")

    @property
    def outstanding(self) -> Decimal:
        return self.committed - self.paid

    def add(self, status: InstallmentStatus, amount: Decimal, *, invoiced: bool, overdue: bool):
        if status is I.CANCELLED:
            self.cancelled += amount
            return
        self.committed += amount
        if invoiced:
            self.invoiced += amount
        if status is I.PAID:
            self.paid += amount
        elif status is I.DISPUTED:
            self.disputed += amount
        elif overdue:
            self.overdue += amount


@dataclass
class Balances:
    """Every figure of the ledger in one reading: per organisation (what it owes and what it
    is owed), per city, in total, and the net who-owes-whom matrix."""

    payable: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    receivable: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_city: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    total: Figures = field(default_factory=Figures)
    # (payer, payee) -> outstanding, before netting
    owed: dict[tuple[int, int], Decimal] = field(
        default_factory=lambda: defaultdict(lambda: Decimal("0.00"))
    )

    def net_matrix(self) -> dict[tuple[int, int], Decimal]:
        """(debtor, creditor) -> net amount, only where the debtor owes more than it is owed."""
        net = {}
        for (payer, payee), amount in self.owed.items():
            back = self.owed.get((payee, payer), Decimal("0.00"))
            if amount - back > 0:
                net[(payer, payee)] = amount - back
        return net

    def organizations(self) -> list[int]:
        return sorted(set(self.payable) | set(self.receivable))


def balances(user: User, *, today: date, city_id: int | None = None) -> Balances:
    """One grouped query, whatever the number of agreements and installments."""
    cents = sa.func.sum(sa.func.round(Installment.amount * 100))
    invoiced = Installment.invoiced_on.is_not(None)
    overdue = Installment.is_overdue(today)
    query = (
        sa.select(
            Agreement.city_id,
            Agreement.payer_id,
            Agreement.payee_id,
            Installment.status,
            invoiced.label("invoiced"),
            overdue.label("overdue"),
            cents.label("cents"),
        )
        .join(Installment, Installment.agreement_id == Agreement.id)
        .where(
            visible_filter(user),
            Agreement.status != A.DRAFT,
            Installment.status != I.CANCELLED,
        )
        .group_by(
            Agreement.city_id,
            Agreement.payer_id,
            Agreement.payee_id,
            Installment.status,
            invoiced,
            overdue,
        )
    )
    if city_id is not None:
        query = query.where(Agreement.city_id == city_id)
    result = Balances()
    for row in db.session.execute(query):
        amount = Decimal(int(row.cents)) * CENT
        status = row.status
        flags = {"invoiced": bool(row.invoiced), "overdue": bool(row.overdue)}
        for figures in (
            result.payable[row.payer_id],
            result.receivable[row.payee_id],
            result.by_city[row.city_id],
            result.total,
        ):
            figures.add(status, amount, **flags)
        if status is not I.PAID:
            result.owed[(row.payer_id, row.payee_id)] += amount
    return result


def agreement_figures(agreements: Sequence[Agreement], today: date) -> dict[int, Figures]:
    """Figures per agreement for a page of agreements, in one query."""
    ids = [a.id for a in agreements]
    figures: dict[int, Figures] = {i: Figures() for i in ids}
    if not ids:
        return figures
    rows = db.session.execute(
        sa.select(
            Installment.agreement_id,
            Installment.status,
            Installment.amount,
            Installment.invoiced_on,
            Installment.is_overdue(today),
        ).where(Installment.agreement_id.in_(ids))
    )
    for agreement_id, status, amount, invoiced_on, overdue in rows:
        figures[agreement_id].add(
            status, amount, invoiced=invoiced_on is not None, overdue=bool(overdue)
        )
    return figures
