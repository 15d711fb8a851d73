"""How enumerations read in the interface."""

from flask_babel import lazy_gettext as _l

from portal.models.commitments import CommitmentStatus, UpdateStatus
from portal.models.coverage import SiteKind, SiteStatus
from portal.models.diagnostic import Channel, ExpectationStatus, InfrastructureKind, Maturity
from portal.models.finance import (
    AgreementPurpose,
    AgreementStatus,
    AssetKind,
    CostKind,
    InstallmentStatus,
)
from portal.models.governance import (
    ActionStatus,
    BodyKind,
    MeetingStatus,
    MemberRole,
    MinutesStatus,
    Outcome,
    Presence,
)
from portal.models.milestones import MilestoneStatus
from portal.models.organizations import OrganizationKind
from portal.models.plans import Horizon
from portal.models.raci import RaciRole
from portal.models.reminders import OutboxStatus, ReminderKind
from portal.models.scenarios import (
    CoverageMeasure,
    InvestmentModel,
    LineKind,
    NetworkLayer,
    Risk,
    ScenarioStatus,
    TransferKind,
)
from portal.models.tenders import (
    CommitteeRole,
    FinancialMethod,
    Normalization,
    Procedure,
    TenderCategory,
    TenderStage,
)
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
    ReminderKind.SCENARIO_SUBMITTED: _l("Scénario recommandé, à avaliser"),
    ReminderKind.SCENARIO_ENDORSED: _l("Scénario avalisé, à approuver"),
    ReminderKind.SCENARIO_APPROVED: _l("Scénario approuvé"),
    ReminderKind.SCENARIO_RETURNED: _l("Scénario renvoyé"),
    ReminderKind.MEETING_INVITATION: _l("Invitation à une réunion"),
    ReminderKind.MINUTES_CIRCULATED: _l("Procès-verbal à relire"),
    ReminderKind.FOLLOW_UP_DUE: _l("Action de suivi"),
}

COMMITTEE_ROLE_LABELS = {
    CommitteeRole.PRESIDENT: _l("Président"),
    CommitteeRole.RAPPORTEUR: _l("Rapporteur"),
    CommitteeRole.MEMBER: _l("Membre"),
    CommitteeRole.OBSERVER: _l("Observateur"),
}

LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ar": "العربية"}
RTL_LANGUAGES = frozenset({"ar"})


SITE_STATUS_LABELS = {
    SiteStatus.PROPOSED: _l("Proposé"),
    SiteStatus.ASSESSED: _l("Évalué"),
    SiteStatus.SELECTED: _l("Retenu"),
    SiteStatus.REJECTED: _l("Écarté"),
    SiteStatus.IN_DEPLOYMENT: _l("En déploiement"),
    SiteStatus.OPEN: _l("Ouvert"),
    SiteStatus.CLOSED: _l("Fermé"),
}


SITE_KIND_LABELS = {
    SiteKind.DIGITAL_SPACE: _l("Espace public numérique"),
    SiteKind.CONNECTED_ZONE: _l("Zone publique connectée"),
}


SITE_MOVE_LABELS = {
    SiteStatus.SELECTED: _l("Retenir"),
    SiteStatus.REJECTED: _l("Écarter"),
    SiteStatus.IN_DEPLOYMENT: _l("Lancer le déploiement"),
    SiteStatus.OPEN: _l("Ouvrir au public"),
    SiteStatus.CLOSED: _l("Fermer"),
}


SITE_PROGRESS_LABELS = {
    "reached": _l("Cible atteinte"),
    "on_track": _l("Dans les temps"),
    "behind": _l("En retard"),
    "unmeasured": _l("Pas encore mesuré"),
}


AGREEMENT_PURPOSE_LABELS = {
    AgreementPurpose.USAGE_FEE: _l("Redevance d'usage d'infrastructure mutualisée"),
    AgreementPurpose.COFINANCING: _l("Cofinancement d'une action"),
    AgreementPurpose.CONTRIBUTION: _l("Contribution"),
    AgreementPurpose.COMPENSATION: _l("Compensation"),
    AgreementPurpose.OTHER: _l("Autre"),
}


AGREEMENT_STATUS_LABELS = {
    AgreementStatus.DRAFT: _l("Projet"),
    AgreementStatus.SIGNED: _l("Signée"),
    AgreementStatus.TERMINATED: _l("Résiliée"),
}


INSTALLMENT_STATUS_LABELS = {
    InstallmentStatus.PLANNED: _l("Prévue"),
    InstallmentStatus.INVOICED: _l("Facturée"),
    InstallmentStatus.PAID: _l("Payée"),
    InstallmentStatus.DISPUTED: _l("Contestée"),
    InstallmentStatus.CANCELLED: _l("Annulée"),
}


