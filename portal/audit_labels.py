"""How the audit trail reads: its actions, objects and details in words, not codes."""

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import g
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l

from portal.bidi import listed

ACTION_LABELS = {
    "account.password_changed": _l("Mot de passe changé"),
    "action.created": _l("Action du plan créée"),
    "action.updated": _l("Action du plan modifiée"),
    "calendar.token_created": _l("Lien de calendrier créé"),
    "calendar.token_reset": _l("Lien de calendrier renouvelé"),
    "change_request.accepted": _l("Demande de report acceptée"),
    "change_request.refused": _l("Demande de report refusée"),
    "city.created": _l("Ville créée"),
    "city.updated": _l("Ville modifiée"),
    "commitment.accept": _l("Engagement accepté"),
    "commitment.created": _l("Engagement proposé"),
    "commitment.met": _l("Engagement déclaré tenu"),
    "commitment.missed": _l("Engagement déclaré non tenu"),
    "commitment.update_declared": _l("Avancement déclaré"),
    "commitment.update_rejected": _l("Avancement rejeté"),
    "commitment.update_validated": _l("Avancement validé"),
    "commitment.withdraw": _l("Engagement retiré"),
    "coverage.criteria_labelled": _l("Critères de choix des sites traduits"),
    "coverage.criteria_set": _l("Grille de sélection des sites publiée"),
    "coverage.indicator_created": _l("Indicateur de couverture créé"),
    "coverage.indicator_updated": _l("Indicateur de couverture modifié"),
    "coverage.measurement_deleted": _l("Mesure supprimée"),
    "coverage.measurement_recorded": _l("Mesure enregistrée"),
    "coverage.site_assessed": _l("Site évalué"),
    "coverage.site_created": _l("Site proposé"),
    "coverage.site_figures": _l("Chiffres du site enregistrés"),
    "coverage.site_moved": _l("Site changé d'état"),
    "coverage.site_updated": _l("Site modifié"),
    "coverage.target_created": _l("Cible de couverture fixée"),
    "coverage.target_updated": _l("Cible de couverture modifiée"),
    "diagnostic.consultation_merged": _l("Attente de la consultation réunie à une autre"),
    "diagnostic.consultation_opened": _l("Consultation publique ouverte"),
    "diagnostic.consultation_published": _l("Attente de la consultation publiée"),
    "diagnostic.consultation_rejected": _l("Attente de la consultation écartée"),
    "diagnostic.consultation_submitted": _l("Attente reçue par la consultation publique"),
    "diagnostic.consultation_updated": _l("Consultation publique modifiée"),
    "diagnostic.expectation_answered": _l("Actions répondant à une attente"),
    "diagnostic.expectation_created": _l("Attente enregistrée"),
    "diagnostic.expectation_merged": _l("Attente fusionnée"),
    "diagnostic.expectation_qualified": _l("Attente qualifiée"),
    "diagnostic.expectation_rejected": _l("Attente rejetée"),
    "diagnostic.expectation_updated": _l("Attente modifiée"),
    "diagnostic.infrastructure_created": _l("Infrastructure existante inventoriée"),
    "diagnostic.infrastructure_updated": _l("Infrastructure existante modifiée"),
    "diagnostic.service_created": _l("Service numérique inventorié"),
    "diagnostic.service_updated": _l("Service numérique modifié"),
    "diagnostic.service_use": _l("Utilisation d'un service enregistrée"),
    "governance.action_closed": _l("Action de suivi close"),
    "governance.agenda_changed": _l("Ordre du jour modifié"),
    "governance.apologies_sent": _l("Excuses envoyées pour une réunion"),
    "governance.attendance_recorded": _l("Présence relevée"),
    "governance.outcome_recorded": _l("Suite d'un point enregistrée"),
    "governance.body_created": _l("Instance de gouvernance créée"),
    "governance.body_updated": _l("Instance de gouvernance modifiée"),
    "governance.meeting_cancelled": _l("Réunion annulée"),
    "governance.meeting_scheduled": _l("Réunion programmée"),
    "governance.meeting_updated": _l("Réunion modifiée"),
    "governance.member_removed": _l("Membre d'une instance retiré"),
    "governance.member_set": _l("Membre d'une instance enregistré"),
    "governance.minutes_adopted": _l("Procès-verbal de réunion adopté"),
    "governance.minutes_circulated": _l("Procès-verbal de réunion diffusé pour remarques"),
    "governance.minutes_commented": _l("Remarque sur un procès-verbal de réunion"),
    "governance.minutes_saved": _l("Procès-verbal de réunion enregistré"),
    "governance.report_generated": _l("Rapport de pilotage joint à une réunion"),
    "domain.created": _l("Domaine créé"),
    "domain.updated": _l("Domaine modifié"),
    "finance.agreement_created": _l("Convention créée"),
    "finance.agreement_signed": _l("Convention signée"),
    "finance.agreement_terminated": _l("Convention résiliée"),
    "finance.agreement_updated": _l("Convention modifiée"),
    "finance.agreements_generated": _l("Conventions générées par la clé de répartition"),
    "finance.asset_created": _l("Infrastructure partagée créée"),
    "finance.asset_updated": _l("Infrastructure partagée modifiée"),
    "finance.document_attached": _l("Document de convention joint"),
    "finance.installment_cancel": _l("Échéance annulée"),
    "finance.installment_confirm": _l("Réception du paiement confirmée"),
    "finance.installment_dispute": _l("Échéance contestée"),
    "finance.installment_invoice": _l("Échéance facturée"),
    "finance.installment_pay": _l("Paiement enregistré"),
    "finance.installment_resolve": _l("Contestation tranchée pour le payeur"),
    "finance.installment_uphold": _l("Contestation tranchée pour le bénéficiaire"),
    "finance.key_changed": _l("Clé de répartition changée"),
    "finance.schedule_entered": _l("Échéancier saisi"),
    "finance.schedule_generated": _l("Échéancier généré"),
    "login.failure": _l("Connexion refusée (mot de passe)"),
    "login.locked": _l("Compte verrouillé après des échecs"),
    "login.refused_inactive": _l("Connexion refusée (compte désactivé)"),
    "login.refused_locked": _l("Connexion refusée (compte verrouillé)"),
    "login.success": _l("Connexion"),
    "milestone.approve_central": _l("Jalon approuvé (niveau central)"),
    "milestone.approve_local": _l("Jalon approuvé (niveau local)"),
    "milestone.cancel": _l("Jalon annulé"),
    "milestone.change_requested": _l("Report de jalon demandé"),
    "milestone.created": _l("Jalon créé"),
    "milestone.restart": _l("Jalon repris"),
    "milestone.return_central": _l("Jalon renvoyé (niveau central)"),
    "milestone.return_local": _l("Jalon renvoyé (niveau local)"),
    "milestone.start": _l("Jalon démarré"),
    "milestone.submit": _l("Jalon soumis"),
    "milestone.updated": _l("Jalon modifié"),
    "organization.created": _l("Organisme créé"),
    "organization.updated": _l("Organisme modifié"),
    "outbox.discarded": _l("Message abandonné"),
    "outbox.retried": _l("Message renvoyé"),
    "plan.adopted": _l("Plan adopté"),
    "plan.created": _l("Plan créé"),
    "plan.updated": _l("Plan modifié"),
    "raci.changed": _l("Responsabilités (RACI) changées"),
    "reminder_rule.updated": _l("Règle de rappel modifiée"),
    "scenario.approve": _l("Scénario approuvé par le ministère"),
    "scenario.created": _l("Scénario créé"),
    "scenario.endorse": _l("Scénario avalisé par la ville"),
    "scenario.ledger_drafted": _l("Conventions préparées depuis un scénario"),
    "scenario.line_removed": _l("Ligne d'un scénario retirée"),
    "scenario.line_saved": _l("Ligne d'un scénario enregistrée"),
    "scenario.lines_copied": _l("Lignes copiées d'un autre scénario"),
    "scenario.lines_from_asset": _l("Lignes reprises d'une infrastructure partagée"),
    "scenario.party_removed": _l("Partie d'un scénario retirée"),
    "scenario.party_saved": _l("Partie d'un scénario enregistrée"),
    "scenario.return_central": _l("Scénario renvoyé par le ministère"),
    "scenario.return_local": _l("Scénario renvoyé par la ville"),
    "scenario.setup_saved": _l("Montage d'un scénario enregistré"),
    "scenario.submit": _l("Scénario recommandé"),
    "scenario.superseded": _l("Scénario remplacé comme référence"),
    "scenario.updated": _l("Scénario modifié"),
    "tender.bid_checked": _l("Offre vérifiée"),
    "tender.bid_received": _l("Offre reçue"),
    "tender.committee_set": _l("Commission composée"),
    "tender.consensus": _l("Note de consensus fixée"),
    "tender.created": _l("Appel d'offres créé"),
    "tender.criteria_labelled": _l("Critères de l'appel d'offres traduits"),
    "tender.declaration": _l("Déclaration d'intérêts signée"),
    "tender.justification": _l("Justification d'offre anormalement basse tranchée"),
    "tender.lots_set": _l("Lots définis"),
    "tender.scores_submitted": _l("Notes remises"),
    "tender.specification_set": _l("Grille de sélection définie"),
    "tender.stage": _l("Appel d'offres changé d'étape"),
    "tender.updated": _l("Appel d'offres modifié"),
    "user.activated": _l("Compte réactivé"),
    "user.created": _l("Compte créé"),
    "user.deactivated": _l("Compte désactivé"),
    "user.password_reset": _l("Mot de passe réinitialisé"),
    "user.roles_changed": _l("Rôles changés"),
    "user.roles_refused": _l("Changement de rôles refusé"),
    "user.updated": _l("Compte modifié"),
}

