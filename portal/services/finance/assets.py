"""Shared assets and their sharing keys, and the agreements generated from them."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.extensions import db
from portal.models.finance import (
    Agreement,
    AgreementPurpose,
    AssetKind,
    AssetShare,
    CostKind,
    Installment,
    KeyBasis,
    SharedAsset,
)
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.finance.agreements import (
    _organization_in_city,
    _plain,
    _require_manage,
    terminate,
)
from portal.services.finance.money import (
    FREQUENCIES,
    GENERATED_TITLES,
    HUNDRED,
    MAX_AMOUNT,
    MAX_INSTALLMENTS,
    REGENERATED_REASON,
    STALE,
    A,
    I,
    _cents,
    parse_positive_amount,
    percentages,
    schedule_dates,
    split_by_weights,
    split_equal,
)


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
