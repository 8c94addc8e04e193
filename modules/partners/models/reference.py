"""Reference data of the registry: the comuni of Italy (ISTAT) and the organisation types."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.i18n import BilingualName


class Comune(db.Model):
    """A comune from ISTAT's "Elenco dei comuni italiani"; its province is derived from it."""

    __tablename__ = "partners_comuni"
    __reference_data__ = True

    istat_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    name_other_language: Mapped[str | None] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    province_name: Mapped[str] = mapped_column(String(80))
    region_name: Mapped[str] = mapped_column(String(60))
    cadastral_code: Mapped[str] = mapped_column(String(4), unique=True)

    def __repr__(self) -> str:
        return f"<Comune {self.istat_code} {self.name}>"

    def __str__(self) -> str:
        return f"{self.name} ({self.province_code})"


class OrganisationType(BilingualName, db.Model):
    """A kind of organisation; the kernel's `Organisation.type` holds its key."""

    __tablename__ = "partners_organisation_types"
    __reference_data__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30), unique=True)
    name_it: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    is_third_sector: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=100)

    def __repr__(self) -> str:
        return f"<OrganisationType {self.key}>"