OBJECT_LABELS = {
    "actions": _l("Action"),
    "agreements": _l("Convention"),
    "bids": _l("Offre"),
    "change_requests": _l("Demande de report"),
    "cities": _l("Ville"),
    "commitment_updates": _l("Déclaration d'avancement"),
    "commitments": _l("Engagement"),
    "consultations": _l("Consultation publique"),
    "coverage_criteria_sets": _l("Grille de sélection"),
    "coverage_indicators": _l("Indicateur"),
    "coverage_measurements": _l("Mesure"),
    "coverage_sites": _l("Site"),
    "digital_services": _l("Service numérique"),
    "coverage_targets": _l("Cible"),
    "domains": _l("Domaine"),
    "governance_actions": _l("Action de suivi"),
    "governance_bodies": _l("Instance de gouvernance"),
    "governance_meetings": _l("Réunion"),
    "expectations": _l("Attente"),
    "infrastructure": _l("Infrastructure existante"),
    "installments": _l("Échéance"),
    "milestones": _l("Jalon"),
    "organizations": _l("Organisme"),
    "outbox_messages": _l("Message"),
    "plans": _l("Plan"),
    "reminder_rules": _l("Règle de rappel"),
    "scenarios": _l("Scénario"),
    "shared_assets": _l("Infrastructure partagée"),
    "tenders": _l("Appel d'offres"),
    "users": _l("Compte"),
}

