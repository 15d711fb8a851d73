"""Notifications of events: what just happened that concerns a person (a milestone submitted
to them, a payment they received, a stage that asks them to act...).

Services call these functions in the transaction of the change, so a notification exists
exactly when the change does. Each goes to the outbox, never to the person who acted; the
sender e-mails it by the person's preferences (one e-mail each, or the daily digest), and the
notification centre shows it. Who is concerned comes from the task definitions
(services.tasks): the people who would act next are those a change notifies.
"""

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from portal.authz import Permission, holds
from portal.bidi import isolate
from portal.clock import local_date
from portal.extensions import db
from portal.models.commitments import Commitment
from portal.models.coverage import Site, SiteStatus
from portal.models.finance import Agreement, Installment
from portal.models.milestones import Milestone
from portal.models.reminders import OutboxMessage, OutboxStatus, ReminderKind
from portal.models.scenarios import Scenario, ScenarioStatus
from portal.models.tenders import Bid, Lot, Tender, TenderStage
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import tasks

K = ReminderKind
EVENT = "event"  # the occurrence of every event notification


def next_digest(now: datetime) -> datetime:
    """The next daily planning (REMINDER_HOUR, Morocco time), when digests are sent."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), time(current_app.config["REMINDER_HOUR"]), tzinfo=zone)
    return at if at > local else at + timedelta(days=1)


def send(
    kind: ReminderKind,
    item_type: str,
    item_id: int,
    recipients: Iterable[int],
    *,
    actor: User | None,
    now: datetime | None = None,
    immediate: bool = False,
    **details,
) -> int:
    """One notification per recipient, in the current transaction; never to the actor nor
    to a deactivated account. Returns how many were written. An `immediate` one (an
    invitation) does not wait for the recipient's daily digest."""
    wanted = set(recipients) - {actor.id if actor is not None else None}
    if not wanted:
        return 0
    now = now or utcnow()
    people = db.session.execute(
        sa.select(User.id, User.mail_digest).where(User.id.in_(wanted), User.active.is_(True))
    ).all()
    digest_at = next_digest(now)
    for user_id, digest in people:
        db.session.add(
            OutboxMessage(
                key=f"{EVENT}:{kind.value}:{item_type}:{item_id}:{user_id}:{uuid.uuid4().hex}",
                recipient_id=user_id,
                kind=kind,
                item_type=item_type,
                item_id=item_id,
                occurrence=EVENT,
                due_date=None,
                planned_for=local_date(now),
                created_at=now,
                status=OutboxStatus.PENDING,
                attempts=0,
                last_error="",
                # Who chose the daily digest gets it with the next morning's reminders.
                next_attempt_at=digest_at if digest and not immediate else None,
                actor_id=actor.id if actor is not None else None,
                details={k: v for k, v in details.items() if v not in (None, "")},
            )
        )
    return len(people)


def members(organization_ids: Iterable[int], permission: Permission, *, city_id=None) -> set[int]:
    """The active accounts of these organisations that act for them with `permission`."""
    organization_ids = set(organization_ids)
    if not organization_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(User.id).where(
                User.active.is_(True),
                User.organization_id.in_(organization_ids),
                holds(
                    User.id,
                    User.organization_id,
                    permission,
                    city_id=city_id,
                    object_organization_id=User.organization_id,
                ),
            )
        )
    )


# --- Milestones -------------------------------------------------------------------------------


def milestone_moved(actor, milestone: Milestone, transition: str, *, comment: str, now) -> None:
    deliverers = tasks.people("milestone_deliver", Milestone, milestone.id)
    if transition == "submit":
        deciders = tasks.people("milestone_approve_local", Milestone, milestone.id)
        send(K.MILESTONE_SUBMITTED, "milestone", milestone.id, deciders, actor=actor, now=now)
    elif transition == "approve_local":
        central = tasks.people("milestone_approve_central", Milestone, milestone.id)
        send(
            K.MILESTONE_APPROVED_LOCALLY,
            "milestone",
            milestone.id,
            central | deliverers,
            actor=actor,
            now=now,
            comment=comment,
        )
    elif transition == "approve_central":
        send(
            K.MILESTONE_APPROVED,
            "milestone",
            milestone.id,
            deliverers,
            actor=actor,
            now=now,
            comment=comment,
        )
    elif transition in ("return_local", "return_central"):
        send(
            K.MILESTONE_RETURNED,
            "milestone",
            milestone.id,
            deliverers,
            actor=actor,
            now=now,
            comment=comment,
        )