ASSET_KIND_LABELS = {
    AssetKind.DUCT: _l("Fourreau ou tranchée"),
    AssetKind.FIBRE_ROUTE: _l("Artère de fibre optique"),
    AssetKind.TOWER: _l("Pylône ou tour"),
    AssetKind.SHELTER: _l("Shelter"),
    AssetKind.DATA_ROOM: _l("Salle informatique"),
    AssetKind.STREET_FURNITURE: _l("Mobilier urbain"),
}


COST_KIND_LABELS = {
    CostKind.CAPITAL: _l("Investissement"),
    CostKind.OPERATING: _l("Exploitation"),
}


FREQUENCY_LABELS = {
    "monthly": _l("Mensuelle"),
    "quarterly": _l("Trimestrielle"),
    "yearly": _l("Annuelle"),
}


RACI_ROLE_LABELS = {
    RaciRole.RESPONSIBLE: _l("Réalise (R)"),
    RaciRole.ACCOUNTABLE: _l("Rend compte (A)"),
    RaciRole.CONSULTED: _l("Consulté (C)"),
    RaciRole.INFORMED: _l("Informé (I)"),
}


TENDER_STAGE_LABELS = {
    TenderStage.DRAFT: _l("Projet"),
    TenderStage.PUBLISHED: _l("Publié"),
    TenderStage.SUBMISSIONS_CLOSED: _l("Remise des offres close"),
    TenderStage.ADMINISTRATIVE_CHECK: _l("Vérification administrative"),
    TenderStage.TECHNICAL_EVALUATION: _l("Évaluation technique"),
    TenderStage.TECHNICAL_LOCKED: _l("Résultat technique arrêté"),
    TenderStage.FINANCIAL_OPENING: _l("Ouverture des offres financières"),
    TenderStage.FINANCIAL_EVALUATION: _l("Évaluation financière"),
    TenderStage.RANKING: _l("Classement"),
    TenderStage.AWARD_PROPOSED: _l("Attribution proposée"),
    TenderStage.AWARDED: _l("Attribué"),
    TenderStage.UNSUCCESSFUL: _l("Infructueux"),
    TenderStage.CANCELLED: _l("Annulé"),
}


MILESTONE_STATUS_LABELS = {
    MilestoneStatus.PLANNED: _l("Prévu"),
    MilestoneStatus.IN_PROGRESS: _l("En cours"),
    MilestoneStatus.SUBMITTED: _l("Soumis"),
    MilestoneStatus.APPROVED_LOCALLY: _l("Approuvé localement"),
    MilestoneStatus.APPROVED: _l("Approuvé"),
    MilestoneStatus.RETURNED: _l("Renvoyé"),
    MilestoneStatus.CANCELLED: _l("Annulé"),
}


COMMITMENT_STATUS_LABELS = {
    CommitmentStatus.PROPOSED: _l("Proposé"),
    CommitmentStatus.ACCEPTED: _l("Accepté par la ville"),
    CommitmentStatus.IN_PROGRESS: _l("En cours"),
    CommitmentStatus.MET: _l("Tenu"),
    CommitmentStatus.MISSED: _l("Non tenu"),
    CommitmentStatus.WITHDRAWN: _l("Retiré"),
}


PROGRESS_UPDATE_LABELS = {
    UpdateStatus.DECLARED: _l("Déclaré"),
    UpdateStatus.VALIDATED: _l("Validé"),
    UpdateStatus.REJECTED: _l("Rejeté"),
}


OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("à envoyer"),
    OutboxStatus.SENDING: _l("en cours d'envoi"),
    OutboxStatus.SENT: _l("envoyé"),
    OutboxStatus.FAILED: _l("échec"),
    OutboxStatus.MUTED: _l("non envoyé (mis en sourdine)"),
    OutboxStatus.DISCARDED: _l("classé sans envoi"),
}


INSTALLMENT_WHEN_LABELS = {
    "upcoming": _l("À venir (90 jours)"),
    "overdue": _l("En retard"),
    "open": _l("Toutes les échéances ouvertes"),
    "receipt": _l("Paiement à confirmer"),
    "disputed": _l("Contestées"),
    "all": _l("Toutes"),
}


TENDER_CATEGORY_LABELS = {
    TenderCategory.WORKS: _l("Travaux"),
    TenderCategory.SUPPLIES: _l("Fournitures"),
    TenderCategory.SERVICES: _l("Services"),
    TenderCategory.STUDIES: _l("Études"),
}