DETAIL_LABELS = {
    "accepted": _l("Justification acceptée"),
    "action_id": _l("Action"),
    "active": _l("Active"),
    "address": _l("Adresse"),
    "admissible": _l("Recevable"),
    "adopted_on": _l("Adopté le"),
    "agreements": _l("Conventions"),
    "amount": _l("Montant"),
    "assessment": _l("Évaluation"),
    "asset_id": _l("Infrastructure partagée"),
    "assets": _l("Infrastructures partagées"),
    "baseline": _l("Valeur de départ"),
    "baseline_due_date": _l("Échéance de référence"),
    "baseline_level": _l("Maturité au diagnostic"),
    "baseline_on": _l("Date du diagnostic"),
    "baselined": _l("Jalons mis en référence"),
    "basis": _l("Base de répartition"),
    "bid": _l("Offre"),
    "bidder": _l("Soumissionnaire"),
    "budget": _l("Budget"),
    "by": _l("Par"),
    "cancelled": _l("Échéances annulées"),
    "capacity": _l("Capacité"),
    "capacity_unit": _l("Unité de capacité"),
    "capital_cost": _l("Coût d'investissement"),
    "channels": _l("Canaux"),
    "city": _l("Ville"),
    "city_id": _l("Ville"),
    "code": _l("Code"),
    "completion_note": _l("Note d'achèvement"),
    "conflict": _l("Conflit d'intérêts"),
    "convention_reference": _l("Référence de la convention"),
    "closes_on": _l("Dernier jour"),
    "consultation": _l("Consultation publique"),
    "cost": _l("Nature du coût"),
    "cost_kind": _l("Nature du coût"),
    "count": _l("Nombre"),
    "coverage": _l("Couverture apportée"),
    "criteria": _l("Critères"),
    "criterion": _l("Critère"),
    "day": _l("Date"),
    "decision_note": _l("Motif de la décision"),
    "deliverable": _l("Livrable"),
    "description": _l("Description"),
    "discount_rate": _l("Taux d'actualisation"),
    "district": _l("Quartier"),
    "document_id": _l("Document"),
    "domain_id": _l("Domaine"),
    "due_date": _l("Échéance"),
    "edited": _l("Texte retouché avant publication"),
    "edition": _l("Édition"),
    "eliminated": _l("Éliminé"),
    "email": _l("Adresse e-mail"),
    "error": _l("Erreur"),
    "escalate_central_after": _l("Saisine du ministère après (jours)"),
    "escalate_local_after": _l("Saisine de la ville après (jours)"),
    "estimated_cost": _l("Coût estimé"),
    "evidence_file_id": _l("Justificatif"),
    "existing_agreements": _l("Conventions existantes"),
    "failures": _l("Échecs"),
    "feasibility": _l("Faisabilité"),
    "figures_on": _l("Chiffres au"),
    "file": _l("Fichier"),
    "first_due": _l("Première échéance"),
    "frequency": _l("Fréquence"),
    "full_name": _l("Nom complet"),
    "horizon": _l("Horizon"),
    "horizon_years": _l("Horizon (années)"),
    "host_organization_id": _l("Organisme d'accueil"),
    "indicator": _l("Indicateur"),
    "installments": _l("Échéances"),
    "into": _l("Fusionnée dans"),
    "investment_model": _l("Modèle d'investissement"),
    "invoice_undone": _l("Facture annulée"),
    "key_basis": _l("Base de répartition"),
    "kind": _l("Type"),
    "label": _l("Libellé"),
    "labels": _l("Libellés (français · anglais · arabe)"),
    "late": _l("Hors délai"),
    "latitude": _l("Latitude"),
    "layers": _l("Couches du réseau"),
    "lead_days": _l("Rappel avant l'échéance (jours)"),
    "lead_organization_id": _l("Organisme pilote"),
    "level": _l("Maturité actuelle"),
    "level_on": _l("Au"),
    "locked_until": _l("Verrouillé jusqu'au"),
    "longitude": _l("Longitude"),
    "lot": _l("Lot"),
    "lots": _l("Lots"),
    "measured_on": _l("Date de mesure"),
    "member": _l("Membre"),
    "members": _l("Membres"),
    "messages": _l("Messages"),
    "method": _l("Méthode"),
    "milestone_id": _l("Jalon"),
    "milestones": _l("Jalons"),
    "month": _l("Mois"),
    "name": _l("Nom"),
    "name_ar": _l("Nom en arabe"),
    "name_en": _l("Nom en anglais"),
    "note": _l("Note"),
    "on": _l("Date"),
    "opens_on": _l("Ouverture"),
    "operating_years": _l("Années d'exploitation"),
    "organization_id": _l("Organisme"),
    "overdue_every_days": _l("Rappel de retard tous les (jours)"),
    "owner_id": _l("Propriétaire"),
    "owner_share": _l("Part du propriétaire"),
    "party": _l("Partie"),
    "payee_id": _l("Bénéficiaire"),
    "payer_id": _l("Payeur"),
    "plan_id": _l("Plan"),
    "planned_end": _l("Fin prévue"),
    "planned_start": _l("Début prévu"),
    "predecessors": _l("Prédécesseurs"),
    "preferred_language": _l("Langue"),
    "present": _l("Présents"),
    "priority": _l("Priorité"),
    "provider_id": _l("Organisme qui le rend"),
    "purpose": _l("Objet"),
    "reason": _l("Motif"),
    "reference": _l("Référence"),
    "region": _l("Région"),
    "respond_within_days": _l("Réponse attendue sous (jours)"),
    "responsible_organization_id": _l("Organisme responsable"),
    "risks": _l("Risques"),
    "roles": _l("Rôles"),
    "schedule_dropped": _l("Échéancier supprimé"),
    "score": _l("Score"),
    "seats": _l("Places"),
    "sha256": _l("Empreinte SHA-256"),
    "short_name": _l("Sigle"),
    "signed_on": _l("Signée le"),
    "skipped": _l("Laissés de côté"),
    "slug": _l("Identifiant d'adresse"),
    "source": _l("Source"),
    "start_date": _l("Date de début"),
    "status_since": _l("État depuis le"),
    "target": _l("Cible"),
    "target_level": _l("Niveau visé"),
    "terminated_on": _l("Résiliée le"),
    "termination_reason": _l("Motif de résiliation"),
    "text": _l("Texte"),
    "title": _l("Titre"),
    "total": _l("Montant total"),
    "total_amount": _l("Montant total"),
    "unit": _l("Unité"),
    "update_id": _l("Déclaration"),
    "value": _l("Valeur"),
    "volume": _l("Utilisations"),
    "weekly_users": _l("Usagers par semaine"),
    "wifi_capacity": _l("Capacité Wi-Fi"),
    "yearly_operating_cost": _l("Coût d'exploitation annuel"),
    "added": _l("Ajouté"),
    "moved": _l("Date, heure ou lieu changés"),
    "carried_out": _l("Exécutée sur l'objet"),
    "removed": _l("Retiré"),
    "role": _l("Rôle"),
    "starts_at": _l("Début"),
    "user": _l("Personne"),
    "item": _l("Point"),
    "outcome": _l("Suite donnée"),
    "quorum": _l("Quorum"),
    "until": _l("Jusqu'au"),
    "start": _l("Début de la période"),
    "end": _l("Fin de la période"),
    "status": _l("État"),
}
# Keys whose values are organisations or cities: shown by name.
ORGANIZATION_KEYS = frozenset(
    {
        "bidder",
        "host_organization_id",
        "lead_organization_id",
        "organization_id",
        "owner_id",
        "payee_id",
        "payer_id",
        "responsible_organization_id",
    }
)
CITY_KEYS = frozenset({"city", "city_id"})
# Keys whose values are other records: shown by number.
NUMBERED_KEYS = frozenset(
    {
        "action_id",
        "asset_id",
        "bid",
        "criterion",
        "document_id",
        "domain_id",
        "evidence_file_id",
        "member",
        "milestone_id",
        "milestones",
        "plan_id",
        "predecessors",
        "present",
        "update_id",
    }
)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def object_label(object_type: str | None, object_id: int | None) -> str:
    if not object_type:
        return ""
    name = str(OBJECT_LABELS.get(object_type, object_type))
    return f"{name} n° {object_id}" if object_id is not None else name


