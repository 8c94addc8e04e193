"""Welfare transactions reported by providers, and their imports.

Transactions are append-only and high-volume: they are their own history (not audited field by field) and are
written in bulk (COPY into a staging table, set-based checks in SQL, then one INSERT … SELECT).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.money import Money
from modules.partners.models import PartnerOrganisation

BIG_ID = BigInteger().with_variant(Integer, "sqlite")
TRANSACTION_KINDS = {"purchase": _l("Purchase"), "refund": _l("Refund")}
REDEMPTIONS = {"voucher": _l("Voucher"), "card": _l("Card"), "direct": _l("Direct payment")}
BATCH_STATUSES = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "rejected": _l("Rejected"),
    "imported": _l("Imported"),
    "failed": _l("Failed"),
}
BATCH_SOURCES = {"upload": _l("Upload"), "cli": _l("Command line"), "api": _l("API")}


class ProviderMapping(Audited, db.Model):
    """How a provider's export names its columns: our field → their header (saved per provider)."""

    __tablename__ = "shop_network_provider_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("partners_organisations.id", ondelete="CASCADE"),
                                             unique=True)
    columns: Mapped[dict] = mapped_column(JSON, default=dict, info={"label": _l("Columns")})
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                        onupdate=func.now())

    provider: Mapped[PartnerOrganisation] = relationship()

    def __repr__(self) -> str:
        return f"<ProviderMapping {self.provider_id}>"


class ImportBatch(Audited, db.Model):
    """One import of a provider's transactions (a file uploaded, a CLI run or an API batch)."""

    __tablename__ = "shop_network_import_batches"
    __table_args__ = (UniqueConstraint("provider_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("partners_organisations.id", ondelete="RESTRICT"),
                                             index=True)
    source: Mapped[str] = mapped_column(String(10), default="upload", info={"label": _l("Source")})
    filename: Mapped[str | None] = mapped_column(String(255), info={"label": _l("File")})
    sha256: Mapped[str | None] = mapped_column(String(64), index=True, info={"label": _l("SHA-256")})
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("base_uploads.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Idempotency key")})
    response: Mapped[dict | None] = mapped_column(JSON)  # the API's first answer, replayed for the same key
    keep_good_rows: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": _l("Keep the good rows")})
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True, info={"label": _l("Status")})
    rows_total: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Rows")})
    rows_imported: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Imported")})
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Already imported")})
    rows_outside: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Outside the network")})
    rows_bad: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Bad rows")})
    rows_late: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Late rows")})
    error: Mapped[str | None] = mapped_column(Text, info={"label": _l("Error")})
    job_id: Mapped[int | None] = mapped_column(ForeignKey("base_jobs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 info={"label": _l("Created at")})
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info={"label": _l("Finished at")})

    provider: Mapped[PartnerOrganisation] = relationship()

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.status}>"


class ImportProblem(db.Model):
    """One bad row of an import, for the row-by-row report (code + the offending value; translated on display)."""

    __tablename__ = "shop_network_import_problems"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("shop_network_import_batches.id", ondelete="CASCADE"),
                                          index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    provider_tx_id: Mapped[str | None] = mapped_column(String(64))
    column: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<ImportProblem {self.batch_id}:{self.row_number} {self.code}>"


# Providers' ids are opaque: on PostgreSQL they compare byte by byte ("C"), the cheapest order for the key.
PROVIDER_TX_ID = String(64).with_variant(String(64, collation="C"), "postgresql")
# A transaction's id tells where it came from: (its import's id << 32) + its row in the file or API batch.
ID_ROW_BITS = 32


def transaction_id(batch_id: int, row_number: int) -> int:
    return (batch_id << ID_ROW_BITS) + row_number