PROCEDURE_LABELS = {
    Procedure.OPEN_CALL: _l("Appel d'offres ouvert"),
    Procedure.RESTRICTED: _l("Appel d'offres restreint"),
    Procedure.PRESELECTION: _l("Appel d'offres avec présélection"),
    Procedure.CONSULTATION: _l("Consultation"),
}


FINANCIAL_METHOD_LABELS = {
    FinancialMethod.WEIGHTED: _l("Pondérée qualité-coût"),
    FinancialMethod.LOWEST_PRICE: _l("Moins-disant parmi les offres qualifiées"),
    FinancialMethod.REFERENCE_PRICE: _l("Prix de référence"),
}


NORMALIZATION_LABELS = {
    Normalization.RAW: _l("Notes telles quelles"),
    Normalization.RELATIVE_TO_BEST: _l("Relatives à la meilleure (note / meilleure × 100)"),
}


HORIZON_LABELS = {
    Horizon.SHORT: _l("Court terme"),
    Horizon.MEDIUM: _l("Moyen terme"),
    Horizon.LONG: _l("Long terme"),
}


MILESTONE_SORT_LABELS = {
    "due": _l("Échéance (la plus proche)"),
    "-due": _l("Échéance (la plus lointaine)"),
    "title": _l("Titre"),
    "status": _l("État"),
    "city": _l("Ville"),
}


INVESTMENT_MODEL_LABELS = {
    InvestmentModel.PUBLIC_OPERATION: _l(
        "Réseau public conçu, construit et exploité par la commune"
    ),
    InvestmentModel.CONCESSION: _l("Concession ou gestion déléguée"),
    InvestmentModel.JOINT_VENTURE: _l("SDL ou coentreprise avec un distributeur ou un opérateur"),
    InvestmentModel.GAP_FUNDING: _l("Subvention d'équilibre aux opérateurs"),
    InvestmentModel.PRIVATE_SHARING: _l("Déploiement privé avec partage d'infrastructures"),
}

LAYER_LABELS = {
    NetworkLayer.PASSIVE: _l("Infrastructure passive"),
    NetworkLayer.ACTIVE: _l("Réseau actif"),
    NetworkLayer.RETAIL: _l("Services de détail"),
}

RISK_LABELS = {
    Risk.CONSTRUCTION: _l("Construction"),
    Risk.DEMAND: _l("Demande"),
    Risk.OPERATION: _l("Exploitation"),
    Risk.REGULATORY: _l("Réglementaire"),
    Risk.FINANCING: _l("Financement"),
}

MEASURE_LABELS = {
    CoverageMeasure.HOUSEHOLDS_PASSED: _l("Ménages raccordables"),
    CoverageMeasure.PREMISES_PASSED: _l("Locaux raccordables"),
    CoverageMeasure.SITES_CONNECTED: _l("Sites raccordés"),
    CoverageMeasure.WIFI_ZONES: _l("Zones Wi-Fi"),
    CoverageMeasure.DIGITAL_SPACES: _l("Espaces numériques publics"),
}

LINE_KIND_LABELS = {
    LineKind.CAPEX: _l("Investissement"),
    LineKind.OPEX: _l("Exploitation"),
    LineKind.REVENUE: _l("Recette"),
    LineKind.SUBSIDY: _l("Subvention extérieure"),
    LineKind.TRANSFER: _l("Transfert entre parties"),
}

TRANSFER_KIND_LABELS = {
    TransferKind.RENTAL_FEE: _l("Location ou IRU"),
    TransferKind.CONCESSION_FEE: _l("Redevance de concession"),
    TransferKind.DIVIDEND: _l("Dividende"),
    TransferKind.CAPITAL_CONTRIBUTION: _l("Apport en capital"),
    TransferKind.SUBSIDY: _l("Subvention de la ville"),
    TransferKind.OTHER: _l("Autre"),
}

SCENARIO_STATUS_LABELS = {
    ScenarioStatus.DRAFT: _l("En rédaction"),
    ScenarioStatus.RETURNED: _l("Renvoyé"),
    ScenarioStatus.SUBMITTED: _l("Recommandé, avis de la ville attendu"),
    ScenarioStatus.ENDORSED: _l("Avalisé par la ville, décision du ministère attendue"),
    ScenarioStatus.APPROVED: _l("Approuvé : référence de la ville"),
    ScenarioStatus.SUPERSEDED: _l("Remplacé"),
}

