"""How enumerations read in the interface."""

from flask_babel import lazy_gettext as _l

from portal.models.organizations import OrganizationKind
from portal.models.reminders import ReminderKind
from portal.models.tenders import CommitteeRole
from portal.models.users import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrateur"),
    Role.CENTRAL_DECISION_MAKER: _l("Décideur central"),
    Role.LOCAL_DECISION_MAKER: _l("Décideur local"),
    Role.CONTRIBUTOR: _l("Contributeur"),
    Role.SECRETARIAT: _l("Secrétariat"),
    Role.EVALUATOR: _l("Évaluateur"),
    Role.OBSERVER: _l("Observateur"),
}

ROLE_DESCRIPTIONS = {
    Role.ADMIN: _l("Gère les comptes, les organismes, les villes et les règles de rappel."),
    Role.CENTRAL_DECISION_MAKER: _l(
        "Donne l'approbation finale des jalons et suit l'ensemble du programme."
    ),
    Role.LOCAL_DECISION_MAKER: _l(
        "Approuve en premier niveau et valide les engagements dans sa ville."
    ),
    Role.CONTRIBUTOR: _l(
        "Met à jour les jalons et engagements de son organisme, avec les justificatifs."
    ),
    Role.SECRETARIAT: _l(
        "Anime la structure des plans et conduit les évaluations des appels d'offres."
    ),
    Role.EVALUATOR: _l(
        "Déclare l'absence de conflit d'intérêts et note les offres en toute indépendance."
    ),
    Role.OBSERVER: _l("Consulte le programme en lecture seule."),
}

ORGANIZATION_KIND_LABELS = {
    OrganizationKind.MINISTRY: _l("Ministère"),
    OrganizationKind.URBAN_AGENCY: _l("Agence urbaine"),
    OrganizationKind.COMMUNE: _l("Commune"),
    OrganizationKind.UTILITY: _l("Régie de distribution"),
    OrganizationKind.TELECOM_OPERATOR: _l("Opérateur télécom"),
    OrganizationKind.REGULATOR: _l("Régulateur"),
    OrganizationKind.CONSULTANT: _l("Bureau d'études"),
    OrganizationKind.PROVIDER: _l("Prestataire"),
}

REMINDER_KIND_LABELS = {
    ReminderKind.MILESTONE_DUE: _l("Jalon"),
    ReminderKind.APPROVAL_WAITING: _l("Décision attendue"),
    ReminderKind.COMMITMENT_DUE: _l("Engagement"),
    ReminderKind.INSTALLMENT_DUE: _l("Échéance de paiement"),
    ReminderKind.TENDER_SUBMISSION: _l("Remise des offres"),
    ReminderKind.TENDER_EVALUATION: _l("Évaluation d'offres"),
    ReminderKind.TENDER_DECLARATION: _l("Déclaration d'intérêts"),
    ReminderKind.CHANGE_REQUEST_WAITING: _l("Demande de report"),
    ReminderKind.MILESTONE_SUBMITTED: _l("Jalon soumis pour approbation"),
    ReminderKind.MILESTONE_APPROVED_LOCALLY: _l("Jalon approuvé localement"),
    ReminderKind.MILESTONE_APPROVED: _l("Jalon approuvé"),
    ReminderKind.MILESTONE_RETURNED: _l("Jalon renvoyé"),
    ReminderKind.CHANGE_REQUESTED: _l("Report d'échéance demandé"),
    ReminderKind.CHANGE_DECIDED: _l("Report d'échéance tranché"),
    ReminderKind.COMMITMENT_PROPOSED: _l("Engagement proposé"),
    ReminderKind.COMMITMENT_ACCEPTED: _l("Engagement accepté"),
    ReminderKind.PROGRESS_DECLARED: _l("Avancement déclaré"),
    ReminderKind.PROGRESS_DECIDED: _l("Avancement validé ou rejeté"),
    ReminderKind.AGREEMENT_SIGNED: _l("Convention signée"),
    ReminderKind.INSTALLMENT_INVOICED: _l("Échéance facturée"),
    ReminderKind.PAYMENT_RECORDED: _l("Paiement enregistré"),
    ReminderKind.RECEIPT_CONFIRMED: _l("Réception d'un paiement confirmée"),
    ReminderKind.DISPUTE_OPENED: _l("Échéance contestée"),
    ReminderKind.DISPUTE_SETTLED: _l("Contestation tranchée"),
    ReminderKind.TENDER_PUBLISHED: _l("Appel d'offres publié"),
    ReminderKind.TENDER_COMMITTEE: _l("Nomination en commission d'évaluation"),
    ReminderKind.BID_RECEIVED: _l("Offre reçue"),
    ReminderKind.TENDER_STAGE: _l("Appel d'offres : à vous d'agir"),
    ReminderKind.TENDER_DECIDED: _l("Appel d'offres : décision"),
    ReminderKind.SITE_TO_DECIDE: _l("Site évalué, à retenir ou écarter"),
    ReminderKind.SITE_DECIDED: _l("Site retenu ou écarté"),
}

COMMITTEE_ROLE_LABELS = {
    CommitteeRole.PRESIDENT: _l("Président"),
    CommitteeRole.RAPPORTEUR: _l("Rapporteur"),
    CommitteeRole.MEMBER: _l("Membre"),
    CommitteeRole.OBSERVER: _l("Observateur"),
}

LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ar": "العربية"}
RTL_LANGUAGES = frozenset({"ar"})