def change_requested(actor, milestone: Milestone, *, reason: str, proposed, now) -> None:
    deciders = tasks.people("change_request_decide", Milestone, milestone.id)
    send(
        K.CHANGE_REQUESTED,
        "milestone",
        milestone.id,
        deciders,
        actor=actor,
        now=now,
        comment=reason,
        day=proposed.isoformat(),
    )


def change_decided(actor, change, *, now) -> None:
    milestone = change.milestone
    concerned = tasks.people("milestone_deliver", Milestone, milestone.id)
    concerned.add(change.requested_by_id)
    send(
        K.CHANGE_DECIDED,
        "milestone",
        milestone.id,
        concerned,
        actor=actor,
        now=now,
        accepted=change.status.value == "accepted",
        comment=change.decision_comment,
        day=change.proposed_due_date.isoformat(),
    )


# --- Commitments ------------------------------------------------------------------------------


def _committed(commitment: Commitment) -> set[int]:
    return tasks.people("commitment_late", Commitment, commitment.id)


def commitment_proposed(actor, commitment: Commitment, *, now=None) -> None:
    city = tasks.people("commitment_accept", Commitment, commitment.id)
    send(K.COMMITMENT_PROPOSED, "commitment", commitment.id, city, actor=actor, now=now)


def commitment_accepted(actor, commitment: Commitment, *, now=None) -> None:
    committed = _committed(commitment)
    send(K.COMMITMENT_ACCEPTED, "commitment", commitment.id, committed, actor=actor, now=now)


def progress_declared(actor, commitment: Commitment, value, *, now=None) -> None:
    city = tasks.people("commitment_validate", Commitment, commitment.id)
    send(
        K.PROGRESS_DECLARED,
        "commitment",
        commitment.id,
        city,
        actor=actor,
        now=now,
        value=str(value),
    )


def progress_decided(actor, update, *, now=None) -> None:
    commitment = update.commitment
    send(
        K.PROGRESS_DECIDED,
        "commitment",
        commitment.id,
        _committed(commitment) | {update.declared_by_id},
        actor=actor,
        now=now,
        accepted=update.status.value == "validated",
        value=str(update.value),
        comment=update.decision_reason,
    )


# --- Financial counterparts -------------------------------------------------------------------


def _payer(agreement: Agreement) -> set[int]:
    return tasks.people("installment_pay", Agreement, agreement.id)


def _payee(agreement: Agreement) -> set[int]:
    return tasks.people("installment_confirm", Agreement, agreement.id)


def agreement_signed(actor, agreement: Agreement, *, now=None) -> None:
    parties = _payer(agreement) | _payee(agreement)
    send(K.AGREEMENT_SIGNED, "agreement", agreement.id, parties, actor=actor, now=now)


INSTALLMENT_EVENTS = {
    # step: (kind, to whom)
    "invoice": (K.INSTALLMENT_INVOICED, ("payer",)),
    "pay": (K.PAYMENT_RECORDED, ("payee",)),
    "confirm": (K.RECEIPT_CONFIRMED, ("payer",)),
    "dispute": (K.DISPUTE_OPENED, ("payer", "payee", "secretariat")),
    "resolve": (K.DISPUTE_SETTLED, ("payer", "payee")),
    "uphold": (K.DISPUTE_SETTLED, ("payer", "payee")),
}


def installment_step(actor, installment: Installment, step: str, *, reason: str, now) -> None:
    if step not in INSTALLMENT_EVENTS:
        return
    kind, audience = INSTALLMENT_EVENTS[step]
    agreement = installment.agreement
    recipients: set[int] = set()
    if "payer" in audience:
        recipients |= _payer(agreement)
    if "payee" in audience:
        recipients |= _payee(agreement)
    if "secretariat" in audience:
        recipients |= tasks.people("installment_dispute", Agreement, agreement.id)
    send(
        kind,
        "installment",
        installment.id,
        recipients,
        actor=actor,
        now=now,
        amount=str(installment.amount),
        due=installment.due_date.isoformat(),
        comment=reason,
        upheld=step == "uphold" or None,
    )


