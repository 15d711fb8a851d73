"""From an approved scenario to the ledger: the shared asset of its passive network and the
agreements its transfers imply, drafted in the finance capability (reviewed, scheduled and
signed there as usual) and linked back to the scenario.

Year 0 of the scenario is the year after its approval; a transfer's installments fall due
each 31 January of its years, for its amounts of those years."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import authz
from portal.authz import Permission
from portal.bidi import listed
from portal.clock import local_date
from portal.extensions import db
from portal.models.finance import AgreementPurpose, AssetKind
from portal.models.scenarios import (
    LineKind,
    NetworkLayer,
    Scenario,
    ScenarioDraft,
    ScenarioStatus,
    TransferKind,
)
from portal.models.users import User
from portal.services import audit
from portal.services import finance as finance_rules
from portal.services.errors import NotAllowed, TransitionNotAllowed, ensure_current
from portal.services.scenarios import engine
from portal.services.scenarios.access import may_view
from portal.services.scenarios.drafting import STALE
from portal.services.scenarios.evaluation import model_of

PURPOSES = {
    TransferKind.RENTAL_FEE: AgreementPurpose.USAGE_FEE,
    TransferKind.CONCESSION_FEE: AgreementPurpose.USAGE_FEE,
    TransferKind.CAPITAL_CONTRIBUTION: AgreementPurpose.CONTRIBUTION,
    TransferKind.SUBSIDY: AgreementPurpose.COFINANCING,
    TransferKind.DIVIDEND: AgreementPurpose.OTHER,
    TransferKind.OTHER: AgreementPurpose.OTHER,
}


@dataclass
class Drafted:
    assets: int = 0
    agreements: int = 0
    # Transfers left out, and why: a named party is not an organisation of the portal.
    skipped: list[str] = field(default_factory=list)


def may_draft_ledger(user: User, scenario: Scenario) -> bool:
    return (
        scenario.status is ScenarioStatus.APPROVED
        and authz.can(user, Permission.SCENARIOS_SUBMIT, city_id=scenario.city_id)
        and finance_rules.may_manage(user, scenario.city_id)
    )


def drafts(scenario_id: int) -> list[ScenarioDraft]:
    return db.session.scalars(
        sa.select(ScenarioDraft)
        .where(ScenarioDraft.scenario_id == scenario_id)
        .options(joinedload(ScenarioDraft.asset), joinedload(ScenarioDraft.agreement))
        .order_by(ScenarioDraft.id)
    ).all()


def draft_ledger(actor: User, scenario: Scenario, *, expected_version=None) -> Drafted:
    if not authz.can(actor, Permission.SCENARIOS_SUBMIT, city_id=scenario.city_id):
        raise NotAllowed(_l("Seul le secrétariat du programme prépare les conventions."))
    ensure_current(scenario, expected_version, STALE)
    if scenario.status is not ScenarioStatus.APPROVED:
        raise TransitionNotAllowed(
            _l("Seul le scénario approuvé, référence de la ville, passe aux conventions.")
        )
    if drafts(scenario.id):
        raise TransitionNotAllowed(
            _l("Les conventions de ce scénario sont déjà préparées : voyez-les ci-dessous.")
        )
    base = local_date(scenario.status_since).year + 1
    model = model_of(scenario)
    done = Drafted()

    # The passive network, as the asset its owner shares.
    layer = next((row for row in scenario.layers if row.layer is NetworkLayer.PASSIVE), None)
    owner = layer.owner if layer is not None else None
    asset = None
    if owner is not None and owner.organization_id is not None:
        capex = [
            line for line in scenario.lines if line.kind is LineKind.CAPEX and line.party is owner
        ]
        opex = [
            line for line in scenario.lines if line.kind is LineKind.OPEX and line.party is owner
        ]
        engine_lines = {
            id(line): engine_line
            for line, engine_line in zip(scenario.lines, model.lines, strict=True)
        }
        capital = sum(
            (sum(engine.yearly(engine_lines[id(line)], model.horizon)) for line in capex),
            Decimal("0.00"),
        )
        if capital > 0:
            asset = finance_rules.save_asset(
                actor,
                None,
                city_id=scenario.city_id,
                owner_id=owner.organization_id,
                kind=AssetKind.DUCT.value,
                name=str(_l("Réseau passif — %(scenario)s", scenario=scenario.name))[:200],
                description=scenario.description[:5000],
                capacity=None,
                capacity_unit="",
                capital_cost=f"{capital:f}",
                yearly_operating_cost=f"{sum((line.amount for line in opex), Decimal('0.00')):f}",
            )
            db.session.flush()
            db.session.add(ScenarioDraft(scenario_id=scenario.id, asset_id=asset.id))
            done.assets += 1

    for line, engine_line in zip(scenario.lines, model.lines, strict=True):
        if line.kind is not LineKind.TRANSFER:
            continue
        payer, payee = line.source, line.target
        unnamed = [p.name for p in (payer, payee) if p.organization_id is None]
        if unnamed:
            done.skipped.append(
                str(
                    _l(
                        "« %(line)s » : %(parties)s n'est pas un organisme du portail.",
                        line=line.label,
                        parties=listed(unnamed),
                    )
                )
            )
            continue
        amounts = engine.yearly(engine_line, model.horizon)
        rows = [
            (date(base + year, 1, 31), amount) for year, amount in enumerate(amounts) if amount > 0
        ]
        if not rows:
            continue
        total = sum((amount for _day, amount in rows), Decimal("0.00"))
        agreement, _dropped = finance_rules.save_agreement(
            actor,
            None,
            city_id=scenario.city_id,
            payer_id=payer.organization_id,
            payee_id=payee.organization_id,
            purpose=PURPOSES[line.transfer_kind or TransferKind.OTHER].value,
            title=f"{line.label} — {scenario.name}"[:200],
            action_id=None,
            asset_id=asset.id
            if asset is not None
            and line.transfer_kind is TransferKind.RENTAL_FEE
            and payee is owner
            else None,
            total=f"{total:f}",
            start_date=rows[0][0].replace(day=1),
        )
        db.session.flush()
        finance_rules.set_schedule(
            actor,
            agreement,
            [(day, f"{amount:f}") for day, amount in rows],
            expected_version=agreement.version,
        )
        db.session.add(
            ScenarioDraft(scenario_id=scenario.id, line_id=line.id, agreement_id=agreement.id)
        )
        done.agreements += 1
    audit.record(
        actor,
        "scenario.ledger_drafted",
        obj=scenario,
        details={"assets": done.assets, "agreements": done.agreements, "skipped": done.skipped},
    )
    return done


def drafted_from(user: User, *, agreement_id: int | None = None, asset_id: int | None = None):
    """The scenario an agreement or a shared asset was drafted from, when its reader may see
    it; else None."""
    condition = (
        ScenarioDraft.agreement_id == agreement_id
        if agreement_id is not None
        else ScenarioDraft.asset_id == asset_id
    )
    scenario = db.session.scalar(
        sa.select(Scenario)
        .join(ScenarioDraft, ScenarioDraft.scenario_id == Scenario.id)
        .where(condition)
    )
    return scenario if scenario is not None and may_view(user, scenario) else None
