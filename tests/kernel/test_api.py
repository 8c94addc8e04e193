"""API base: tokens (stored hashed, revocable), JSON errors, OpenAPI document, scoped resources."""

import hashlib

from sqlalchemy import select

from app.api.tokens import ApiToken, create_token, revoke_token
from app.extensions import db
from tests.factories import OrganisationFactory, csrf_token, login, make_user


def _auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_me_answers_with_the_tokens_user(app, client, ctx):
    user = make_user("provider")
    _token, secret = create_token(user, "gestionale")
    body = client.get("/api/v1/me", headers=_auth(secret)).get_json()
    assert body["email"] == user.email and body["roles"] == ["provider"]


def test_tokens_are_stored_hashed(app, ctx):
    user = make_user("provider")
    token, secret = create_token(user, "x")
    stored = db.session.scalar(select(ApiToken.token_hash).where(ApiToken.id == token.id))
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored


def test_missing_wrong_and_revoked_tokens_get_json_401(app, client, ctx):
    user = make_user("provider")
    token, secret = create_token(user, "x")
    assert client.get("/api/v1/me").status_code == 401
    wrong = client.get("/api/v1/me", headers=_auth("dst_wrong"))
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == 401
    revoke_token(token)
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 401


def test_disabled_users_token_stops_working(app, client, ctx):
    user = make_user("provider")
    _token, secret = create_token(user, "x")
    user.is_active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 401


def test_unknown_api_path_is_a_json_404(app, client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == 404


def test_organisations_are_scoped_for_external_users(app, client, ctx):
    own = OrganisationFactory(legal_name="Mia Bottega")
    OrganisationFactory(legal_name="Altra Bottega")
    user = make_user("shop", organisation=own)
    _token, secret = create_token(user, "x")
    names = [o["legal_name"] for o in client.get("/api/v1/organisations", headers=_auth(secret)).get_json()["items"]]
    assert names == ["Mia Bottega"]


def test_organisations_page_and_cap_per_page(app, client, ctx):
    for _ in range(3):
        OrganisationFactory()
    _token, secret = create_token(make_user("coordinator"), "x")
    body = client.get("/api/v1/organisations?per_page=2&page=2", headers=_auth(secret)).get_json()
    assert body["total"] == 3 and len(body["items"]) == 1 and body["per_page"] == 2
    capped = client.get("/api/v1/organisations?per_page=100000", headers=_auth(secret)).get_json()
    assert capped["per_page"] == 100
    assert client.get("/api/v1/organisations?page=abc", headers=_auth(secret)).status_code == 400


def test_openapi_document_lists_every_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/me", "/api/v1/organisations", "/api/v1/memos", "/api/v1/memos/{memo_id}"} <= set(doc["paths"])
    assert doc["paths"]["/api/v1/memos/{memo_id}"]["get"]["parameters"][0]["in"] == "path"


def test_tokens_are_created_and_revoked_in_the_profile_page(app, client, ctx):
    user = make_user("provider")
    login(client, user)
    page = client.post("/admin/profile/", data={"token-name": "Gestionale", "token-csrf_token":
                                                csrf_token(client, "/admin/profile/")})
    secret = page.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 200
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    client.post(f"/admin/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/admin/profile/")})
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 401


def test_another_users_token_cannot_be_revoked(app, client, ctx):
    victim_token, secret = create_token(make_user("provider"), "x")
    login(client, make_user("provider"))
    response = client.post(f"/admin/profile/tokens/{victim_token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/admin/profile/")})
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 200
