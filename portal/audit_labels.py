"""How the audit trail reads: its actions, objects and details in words, not codes."""

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l

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
    "commitment.created": _l("Engagement proposé"),
    "commitment.accept": _l("Engagement accepté"),
    "commitment.met": _l("Engagement déclaré tenu"),
    "commitment.missed": _l("Engagement déclaré non tenu"),
    "commitment.withdraw": _l("Engagement retiré"),
    "commitment.update_declared": _l("Avancement déclaré"),
    "commitment.update_validated": _l("Avancement validé"),
    "commitment.update_rejected": _l("Avancement rejeté"),
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
    "finance.key_changed": _l("Clé de répartition changée"),
    "finance.schedule_entered": _l("Échéancier saisi"),
    "finance.schedule_generated": _l("Échéancier généré"),
    "finance.installment_invoice": _l("Échéance facturée"),
    "finance.installment_pay": _l("Paiement enregistré"),
    "finance.installment_confirm": _l("Réception du paiement confirmée"),
    "finance.installment_dispute": _l("Échéance contestée"),
    "finance.installment_resolve": _l("Contestation tranchée pour le payeur"),
    "finance.installment_uphold": _l("Contestation tranchée pour le bénéficiaire"),
    "finance.installment_cancel": _l("Échéance annulée"),
    "login.failure": _l("Connexion refusée (mot de passe)"),
    "login.locked": _l("Compte verrouillé après des échecs"),
    "login.refused_inactive": _l("Connexion refusée (compte désactivé)"),
    "login.refused_locked": _l("Connexion refusée (compte verrouillé)"),
    "login.success": _l("Connexion"),
    "milestone.created": _l("Jalon créé"),
    "milestone.updated": _l("Jalon modifié"),
    "milestone.change_requested": _l("Report de jalon demandé"),
    "milestone.start": _l("Jalon démarré"),
    "milestone.submit": _l("Jalon soumis"),
    "milestone.approve_local": _l("Jalon approuvé (niveau local)"),
    "milestone.return_local": _l("Jalon renvoyé (niveau local)"),
    "milestone.approve_central": _l("Jalon approuvé (niveau central)"),
    "milestone.return_central": _l("Jalon renvoyé (niveau central)"),
    "milestone.restart": _l("Jalon repris"),
    "milestone.cancel": _l("Jalon annulé"),
    "organization.created": _l("Organisme créé"),
    "organization.updated": _l("Organisme modifié"),
    "outbox.discarded": _l("Message abandonné"),
    "outbox.retried": _l("Message renvoyé"),
    "plan.adopted": _l("Plan adopté"),
    "plan.created": _l("Plan créé"),
    "plan.updated": _l("Plan modifié"),
    "raci.changed": _l("Responsabilités (RACI) changées"),
    "reminder_rule.updated": _l("Règle de rappel modifiée"),
    "tender.bid_checked": _l("Offre vérifiée"),
    "tender.bid_received": _l("Offre reçue"),
    "tender.committee_set": _l("Commission composée"),
    "tender.consensus": _l("Note de consensus fixée"),
    "tender.created": _l("Appel d'offres créé"),
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
    "coverage_criteria_sets": _l("Grille de sélection"),
    "coverage_indicators": _l("Indicateur"),
    "coverage_measurements": _l("Mesure"),
    "coverage_sites": _l("Site"),
    "coverage_targets": _l("Cible"),
    "domains": _l("Domaine"),
    "installments": _l("Échéance"),
    "milestones": _l("Jalon"),
    "organizations": _l("Organisme"),
    "outbox_messages": _l("Message"),
    "plans": _l("Plan"),
    "reminder_rules": _l("Règle de rappel"),
    "shared_assets": _l("Infrastructure partagée"),
    "tenders": _l("Appel d'offres"),
    "users": _l("Compte"),
}

DETAIL_LABELS = {
    "amount": _l("Montant"),
    "day": _l("Date"),
    "email": _l("Adresse e-mail"),
    "name": _l("Nom"),
    "note": _l("Note"),
    "on": _l("Date"),
    "reason": _l("Motif"),
    "reference": _l("Référence"),
    "title": _l("Titre"),
    "total": _l("Montant total"),
    "value": _l("Valeur"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def object_label(object_type: str | None, object_id: int | None) -> str:
    if not object_type:
        return ""
    name = str(OBJECT_LABELS.get(object_type, object_type))
    return f"{name} n° {object_id}" if object_id is not None else name


def _value(value) -> str:
    if isinstance(value, bool):
        return str(_l("oui") if value else _l("non"))
    if isinstance(value, str):
        if len(value) == 10 and value[4] == "-":
            try:
                return format_date(date.fromisoformat(value), "medium")
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
    if value in (None, "", [], {}):
        return "—"
    return json.dumps(value, ensure_ascii=False)


def _state_labels(action: str) -> dict:
    """The words of the states an action moves between, by their stored value."""
    from portal.services import commitments, coverage, finance, milestones, tenders

    for prefix, labels in (
        ("milestone.", milestones.STATUS_LABELS),
        ("commitment.", commitments.STATUS_LABELS),
        ("finance.installment_", finance.INSTALLMENT_LABELS),
        ("coverage.site_", coverage.STATUS_LABELS),
        ("tender.stage", tenders.STAGE_LABELS),
    ):
        if action.startswith(prefix):
            return {state.value: label for state, label in labels.items()}
    return {}


def detail_lines(details: dict | None, action: str = "") -> list[tuple[str, str]]:
    """(label, text) pairs: a change of state as "avant → après", the rest key by key."""
    if not details:
        return []
    lines = []
    rest = dict(details)
    if "from" in rest and "to" in rest:
        states = _state_labels(action)
        before, after = (
            str(states[v]) if v in states else _value(v) for v in (rest.pop("from"), rest.pop("to"))
        )
        lines.append((str(_l("Changement")), f"{before} → {after}"))
    if "before" in rest and "after" in rest:
        before, after = rest.pop("before"), rest.pop("after")
        lines.append((str(_l("Avant")), _value(before)))
        lines.append((str(_l("Après")), _value(after)))
    for key, value in rest.items():
        lines.append((str(DETAIL_LABELS.get(key, key)), _value(value)))
    return lines