SCENARIO_MOVE_LABELS = {
    "submit": _l("Recommander ce scénario"),
    "endorse": _l("Avaliser pour la ville"),
    "approve": _l("Approuver : référence de la ville"),
    "return_local": _l("Renvoyer au secrétariat"),
    "return_central": _l("Renvoyer au secrétariat"),
}

SENSITIVITY_LABELS = {
    "capex": (_l("Investissement −20 %"), _l("Investissement +20 %")),
    "revenue": (_l("Recettes −20 %"), _l("Recettes +20 %")),
    "demand": (_l("Demande −20 %"), _l("Demande +20 %")),
    "rate": (_l("Taux −2 points"), _l("Taux +2 points")),
}
SENSITIVITY_NAMES = {
    "capex": _l("Investissement"),
    "revenue": _l("Recettes"),
    "demand": _l("Demande (recettes, locations et IRU)"),
    "rate": _l("Taux d'actualisation"),
}

MATURITY_LABELS = {
    Maturity.INFORMATION: _l("1 — Information"),
    Maturity.ONE_WAY: _l("2 — Interaction à sens unique (formulaires à télécharger)"),
    Maturity.TWO_WAY: _l(
        "3 — Interaction à double sens (demande en ligne, réponse de l'administration)"
    ),
    Maturity.TRANSACTION: _l("4 — Transaction complète en ligne (paiement compris)"),
    Maturity.INTEGRATED: _l("5 — Intégré ou proactif (l'administration agit d'elle-même)"),
}
MATURITY_SHORT = {
    Maturity.INFORMATION: _l("Information"),
    Maturity.ONE_WAY: _l("Sens unique"),
    Maturity.TWO_WAY: _l("Double sens"),
    Maturity.TRANSACTION: _l("Transaction"),
    Maturity.INTEGRATED: _l("Intégré"),
}
CHANNEL_LABELS = {
    Channel.WEB: _l("Web"),
    Channel.MOBILE: _l("Mobile"),
    Channel.KIOSK: _l("Borne"),
    Channel.COUNTER: _l("Guichet"),
}

EXPECTATION_STATUS_LABELS = {
    ExpectationStatus.PENDING: _l("En attente de modération"),
    ExpectationStatus.SUBMITTED: _l("À qualifier"),
    ExpectationStatus.QUALIFIED: _l("Qualifiée"),
    ExpectationStatus.MERGED: _l("Fusionnée"),
    ExpectationStatus.REJECTED: _l("Rejetée"),
}

INFRASTRUCTURE_LABELS = {
    InfrastructureKind.BACKBONE_FIBRE: _l("Fibre de transport (km)"),
    InfrastructureKind.ACCESS_FIBRE: _l("Fibre de desserte (km)"),
    InfrastructureKind.DUCT: _l("Fourreaux (km)"),
    InfrastructureKind.TOWER: _l("Pylônes"),
    InfrastructureKind.DATA_ROOM: _l("Salles techniques"),
    InfrastructureKind.WIFI_ZONE: _l("Zones Wi-Fi publiques"),
    InfrastructureKind.DIGITAL_SPACE: _l("Espaces numériques publics"),
}

BODY_KIND_LABELS = {
    BodyKind.STEERING: _l("Comité de pilotage"),
    BodyKind.NATIONAL: _l("Comité national"),
    BodyKind.WORKING_GROUP: _l("Groupe de travail"),
}

MEMBER_ROLE_LABELS = {
    MemberRole.CHAIR: _l("Président"),
    MemberRole.MEMBER: _l("Membre"),
    MemberRole.SECRETARY: _l("Secrétaire"),
    MemberRole.OBSERVER: _l("Observateur"),
}

MINUTES_STATUS_LABELS = {
    MinutesStatus.DRAFT: _l("Projet"),
    MinutesStatus.CIRCULATED: _l("Diffusé pour remarques"),
    MinutesStatus.ADOPTED: _l("Adopté"),
}

MEETING_STATUS_LABELS = {
    MeetingStatus.SCHEDULED: _l("Prévue"),
    MeetingStatus.HELD: _l("Tenue"),
    MeetingStatus.CANCELLED: _l("Annulée"),
}

OUTCOME_LABELS = {
    Outcome.INFORMATION: _l("Information"),
    Outcome.DECISION: _l("Décision"),
    Outcome.ACTION: _l("Action de suivi"),
}

PRESENCE_LABELS = {
    Presence.PRESENT: _l("Présent"),
    Presence.APOLOGISED: _l("Excusé"),
    Presence.ABSENT: _l("Absent"),
}

ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: _l("En cours"),
    ActionStatus.DONE: _l("Réalisée"),
    ActionStatus.CANCELLED: _l("Abandonnée"),
}