# --- Provider selection -----------------------------------------------------------------------


# The tasks that a stage opens, whose holders are asked to act when the tender reaches it.
STAGE_TASKS = {
    TenderStage.SUBMISSIONS_CLOSED: ("tender_check",),
    TenderStage.ADMINISTRATIVE_CHECK: ("tender_check",),
    TenderStage.TECHNICAL_EVALUATION: ("tender_scores", "tender_declaration"),
    TenderStage.TECHNICAL_LOCKED: ("tender_opening",),
    TenderStage.FINANCIAL_OPENING: ("tender_ranking",),
    TenderStage.FINANCIAL_EVALUATION: ("tender_ranking",),
    TenderStage.RANKING: ("tender_ranking",),
    TenderStage.AWARD_PROPOSED: ("tender_award",),
}
CLOSING_STAGES = (TenderStage.AWARDED, TenderStage.UNSUCCESSFUL, TenderStage.CANCELLED)


def _bidders(tender: Tender) -> set[int]:
    organizations = db.session.scalars(
        sa.select(Bid.bidder_id).join(Lot, Bid.lot_id == Lot.id).where(Lot.tender_id == tender.id)
    )
    return members(organizations, Permission.TENDERS_BID)


def tender_moved(
    actor, tender: Tender, stage: TenderStage, *, before: TenderStage, note: str, now
) -> None:
    if stage is TenderStage.PUBLISHED:
        providers = tasks.people("tender_bid", Tender, tender.id)
        send(
            K.TENDER_PUBLISHED,
            "tender",
            tender.id,
            providers,
            actor=actor,
            now=now,
            deadline=tender.submission_deadline.isoformat(),
        )
        return
    if stage in CLOSING_STAGES:
        concerned = _bidders(tender)
        if before is TenderStage.PUBLISHED:
            # Cancelled while open: the providers invited to bid are told too.
            concerned |= tasks.people("tender_bid", Tender, tender.id)
        send(
            K.TENDER_DECIDED,
            "tender",
            tender.id,
            concerned,
            actor=actor,
            now=now,
            stage=stage.value,
            comment=note,
        )
        return
    kinds = STAGE_TASKS.get(stage, ())
    if stage is TenderStage.FINANCIAL_EVALUATION and tender.method.value == "reference_price":
        kinds = ("tender_justification",)
    asked = set().union(*(tasks.people(kind, Tender, tender.id) for kind in kinds))
    send(K.TENDER_STAGE, "tender", tender.id, asked, actor=actor, now=now, stage=stage.value)


def committee_appointed(actor, tender: Tender, user_ids: Iterable[int], *, now=None) -> None:
    send(K.TENDER_COMMITTEE, "tender", tender.id, user_ids, actor=actor, now=now)


def scores_in(actor, tender: Tender, *, now) -> None:
    """The last scores handed in: the chair may now fix consensus scores and lock."""
    chair = tasks.people("tender_consensus", Tender, tender.id)
    send(
        K.TENDER_STAGE,
        "tender",
        tender.id,
        chair,
        actor=actor,
        now=now,
        stage=tender.stage.value,
        scores_in=True,
    )


def bid_received(actor, bid: Bid, *, now) -> None:
    tender = bid.lot.tender
    secretariat = tasks.people("tender_check", Tender, tender.id)
    send(
        K.BID_RECEIVED,
        "tender",
        tender.id,
        secretariat,
        actor=actor,
        now=now,
        bidder=bid.bidder.short_name,
        lot=bid.lot.number,
        late=bid.late or None,
    )


# --- Digital coverage -------------------------------------------------------------------------


def site_assessed(actor, site: Site, *, now=None) -> None:
    deciders = tasks.people("site_decide", Site, site.id)
    send(K.SITE_TO_DECIDE, "site", site.id, deciders, actor=actor, now=now)


