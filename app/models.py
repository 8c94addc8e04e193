"""Base models every rule points at (Odoo's `base`): users, roles, organisations, installed modules."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Table, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .audit import Audited
from .extensions import db

EXTERNAL_ROLES = ("social_partner", "provider", "shop", "cooperative")

user_roles = Table(
    "base_user_roles",
    db.metadata,
    Column("user_id", ForeignKey("base_users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("base_roles.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_hex(16)


class Role(db.Model):
    """A role key from DOMAIN.md; what it may do is data (access rules, permissions)."""

    __tablename__ = "base_roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_external: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<Role {self.key}>"

    def __str__(self) -> str:
        from .data.roles import LABELS  # translated in the reader's language

        return str(LABELS.get(self.key, self.name))


class RolePermission(db.Model):
    """A named permission (`<module>.<action>`) granted to a role, loaded from the modules' data."""

    __tablename__ = "base_role_permissions"
    __table_args__ = (UniqueConstraint("role_id", "permission"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("base_roles.id", ondelete="CASCADE"), index=True)
    permission: Mapped[str] = mapped_column(String(80))
    module: Mapped[str] = mapped_column(String(60))

    def __repr__(self) -> str:
        return f"<RolePermission {self.role_id} {self.permission}>"


class ModelAccess(db.Model):
    """One row of a module's `security/access.csv` (Odoo's ir.model.access)."""

    __tablename__ = "base_model_access"
    __table_args__ = (UniqueConstraint("model", "role_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(80), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("base_roles.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(60))
    can_read: Mapped[bool] = mapped_column(Boolean, default=False)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    can_create: Mapped[bool] = mapped_column(Boolean, default=False)
    can_delete: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<ModelAccess {self.model} role={self.role_id}>"


class Organisation(Audited, db.Model):
    """An organisation of the district; the `partners` module adds the rest of its identity."""

    __tablename__ = "base_organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), info={"label": _l("Legal name")})
    type: Mapped[str] = mapped_column(String(30), default="other", info={"label": _l("Type")})
    codice_fiscale: Mapped[str | None] = mapped_column(String(16), index=True, info={"label": _l("Tax code")})
    partita_iva: Mapped[str | None] = mapped_column(String(11), unique=True, info={"label": _l("VAT number")})
    status: Mapped[str] = mapped_column(String(20), default="active", info={"label": _l("Status")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.legal_name!r}>"

    def __str__(self) -> str:
        return self.legal_name


class User(UserMixin, Audited, db.Model):
    __tablename__ = "base_users"
    __audit_secret__ = frozenset({"password_hash", "session_token"})
    __audit_ignore__ = frozenset({"created_at", "last_login_at"})  # sign-ins are not record changes

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, info={"label": _l("E-mail")})
    full_name: Mapped[str] = mapped_column(String(160), default="", info={"label": _l("Full name")})
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Active")})
    language: Mapped[str] = mapped_column(String(5), default="it", info={"label": _l("Language")})
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("base_organisations.id", ondelete="RESTRICT"), index=True
    )
    is_org_manager: Mapped[bool] = mapped_column(
        Boolean, default=False, info={"label": _l("Organisation manager")}
    )
    session_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # enable_typechecks=False: a module's subclass of Organisation (joined inheritance without a
    # discriminator, e.g. partners' PartnerOrganisation) may be assigned here too.
    organisation: Mapped[Organisation | None] = relationship(back_populates="users", enable_typechecks=False)
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_id(self) -> str:
        # The session stores this token, not the id: rotating it ends every session at once.
        return self.session_token

    def end_sessions(self) -> None:
        self.session_token = new_session_token()

    @property
    def role_keys(self) -> frozenset[str]:
        return frozenset(role.key for role in self.roles)

    def has_role(self, *keys: str) -> bool:
        return bool(self.role_keys.intersection(keys))

    @property
    def is_external(self) -> bool:
        return any(role.is_external for role in self.roles)


class InstalledModule(db.Model):
    """A module installed in this database with its version (Odoo's ir.module.module)."""

    __tablename__ = "base_modules"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="installed")
    installed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<InstalledModule {self.name} {self.version}>"


__all__ = [
    "EXTERNAL_ROLES",
    "InstalledModule",
    "ModelAccess",
    "Organisation",
    "Role",
    "RolePermission",
    "User",
    "user_roles",
]
