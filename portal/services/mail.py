"""Sending the outbox by SMTP, one message at a time, each exactly once.

A sender claims a pending message with a conditional update (pending -> sending) that only
one sender can win, on SQLite as on PostgreSQL, and commits before talking to the SMTP
server; the result is written in a second transaction. A temporary failure (server down,
4xx) puts the message back with an exponential backoff; a permanent one (5xx) stops it and
keeps the error for the administrator. Each message carries a Message-ID derived from its
outbox key, so that a message resent after a crash is recognisable as the same one.
"""

import contextlib
import hashlib
import logging
import smtplib
import ssl
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from portal import config as settings
from portal.bidi import isolate
from portal.extensions import db
from portal.labels import REMINDER_KIND_LABELS
from portal.models.commitments import Commitment
from portal.models.coverage import Site
from portal.models.finance import Agreement, Installment
from portal.models.governance import Body, FollowUpAction, Meeting, MeetingStatus
from portal.models.milestones import ChangeRequest, Milestone
from portal.models.reminders import OutboxMessage, OutboxStatus, ReminderKind
from portal.models.scenarios import Scenario
from portal.models.tenders import Tender
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import notifications, reminders
from portal.services.governance import invitations

log = logging.getLogger(__name__)
SENDING = OutboxStatus.SENDING
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
STALE_CLAIM = timedelta(minutes=15)  # a sender that died while sending


def configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def message_id(messages: list[OutboxMessage]) -> str:
    # Derived from the outbox keys: the same reminder resent after a crash keeps its id.
    keys = "\n".join(sorted(message.key for message in messages))
    digest = hashlib.sha256(keys.encode()).hexdigest()[:32]
    return f"<{digest}@{current_app.config['MAIL_DOMAIN']}>"


@dataclass
class Item:
    title: str
    path: str


# Per type of reminded item: (id, title, id of the page), and the page's address.
PAGES = {
    "milestone": (
        lambda: sa.select(Milestone.id, Milestone.title, Milestone.id),
        "/milestones/{}",
    ),
    "commitment": (
        lambda: sa.select(Commitment.id, Commitment.title, Commitment.id),
        "/commitments/{}",
    ),
    "installment": (
        lambda: sa.select(Installment.id, Agreement.title, Agreement.id).join(
            Agreement, Installment.agreement_id == Agreement.id
        ),
        "/finance/agreements/{}",
    ),
    "tender": (
        lambda: sa.select(Tender.id, Tender.reference + " — " + Tender.title, Tender.id),
        "/tenders/{}",
    ),
    "change_request": (
        lambda: sa.select(ChangeRequest.id, Milestone.title, Milestone.id).join(
            Milestone, ChangeRequest.milestone_id == Milestone.id
        ),
        "/milestones/{}",
    ),
    "agreement": (
        lambda: sa.select(Agreement.id, Agreement.title, Agreement.id),
        "/finance/agreements/{}",
    ),
    "site": (
        lambda: sa.select(Site.id, Site.name, Site.id),
        "/coverage/sites/{}",
    ),
    "scenario": (
        lambda: sa.select(Scenario.id, Scenario.name, Scenario.id),
        "/scenarios/{}",
    ),
    "meeting": (
        lambda: sa.select(Meeting.id, Body.name, Meeting.id).join(Body, Meeting.body_id == Body.id),
        "/governance/meetings/{}",
    ),
    # The list of actions, where their owner (who may not read the meeting) closes them.
    "follow_up": (
        lambda: sa.select(FollowUpAction.id, FollowUpAction.title, FollowUpAction.id),
        "/governance/actions?state=open#action-{}",
    ),
}


def describe_many(messages) -> dict[int, Item]:
    """Titles and pages of many reminders' items in one query per type of item, whatever
    their number."""
    ids: dict[str, set[int]] = defaultdict(set)
    for message in messages:
        ids[message.item_type].add(message.item_id)
    pages: dict[tuple[str, int], Item] = {}
    for item_type, wanted in ids.items():
        query, path = PAGES[item_type]
        statement = query()
        key = statement.selected_columns[0]
        for id_, title, page_id in db.session.execute(statement.where(key.in_(wanted))):
            pages[item_type, id_] = Item(title, path.format(page_id))
    return {
        message.id: pages[message.item_type, message.item_id]
        for message in messages
        if (message.item_type, message.item_id) in pages
    }


