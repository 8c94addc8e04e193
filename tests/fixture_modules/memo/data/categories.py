from sqlalchemy import select

from app.extensions import db

from ..models import MemoCategory


def load() -> None:
    for name in ("Generale", "Urgente"):
        if db.session.scalar(select(MemoCategory.id).where(MemoCategory.name == name)) is None:
            db.session.add(MemoCategory(name=name))
    db.session.flush()
