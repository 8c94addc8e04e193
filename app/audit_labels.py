"""Audit rows in words people read: the model's and the field's translated labels, the user's name.

The rows store class and attribute names (stable across languages); screens show the labels the models declare
(`info={"label": ...}` on columns and relationships) and the names of the admin screens.
"""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from .extensions import db

ACTIONS = {"create": _l("created"), "update": _l("changed"), "delete": _l("deleted")}


@cache
def _model_classes() -> dict[str, type]:
    return {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}


def model_label(model_name: str) -> str:
    """The name of the model's admin screen (translated), else the class name."""
    from .admin import current_admin

    cls = _model_classes().get(model_name)
    if cls is None:
        return model_name
    models = [(view, getattr(view, "model", None)) for view in getattr(current_admin(), "_views", [])]
    exact = [view for view, model in models if model is cls]
    # A module may extend a kernel model (partners' PartnerOrganisation): its screen names the rows too.
    extending = [view for view, model in models if isinstance(model, type) and issubclass(model, cls)]
    found = exact or extending
    return str(found[0].name) if found else model_name


def field_label(model_name: str, field: str | None) -> str:
    """The label the model declares for the field (translated), else the attribute name."""
    if not field:
        return ""
    cls = _model_classes().get(model_name)
    prop = inspect(cls).attrs.get(field) if cls is not None else None
    info = {}
    if prop is not None:
        info = prop.columns[0].info if hasattr(prop, "columns") else prop.info
    return str(info.get("label", field))


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def user_names(user_ids) -> dict[int, str]:
    """Full name (or e-mail) of each user id, in one query."""
    from .models import User

    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.full_name, User.email).where(User.id.in_(ids)))
    return {uid: (name or email) for uid, name, email in rows}
