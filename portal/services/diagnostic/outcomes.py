"""Telling residents what became of the expectation they sent to a public consultation: one
e-mail in their language once it is moderated, after which their address is erased."""

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import config as settings
from portal.bidi import isolate
from portal.extensions import db
from portal.models.diagnostic import ConsultationContact, ExpectationStatus
from portal.models.types import utcnow
from portal.services.diagnostic.consultations import title

log = logging.getLogger(__name__)
S = ExpectationStatus
# An outcome e-mail the server refuses for now is tried again, at most this many times.
MAX_ATTEMPTS = 8


def compose_outcome(contact: ConsultationContact) -> EmailMessage:
    expectation = contact.expectation
    consultation = expectation.consultation
    base = current_app.config["PORTAL_URL"].rstrip("/")
    link = f"{base}/consultation/{consultation.id}"
    with force_locale(settings.locale_of(contact.language)):
        named = isolate(title(consultation))
        if expectation.status is S.REJECTED:
            subject = _("Votre attente n'a pas été retenue : %(title)s", title=named)
            outcome = _(
                "Les modérateurs ne l'ont pas publiée, pour ce motif : %(reason)s",
                reason=isolate(expectation.rejection_reason),
            )
        elif expectation.status is S.MERGED:
            subject = _("Votre attente rejoint une autre : %(title)s", title=named)
            outcome = _(
                "Une attente déjà recueillie dit la même chose ; la vôtre y est réunie : "
                "« %(other)s ».",
                other=isolate(expectation.merged_into.text),
            )
        else:
            subject = _("Votre attente est publiée : %(title)s", title=named)
            outcome = _(
                "Elle est publiée sur la page de la consultation, où chacun peut la soutenir."
            )
        context = {
            "consultation_title": named,
            "text": expectation.text,
            "outcome": outcome,
            "link": link,
            "rtl": contact.language == "ar",
        }
        body = render_template("mail/consultation_outcome.txt", **context)
        html = render_template("mail/consultation_outcome.html", **context)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = formataddr(("Portail SDTN", current_app.config["MAIL_FROM"]))
    email["To"] = contact.email
    email["Date"] = format_datetime(utcnow())
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(body)
    email.add_alternative(html, subtype="html")
    return email


def send_outcomes(*, now: datetime | None = None, limit: int = 200) -> int:
    """Each moderated expectation's author told once; the address is erased when the message
    has gone, or when the server refuses it for good. Runs under the mail sender's lease."""
    from portal.services import mail

    if not mail.configured():
        return 0
    now = now or utcnow()
    contacts = db.session.scalars(
        sa.select(ConsultationContact)
        .where(
            ConsultationContact.due.is_(True),
            sa.or_(
                ConsultationContact.next_attempt_at.is_(None),
                ConsultationContact.next_attempt_at <= now,
            ),
        )
        .order_by(ConsultationContact.expectation_id)
        .limit(limit)
    ).all()
    sent = 0
    server = None
    try:
        for contact in contacts:
            try:
                message = compose_outcome(contact)
                if server is None:
                    server = mail._connect()
                server.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                code = mail._code(error)
                if code is not None and 500 <= code < 600:
                    log.warning("consultation outcome refused for good: %s", code)
                    db.session.delete(contact)
                else:
                    _later(contact, now)
            except (OSError, smtplib.SMTPException):
                _later(contact, now)
                db.session.commit()
                break  # the server is unreachable: the rest waits for the next pass
            else:
                db.session.delete(contact)
                sent += 1
            db.session.commit()
    finally:
        mail._close(server)
    return sent


def _later(contact: ConsultationContact, now: datetime) -> None:
    contact.attempts += 1
    if contact.attempts >= MAX_ATTEMPTS:
        log.warning("consultation outcome given up after %s attempts", contact.attempts)
        db.session.delete(contact)
        return
    contact.next_attempt_at = now + timedelta(minutes=5 * 2**contact.attempts)
