"""Drafting a tender: its details, lots and selection specification (the criteria grid)."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.organizations import City
from portal.models.plans import Action
from portal.models.tenders import (
    Criterion,
    CriterionKind,
    FinancialMethod,
    Lot,
    Normalization,
    Procedure,
    Tender,
    TenderCategory,
    TenderEvent,
    TenderStage,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, criteria_labels, inputs, selection
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.tenders.access import _require_manage
from portal.services.tenders.base import STALE


def _enum(kind, value, field: str):
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field=field) from None


def _require_draft(tender: Tender) -> None:
    if tender.stage is not TenderStage.DRAFT:
        raise TransitionNotAllowed(
            _l("Publié, l'appel d'offres est figé : critères, lots et méthode ne changent plus.")
        )


def save_tender(
    actor: User,
    tender: Tender | None,
    *,
    reference,
    title,
    city_id: int | None,
    action_id: int | None,
    category,
    procedure,
    estimate,
    publication_date: date | None,
    submission_deadline: datetime | None,
    opening_session: datetime | None,
    evaluation_due: date | None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Tender:
    if tender is not None:
        ensure_current(tender, expected_version, STALE)
        _require_manage(actor, tender)
        _require_draft(tender)
    if not authz.can(actor, Permission.TENDERS_MANAGE, city_id=city_id):
        raise NotAllowed(_l("Seul le secrétariat du programme conduit la procédure."))
    if city_id and db.session.get(City, city_id) is None:
        raise InvalidInput(_l("Ville inconnue."), field="city_id")
    if action_id:
        action = db.session.get(Action, action_id)
        if action is None or (city_id is not None and action.plan.city_id != city_id):
            raise InvalidInput(
                _l("Cette action n'est pas du plan de cette ville."), field="action_id"
            )
    for day, name in ((publication_date, "publication_date"), (evaluation_due, "evaluation_due")):
        check_day(day, name)
    for moment, name in (
        (submission_deadline, "submission_deadline"),
        (opening_session, "opening_session"),
    ):
        check_day(moment.date() if moment else None, name)
    if submission_deadline and opening_session and opening_session < submission_deadline:
        raise InvalidInput(
            _l("La séance d'ouverture suit la date limite de remise des offres."),
            field="opening_session",
        )
    values = {
        "reference": inputs.text(reference, "reference"),
        "title": inputs.text(title, "title"),
        "city_id": city_id or None,
        "action_id": action_id or None,
        "category": _enum(TenderCategory, category, "category"),
        "procedure": _enum(Procedure, procedure, "procedure"),
        "estimate": inputs.amount(estimate, "estimate"),
        "publication_date": publication_date,
        "submission_deadline": submission_deadline,
        "opening_session": opening_session,
        "evaluation_due": evaluation_due,
    }
    if values["estimate"] <= 0:
        raise InvalidInput(_l("L'estimation doit être positive."), field="estimate")
    clash = sa.select(Tender.id).where(Tender.reference == values["reference"])
    if tender is not None:
        clash = clash.where(Tender.id != tender.id)
    if db.session.scalar(clash) is not None:
        raise InvalidInput(_l("Cette référence existe déjà."), field="reference")
    if tender is None:
        tender = Tender(**values)
        db.session.add(tender)
        db.session.flush()
        db.session.add(
            TenderEvent(
                tender_id=tender.id,
                to_stage=TenderStage.DRAFT,
                actor=actor,
                occurred_at=now or utcnow(),
            )
        )
        audit.record(actor, "tender.created", obj=tender, details={"reference": tender.reference})
        return tender
    for key, value in values.items():
        setattr(tender, key, value)
    audit.record(actor, "tender.updated", obj=tender, details={"reference": tender.reference})
    return tender


def save_lots(actor: User, tender: Tender, lots: list[tuple[str, object]], *, expected_version):
    """Replace the lots (title, estimate) of a draft tender."""
    _require_manage(actor, tender)
    ensure_current(tender, expected_version, STALE)
    _require_draft(tender)
    parsed = []
    for index, (title, estimate) in enumerate(lots, start=1):
        if not (title or "").strip() and not str(estimate or "").strip():
            continue
        amount = inputs.amount(estimate, "lots")
        if amount <= 0:
            raise InvalidInput(
                _l("Lot %(n)d : l'estimation doit être positive.", n=index), field="lots"
            )
        title = inputs.text(title, "lots")
        if len(title) > Lot.title.type.length:
            raise InvalidInput(_l("Lot %(n)d : intitulé trop long.", n=index), field="lots")
        parsed.append((title, amount))
    if not parsed:
        raise InvalidInput(_l("Un appel d'offres compte au moins un lot."), field="lots")
    tender.lots.clear()
    db.session.flush()
    tender.lots.extend(
        Lot(number=n, title=title, estimate=amount) for n, (title, amount) in enumerate(parsed, 1)
    )
    flag_modified(tender, "title")  # the lots change: so does the tender's version
    audit.record(actor, "tender.lots_set", obj=tender, details={"lots": len(parsed)})


CriterionInput = selection.CriterionInput


def save_specification(
    actor: User,
    tender: Tender,
    *,
    criteria: list[CriterionInput],
    method,
    technical_weight,
    financial_weight,
    technical_threshold,
    normalization,
    decimals,
    excessive_above="20",
    abnormal_below_works="20",
    abnormal_below_other="25",
    spread_limit="20",
    expected_version: int | None = None,
) -> None:
    """Fix the criteria and the method before publication; refused when they cannot work."""
    _require_manage(actor, tender)
    ensure_current(tender, expected_version, STALE)
    _require_draft(tender)

    def number(value, name, *, required=False, places=2):
        text = str(value if value is not None else "").strip().replace(",", ".")
        if not text:
            if required:
                raise InvalidInput(_l("Ce champ est obligatoire."), field=name)
            return None
        parsed = selection.parse_decimal(text, name)
        # Stored with this many decimals: more would be rounded away after publication.
        if parsed != parsed.quantize(Decimal(1).scaleb(-places)):
            raise InvalidInput(_l("Au plus %(n)d décimales.", n=places), field=name)
        return parsed

    method_value = _enum(FinancialMethod, method, "method")
    weighted = method_value is FinancialMethod.WEIGHTED
    settings = {
        "method": method_value,
        "technical_weight": number(
            technical_weight, "technical_weight", required=weighted, places=3
        ),
        "financial_weight": number(
            financial_weight, "financial_weight", required=weighted, places=3
        ),
        "technical_threshold": number(technical_threshold, "technical_threshold"),
        "normalization": _enum(Normalization, normalization, "normalization"),
        "excessive_above": number(excessive_above, "excessive_above", required=True),
        "abnormal_below_works": number(abnormal_below_works, "abnormal_below_works", required=True),
        "abnormal_below_other": number(abnormal_below_other, "abnormal_below_other", required=True),
        "spread_limit": number(spread_limit, "spread_limit", required=True),
    }
    try:
        settings["decimals"] = int(decimals)
    except (TypeError, ValueError):
        raise InvalidInput(_l("Entre 0 et 6 décimales."), field="decimals") from None
    if not weighted:
        settings["technical_weight"] = settings["financial_weight"] = None
    if not 0 < settings["spread_limit"] <= 100:
        raise InvalidInput(_l("Un pourcentage entre 0 et 100."), field="spread_limit")
    # The engine checks the method's own settings, the same way for the portal and the CLI.
    selection.validate(_method_for(tender, tender.estimate, **settings), [])

    grid = selection.check_grid(criteria, label_limit=Criterion.label.type.length)
    rows = [
        (
            row.label,
            CriterionKind.ELIMINATORY if row.eliminatory else CriterionKind.TECHNICAL,
            row.points,
            position,
            row.children,
        )
        for position, row in enumerate(grid)
    ]
    kept = criteria_labels.kept(tender.criteria)
    tender.criteria.clear()
    db.session.flush()
    for label, kind, points, position, children in rows:
        # Sub-criteria sort right after their parent: 100, 101, 102, 200...
        parent = Criterion(
            kind=kind,
            max_points=points,
            position=position * 100,
            **criteria_labels.labelled(kept, label),
        )
        tender.criteria.append(parent)
        for index, (child_label, child_points) in enumerate(children):
            tender.criteria.append(
                Criterion(
                    kind=kind,
                    **criteria_labels.labelled(kept, child_label),
                    max_points=child_points,
                    position=position * 100 + index + 1,
                    parent=parent,
                )
            )
    for key, value in settings.items():
        setattr(tender, key, value)
    flag_modified(tender, "title")  # the criteria change: so does the tender's version
    audit.record(
        actor,
        "tender.specification_set",
        obj=tender,
        details={
            "method": method_value.value,
            "criteria": [[label, kind.value, str(points)] for label, kind, points, *_ in rows],
        },
    )


def label_criteria(
    actor: User,
    tender: Tender,
    labels: dict[int, tuple[str, str]],
    *,
    expected_version: int | None = None,
) -> None:
    """The criteria's English and Arabic labels. A translation changes no rule, so it may come
    after publication, while the grid itself stays fixed."""
    _require_manage(actor, tender)
    ensure_current(tender, expected_version, STALE)
    changes = criteria_labels.label(tender.criteria, labels)
    if changes:
        flag_modified(tender, "title")  # a new version: a concurrent edit becomes stale
        audit.record(actor, "tender.criteria_labelled", obj=tender, details={"labels": changes})


def leaf_criteria(tender: Tender) -> list[Criterion]:
    """The technical criteria that are scored: sub-criteria, or criteria without any."""
    parents = {c.parent_id for c in tender.criteria if c.parent_id}
    return [c for c in tender.criteria if c.kind is CriterionKind.TECHNICAL and c.id not in parents]


def eliminatory_criteria(tender: Tender) -> list[Criterion]:
    return [c for c in tender.criteria if c.kind is CriterionKind.ELIMINATORY]


def _method_for(tender: Tender, estimate: Decimal | None, **override) -> selection.Method:
    values = {
        "method": tender.method,
        "technical_weight": tender.technical_weight,
        "financial_weight": tender.financial_weight,
        "technical_threshold": tender.technical_threshold,
        "normalization": tender.normalization,
        "decimals": tender.decimals,
        "excessive_above": tender.excessive_above,
        "abnormal_below_works": tender.abnormal_below_works,
        "abnormal_below_other": tender.abnormal_below_other,
        **override,
    }
    values.pop("spread_limit", None)
    return selection.Method(
        method=values["method"].value,
        category=tender.category.value,
        estimate=estimate,
        technical_weight=values["technical_weight"],
        financial_weight=values["financial_weight"],
        technical_threshold=values["technical_threshold"],
        normalization=values["normalization"].value,
        decimals=values["decimals"],
        excessive_above=values["excessive_above"],
        abnormal_below_works=values["abnormal_below_works"],
        abnormal_below_other=values["abnormal_below_other"],
    )
