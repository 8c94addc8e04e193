"""User operations: invitations, passwords, sign-in and sign-out, disabling."""

from __future__ import annotations

from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Organisation, Role, User
from ..notify import send_email
from ..urls import external_url
from .passwords import hash_password, password_problems, verify_password
from .tokens import INVITE, RESET, make_token


class UserError(ValueError):
    """A translated, user-facing reason why a user operation was refused."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not verify_password(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = datetime.now(UTC)
    db.session.commit()
    return user


def roles_by_key(keys) -> list[Role]:
    roles = list(db.session.scalars(select(Role).where(Role.key.in_(list(keys)))))
    if len(roles) != len(set(keys)):
        raise UserError(_l("Unknown role."))
    return roles


def valid_email(email: str) -> str:
    """The normalised address, or UserError with a translated reason."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UserError(_l("The e-mail address is not valid.")) from exc


def create_user(email: str, full_name: str, role_keys, organisation: Organisation | None = None,
                password: str | None = None, is_org_manager: bool = False) -> User:
    email = valid_email(email)
    if find_user(email):
        raise UserError(_l("A user with this e-mail already exists."))
    roles = roles_by_key(role_keys)
    if any(r.is_external for r in roles) and organisation is None:
        raise UserError(_l("External users must belong to an organisation."))
    user = User(email=email, full_name=full_name, roles=roles, organisation=organisation,
                is_org_manager=is_org_manager)
    if password is not None:
        _set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def invite_user(email: str, full_name: str, role_keys, organisation: Organisation | None = None,
                is_org_manager: bool = False) -> User:
    """Create a user without a password and e-mail an expiring link to set it."""
    user = create_user(email, full_name, role_keys, organisation, is_org_manager=is_org_manager)
    send_invitation(user)
    db.session.commit()
    return user


def send_invitation(user: User) -> None:
    link = external_url("auth.accept_invitation", token=make_token(user, INVITE))
    send_email(user.email, _l("Your Distretto account"), "invitation", locale=user.language,
               user=user, link=link)


def invite_colleague(manager: User, email: str, full_name: str) -> User:
    """An external organisation's manager invites a colleague into the same organisation and role."""
    if not manager.is_org_manager or manager.organisation is None:
        raise UserError(_l("Only the organisation's manager can invite colleagues."))
    external = [r.key for r in manager.roles if r.is_external]
    return invite_user(email, full_name, external, manager.organisation)


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the account exists; say nothing either way (no account probing)."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = external_url("auth.reset_password", token=make_token(user, RESET))
    send_email(user.email, _l("Reset your Distretto password"), "password_reset", locale=user.language,
               user=user, link=link)


def _set_password(user: User, password: str) -> None:
    problems = password_problems(password, user.email)
    if problems:
        raise UserError(" ".join(problems))
    user.password_hash = hash_password(password)
    user.end_sessions()


def set_password(user: User, password: str) -> None:
    _set_password(user, password)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise UserError(_l("The current password is wrong."))
    set_password(user, new)


def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session cookie issued so far stops working."""
    user.end_sessions()
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    user.is_active = active
    user.end_sessions()
    db.session.commit()