def _names() -> dict:
    """Organisations' and cities' names by id (and cities' by slug): two queries per page,
    whatever the number of events."""
    if "audit_names" not in g:
        import sqlalchemy as sa

        from portal.extensions import db
        from portal.models import City, Organization

        cities = db.session.execute(sa.select(City.id, City.slug, City.name)).all()
        g.audit_names = {
            "organization": dict(
                db.session.execute(sa.select(Organization.id, Organization.short_name)).all()
            ),
            "city": {c.id: c.name for c in cities} | {c.slug: c.name for c in cities},
        }
    return g.audit_names


def _enum_labels(key: str, action: str) -> dict:
    """The words of a coded value, by its stored value, for the keys that hold codes."""
    from portal import labels
    from portal.forms.tenders import METHOD_LABELS
    from portal.services import coverage, finance, milestones, raci

    if key == "kind":
        if action.startswith("coverage."):
            table = coverage.KIND_LABELS
        elif action.startswith("finance.asset"):
            table = finance.ASSET_LABELS
        elif action.startswith("reminder_rule."):
            table = labels.REMINDER_KIND_LABELS
        else:
            table = labels.ORGANIZATION_KIND_LABELS
    elif key in ("cost", "cost_kind"):
        table = finance.COST_LABELS
    elif key == "purpose":
        table = finance.PURPOSE_LABELS
    elif key == "frequency":
        return dict(finance.FREQUENCY_LABELS)
    elif key == "method":
        table = METHOD_LABELS
    elif key == "horizon":
        from portal.forms.milestones import HORIZON_LABELS

        table = HORIZON_LABELS
    elif key in ("basis", "key_basis"):
        return {"percent": _l("en pourcentages"), "units": _l("en unités d'usage")}
    elif key == "assessment":
        return {"created": _l("saisie"), "updated": _l("modifiée")}
    elif key == "preferred_language":
        return dict(labels.LANGUAGE_NAMES)
    elif key == "raci":
        table = raci.ROLE_LABELS
    elif key == "status":
        return _state_labels(action) or {
            s.value: label for s, label in milestones.STATUS_LABELS.items()
        }
    else:
        return {}
    return {code.value: label for code, label in table.items()}


