"""Drafting a scenario: its details, its parties, how it is set up (layers, risks, coverage)
and its cash-flow lines. Only a draft (or a returned scenario) changes; each change makes a
new version, so that a page loaded before it is stale."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.extensions import db
from portal.models.coverage import Indicator
from portal.models.finance import SharedAsset
from portal.models.organizations import Organization, OrganizationKind
from portal.models.scenarios import (
    CoverageMeasure,
    InvestmentModel,
    LineKind,
    NetworkLayer,
    Risk,
    Scenario,
    ScenarioCoverage,
    ScenarioLayer,
    ScenarioLine,
    ScenarioParty,
    ScenarioRisk,
    TransferKind,
)
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.errors import InvalidInput, TransitionNotAllowed, ensure_current
from portal.services.scenarios.access import require_draft
from portal.services.scenarios.engine import MAX_HORIZON

STALE = _l("Ce scénario a été modifié par quelqu'un d'autre entre-temps.")
HUNDRED = Decimal(100)


def _enum(kind, value, field: str):
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field=field) from None


def _editable(actor: User, scenario: Scenario, expected_version) -> None:
    require_draft(actor, scenario.city_id)
    ensure_current(scenario, expected_version, STALE)
    if not scenario.editable:
        raise TransitionNotAllowed(_l("Ce scénario n'est plus en rédaction : il ne change plus."))


def _touched(scenario: Scenario) -> None:
    flag_modified(scenario, "name")  # a new version: a page loaded before is stale


def _years(value, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(_l("Une année entière."), field=field) from None
    return number


def save_scenario(
    actor: User,
    scenario: Scenario | None,
    *,
    city_id: int,
    name,
    description="",
    investment_model,
    horizon_years,
    discount_rate,
    expected_version=None,
) -> Scenario:
    """A new scenario for a city (its commune taking part from the start), or a draft's
    details edited."""
    if scenario is None:
        require_draft(actor, city_id)
    else:
        _editable(actor, scenario, expected_version)
        city_id = scenario.city_id
    name = inputs.text(name, "name", limit=Scenario.name.type.length)
    model = _enum(InvestmentModel, investment_model, "investment_model")
    horizon = _years(horizon_years, "horizon_years")
    if not 1 <= horizon <= MAX_HORIZON:
        raise InvalidInput(
            _l("L'horizon compte de 1 à %(max)d ans.", max=MAX_HORIZON), field="horizon_years"
        )
    rate = inputs.percent(discount_rate, "discount_rate", low=Decimal(0), high=Decimal(50))
    same_name = sa.select(Scenario.id).where(Scenario.city_id == city_id, Scenario.name == name)
    if scenario is not None:
        same_name = same_name.where(Scenario.id != scenario.id)
    if db.session.scalar(same_name) is not None:
        raise InvalidInput(_l("La ville a déjà un scénario de ce nom."), field="name")
    if scenario is not None:
        late = next((line for line in scenario.lines if line.start_year > horizon), None)
        if late is not None:
            raise InvalidInput(
                _l(
                    "La ligne « %(label)s » commence en année %(year)d, après cet horizon.",
                    label=late.label,
                    year=late.start_year,
                ),
                field="horizon_years",
            )
    values = {
        "name": name,
        "description": inputs.text(description, "description", required=False, limit=20_000),
        "investment_model": model,
        "horizon_years": horizon,
        "discount_rate": rate,
    }
    if scenario is None:
        scenario = Scenario(city_id=city_id, created_by_id=actor.id, **values)
        db.session.add(scenario)
        commune = db.session.scalar(
            sa.select(Organization)
            .where(Organization.city_id == city_id, Organization.kind == OrganizationKind.COMMUNE)
            .order_by(Organization.id)
            .limit(1)
        )
        if commune is not None:
            scenario.parties.append(
                ScenarioParty(name=commune.short_name, organization_id=commune.id, position=0)
            )
        audit.record(actor, "scenario.created", obj=scenario, details={"name": name})
        return scenario
    changes = {
        key: [_plain(getattr(scenario, key)), _plain(value)]
        for key, value in values.items()
        if getattr(scenario, key) != value
    }
    for key, value in values.items():
        setattr(scenario, key, value)
    if changes:
        audit.record(actor, "scenario.updated", obj=scenario, details={"changes": changes})
    return scenario


def _plain(value):
    if isinstance(value, InvestmentModel):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


# --- Parties ----------------------------------------------------------------------------------


def _party(scenario: Scenario, party_id, field: str, *, required: bool = True):
    if party_id in (None, "", 0, "0"):
        if required:
            raise InvalidInput(inputs.REQUIRED, field=field)
        return None
    found = next((p for p in scenario.parties if str(p.id) == str(party_id)), None)
    if found is None:
        raise InvalidInput(_l("Valeur inconnue."), field=field)
    return found


def save_party(
    actor: User,
    scenario: Scenario,
    party: ScenarioParty | None,
    *,
    name,
    organization_id=None,
    role="",
    expected_version=None,
) -> ScenarioParty:
    """A party: an organisation of the portal (named after it unless a name is given), or
    a party named for the scenario alone."""
    _editable(actor, scenario, expected_version)
    organization = None
    if organization_id not in (None, "", 0, "0"):
        organization = db.session.get(Organization, int(organization_id))
        if organization is None:
            raise InvalidInput(_l("Valeur inconnue."), field="organization_id")
    name = inputs.text(
        name or (organization.short_name if organization else ""),
        "name",
        limit=ScenarioParty.name.type.length,
    )
    if any(p.name == name and p is not party for p in scenario.parties):
        raise InvalidInput(_l("Le scénario a déjà une partie de ce nom."), field="name")
    role = inputs.text(role, "role", required=False, limit=2000)
    if party is None:
        party = ScenarioParty(position=len(scenario.parties))
        scenario.parties.append(party)
    party.name, party.organization_id, party.role = (
        name,
        organization.id if organization else None,
        role,
    )
    _touched(scenario)
    audit.record(
        actor,
        "scenario.party_saved",
        obj=scenario,
        details={"party": name, "organization_id": party.organization_id},
    )
    return party


def delete_party(actor: User, scenario: Scenario, party: ScenarioParty, *, expected_version):
    _editable(actor, scenario, expected_version)
    used = any(party in (line.party, line.source, line.target) for line in scenario.lines)
    used = used or any(party in (layer.owner, layer.operator) for layer in scenario.layers)
    used = used or any(risk.bearer is party for risk in scenario.risks)
    if used:
        raise TransitionNotAllowed(
            _l(
                "« %(name)s » figure dans des lignes ou le montage : retirez-l'en d'abord.",
                name=party.name,
            )
        )
    scenario.parties.remove(party)
    _touched(scenario)
    audit.record(actor, "scenario.party_removed", obj=scenario, details={"party": party.name})


# --- Set-up: layers, risks, coverage ------------------------------------------------------------


def save_setup(
    actor: User,
    scenario: Scenario,
    *,
    layers: dict[str, tuple],
    risks: dict[str, tuple],
    coverage: dict[str, tuple],
    expected_version=None,
) -> None:
    """Who owns and operates each layer, who bears each risk (and how), and the coverage
    delivered with the indicator it moves; an empty row is left out."""
    _editable(actor, scenario, expected_version)
    scenario.layers.clear()
    scenario.risks.clear()
    scenario.coverage.clear()
    db.session.flush()
    for layer in NetworkLayer:
        owner_id, operator_id = layers.get(layer.value, (None, None))
        owner = _party(scenario, owner_id, f"owner_{layer.value}", required=False)
        operator = _party(scenario, operator_id, f"operator_{layer.value}", required=False)
        if owner or operator:
            scenario.layers.append(ScenarioLayer(layer=layer, owner=owner, operator=operator))
    for risk in Risk:
        bearer_id, note = risks.get(risk.value, (None, ""))
        bearer = _party(scenario, bearer_id, f"bearer_{risk.value}", required=False)
        note = inputs.text(note, f"note_{risk.value}", required=False, limit=300)
        if bearer or note:
            scenario.risks.append(ScenarioRisk(risk=risk, bearer=bearer, note=note))
    for measure in CoverageMeasure:
        quantity, indicator_id = coverage.get(measure.value, (None, None))
        field = f"quantity_{measure.value}"
        if str(quantity or "").strip() == "":
            continue
        number = inputs.quantity(quantity, field)
        if number != number.to_integral_value():
            raise InvalidInput(_l("Un nombre entier."), field=field)
        indicator = None
        if indicator_id not in (None, "", 0, "0"):
            indicator = db.session.get(Indicator, int(indicator_id))
            if indicator is None:
                raise InvalidInput(_l("Valeur inconnue."), field=f"indicator_{measure.value}")
        scenario.coverage.append(
            ScenarioCoverage(measure=measure, quantity=int(number), indicator=indicator)
        )
    _touched(scenario)
    audit.record(
        actor,
        "scenario.setup_saved",
        obj=scenario,
        details={
            "layers": [
                [row.layer.value, getattr(row.owner, "name", ""), getattr(row.operator, "name", "")]
                for row in scenario.layers
            ],
            "risks": [[row.risk.value, getattr(row.bearer, "name", "")] for row in scenario.risks],
            "coverage": [[row.measure.value, row.quantity] for row in scenario.coverage],
        },
    )


# --- Lines ------------------------------------------------------------------------------------


def save_line(
    actor: User,
    scenario: Scenario,
    line: ScenarioLine | None,
    *,
    label,
    kind,
    transfer_kind=None,
    party_id=None,
    source_id=None,
    target_id=None,
    start_year,
    end_year=None,
    amount,
    growth="0",
    expected_version=None,
) -> ScenarioLine:
    _editable(actor, scenario, expected_version)
    label = inputs.text(label, "label", limit=ScenarioLine.label.type.length)
    kind = _enum(LineKind, kind, "kind")
    start = _years(start_year, "start_year")
    end = start if str(end_year or "").strip() == "" else _years(end_year, "end_year")
    if not 0 <= start <= scenario.horizon_years:
        raise InvalidInput(
            _l("Entre l'année 0 et l'horizon (%(h)d).", h=scenario.horizon_years),
            field="start_year",
        )
    if end < start:
        raise InvalidInput(_l("L'année de fin précède l'année de début."), field="end_year")
    values = {
        "label": label,
        "kind": kind,
        "start_year": start,
        # Past the horizon, a line is cut; what was typed stays for a longer horizon.
        "end_year": end,
        "amount": inputs.amount(inputs.text(amount, "amount"), "amount"),
        "growth": inputs.percent(
            growth if str(growth or "").strip() else "0",
            "growth",
            low=Decimal(-100),
            high=HUNDRED,
        ),
        "party": None,
        "source": None,
        "target": None,
        "transfer_kind": None,
    }
    if kind is LineKind.TRANSFER:
        values["source"] = _party(scenario, source_id, "source_id")
        values["target"] = _party(scenario, target_id, "target_id")
        if values["source"] is values["target"]:
            raise InvalidInput(_l("Un transfert va d'une partie à une autre."), field="target_id")
        values["transfer_kind"] = _enum(
            TransferKind, transfer_kind or TransferKind.OTHER.value, "transfer_kind"
        )
    else:
        values["party"] = _party(scenario, party_id, "party_id")
    if values["growth"] <= -1:
        raise InvalidInput(_l("Un pourcentage entre -100 et 100."), field="growth")
    if line is None:
        line = ScenarioLine(position=len(scenario.lines))
        scenario.lines.append(line)
    for key, value in values.items():
        setattr(line, key, value)
    _touched(scenario)
    audit.record(
        actor,
        "scenario.line_saved",
        obj=scenario,
        details={"label": label, "kind": kind.value, "amount": f"{values['amount']:f}"},
    )
    return line


def delete_line(actor: User, scenario: Scenario, line: ScenarioLine, *, expected_version):
    _editable(actor, scenario, expected_version)
    scenario.lines.remove(line)
    _touched(scenario)
    audit.record(actor, "scenario.line_removed", obj=scenario, details={"label": line.label})


def copy_lines(actor: User, scenario: Scenario, source: Scenario, *, expected_version) -> int:
    """Another scenario's lines (of any city the actor drafts for) added to this one, their
    parties matched by name (and added when missing)."""
    _editable(actor, scenario, expected_version)
    require_draft(actor, source.city_id)
    if source.id == scenario.id:
        raise InvalidInput(_l("Choisissez un autre scénario."), field="source_id")
    parties = {p.name: p for p in scenario.parties}

    def matched(party: ScenarioParty | None) -> ScenarioParty | None:
        if party is None:
            return None
        if party.name not in parties:
            parties[party.name] = ScenarioParty(
                name=party.name,
                organization_id=party.organization_id,
                role=party.role,
                position=len(scenario.parties),
            )
            scenario.parties.append(parties[party.name])
        return parties[party.name]

    for line in source.lines:
        if line.start_year > scenario.horizon_years:
            continue  # past this scenario's horizon: nothing of it would count
        scenario.lines.append(
            ScenarioLine(
                position=len(scenario.lines),
                label=line.label,
                kind=line.kind,
                transfer_kind=line.transfer_kind,
                party=matched(line.party),
                source=matched(line.source),
                target=matched(line.target),
                start_year=line.start_year,
                end_year=line.end_year,
                amount=line.amount,
                growth=line.growth,
                asset_id=line.asset_id,
            )
        )
    copied = len(scenario.lines) - sum(1 for line in scenario.lines if line.id is not None)
    _touched(scenario)
    audit.record(
        actor,
        "scenario.lines_copied",
        obj=scenario,
        details={"source": source.name, "count": copied},
    )
    return copied


def lines_from_asset(
    actor: User, scenario: Scenario, asset: SharedAsset, *, party_id, expected_version
) -> None:
    """A shared asset's costs as lines paid by one party: its capital cost in year 0, its
    operating cost every year after."""
    _editable(actor, scenario, expected_version)
    if asset.city_id != scenario.city_id:
        raise InvalidInput(_l("Valeur inconnue."), field="asset_id")
    party = _party(scenario, party_id, "party_id")
    scenario.lines.append(
        ScenarioLine(
            position=len(scenario.lines),
            label=asset.name[: ScenarioLine.label.type.length],
            kind=LineKind.CAPEX,
            party=party,
            start_year=0,
            end_year=0,
            amount=asset.capital_cost,
            asset_id=asset.id,
        )
    )
    if asset.yearly_operating_cost:
        scenario.lines.append(
            ScenarioLine(
                position=len(scenario.lines),
                label=asset.name[: ScenarioLine.label.type.length],
                kind=LineKind.OPEX,
                party=party,
                start_year=1,
                end_year=scenario.horizon_years,
                amount=asset.yearly_operating_cost,
                asset_id=asset.id,
            )
        )
    _touched(scenario)
    audit.record(
        actor,
        "scenario.lines_from_asset",
        obj=scenario,
        details={"asset_id": asset.id, "party": party.name},
    )
