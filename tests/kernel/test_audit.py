"""Audit: every change of a tracked model is a row; rows are never changed; personal values are not kept."""

import pytest
from sqlalchemy import select, text

from app.audit import AuditLog, AuditLogIsAppendOnly, acting_as, history_for
from app.extensions import db
from memo.models import Memo
from tests.conftest import IS_POSTGRES
from tests.factories import OrganisationFactory, login, make_user


def _rows(obj):
    return {(r.action, r.field): r for r in history_for(obj)}


def test_create_update_delete_write_rows_with_user_and_values(app, ctx):
    user = make_user("coordinator")
    with acting_as(user.id):
        memo = Memo(title="Primo", organisation=OrganisationFactory())
        db.session.add(memo)
        db.session.commit()
        memo.title = "Secondo"
        db.session.commit()
    rows = _rows(memo)
    assert rows[("create", "title")].new == "Primo"
    changed = rows[("update", "title")]
    assert (changed.old, changed.new, changed.user_id) == ("Primo", "Secondo", user.id)
    assert changed.at.tzinfo is not None or not IS_POSTGRES
    memo_id = memo.id
    db.session.delete(memo)
    db.session.commit()
    deleted = db.session.scalars(select(AuditLog).where(AuditLog.record_id == str(memo_id),
                                                        AuditLog.action == "delete")).all()
    assert deleted


def test_personal_fields_are_audited_without_their_values(app, ctx):
    memo = Memo(title="Con nota", private_note="Mario Rossi, via Roma 1", organisation=OrganisationFactory())
    db.session.add(memo)
    db.session.commit()
    row = _rows(memo)[("create", "private_note")]
    assert row.is_redacted and row.old is None and row.new is None
    assert not db.session.scalar(select(AuditLog.id).where(AuditLog.new.contains("Mario Rossi")))


def test_password_hashes_never_reach_the_audit_log(app, ctx):
    user = make_user("coordinator")
    assert not db.session.scalar(select(AuditLog.id).where(AuditLog.new.contains(user.password_hash[:20])))


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(app, ctx):
    OrganisationFactory()
    row = db.session.scalars(select(AuditLog)).first()
    row.new = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditLog)).first())
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_postgresql_refuses_raw_updates_of_audit_rows(app, ctx):
    if not IS_POSTGRES:
        pytest.skip("the database trigger exists on PostgreSQL only")
    OrganisationFactory()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE base_audit_log SET new = 'forged'"))
    db.session.rollback()


def test_no_screen_edits_or_deletes_audit_rows(app, client, ctx):
    OrganisationFactory()
    row_id = db.session.scalar(select(AuditLog.id))
    login(client, make_user("admin"))
    assert client.get(f"/admin/auditlog/edit/?id={row_id}").status_code != 200
    assert client.get("/admin/auditlog/new/").status_code != 200


def test_history_panel_shows_on_the_record(app, client, ctx):
    user = make_user("coordinator")
    memo = Memo(title="Storico", organisation=OrganisationFactory())
    db.session.add(memo)
    db.session.commit()
    memo.title = "Storico bis"
    db.session.commit()
    login(client, user)
    page = client.get(f"/admin/memo_memo/details/?id={memo.id}").get_data(as_text=True)
    assert 'id="history-title"' in page and "Storico bis" in page


def test_the_audit_log_reads_in_words_not_class_names(app, client, ctx):
    from app.audit_labels import field_label, model_label

    admin = make_user("admin", full_name="Anna Amministratrice")
    with acting_as(admin.id):
        organisation = OrganisationFactory(legal_name="Bottega Parole")
        db.session.commit()
    login(client, admin)

    page = client.get("/admin/auditlog/?search=&flt0_0=Organisation").get_data(as_text=True)

    with app.test_request_context():
        assert model_label("Organisation") != "Organisation"
        assert field_label("Organisation", "legal_name") == "Denominazione"
    assert "Denominazione" in page and "legal_name" not in page
    assert "creato" in page
    assert "Anna Amministratrice" in page
    assert organisation.id


def test_the_history_panel_names_fields_and_people(app, client, ctx):
    user = make_user("coordinator", full_name="Carla Coordinatrice")
    with acting_as(user.id):
        memo = Memo(title="Storico", organisation=OrganisationFactory())
        db.session.add(memo)
        db.session.commit()
    login(client, user)

    page = client.get(f"/admin/memo_memo/details/?id={memo.id}").get_data(as_text=True)

    assert "Carla Coordinatrice" in page
    assert "creato" in page