class Transaction(db.Model):
    """A purchase or refund paid with welfare credit at a network shop, as the provider reported it.

    Written only by the import, up to a million rows at a time (bench/README.md), so the table keeps just the
    indexes that reads need and a load can afford: the provider's id is the primary key (loaded in file order),
    a shop's rows are found through a GIN index (PostgreSQL, btree_gin), whose pending list absorbs shop ids
    in random order at a fraction of a btree's cost, and id, import and day through one BRIN index, since rows
    are appended in import order. No foreign keys: the import and the settlement (the only writers) resolve
    them set-based.
    """

    __tablename__ = "shop_network_transactions"
    __table_args__ = (
        PrimaryKeyConstraint("provider_id", "provider_tx_id"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("kind IN ('purchase', 'refund')", name="kind"),
        Index("ix_shop_network_transactions_organisation_id", "organisation_id", postgresql_using="gin"),
        Index("ix_shop_network_transactions_id_batch_day", "id", "batch_id", "occurred_on", postgresql_using="brin"),
        # Only confirmed months set these: unsettled rows (all of a fresh import) stay out of the indexes.
        Index("ix_shop_network_transactions_shop_settlement_id", "shop_settlement_id",
              postgresql_where=text("shop_settlement_id IS NOT NULL"),
              sqlite_where=text("shop_settlement_id IS NOT NULL")),
        Index("ix_shop_network_transactions_provider_settlement_id", "provider_settlement_id",
              postgresql_where=text("provider_settlement_id IS NOT NULL"),
              sqlite_where=text("provider_settlement_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BIG_ID)  # transaction_id(batch, row): unique by construction
    provider_id: Mapped[int] = mapped_column(Integer)
    provider_tx_id: Mapped[str] = mapped_column(PROVIDER_TX_ID, info={"label": _l("Provider's transaction id")})
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info={"label": _l("Date and time")})
    occurred_on: Mapped[date] = mapped_column(Date, info={"label": _l("Date")})  # Europe/Rome day
    organisation_id: Mapped[int] = mapped_column(Integer)
    partita_iva: Mapped[str] = mapped_column(String(11), info={"label": _l("VAT number")})
    amount: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Gross amount")})
    kind: Mapped[str] = mapped_column(String(10), info={"label": _l("Kind")})
    # A refund's purchase is the provider's row with this id (the key): (provider_id, refund_of_tx_id).
    refund_of_tx_id: Mapped[str | None] = mapped_column(PROVIDER_TX_ID, info={"label": _l("Refund of")})
    category: Mapped[str | None] = mapped_column(String(60), info={"label": _l("Category")})
    redemption: Mapped[str | None] = mapped_column(String(10), info={"label": _l("Redemption")})
    batch_id: Mapped[int | None] = mapped_column(Integer)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": _l("Late")})
    shop_settlement_id: Mapped[int | None] = mapped_column(Integer)
    provider_settlement_id: Mapped[int | None] = mapped_column(Integer)
    # When a row came is its import's (batch_id): a default evaluated for every row cost a tenth of a load.

    provider: Mapped[PartnerOrganisation] = relationship(
        primaryjoin="foreign(Transaction.provider_id) == PartnerOrganisation.id")
    organisation: Mapped[PartnerOrganisation] = relationship(
        primaryjoin="foreign(Transaction.organisation_id) == PartnerOrganisation.id")

    # The screens, the API and the kernel address a row by its single id (the table's key is the provider's id).
    __mapper_args__ = {"primary_key": [id]}

    def __repr__(self) -> str:
        return f"<Transaction {self.provider_id}:{self.provider_tx_id} {self.kind} {self.amount}>"


class OutsideRow(db.Model):
    """A row for a P.IVA that was not in the network on its day: set aside and counted, not an error."""

    __tablename__ = "shop_network_outside_rows"
    __table_args__ = (UniqueConstraint("provider_id", "provider_tx_id"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    # No foreign keys, as on transactions: the import, their only writer, resolves provider and batch.
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    provider_id: Mapped[int] = mapped_column(Integer)
    provider_tx_id: Mapped[str] = mapped_column(PROVIDER_TX_ID)
    partita_iva: Mapped[str] = mapped_column(String(11))
    occurred_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    kind: Mapped[str] = mapped_column(String(10))

    provider: Mapped[PartnerOrganisation] = relationship(
        primaryjoin="foreign(OutsideRow.provider_id) == PartnerOrganisation.id")

    def __repr__(self) -> str:
        return f"<OutsideRow {self.provider_id}:{self.provider_tx_id}>"
