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
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.models.commitments import Commitment
from portal.models.finance import Agreement, Installment
from portal.models.milestones import Milestone
from portal.models.reminders import OutboxMessage, OutboxStatus, ReminderKind
from portal.models.types import utcnow
from portal.models.users import User

SENDING = OutboxStatus.SENDING
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
STALE_CLAIM = timedelta(minutes=15)  # a sender that died while sending


def configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def message_id(message: OutboxMessage) -> str:
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    return f"<{digest}@{current_app.config['MAIL_DOMAIN']}>"


@dataclass
class Item:
    title: str
    path: str


def describe(message: OutboxMessage) -> Item:
    """The reminded item's title and its page in the portal."""
    return describe_many([message])[message.id]


def describe_many(messages) -> dict[int, Item]:
    """Titles and pages of many reminders' items in three queries, whatever their number."""
    ids: dict[str, set[int]] = {"milestone": set(), "commitment": set(), "installment": set()}
    for message in messages:
        ids[message.item_type].add(message.item_id)
    milestones = dict(
        db.session.execute(
            sa.select(Milestone.id, Milestone.title).where(Milestone.id.in_(ids["milestone"]))
        ).all()
    )
    commitments = dict(
        db.session.execute(
            sa.select(Commitment.id, Commitment.title).where(Commitment.id.in_(ids["commitment"]))
        ).all()
    )
    installments = {
        row.id: row
        for row in db.session.execute(
            sa.select(Installment.id, Agreement.id.label("agreement_id"), Agreement.title)
            .join(Agreement, Installment.agreement_id == Agreement.id)
            .where(Installment.id.in_(ids["installment"]))
        )
    }
    found = {}
    for message in messages:
        if message.item_type == "milestone" and message.item_id in milestones:
            found[message.id] = Item(milestones[message.item_id], f"/milestones/{message.item_id}")
        elif message.item_type == "commitment" and message.item_id in commitments:
            found[message.id] = Item(
                commitments[message.item_id], f"/commitments/{message.item_id}"
            )
        elif message.item_id in installments:
            row = installments[message.item_id]
            found[message.id] = Item(row.title, f"/finance/agreements/{row.agreement_id}")
    return found


def compose(message: OutboxMessage) -> EmailMessage:
    """The e-mail in the recipient's language: the item, its deadline, why they get it, a
    link; plain text and HTML."""
    user = message.recipient
    item = describe(message)
    link = current_app.config["PORTAL_URL"].rstrip("/") + item.path
    with force_locale(user.preferred_language or "fr"):
        reason = {
            "escalation-local": _("L'échéance est dépassée et vous décidez pour cette ville."),
            "escalation-central": _("L'échéance est largement dépassée : le ministère est saisi."),
        }.get(
            message.occurrence,
            _("Votre organisme est chargé de cette échéance."),
        )
        kinds = {
            ReminderKind.MILESTONE_DUE: _("Jalon"),
            ReminderKind.COMMITMENT_DUE: _("Engagement"),
            ReminderKind.INSTALLMENT_DUE: _("Échéance de paiement"),
        }
        context = {
            "user": user,
            "item": item,
            "kind": kinds.get(message.kind, message.kind.value),
            "message": message,
            "late": message.occurrence.startswith(("overdue", "escalation")),
            "reason": reason,
            "link": link,
        }
        subject = (
            _("En retard : %(title)s", title=item.title)
            if context["late"]
            else _("Rappel d'échéance : %(title)s", title=item.title)
        )
        text = render_template("mail/reminder.txt", **context)
        html = render_template("mail/reminder.html", **context)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = formataddr(("Portail SDTN", current_app.config["MAIL_FROM"]))
    email["To"] = formataddr((user.full_name, user.email))
    email["Message-ID"] = message_id(message)
    email["Date"] = format_datetime(utcnow())
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    return email


def _claim(now: datetime) -> int | None:
    """Take the next message due, or None; only one sender can win a given row."""
    candidate = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    message_id_ = db.session.scalar(candidate)
    if message_id_ is None:
        db.session.rollback()
        return None
    won = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id_, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=SENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return message_id_ if won == 1 else -1


def _release_stale(now: datetime) -> None:
    """A claim older than STALE_CLAIM belonged to a sender that died: put it back."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.next_attempt_at < now - STALE_CLAIM)
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


def send_pending(*, now: datetime | None = None, limit: int = 200) -> Pass:
    """One pass over the outbox: each due message sent once, in its own transactions."""
    result = Pass()
    if not configured():
        return result  # the demo: messages stay in the outbox, readable in the portal
    now = now or utcnow()
    _release_stale(now)
    server = None
    try:
        for _turn in range(limit):
            claimed = _claim(now)
            if claimed is None:
                break
            if claimed == -1:
                continue  # another sender won that one
            message = db.session.get(OutboxMessage, claimed)
            recipient = db.session.get(User, message.recipient_id)
            try:
                if not recipient.active:
                    raise smtplib.SMTPRecipientsRefused({recipient.email: (550, b"inactive")})
                if server is None:
                    server = _connect()
                server.send_message(compose(message))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                code = _code(error)
                if code is not None and 500 <= code < 600:
                    _finish(message, OutboxStatus.FAILED, f"{code} {_text(error)}")
                    result.failed += 1
                else:
                    _retry(message, now, _text(error))
                    result.retried += 1
                    server = _close(server)
            except (OSError, smtplib.SMTPException) as error:
                _retry(message, now, _text(error))
                result.retried += 1
                server = _close(server)
                break  # the server is unreachable: the rest waits for the next pass
            else:
                _finish(message, OutboxStatus.SENT, "")
                result.sent += 1
    finally:
        _close(server)
    return result


def _code(error) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def _text(error) -> str:
    return str(error)[:500] or error.__class__.__name__


def _finish(message: OutboxMessage, status: OutboxStatus, error: str) -> None:
    message.status = status
    message.attempts += 1
    message.last_error = error
    if status is OutboxStatus.SENT:
        message.sent_at = utcnow()
    db.session.commit()


def _retry(message: OutboxMessage, now: datetime, error: str) -> None:
    message.attempts += 1
    delay = min(BACKOFF_FIRST * 2 ** (message.attempts - 1), BACKOFF_MAX)
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now + delay
    message.last_error = error
    db.session.commit()


def _close(server):
    if server is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.quit()  # the message is sent or not already; a failed goodbye changes nothing
    return None
