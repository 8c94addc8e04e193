"""Notifications: e-mail through SMTP, logged (and kept in an outbox) when no server is configured."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger("distretto.mail")


def send_email(to: str, subject: str, template: str, locale: str = "it", **context) -> EmailMessage:
    """Render `templates/email/<template>.txt` in the recipient's language and send it."""
    with force_locale(locale):
        body = render_template(f"email/{template}.txt", **context)
        subject = str(subject)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    _deliver(message)
    return message


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    current_app.extensions["distretto"].outbox.append(message)
    if not config["MAIL_SERVER"]:
        log.info("E-mail (not sent, no MAIL_SERVER) to %s: %s\n%s", message["To"], message["Subject"],
                 message.get_content())
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