def _reason(message: OutboxMessage) -> str:
    """Why this person gets this reminder, in the active language."""
    if message.occurrence == "escalation-local":
        return _("L'échéance est dépassée et vous décidez pour cette ville.")
    if message.occurrence == "escalation-central":
        return _("L'échéance est largement dépassée : le ministère est saisi.")
    return {
        ReminderKind.APPROVAL_WAITING: _("Ce jalon attend votre décision d'approbation."),
        ReminderKind.CHANGE_REQUEST_WAITING: _(
            "Une demande de report d'échéance attend votre décision."
        ),
        ReminderKind.TENDER_SUBMISSION: _(
            "Vous suivez cet appel d'offres (commission ou secrétariat) : la remise des offres "
            "se clôt à cette échéance."
        ),
        ReminderKind.TENDER_EVALUATION: _(
            "Vous siégez à la commission d'évaluation de cet appel d'offres."
        ),
        ReminderKind.TENDER_DECLARATION: _(
            "Déclarez l'absence ou l'existence d'un conflit d'intérêts avant l'ouverture des plis."
        ),
    }.get(message.kind, _("Votre organisme est chargé de cette échéance."))


def _event(message: OutboxMessage) -> bool:
    return message.occurrence == notifications.EVENT


def _late(message: OutboxMessage) -> bool:
    return message.occurrence.startswith(("overdue", "escalation"))


def compose(messages: list[OutboxMessage], *, digest: bool = False) -> EmailMessage:
    """The e-mail in the recipient's language: for each reminder the item, its deadline, why
    they get it and a link; plain text and HTML. A digest gathers several in one e-mail."""
    user = messages[0].recipient
    if messages[0].kind is ReminderKind.MEETING_INVITATION:
        return _invitation(messages)
    items = describe_many(messages)
    base = current_app.config["PORTAL_URL"].rstrip("/")
    with force_locale(settings.locale_of(user.preferred_language)):
        entries = [
            {
                "kind": REMINDER_KIND_LABELS[message.kind],
                # Isolated in Arabic: a French title keeps the sentence around it in order.
                "title": isolate(items[message.id].title) if message.id in items else "",
                "link": base + items[message.id].path if message.id in items else base,
                "due": message.due_date,
                "late": _late(message),
                "reason": _reason(message),
                "event": notifications.describe(message) if _event(message) else "",
                "comment": (message.details or {}).get("comment", "") if _event(message) else "",
            }
            for message in messages
        ]
        events = any(entry["event"] for entry in entries)
        if digest and not events:
            subject = ngettext(
                "Vos rappels SDTN : %(num)d échéance",
                "Vos rappels SDTN : %(num)d échéances",
                len(entries),
            )
        elif digest:
            subject = ngettext(
                "Vos notifications SDTN : %(num)d élément",
                "Vos notifications SDTN : %(num)d éléments",
                len(entries),
            )
        elif entries[0]["event"]:
            subject = _("%(kind)s : %(title)s", kind=entries[0]["kind"], title=entries[0]["title"])
        elif entries[0]["late"]:
            subject = _("En retard : %(title)s", title=entries[0]["title"])
        else:
            subject = _("Rappel d'échéance : %(title)s", title=entries[0]["title"])
        context = {
            "user": user,
            "entries": entries,
            "digest": digest,
            "events": events,
            "preferences": base + "/account/",
        }
        text = render_template("mail/reminder.txt", **context)
        html = render_template("mail/reminder.html", **context)
    email = _envelope(messages, subject)
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    return email


def _envelope(messages: list[OutboxMessage], subject: str) -> EmailMessage:
    user = messages[0].recipient
    base = current_app.config["PORTAL_URL"].rstrip("/")
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = formataddr(("Portail SDTN", current_app.config["MAIL_FROM"]))
    email["To"] = formataddr((user.full_name, _ascii_address(user.email)))
    email["Message-ID"] = message_id(messages)
    email["Date"] = format_datetime(utcnow())
    # Sent by the portal, not a person: no auto-reply; one click stops these kinds (RFC 8058).
    email["Auto-Submitted"] = "auto-generated"
    token = reminders.unsubscribe_token(user, {message.kind for message in messages})
    email["List-Unsubscribe"] = f"<{base}/account/unsubscribe/{token}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return email


