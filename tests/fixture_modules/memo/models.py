from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation, User
from app.money import Money
from app.workflow import Transition, Workflow, WorkflowMixin


class MemoCategory(db.Model):
    __tablename__ = "memo_categories"
    __reference_data__ = True
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)

    def __repr__(self) -> str:
        return f"<MemoCategory {self.name}>"

    def __str__(self) -> str:
        return self.name


class Memo(Audited, WorkflowMixin, db.Model):
    __tablename__ = "memo_memos"
    __audit_personal__ = frozenset({"private_note"})
    __workflow__ = Workflow(
        "state",
        {"draft": "Draft", "published": "Published", "archived": "Archived"},
        [
            Transition("publish", ("draft",), "published", "Publish", roles=("coordinator",)),
            Transition("archive", ("published",), "archived", "Archive", permission="memo.archive",
                       reason_required=True,
                       guard=lambda memo, user: "Archived by its author" if memo.author_id == user.id else None),
        ],
        initial="draft",
        final=("archived",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("memo_categories.id"))
    title: Mapped[str] = mapped_column(String(120))
    private_note: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    state: Mapped[str] = mapped_column(String(20), default="draft")

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()
    category: Mapped[MemoCategory | None] = relationship()

    def __repr__(self) -> str:
        return f"<Memo {self.id} {self.title!r}>"

    def __str__(self) -> str:
        return self.title


class MemoDigest(db.Model):
    """One row per day the scheduled digest has covered (proves catch-up and idempotency)."""

    __tablename__ = "memo_digests"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    memo_count: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<MemoDigest {self.day}>"