def _value(value, key: str = "", action: str = "") -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict) and set(value) == {"before", "after"}:
        return f"{_value(value['before'], key, action)} → {_value(value['after'], key, action)}"
    if isinstance(value, list):
        if key == "criteria":
            return listed((_criterion(item) for item in value), strong=True)
        if key == "roles":
            return listed(_role(item) for item in value) or "—"
        if key == "members":
            return listed(_member(item) for item in value)
        if key == "agreements":
            return listed((_agreement(item) for item in value), strong=True)
        parts = [
            " · ".join(_value(x) for x in item) if isinstance(item, list) else _value(item, key)
            for item in value
        ]
        return listed(parts, strong=bool(value) and isinstance(value[0], list))
    if key in ORGANIZATION_KEYS and isinstance(value, int | str):
        return str(_names()["organization"].get(_int(value), value))
    if key in CITY_KEYS and isinstance(value, int | str):
        return str(_names()["city"].get(_int(value), value))
    if key in NUMBERED_KEYS and isinstance(value, int):
        return f"n° {value}"
    codes = _enum_labels(key, action) if isinstance(value, str) else {}
    if value in codes:
        return str(codes[value])
    if isinstance(value, bool):
        return str(_l("oui") if value else _l("non"))
    if isinstance(value, str):
        if len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
            try:
                if len(value) == 10:
                    return format_date(date.fromisoformat(value), "medium")
                return format_datetime(datetime.fromisoformat(value), "medium")
            except ValueError:
                return value
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        # Amounts and values stored as exact text read in the locale's writing.
        return format_decimal(number) if number.is_finite() and "." in value else value
    if isinstance(value, int | float):
        return format_decimal(value)
    return json.dumps(value, ensure_ascii=False)