def _invitation(messages: list[OutboxMessage]) -> EmailMessage:
    """A meeting's invitation as it stands when sent (its latest time, place and agenda;
    cancelled if it was, or for a member who left the body): text, HTML and the iCalendar
    request (RFC 6047), all in the recipient's language."""
    message = messages[0]
    meeting = db.session.get(Meeting, message.item_id)
    removed = bool((message.details or {}).get("removed"))
    method = "CANCEL" if removed or meeting.status is MeetingStatus.CANCELLED else "REQUEST"
    with force_locale(settings.locale_of(message.recipient.preferred_language)):
        letter = invitations.letter(meeting, message.recipient, removed=removed)
        email = _envelope(messages, letter.subject)
        email.set_content(letter.text)
        email.add_alternative(letter.html, subtype="html")
        # Inline, not an attachment: calendars then show it as a meeting request.
        email.add_alternative(
            invitations.calendar(meeting, message.recipient, method=method),
            maintype="text",
            subtype="calendar",
            params={"method": method, "charset": "utf-8"},
        )
    return email


def _ascii_address(address: str) -> str:
    """A domain such as médina.ma is written in its ASCII (IDNA) form; a local part that is
    not ASCII cannot be sent without SMTPUTF8, and fails the composition."""
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def _claim(now: datetime) -> tuple[str, list[int]] | None:
    """Take the next message due (all of the recipient's due ones when they chose the daily
    digest), or None when nothing is due; only one sender can win a given row. Returns the
    claim's token and the rows won (none when another sender was faster)."""
    due = sa.and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )
    candidate = db.session.execute(
        sa.select(
            OutboxMessage.id, OutboxMessage.recipient_id, OutboxMessage.kind, User.mail_digest
        )
        .join(User, OutboxMessage.recipient_id == User.id)
        .where(due)
        .order_by(OutboxMessage.id)
        .limit(1)
    ).first()
    if candidate is None:
        db.session.rollback()
        return None
    token = uuid.uuid4().hex
    # An invitation travels alone: its calendar part stands for one meeting.
    which = (
        sa.and_(
            OutboxMessage.recipient_id == candidate.recipient_id,
            OutboxMessage.kind != ReminderKind.MEETING_INVITATION,
        )
        if candidate.mail_digest and candidate.kind is not ReminderKind.MEETING_INVITATION
        else OutboxMessage.id == candidate.id
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(which, due)
        # Stamped with the clock, not the pass's start: a long pass's last claims are fresh.
        .values(status=SENDING, next_attempt_at=utcnow(), claim=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    won = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.claim == token, OutboxMessage.status == SENDING)
        .order_by(OutboxMessage.id)
    ).all()
    return token, list(won)


