"""Documents through the kernel's uploads: PDF, JPEG or PNG by content, size limit, dates, replacement."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.uploads import Upload, absolute_path
from modules.accreditation import services
from modules.accreditation.models import Document
from modules.accreditation.requirements import current_documents
from tests.factories import make_user
from tests.modules.accreditation.helpers import EXE, approved, coordinator, draft, pdf, seeded_type

ISSUED = date(2026, 1, 10)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _durc(application, user, file, issued=ISSUED, on=ISSUED):
    return services.add_document(application, seeded_type("durc").id, issued, file, user, on=on)


def test_a_durc_is_stored_with_its_expiry_under_a_server_made_name(app, ctx, storage):
    application, user = draft()
    document = _durc(application, user, pdf("DURC gennaio.pdf"))
    assert (document.issue_date, document.expiry_date) == (ISSUED, date(2026, 5, 10))
    upload = document.upload
    assert upload.original_name == "DURC gennaio.pdf" and upload.content_type == "application/pdf"
    assert (upload.owner_model, upload.owner_id) == ("Application", application.id)
    path = absolute_path(upload)
    assert path.is_relative_to(storage) and "DURC" not in path.name and "static" not in path.parts


def test_a_png_photo_of_a_document_is_accepted(app, ctx, storage):
    application, user = draft()
    document = _durc(application, user, pdf("durc.png", _png()))
    assert document.upload.content_type == "image/png"


def test_a_renamed_executable_is_refused_and_nothing_is_kept(app, ctx, storage, italian):
    application, user = draft()
    with pytest.raises(services.DocumentInvalid, match="tipo ammesso"):
        _durc(application, user, pdf("durc.pdf", EXE))
    assert db.session.scalar(select(func.count(Upload.id))) == 0
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert not any(p.is_file() for p in storage.rglob("*"))


def test_an_oversize_file_is_refused(app, ctx, storage, monkeypatch, italian):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)  # the limit is configurable; 10 MB by default
    application, user = draft()
    with pytest.raises(services.DocumentInvalid, match="1 KB"):
        _durc(application, user, pdf("durc.pdf", b"%PDF-1.4\n" + b"0" * 2000))
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_the_default_size_limit_is_ten_megabytes(app):
    assert app.config["UPLOAD_MAX_BYTES"] == 10 * 1024 * 1024


@pytest.mark.parametrize(("issued", "on", "message"), [
    (date(2026, 2, 1), date(2026, 1, 31), "futur"),
    (date(2025, 9, 1), date(2026, 1, 31), "già scaduto|already expired"),
])
def test_impossible_issue_dates_are_refused(app, ctx, storage, issued, on, message):
    application, user = draft()
    with pytest.raises(services.DocumentInvalid, match=message):
        _durc(application, user, pdf(), issued=issued, on=on)


def test_a_document_type_the_scheme_does_not_ask_for_is_refused(app, ctx, storage):
    application, user = draft(expected_contract_value=100)  # below the threshold: no informazione antimafia
    with pytest.raises(services.DocumentInvalid):
        services.add_document(application, seeded_type("informazione_antimafia").id, ISSUED, pdf(), user, on=ISSUED)


def test_the_informazione_antimafia_is_required_only_above_the_threshold(app, ctx, storage):
    from modules.accreditation.requirements import required_types

    below, _user = draft(expected_contract_value=Decimal("150000.00"))
    above, _other = draft(expected_contract_value=Decimal("150000.01"))
    assert "informazione_antimafia" not in [kind.key for kind in required_types(below)]
    assert "informazione_antimafia" in [kind.key for kind in required_types(above)]


def test_a_replacement_keeps_the_old_document_in_the_history(app, ctx, storage):
    reviewer = coordinator()
    application, user = approved(reviewer)
    old = current_documents(application)[seeded_type("durc").id]
    new = _durc(application, user, pdf("durc maggio.pdf"), issued=date(2026, 5, 2), on=date(2026, 5, 2))
    assert current_documents(application)[seeded_type("durc").id].id == new.id
    db.session.refresh(old)
    assert old.replaced_by_id == new.id and new.previous_id == old.id
    assert old.upload.replaced_by_id == new.upload_id  # the kernel keeps the file's history too
    assert [d.id for d in services.document_history(new)] == [new.id, old.id]
    assert absolute_path(old.upload).is_file()


def test_documents_cannot_be_added_while_the_application_is_reviewed(app, ctx, storage):
    from tests.modules.accreditation.helpers import submitted

    application, user = submitted(on=date(2026, 1, 20))
    with pytest.raises(services.DocumentInvalid):
        _durc(application, user, pdf(), issued=date(2026, 1, 15), on=date(2026, 1, 20))


def test_a_role_without_create_access_cannot_add_documents(app, ctx, storage):
    from app.security import AccessDenied

    application, _user = draft()
    with pytest.raises(AccessDenied):
        _durc(application, make_user("auditor"), pdf())
