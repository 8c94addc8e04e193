"""axe-core finds nothing serious or critical on the main screens, and the CSP blocks nothing on them."""

from __future__ import annotations

from tests.factories import OrganisationFactory, factories, make_user


def two_memos():
    from memo.models import Memo

    org = OrganisationFactory(legal_name="Bottega Alfa")
    for title in ("Scontrino uno", "Scontrino due"):
        factories()[Memo](organisation=org, title=title)


def test_login_page(page, assert_accessible):
    page.goto("/login")
    assert_accessible()


def test_home_page_of_a_coordinator(app, page, sign_in, assert_accessible):
    with app.app_context():
        email = make_user("coordinator").email
    sign_in(email)
    page.wait_for_url("**/admin/")
    assert_accessible()


def test_memo_list_with_rows_and_its_menus(app, page, sign_in, assert_accessible):
    with app.app_context():
        two_memos()
        email = make_user("coordinator").email
    sign_in(email)
    page.goto("/admin/memo_memo/")
    assert page.locator("table.model-list tbody tr").count() == 2
    assert_accessible()
    page.locator("li:has([data-model-action]) > a.dropdown-toggle").click()  # "with selected"
    page.locator(".nav-tabs .dropdown-menu.show").wait_for()
    assert_accessible()


def test_user_list_of_an_admin_with_a_filter_added(app, page, sign_in, assert_accessible):
    with app.app_context():
        email = make_user("admin").email
        make_user("coordinator")
    sign_in(email)
    page.goto("/admin/user/")
    assert page.locator("table.model-list tbody tr").count() == 2
    assert_accessible()
    page.locator("li:has(.field-filters) > a.dropdown-toggle").click()  # "add filter"
    page.locator("a.filter").first.click()  # stock Flask-Admin wires these with inline handlers
    page.locator("table.filters tr").first.wait_for()
    assert_accessible()


def test_memo_form_and_its_lookup(app, page, sign_in, assert_accessible):
    with app.app_context():
        OrganisationFactory(legal_name="Bottega Alfa")
        email = make_user("coordinator").email
    sign_in(email)
    response = page.goto("/admin/memo_memo/new/")
    assert response.status == 200, f"the create form does not open ({response.status})"
    assert_accessible()
    page.locator("#s2id_author a.select2-choice").click()  # the ajax lookup of the author
    page.locator("#select2-drop").wait_for()
    assert_accessible()
    with page.expect_response(lambda r: "/ajax/lookup/" in r.url):
        page.locator("#select2-drop input.select2-input").fill("nessuno")
    page.wait_for_timeout(100)  # select2 writes its "no matches" line
    assert_accessible()
