"""Sign-in, sessions, CSRF, rate limit, headers, invitations, password resets."""

import re

from app.extensions import db
from app.models import User
from app.security import services
from tests.factories import PASSWORD, OrganisationFactory, csrf_token, login, make_user


def _link_in_last_email(app) -> str:
    body = app.extensions["distretto"].outbox[-1].get_content()
    return re.search(r"https?://\S+", body).group(0)


def test_post_without_csrf_token_is_refused(app, client, ctx):
    user = make_user("coordinator")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400


def test_admin_form_post_without_csrf_token_is_refused(app, client, ctx):
    login(client, make_user("coordinator"))
    response = client.post("/admin/memo_memo/new/", data={"title": "no token"})
    assert response.status_code == 400


def test_wrong_password_is_refused_with_a_message(app, client, ctx):
    user = make_user("coordinator")
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": "wrong", "csrf_token": token})
    assert response.status_code == 401
    assert client.get("/admin/").status_code == 302


def test_sixth_rapid_login_attempt_is_refused(app, client, ctx):
    token = csrf_token(client, "/login")
    codes = [client.post("/login", data={"email": "x@example.com", "password": "bad", "csrf_token": token}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429


def test_session_cookie_replayed_after_logout_no_longer_works(app, client, ctx):
    login(client, make_user("coordinator"))
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/admin/")
    client.post("/logout", data={"csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/admin/").status_code == 302


def test_session_cookie_replayed_after_the_user_is_disabled_no_longer_works(app, client, ctx):
    user = make_user("coordinator")
    login(client, user)
    stolen = client.get_cookie("session").value
    services.set_active(db.session.get(User, user.id), False)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/admin/").status_code == 302


def test_disabling_through_the_users_screen_ends_the_sessions(app, client, ctx):
    target = make_user("coordinator")
    victim_client = app.test_client()
    login(victim_client, target)
    login(client, make_user("admin"))
    page = client.get(f"/admin/user/edit/?id={target.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    role_id = re.search(r'<option selected value="(\d+)"', page) or re.search(r'value="(\d+)" selected', page)
    data = {"csrf_token": token, "email": target.email, "full_name": target.full_name, "language": "it"}
    if role_id:
        data["roles"] = role_id.group(1)
    client.post(f"/admin/user/edit/?id={target.id}", data=data)  # is_active unticked
    db.session.expire_all()
    assert db.session.get(User, target.id).is_active is False
    assert victim_client.get("/admin/").status_code == 302


def test_security_headers_and_cookie_flags(app, client, ctx):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    login(client, make_user("coordinator"))
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_production_config_sets_secure_cookies():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_invitation_link_sets_the_password_once(app, client, ctx):
    user = services.invite_user("new.person@example.com", "Nuova Persona", ["coordinator"])
    link = _link_in_last_email(app)
    path = link.split("localhost", 1)[-1] if "localhost" in link else re.sub(r"^https?://[^/]+", "", link)
    token = csrf_token(client, path)
    response = client.post(path, data={"password": "una-password-lunga-1", "confirm": "una-password-lunga-1",
                                       "csrf_token": token})
    assert response.status_code == 302
    assert services.authenticate(user.email, "una-password-lunga-1") is not None
    assert client.get(path).status_code == 410  # used: the link no longer works


def test_expired_invitation_is_refused(app, client, ctx):
    services.invite_user("late@example.com", "In Ritardo", ["coordinator"])
    path = re.sub(r"^https?://[^/]+", "", _link_in_last_email(app))
    app.config["INVITATION_MAX_AGE"] = -1
    try:
        assert client.get(path).status_code == 410
    finally:
        app.config["INVITATION_MAX_AGE"] = 7 * 24 * 3600


def test_password_reset_does_not_reveal_unknown_addresses(app, client, ctx):
    token = csrf_token(client, "/reset")
    client.post("/reset", data={"email": "nobody@example.com", "csrf_token": token})
    assert app.extensions["distretto"].outbox == []
    user = make_user("coordinator")
    client.post("/reset", data={"email": user.email, "csrf_token": token})
    assert user.email in app.extensions["distretto"].outbox[-1]["To"]


def test_weak_password_is_refused(app, ctx):
    user = make_user("coordinator")
    try:
        services.set_password(user, "short")
    except services.UserError as exc:
        assert "10" in str(exc) or "8" in str(exc)
    else:
        raise AssertionError("a short password was accepted")


def test_organisation_manager_invites_a_colleague_into_the_same_organisation(app, ctx):
    org = OrganisationFactory()
    manager = make_user("shop", organisation=org, is_org_manager=True)
    colleague = services.invite_colleague(manager, "collega@example.com", "Collega")
    assert colleague.organisation_id == org.id and colleague.role_keys == {"shop"}


def test_a_colleague_who_is_not_manager_cannot_invite(app, ctx):
    user = make_user("shop", is_org_manager=False)
    try:
        services.invite_colleague(user, "altro@example.com", "Altro")
    except services.UserError:
        return
    raise AssertionError("a non-manager invited a colleague")


def test_external_user_without_organisation_is_refused(app, ctx):
    try:
        services.create_user("orphan@example.com", "Orfano", ["shop"])
    except services.UserError:
        return
    raise AssertionError("an external user was created without an organisation")


def test_open_redirect_after_login_is_refused(app, client, ctx):
    user = make_user("coordinator")
    token = csrf_token(client, "/login")
    response = client.post("/login?next=//evil.example/", data={"email": user.email, "password": PASSWORD,
                                                                  "csrf_token": token})
    assert response.headers["Location"].endswith("/admin/")


def test_users_create_reads_the_password_from_stdin(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "cli@example.com", "--role", "auditor", "--password-stdin"],
                           input="una-password-sicura\n")
    assert result.exit_code == 0, result.output
    assert services.authenticate("cli@example.com", "una-password-sicura") is not None


def test_users_create_has_no_password_argument(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "x@example.com", "--role", "admin",
                                                "--password", "secret"])
    assert result.exit_code != 0
