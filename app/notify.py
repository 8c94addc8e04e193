"""Notifications: in-app (a row per recipient) and e-mail through SMTP, with one call for both.

`notify(users, _l("Document %(name)s expires soon"), "accreditation/expiring", url=..., name=...)`
renders the title and the body in each recipient's language and, unless `email=False`, sends the
same text by e-mail. E-mail is logged (and kept in an outbox) when no SMTP server is configured.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_login import current_user
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import User

log = logging.getLogger("distretto.mail")
_UNREAD = "_distretto_unread_notifications"


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


# In-app notifications ---------------------------------------------------------------------------------
class Notification(db.Model):
    """One message to one user, already rendered in the user's language."""

    __tablename__ = "base_notifications"
    __table_args__ = (Index("ix_base_notifications_user_unread", "user_id", "is_read"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("base_users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    email_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} user={self.user_id} {self.title!r}>"

    def __str__(self) -> str:
        return self.title


def _recipients(users_or_user_ids) -> list[User]:
    """Active users from a user, an id, or an iterable of either; each once, in the given order."""
    single = isinstance(users_or_user_ids, User | int | str)
    items = [users_or_user_ids] if single else list(users_or_user_ids)
    ids = [int(item) for item in items if not isinstance(item, User)]
    loaded = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    seen: dict[int, User] = {}
    for item in items:
        user = item if isinstance(item, User) else loaded.get(int(item))
        if user is not None and user.is_active and user.id not in seen:
            seen[user.id] = user
    return list(seen.values())


def _translate(msgid, context: dict) -> str:
    """The title in the current (forced) locale: a plain msgid or a lazy string, with `context`."""
    if isinstance(msgid, LazyString):
        text = str(msgid)  # re-translated in the forced locale
        # `_l("… %(x)s", x=…)` is formatted already; `_l("… %(x)s")` takes its values from `context`.
        return text % context if context and not msgid._kwargs else text
    return _(msgid, **context)


def absolute_url(url: str | None) -> str | None:
    """E-mails need whole addresses: relative paths are joined to BASE_URL."""
    if not url or "://" in url:
        return url
    return current_app.config["BASE_URL"].rstrip("/") + "/" + url.lstrip("/")


def _render(user: User, title_msgid, body_template: str | None, context: dict) -> tuple[str, str | None]:
    with force_locale(user.language or "it"):
        title = _translate(title_msgid, context)[:200]
        body = None
        if body_template:
            body = render_template(f"email/{body_template}.txt", user=user, **context).strip()
    return title, body


def _email(user: User, notification: Notification) -> None:
    try:
        send_email(user.email, notification.title, "notification", locale=user.language or "it", user=user,
                   title=notification.title, body=notification.body, link=absolute_url(notification.url))
    except (OSError, smtplib.SMTPException):
        log.exception("E-mail notification %r to %s not sent", notification.title, user.email)
        return
    notification.email_sent = True


def notify(users_or_user_ids, title_msgid, body_template: str | None = None, url: str | None = None,
           email: bool = True, **context) -> list[Notification]:
    """Notify each (active) recipient in-app and, if `email`, by e-mail, in the recipient's language.

    `title_msgid` is a msgid (plain or `_l(...)`) formatted with `context`; `body_template` names
    `templates/email/<body_template>.txt`, rendered with `user` and `context`. The rows are flushed,
    not committed: call it at the end of the service that commits.
    """
    created = []
    for user in _recipients(users_or_user_ids):
        title, body = _render(user, title_msgid, body_template, context)
        notification = Notification(user_id=user.id, title=title, body=body, url=url)
        db.session.add(notification)
        if email and user.email:
            _email(user, notification)
        created.append(notification)
    db.session.flush()
    forget_unread_count()
    return created


def _own_clause(user):
    from .security import rule_clause

    return rule_clause(Notification, "write", user)


def mark_read(notification: Notification) -> None:
    """Mark one notification read (the caller found it through get_scoped(..., "write"))."""
    if not notification.is_read:
        notification.is_read, notification.read_at = True, datetime.now(UTC)
    db.session.commit()
    forget_unread_count()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.is_read.is_(False), _own_clause(user))
        .values(is_read=True, read_at=func.now())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    forget_unread_count()
    return result.rowcount or 0


def unread_count(user=None) -> int:
    """The signed-in user's unread notifications, counted at most once per request."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return 0
    cache = g.setdefault(_UNREAD, {})
    if user.id not in cache:
        cache[user.id] = _count_unread(user)
    return cache[user.id]


def _count_unread(user) -> int:
    from .security import AccessDenied, rule_clause

    try:
        clause = rule_clause(Notification, "read", user)
    except AccessDenied:
        return 0
    stmt = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.is_read.is_(False), clause)
    return db.session.scalar(stmt) or 0


def forget_unread_count() -> None:
    g.pop(_UNREAD, None)


def init_notify(app: Flask) -> None:
    """Users reach only their own notifications (every role); the admin bar shows the unread count."""
    from .security import RecordRule

    app.extensions["distretto"].rules.append(
        RecordRule(Notification, lambda user: Notification.user_id == user.id))
    app.jinja_env.globals["unread_notifications"] = unread_count


__all__ = [
    "Notification",
    "absolute_url",
    "init_notify",
    "mark_all_read",
    "mark_read",
    "notify",
    "send_email",
    "unread_count",
]
