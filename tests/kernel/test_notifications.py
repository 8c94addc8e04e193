"""Notifications: in-app and e-mail in the recipient's language, unread count in the bar, own rows only."""

from __future__ import annotations

import contextlib
from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select

from app.extensions import db
from app.models import User
from app.notify import Notification, notify, unread_count
from app.security import scoped
from tests.factories import csrf_token, login, make_user

DUE = date(2026, 1, 10)


def test_one_call_notifies_in_app_and_by_email_in_each_recipients_language(app, ctx):
    italian, english = make_user("coordinator", language="it"), make_user("coordinator", language="en")
    created = notify([italian, english.id], _l("Memo %(title)s is due"), "memo/reminder",
                     url="/admin/memo_memo/", title="Bilancio", due=DUE)
    db.session.commit()
    assert [n.user_id for n in created] == [italian.id, english.id]
    assert all(n.email_sent and not n.is_read for n in created)
    mails = {m["To"]: m for m in app.extensions["distretto"].outbox}
    for user, notification in zip((italian, english), created, strict=True):
        with force_locale(user.language):
            title, day = _("Memo %(title)s is due", title="Bilancio"), format_date(DUE, "medium")
        assert notification.title == title and day in notification.body
        mail = mails[user.email]
        assert mail["Subject"] == title
        assert day in mail.get_content()
        assert app.config["BASE_URL"].rstrip("/") + "/admin/memo_memo/" in mail.get_content()
    assert created[0].body != created[1].body  # "10 gen 2026" / "Jan 10, 2026"


def test_email_false_notifies_only_in_app(app, ctx):
    user = make_user("operator")
    (notification,) = notify(user, "Export ready", email=False)
    db.session.commit()
    assert notification.title == "Export ready" and notification.body is None and not notification.email_sent
    assert app.extensions["distretto"].outbox == []


def test_inactive_and_repeated_recipients_are_skipped(app, ctx):
    active, disabled = make_user("shop"), make_user("shop", is_active=False)
    created = notify([active, active.id, disabled.id], "Statement ready", email=False)
    assert [n.user_id for n in created] == [active.id]


def test_the_unread_count_is_one_query_per_request(app, ctx):
    user = make_user("coordinator")
    notify(user, "One", email=False)
    notify(user, "Two", email=False)
    db.session.commit()
    with counted_notification_queries(db.engine) as statements, app.test_request_context():
        assert [unread_count(user) for _i in range(3)] == [2, 2, 2]
    assert len(statements) == 1


@contextlib.contextmanager
def counted_notification_queries(engine):
    """The SELECTs on base_notifications issued inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if "base_notifications" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# Screens -----------------------------------------------------------------------------------------
def _user_with_notifications(app, role: str, titles: list[str], url: str | None = None) -> SimpleNamespace:
    with app.app_context():
        user = make_user(role)
        created = []
        for title in titles:
            created += notify(user, title, url=url, email=False)
        db.session.commit()
        return SimpleNamespace(id=user.id, email=user.email, ids=[n.id for n in created])


def test_the_admin_bar_shows_the_unread_count(app, client):
    user = _user_with_notifications(app, "shop", ["Contratto da firmare", "Estratto conto", "Rinnovo"])
    login(client, user)
    page = client.get("/admin/").get_data(as_text=True)
    with app.app_context(), force_locale("it"):
        label = _("Notifications (%(n)d)", n=3)
    assert label in page and 'href="/admin/notifications/"' in page


def test_a_page_render_counts_unread_notifications_once(app, client):
    user = _user_with_notifications(app, "shop", ["Uno", "Due"])
    login(client, user)
    with app.app_context():
        engine = db.engine
    with counted_notification_queries(engine) as statements:
        assert client.get("/admin/notifications/").status_code == 200  # the bar and the page show the count
    assert len([s for s in statements if "count(" in s.lower()]) == 1


def test_the_list_shows_only_the_users_own_notifications(app, client):
    mine = _user_with_notifications(app, "provider", ["Per me"])
    _user_with_notifications(app, "provider", ["Per un altro"])
    login(client, mine)
    page = client.get("/admin/notifications/").get_data(as_text=True)
    assert "Per me" in page and "Per un altro" not in page


def test_marking_one_read_needs_the_csrf_token_and_lowers_the_count(app, client):
    user = _user_with_notifications(app, "cooperative", ["Prenotazione", "Disponibilità"])
    login(client, user)
    first = user.ids[0]
    assert client.post(f"/admin/notifications/{first}/read").status_code == 400
    token = csrf_token(client, "/admin/notifications/")
    assert client.post(f"/admin/notifications/{first}/read", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Notification, first).is_read
        assert db.session.get(Notification, first).read_at is not None
        assert not db.session.get(Notification, user.ids[1]).is_read
    with app.app_context(), force_locale("it"):
        label = _("Notifications (%(n)d)", n=1)
    assert label in client.get("/admin/").get_data(as_text=True)


def test_mark_all_read(app, client):
    user = _user_with_notifications(app, "operator", ["Uno", "Due", "Tre"])
    other = _user_with_notifications(app, "operator", ["Altrui"])
    login(client, user)
    token = csrf_token(client, "/admin/notifications/")
    assert client.post("/admin/notifications/read-all", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        states = dict(db.session.execute(select(Notification.id, Notification.is_read)).all())
    assert [states[i] for i in user.ids] == [True, True, True]
    assert states[other.ids[0]] is False


def test_opening_a_notification_marks_it_read_and_follows_a_local_link(app, client):
    user = _user_with_notifications(app, "coordinator", ["Da vedere"], url="/admin/memo_memo/")
    login(client, user)
    token = csrf_token(client, "/admin/notifications/")
    response = client.post(f"/admin/notifications/{user.ids[0]}/follow", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/memo_memo/")
    with app.app_context():
        assert db.session.get(Notification, user.ids[0]).is_read


def test_an_outside_link_is_not_followed(app, client):
    user = _user_with_notifications(app, "coordinator", ["Phishing"], url="https://evil.example/")
    login(client, user)
    token = csrf_token(client, "/admin/notifications/")
    response = client.post(f"/admin/notifications/{user.ids[0]}/follow", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/admin/notifications/")


@pytest.mark.parametrize("action", ["read", "follow"])
def test_another_users_notification_is_unreachable(app, client, action):
    victim = _user_with_notifications(app, "shop", ["Privata"])
    thief = _user_with_notifications(app, "admin", [])
    login(client, thief)
    token = csrf_token(client, "/admin/notifications/")
    assert client.post(f"/admin/notifications/{victim.ids[0]}/{action}",
                       data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert not db.session.get(Notification, victim.ids[0]).is_read
        admin = db.session.get(User, thief.id)
        assert victim.ids[0] not in set(db.session.scalars(scoped(Notification, "read", admin)).all())


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/notifications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