def _int(value):
    """An id as stored (a number, or a JSON key's text) for the names' lookup."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _criterion(item) -> str:
    """A selection criterion as written: [label, "!" or weight] (sites) or [label, kind,
    weight] (tenders)."""
    label, *rest = item
    if "!" in rest or "eliminatory" in rest:
        return f"{label} ({_l('éliminatoire')})"
    weight = next((w for w in reversed(rest) if w not in (None, "None", "technical")), None)
    return f"{label} ({_value(weight)})" if weight is not None else str(label)


def _agreement(item) -> str:
    """A generated agreement: [id, payer, payee, amount]."""
    number, payer, payee, amount = item
    payer, payee = (_value(org, "organization_id") for org in (payer, payee))
    return f"n° {number} : {payer} → {payee}, {_value(amount)}"


def _role(item) -> str:
    from portal import labels
    from portal.models.users import Role

    try:
        name = str(labels.ROLE_LABELS[Role(item.get("role"))])
    except (ValueError, AttributeError):
        return _value(item)
    city = item.get("city_id")
    return f"{name} ({_value(city, 'city_id')})" if city else name


def _member(item) -> str:
    from portal import labels
    from portal.models.tenders import CommitteeRole

    number, role = item
    try:
        return f"n° {number} ({labels.COMMITTEE_ROLE_LABELS[CommitteeRole(role)]})"
    except ValueError:
        return f"n° {number} ({role})"


def _state_labels(action: str) -> dict:
    """The words of the states an action moves between, by their stored value."""
    from portal.labels import SCENARIO_STATUS_LABELS
    from portal.services import commitments, coverage, finance, milestones, tenders

    for prefix, labels in (
        ("milestone.", milestones.STATUS_LABELS),
        ("commitment.", commitments.STATUS_LABELS),
        ("finance.installment_", finance.INSTALLMENT_LABELS),
        ("coverage.site_", coverage.STATUS_LABELS),
        ("tender.stage", tenders.STAGE_LABELS),
        ("scenario.", SCENARIO_STATUS_LABELS),
    ):
        if action.startswith(prefix):
            return {state.value: label for state, label in labels.items()}
    return {}


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def detail_lines(details: dict | None, action: str = "") -> list[tuple[str, str]]:
    """(label, text) pairs: a change of state as "avant → après", a changed field as
    "Titre : avant → après", the rest key by key."""
    if not details:
        return []
    lines = []
    rest = dict(details)
    if "from" in rest and "to" in rest:
        states = _state_labels(action)
        key = "due_date" if action == "milestone.change_requested" else ""
        before, after = (
            str(states[v]) if v in states else _value(v, key)
            for v in (rest.pop("from"), rest.pop("to"))
        )
        lines.append((str(_l("Changement")), f"{before} → {after}"))
    if "before" in rest and "after" in rest:
        # A RACI cell holds a letter; a role change, lists of roles.
        key = "raci" if action == "raci.changed" else "roles"
        before, after = rest.pop("before"), rest.pop("after")
        lines.append((str(_l("Avant")), _value(before, key, action)))
        lines.append((str(_l("Après")), _value(after, key, action)))
    changes = rest.pop("changes", None)
    if isinstance(changes, dict):
        for key, pair in changes.items():
            if isinstance(pair, list) and len(pair) == 2:
                pair = {"before": pair[0], "after": pair[1]}
            lines.append((detail_label(key), _value(pair, key, action)))
    for key, value in rest.items():
        if action == "reminder_rule.updated" and isinstance(value, list) and len(value) == 2:
            value = {"before": value[0], "after": value[1]}
        lines.append((detail_label(key), _value(value, key, action)))
    return lines