def site_decided(actor, site: Site, *, note: str, now=None) -> None:
    host = members([site.host_organization_id], Permission.COVERAGE_REPORT, city_id=site.city_id)
    send(
        K.SITE_DECIDED,
        "site",
        site.id,
        host,
        actor=actor,
        now=now,
        selected=site.status is SiteStatus.SELECTED,
        comment=note,
    )


# --- Scenarios --------------------------------------------------------------------------------


def scenario_moved(actor, scenario: Scenario, *, note: str, now=None) -> None:
    """A recommended scenario to the city's decision-makers, an endorsed one to the
    ministry's; a returned one to the secretariat; an approved one to both the secretariat
    and the city."""
    S = ScenarioStatus
    people = {
        S.SUBMITTED: ("scenario_endorse",),
        S.ENDORSED: ("scenario_approve",),
        S.RETURNED: ("scenario_revise",),
        S.APPROVED: ("scenario_revise", "scenario_endorse"),
    }[scenario.status]
    kind = {
        S.SUBMITTED: K.SCENARIO_SUBMITTED,
        S.ENDORSED: K.SCENARIO_ENDORSED,
        S.RETURNED: K.SCENARIO_RETURNED,
        S.APPROVED: K.SCENARIO_APPROVED,
    }[scenario.status]
    recipients = set().union(*(tasks.people(name, Scenario, scenario.id) for name in people))
    send(kind, "scenario", scenario.id, recipients, actor=actor, now=now, comment=note)


# --- Governance --------------------------------------------------------------------------------


