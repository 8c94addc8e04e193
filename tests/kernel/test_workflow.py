"""Workflow: declared transitions, who may fire them, reasons, guards, read-only final states."""

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.workflow import ReadOnlyRecord, WorkflowError, fire, log_for
from memo.models import Memo
from tests.factories import OrganisationFactory, make_user


@pytest.fixture
def memo(app, ctx):
    """A draft memo; messages are checked in English (the msgids), Italian is tested at the end."""
    record = Memo(title="Da pubblicare", organisation=OrganisationFactory())
    db.session.add(record)
    db.session.commit()
    with force_locale("en"):
        yield record


def test_allowed_transition_changes_state_and_is_logged_and_audited(memo):
    coordinator = make_user("coordinator")
    fire(memo, "publish", coordinator)
    assert memo.state == "published"
    (entry,) = log_for(memo)
    assert (entry.from_state, entry.to_state, entry.user_id) == ("draft", "published", coordinator.id)
    from app.audit import history_for

    assert any(r.field == "state" and r.new == "published" for r in history_for(memo))


def test_transition_from_the_wrong_state_is_refused_with_a_message(memo):
    with pytest.raises(WorkflowError, match="not possible from the state"):
        fire(memo, "archive", make_user("coordinator"), reason="x")


def test_role_without_the_transition_is_refused(memo):
    with pytest.raises(WorkflowError, match="not allowed"):
        fire(memo, "publish", make_user("auditor"))
    assert memo.state == "draft"


def test_reason_is_required_where_declared(memo):
    fire(memo, "publish", make_user("coordinator"))
    with pytest.raises(WorkflowError, match="reason is required"):
        fire(memo, "archive", make_user("coordinator"), reason="  ")


def test_permission_grants_a_transition_and_guards_apply(memo):
    author = make_user("coordinator")
    memo.author_id = author.id
    db.session.commit()
    fire(memo, "publish", author)
    with pytest.raises(WorkflowError, match="Archived by its author"):
        fire(memo, "archive", author, reason="chiuso")
    fire(memo, "archive", make_user("coordinator"), reason="chiuso")
    assert log_for(memo)[0].reason == "chiuso"


def test_final_state_is_read_only(memo):
    coordinator = make_user("coordinator")
    fire(memo, "publish", coordinator)
    fire(memo, "archive", coordinator, reason="fine")
    memo.title = "cambiato"
    with pytest.raises(ReadOnlyRecord):
        db.session.commit()
    db.session.rollback()
    db.session.delete(memo)
    with pytest.raises(ReadOnlyRecord):
        db.session.commit()
    db.session.rollback()


def test_unknown_transition_is_refused(memo):
    with pytest.raises(WorkflowError):
        fire(memo, "explode", make_user("coordinator"))


def test_available_transitions_follow_state_and_user(memo):
    wf = Memo.__workflow__
    assert [t.name for t in wf.available(memo, make_user("coordinator"))] == ["publish"]
    assert wf.available(memo, make_user("auditor")) == []


def test_refusal_messages_are_translated(app, memo):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("it"), pytest.raises(WorkflowError) as refused:
        fire(memo, "publish", make_user("auditor"))
    assert "not allowed" not in str(refused.value)


def test_a_final_record_may_change_only_its_declared_writable_fields(app, ctx, monkeypatch):
    memo = Memo(title="Chiuso", organisation=OrganisationFactory(), state="archived", private_note="da cancellare")
    db.session.add(memo)
    db.session.commit()
    monkeypatch.setattr(Memo, "__final_writable__", frozenset({"private_note"}), raising=False)

    memo.private_note = None
    db.session.commit()
    memo.title = "Cambiato"
    with pytest.raises(ReadOnlyRecord):
        db.session.commit()
    db.session.rollback()
