"""Every admin view and API route × every role, checked against the access table and record rules.

Generated from the registry: a new view or route adds its rows here without anyone writing a test.
For each case the test builds a row that belongs to someone else (the model's factory with default
arguments always creates it in another organisation) and checks every path Flask-Admin offers —
list, count, details, edit, delete, export, ajax lookups, form POSTs with foreign keys — and the API.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import inspect, select

from app import create_app
from app.admin.views import SecureModelView
from app.api.tokens import create_token
from app.data.roles import ROLES
from app.extensions import db
from app.security import AccessDenied, can, scoped
from app.security.rules import pk_attribute
from tests.conftest import make_test_config
from tests.factories import OrganisationFactory, csrf_token, factories, login, make_user

ROLE_KEYS = [key for key, _label, _external in ROLES]
_REGISTRY_APP = create_app(make_test_config())  # only to enumerate views and routes (no database)
ADMIN_VIEWS = [v for v in _REGISTRY_APP.extensions["distretto"].admin._views if isinstance(v, SecureModelView)]
API_OPERATIONS = [op for op in _REGISTRY_APP.extensions["distretto"].api.operations
                  if op.model is not None and op.method == "get"]
ID_LINK = re.compile(r"details/\?id=(\d+)")


def _pk(row):
    return inspect(row).identity[0]


def _visible(model, user, op="read") -> set:
    try:
        return set(db.session.scalars(scoped(select(pk_attribute(model)), op, user)))
    except AccessDenied:
        return set()


def _foreign_row(model):
    factory = factories().get(model)
    assert factory is not None, f"{model.__name__} has no factory in tests/factories.py"
    return factory()


def _view_of(app, endpoint):
    return next(v for v in app.extensions["distretto"].admin._views if v.endpoint == endpoint)


@pytest.mark.parametrize("role", ROLE_KEYS)
@pytest.mark.parametrize("endpoint", [v.endpoint for v in ADMIN_VIEWS])
def test_admin_view_obeys_access_and_record_rules(app, client, role, endpoint):
    view = _view_of(app, endpoint)
    model = view.model
    with app.app_context():
        user = make_user(role)
        foreign = _foreign_row(model)
        foreign_id = _pk(foreign)
        user = db.session.merge(user)
        allowed = {op: can(user, model, op) for op in ("read", "write", "create", "delete")}
        readable = _visible(model, user)
        writable, deletable = _visible(model, user, "write"), _visible(model, user, "delete")
        user_id = user.id
        external = user.is_external
    login(client, user)
    base = f"/admin/{endpoint}"
    problems = []

    listing = client.get(f"{base}/")
    if not allowed["read"]:
        assert listing.status_code == 403, f"{role} reads {endpoint} without access"
        assert client.get(f"{base}/details/?id={foreign_id}").status_code == 403
        assert client.get(f"{base}/export/csv/").status_code == 403
        return
    assert listing.status_code == 200
    shown = {int(i) for i in ID_LINK.findall(listing.get_data(as_text=True))}
    if view.can_view_details and shown != readable:
        problems.append(f"list shows {sorted(shown)}, rules allow {sorted(readable)}")

    details = client.get(f"{base}/details/?id={foreign_id}")
    expected = 200 if foreign_id in readable else 404
    if details.status_code != expected:
        problems.append(f"details of foreign row: {details.status_code}, expected {expected}")
    if client.get(f"{base}/details/?id={foreign_id},{foreign_id}").status_code != 404:
        problems.append("comma-separated ids are accepted")

    if view.can_export:
        exported = client.get(f"{base}/export/csv/")
        rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
        if exported.status_code != 200 or len(rows) - 1 != len(readable):
            problems.append(f"export has {len(rows) - 1} rows, rules allow {len(readable)}")

    may_create = view.allow_create and allowed["create"]
    if (client.get(f"{base}/new/").status_code == 200) != may_create:
        problems.append(f"create form reachable={not may_create}, access says {may_create}")

    edit = client.get(f"{base}/edit/?id={foreign_id}")
    may_edit = view.allow_edit and allowed["write"] and foreign_id in writable
    if (edit.status_code == 200) != may_edit:
        problems.append(f"edit of foreign row answered {edit.status_code}, may_edit={may_edit}")

    token = csrf_token(client, f"{base}/")
    client.post(f"{base}/delete/", data={"id": foreign_id, "csrf_token": token})
    with app.app_context():
        still_there = db.session.get(model, foreign_id) is not None
    may_delete = view.allow_delete and allowed["delete"] and foreign_id in deletable
    if still_there == may_delete:
        problems.append(f"delete of foreign row: deleted={not still_there}, may_delete={may_delete}")

    if external:
        problems += _ajax_and_foreign_key_checks(app, client, view, base, user_id)
    assert not problems, f"{role} on {endpoint}: " + "; ".join(problems)


def _ajax_and_foreign_key_checks(app, client, view, base, user_id) -> list[str]:
    """Lookups and dropdowns list only readable rows; a POSTed foreign key is refused."""
    problems = []
    with app.app_context():
        other_org = OrganisationFactory()
        other_user = make_user("shop", organisation=other_org)
        other_ids = {"Organisation": other_org.id, "User": other_user.id}
    for name in (view.form_ajax_refs or {}):
        found = client.get(f"{base}/ajax/lookup/?name={name}&query=&limit=1000").get_json() or []
        remote = getattr(view.model, name).property.mapper.class_.__name__
        if any(item[0] == other_ids.get(remote) for item in found):
            problems.append(f"ajax lookup '{name}' lists another organisation's row")
        if len(found) > 20:
            problems.append(f"ajax lookup '{name}' ignores the limit cap")
    form = client.get(f"{base}/new/")
    if form.status_code == 200:
        page = form.get_data(as_text=True)
        if f'value="{other_ids["Organisation"]}"' in page and 'name="organisation"' in page:
            problems.append("the organisation dropdown lists another organisation")
        if 'name="organisation"' in page:
            problems += _post_foreign_key(app, client, view, base, page, other_ids["Organisation"])
    return problems


def _post_foreign_key(app, client, view, base, page, foreign_org_id) -> list[str]:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "organisation": foreign_org_id}
    for field in re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*type="text"', page):
        data.setdefault(field, "x")
    data.setdefault("title", "forged")
    data.setdefault("legal_name", "forged")
    client.post(f"{base}/new/", data=data)
    with app.app_context():
        column = getattr(view.model, "organisation_id", None)
        if column is not None and db.session.scalar(select(view.model).where(column == foreign_org_id)):
            return ["a form POST created a row in another organisation"]
    return []


@pytest.mark.parametrize("role", ROLE_KEYS)
@pytest.mark.parametrize("operation", API_OPERATIONS, ids=lambda op: op.path)
def test_api_route_obeys_access_and_record_rules(app, client, role, operation):
    with app.app_context():
        user = make_user(role)
        foreign = _foreign_row(operation.model)
        foreign_id = _pk(foreign)
        user = db.session.merge(user)
        readable = _visible(operation.model, user)
        allowed = can(user, operation.model, "read")
        _token, secret = create_token(user, "matrix")
    headers = {"Authorization": f"Bearer {secret}"}
    path = "/api/v1" + re.sub(r"<(?:int:)?[a-z_]+>", str(foreign_id), operation.path)
    response = client.get(path, headers=headers)
    assert client.get(path).status_code == 401
    if not allowed:
        assert response.status_code == 403, f"{role} reads {path} without access"
        return
    if "<" in operation.path:
        assert response.status_code == (200 if foreign_id in readable else 404)
        return
    assert response.status_code == 200
    ids = {item["id"] for item in response.get_json()["items"]}
    assert ids == readable, f"{role} {path}: API lists {sorted(ids)}, rules allow {sorted(readable)}"


def test_the_matrix_covers_every_view_and_route():
    assert len(ADMIN_VIEWS) >= 6 and len(API_OPERATIONS) >= 3
    endpoints = {v.endpoint for v in ADMIN_VIEWS}
    assert {"user", "organisation", "job", "memo_memo"} <= endpoints