def meeting_invitation(
    actor, meeting, *, now=None, to: Iterable[int] | None = None, removed: bool = False
) -> None:
    """Every member's invitation, its update or its cancellation: an e-mail of its own with
    the iCalendar request (to every member but the one who scheduled it; to `to` only, for
    a member who joins the body after the meeting was scheduled)."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    starts = meeting.starts_at.astimezone(zone)
    send(
        K.MEETING_INVITATION,
        "meeting",
        meeting.id,
        set(to) if to is not None else {member.user_id for member in meeting.body.members},
        actor=actor,
        now=now,
        immediate=True,
        body=meeting.body.name,
        day=starts.date().isoformat(),
        time=starts.strftime("%H:%M"),
        sequence=meeting.sequence,
        cancelled=meeting.status.value == "cancelled",
        removed=removed,
    )


def minutes_circulated(actor, meeting, *, now=None) -> None:
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    send(
        K.MINUTES_CIRCULATED,
        "meeting",
        meeting.id,
        {member.user_id for member in meeting.body.members},
        actor=actor,
        now=now,
        day=meeting.starts_at.astimezone(zone).date().isoformat(),
        due=meeting.comments_until.isoformat(),
    )


# --- How an event reads -----------------------------------------------------------------------


def describe(message: OutboxMessage) -> str:
    """What happened, in the active language: "Khadija Ouazzani a renvoyé ce jalon." """
    who = message.actor.full_name if message.actor is not None else _("Le portail")
    d = message.details or {}
    stage = d.get("stage")
    texts = {
        K.MILESTONE_SUBMITTED: _("%(who)s a soumis ce jalon à votre approbation."),
        K.MILESTONE_APPROVED_LOCALLY: _("%(who)s a approuvé ce jalon au niveau local."),
        K.MILESTONE_APPROVED: _("%(who)s a approuvé ce jalon : il est validé."),
        K.MILESTONE_RETURNED: _("%(who)s a renvoyé ce jalon."),
        K.CHANGE_REQUESTED: _("%(who)s demande de reporter l'échéance au %(day)s."),
        K.CHANGE_DECIDED: _("%(who)s a accepté le report de l'échéance au %(day)s.")
        if d.get("accepted")
        else _("%(who)s a refusé le report de l'échéance au %(day)s."),
        K.COMMITMENT_PROPOSED: _("%(who)s propose cet engagement à la ville."),
        K.COMMITMENT_ACCEPTED: _("%(who)s a accepté cet engagement pour la ville."),
        K.PROGRESS_DECLARED: _("%(who)s a déclaré un avancement de %(value)s."),
        K.PROGRESS_DECIDED: _("%(who)s a validé l'avancement déclaré (%(value)s).")
        if d.get("accepted")
        else _("%(who)s a rejeté l'avancement déclaré (%(value)s)."),
        K.AGREEMENT_SIGNED: _("%(who)s a enregistré la signature de cette convention."),
        K.INSTALLMENT_INVOICED: _("%(who)s a facturé l'échéance du %(due)s (%(amount)s MAD)."),
        K.PAYMENT_RECORDED: _(
            "%(who)s a enregistré le paiement de l'échéance du %(due)s (%(amount)s MAD) : "
            "confirmez sa réception."
        ),
        K.RECEIPT_CONFIRMED: _("%(who)s a confirmé la réception de l'échéance du %(due)s."),
        K.DISPUTE_OPENED: _("%(who)s conteste l'échéance du %(due)s (%(amount)s MAD)."),
        K.DISPUTE_SETTLED: _("%(who)s a donné raison à la contestation de l'échéance du %(due)s.")
        if d.get("upheld")
        else _("%(who)s a levé la contestation de l'échéance du %(due)s."),
        K.TENDER_PUBLISHED: _("%(who)s a publié cet appel d'offres : remettez votre offre."),
        K.TENDER_COMMITTEE: _(
            "%(who)s vous a nommé(e) à la commission d'évaluation : déclarez d'abord "
            "l'absence ou l'existence d'un conflit d'intérêts."
        ),
        K.BID_RECEIVED: _("Offre de %(bidder)s reçue (lot %(lot)s).")
        if not d.get("late")
        else _("Offre de %(bidder)s reçue hors délai (lot %(lot)s)."),
        K.TENDER_STAGE: _("Toutes les notes sont remises : fixez les consensus et verrouillez.")
        if d.get("scores_in")
        else _("%(who)s a fait passer la procédure à l'étape « %(stage)s » : à vous d'agir."),
        K.TENDER_DECIDED: _("%(who)s a clos la procédure : « %(stage)s »."),
        K.SITE_TO_DECIDE: _("%(who)s a évalué ce site : il attend votre décision."),
        K.SITE_DECIDED: _("%(who)s a retenu ce site.")
        if d.get("selected")
        else _("%(who)s a écarté ce site."),
        K.SCENARIO_SUBMITTED: _("%(who)s recommande ce scénario : il attend l'avis de la ville."),
        K.SCENARIO_ENDORSED: _(
            "%(who)s a avalisé ce scénario pour la ville : il attend la décision du ministère."
        ),
        K.SCENARIO_APPROVED: _(
            "%(who)s a approuvé ce scénario : il devient la référence de la ville."
        ),
        K.SCENARIO_RETURNED: _("%(who)s a renvoyé ce scénario."),
        K.MINUTES_CIRCULATED: _(
            "%(who)s a diffusé le procès-verbal de la réunion du %(day)s : vos remarques "
            "jusqu'au %(due)s."
        ),
        K.MEETING_INVITATION: _(
            "%(who)s vous a retiré(e) de %(body)s : la réunion du %(day)s n'est plus dans "
            "votre agenda."
        )
        if d.get("removed")
        else _("%(who)s a annulé la réunion de %(body)s du %(day)s.")
        if d.get("cancelled")
        else _("%(who)s a déplacé la réunion de %(body)s : le %(day)s à %(time)s.")
        if d.get("sequence")
        else _("%(who)s vous invite à la réunion de %(body)s le %(day)s à %(time)s."),
    }
    text = texts.get(message.kind)
    if text is None:
        return ""
    from portal.services.tenders import STAGE_LABELS

    # Names are isolated in a right-to-left sentence, so that a Latin name does not pull
    # the words around it out of order.
    values = {
        "who": isolate(who),
        "day": _day(d.get("day")),
        "due": _day(d.get("due")),
        "value": _money(d.get("value")),
        "amount": _money(d.get("amount")),
        "bidder": isolate(d.get("bidder", "")),
        "body": isolate(d.get("body", "")),
        "time": d.get("time", ""),
        "lot": d.get("lot", ""),
        "stage": STAGE_LABELS[TenderStage(stage)] if stage else "",
    }
    return text % values


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else ""


def _money(value: str | None) -> str:
    return format_decimal(Decimal(value), format="#,##0.00") if value else ""
