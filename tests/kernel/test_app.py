import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY, ProductionConfig
from tests.conftest import make_test_config
from tests.factories import login, make_user


def test_production_refuses_the_default_secret_key():
    config = make_test_config(REFUSE_DEFAULT_SECRET=ProductionConfig.REFUSE_DEFAULT_SECRET,
                              SECRET_KEY=DEFAULT_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret_key():
    create_app(make_test_config(REFUSE_DEFAULT_SECRET=True, SECRET_KEY="a-real-secret-from-the-environment"))


def test_home_page_greets_a_signed_in_coordinator(app, client, ctx):
    user = make_user("coordinator", full_name="Giulia Rossi")
    login(client, user)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Giulia Rossi" in page.get_data(as_text=True)


def test_admin_requires_sign_in(client):
    response = client.get("/admin/user/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