def _release_stale() -> None:
    """A claim older than STALE_CLAIM belonged to a sender that died: put it back."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == SENDING, OutboxMessage.next_attempt_at < utcnow() - STALE_CLAIM
        )
        .values(status=OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _connect():
    config = current_app.config
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = config["SMTP_TIMEOUT"]
    if config["SMTP_SSL"]:
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
        if config["SMTP_STARTTLS"]:
            server.starttls(context=ssl.create_default_context())
    if config["SMTP_USERNAME"]:
        server.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
    return server


@dataclass
class Pass:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    stopped: bool = False  # the sender lost its lease midway


def send_pending(*, now: datetime | None = None, limit: int = 200, still_mine=lambda: True) -> Pass:
    """One pass over the outbox: each due message sent once, in its own transactions.
    `still_mine` is asked before each message (the scheduler renews its lease there): a pass
    that has lost it stops, so that no two senders run for long at once."""
    result = Pass()
    if not configured():
        return result  # the demo: messages stay in the outbox, readable in the portal
    now = now or utcnow()
    _release_stale()
    server = None
    try:
        for _turn in range(limit):
            if not still_mine():
                result.stopped = True
                break
            claimed = _claim(now)
            if claimed is None:
                break
            token, ids = claimed
            if not ids:
                continue  # another sender won that one
            messages = list(
                db.session.scalars(
                    sa.select(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .order_by(OutboxMessage.id)
                )
            )
            recipient = db.session.get(User, messages[0].recipient_id)
            messages = _drop_muted(recipient, messages, token)
            if not messages:
                continue
            if not recipient.active:
                _finish(messages, token, OutboxStatus.FAILED, "550 account deactivated")
                result.failed += len(messages)
                continue
            try:
                email = compose(messages, digest=recipient.mail_digest)
            except Exception as error:
                # It would fail the same way next time: stop it, say why, go on with the rest.
                log.exception("reminder e-mail could not be composed")
                _finish(messages, token, OutboxStatus.FAILED, f"composition: {_text(error)}")
                result.failed += len(messages)
                continue
            try:
                if server is None:
                    server = _connect()
                server.send_message(email)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                code = _code(error)
                if code is not None and 500 <= code < 600:
                    _finish(messages, token, OutboxStatus.FAILED, f"{code} {_text(error)}")
                    result.failed += len(messages)
                else:
                    _retry(messages, token, now, _text(error))
                    result.retried += len(messages)
                    server = _close(server)
            except (OSError, smtplib.SMTPException) as error:
                _retry(messages, token, now, _text(error))
                result.retried += len(messages)
                server = _close(server)
                break  # the server is unreachable: the rest waits for the next pass
            else:
                _finish(messages, token, OutboxStatus.SENT, "")
                result.sent += len(messages)
    finally:
        _close(server)
    return result


def _drop_muted(recipient: User, messages: list[OutboxMessage], token: str) -> list:
    """Kinds the recipient muted stay in their notification centre and are not e-mailed;
    escalations always are."""
    muted = reminders.muted_kinds(recipient)
    dropped = [m for m in messages if m.kind in muted and m.occurrence not in reminders.ESCALATIONS]
    if dropped:
        _settle(dropped, token, status=OutboxStatus.MUTED)
    return [m for m in messages if m not in dropped]


def _code(error) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def _text(error) -> str:
    return str(error)[:500] or error.__class__.__name__


def _settle(messages: list[OutboxMessage], token: str, **values) -> None:
    """Write a claim's outcome, on the rows this sender still holds only."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_([m.id for m in messages]), OutboxMessage.claim == token)
        .values(claim=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _finish(messages, token: str, status: OutboxStatus, error: str) -> None:
    _settle(
        messages,
        token,
        status=status,
        attempts=OutboxMessage.attempts + 1,
        last_error=error,
        sent_at=utcnow() if status is OutboxStatus.SENT else None,
    )


def _retry(messages, token: str, now: datetime, error: str) -> None:
    # One backoff for the claim: a digest's rows go back together.
    attempts = max(m.attempts for m in messages) + 1
    delay = min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)
    _settle(
        messages,
        token,
        status=OutboxStatus.PENDING,
        attempts=OutboxMessage.attempts + 1,
        next_attempt_at=now + delay,
        last_error=error,
    )


def _close(server):
    if server is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.quit()  # the message is sent or not already; a failed goodbye changes nothing
    return None


# --- The administrator's hand on stuck messages -----------------------------------------------


def retry_failed(actor: User) -> int:
    """Put back every message refused for good to an active account (once its address or the
    server is fixed): the next pass sends them. Returns how many."""
    from portal.services import audit

    active = sa.select(User.id).where(User.active.is_(True))
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.FAILED,
            OutboxMessage.recipient_id.in_(active),
        )
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=None, claim=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        audit.record(actor, "outbox.retried", details={"messages": result.rowcount})
    return result.rowcount


def discard(actor: User, message: OutboxMessage) -> None:
    """Give up on a failed message: it stays on record, out of the stuck ones."""
    from portal.services import audit
    from portal.services.errors import TransitionNotAllowed

    if message.status is not OutboxStatus.FAILED:
        raise TransitionNotAllowed(_("Seul un message en échec se classe."))
    message.status = OutboxStatus.DISCARDED
    audit.record(actor, "outbox.discarded", obj=message, details={"error": message.last_error})
