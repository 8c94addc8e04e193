"""Uploads: kinds checked by content, size enforced while streaming, server-side names, history, download."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import request
from flask_babel import force_locale, gettext
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Organisation
from app.uploads import (
    _USES,
    CHUNK,
    FORM_OVERHEAD,
    MB,
    UnknownUse,
    Upload,
    UploadRejected,
    UploadTooLarge,
    _request_limit,
    accepts,
    format_size,
    history,
    register_owner,
    register_use,
    replace,
    sanitise_filename,
    save_upload,
    sniff,
    unregister_owner,
)
from memo.models import Memo
from tests.factories import OrganisationFactory, login, make_user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"DOS stub"


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(out, kind)
    return out.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active.append(["data", "importo"])
    book.save(out)
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "ciao")
    return out.getvalue()


def _file(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    """A private UPLOAD_FOLDER and the test's uses; Memo files are readable through the record rules."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    register_use("memo.attachment", {"pdf", "jpeg", "png"})
    register_use("memo.tiny", {"pdf"}, max_bytes=1024)
    register_use("memo.sheet", {"xlsx", "csv"})
    register_owner(Memo)
    yield folder
    unregister_owner(Memo)


def _stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("statuto.pdf", PDF, "application/pdf"),
    ("foto.png", _image("PNG"), "image/png"),
    ("foto.jpg", _image("JPEG"), "image/jpeg"),
])
def test_a_real_pdf_png_or_jpeg_is_accepted_and_stored_intact(app, ctx, storage, name, data, content_type):
    upload = save_upload("memo.attachment", _file(data, name))
    db.session.commit()
    assert (upload.content_type, upload.size, upload.original_name) == (content_type, len(data), name)
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    (stored,) = _stored_files(storage)
    assert stored.read_bytes() == data


def test_the_content_type_comes_from_the_bytes_not_from_the_name(app, ctx, storage):
    upload = save_upload("memo.attachment", _file(_image("PNG"), "scansione.pdf"))
    assert upload.content_type == "image/png"


def test_a_renamed_executable_is_refused_and_nothing_is_kept(app, ctx, storage):
    with force_locale("it"):
        with pytest.raises(UploadRejected) as refused:
            save_upload("memo.attachment", _file(EXE, "fattura.pdf"))
        assert str(refused.value) == gettext("The file is not a %(kinds)s.", kinds="JPEG, PDF o PNG")
    assert _stored_files(storage) == []
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def test_an_empty_file_is_refused(app, ctx, storage):
    with pytest.raises(UploadRejected):
        save_upload("memo.attachment", _file(b"", "vuoto.pdf"))
    assert _stored_files(storage) == []


class EndlessPdf(io.RawIOBase):
    """A never-ending upload that remembers how much of it was read."""

    def __init__(self):
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        head = b"%PDF-1.4\n" if self.served == 0 else b""
        chunk = head + b"0" * (len(buffer) - len(head))
        buffer[: len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)


def test_an_oversize_file_is_refused_while_streaming(app, ctx, storage):
    endless = EndlessPdf()
    with force_locale("it"):
        with pytest.raises(UploadTooLarge) as refused:
            save_upload("memo.tiny", io.BufferedReader(endless), filename="enorme.pdf")
        assert str(refused.value) == gettext("The file exceeds the %(limit)s limit.", limit="1 KB")
    assert endless.served <= 1024 + 2 * CHUNK  # stopped at the limit, not at the end of the file
    assert _stored_files(storage) == []


def test_the_default_limit_comes_from_upload_max_bytes(app, ctx, storage, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 2048)
    with pytest.raises(UploadTooLarge):
        save_upload("memo.attachment", _file(PDF + b"0" * 2048, "grande.pdf"))
    assert save_upload("memo.attachment", _file(PDF + b"0" * 1000, "piccolo.pdf")).size == len(PDF) + 1000


def test_limits_read_in_the_readers_language(app):
    with app.test_request_context(), force_locale("it"):
        assert format_size(10 * MB) == "10 MB"
        assert format_size(1536 * 1024) == "1,5 MB"
    with app.test_request_context(), force_locale("en"):
        assert format_size(1536 * 1024) == "1.5 MB"


def test_requests_carry_a_default_upload_and_little_more(app):
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["UPLOAD_MAX_BYTES"] + FORM_OVERHEAD
    assert max(use.max_bytes or 0 for use in _USES.values()) > app.config["MAX_CONTENT_LENGTH"]  # exports


def test_a_view_that_accepts_a_use_takes_requests_as_large_as_its_files(app, monkeypatch):
    register_use("memo.huge", {"pdf"}, max_bytes=64 * MB)
    monkeypatch.setitem(app.view_functions, "test_huge", accepts("memo.huge", "memo.attachment")(lambda: ""))
    with app.test_request_context("/", method="POST"):
        _request_limit("test_huge", None)
        assert request.max_content_length == 64 * MB + FORM_OVERHEAD
    with app.test_request_context("/", method="POST"):
        _request_limit("files.download", None)
        assert request.max_content_length == app.config["MAX_CONTENT_LENGTH"]


def test_files_land_under_upload_folder_with_a_server_made_name(app, ctx, storage):
    upload = save_upload("memo.attachment", _file(PDF, "../../etc/passwd.pdf"))
    assert re.fullmatch(r"memo\.attachment/\d{4}/[0-9a-f]{32}", upload.storage_path)
    assert "passwd" not in upload.storage_path and ".." not in upload.storage_path
    assert upload.original_name == "passwd.pdf"
    (stored,) = _stored_files(storage)
    assert stored.resolve().is_relative_to(storage.resolve())
    assert not stored.resolve().is_relative_to(Path(app.static_folder).resolve())


@pytest.mark.parametrize(("raw", "clean"), [
    ("C:\\Users\\mario\\Fattura 03.pdf", "Fattura 03.pdf"),
    ("../../etc/passwd", "passwd"),
    ("relazione\x00<script>.pdf", "relazione_script_.pdf"),
    ("Attività  è   svolta.pdf", "Attività è svolta.pdf"),
    ("...", "file"),
    (None, "file"),
])
def test_client_filenames_are_kept_only_as_sanitised_metadata(raw, clean):
    assert sanitise_filename(raw) == clean


def test_spreadsheets_and_csv_are_told_apart_from_other_archives(app, ctx, storage):
    sheet = save_upload("memo.sheet", _file(_xlsx(), "movimenti.xlsx"))
    assert sheet.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    italian_csv = "data;importo\n01/03/2026;1.200,00 €\n".encode("cp1252")
    assert save_upload("memo.sheet", _file(italian_csv, "movimenti.csv")).content_type == "text/csv"
    with pytest.raises(UploadRejected):
        save_upload("memo.sheet", _file(_zip(), "movimenti.xlsx"))
    with pytest.raises(UploadRejected):
        save_upload("memo.sheet", _file(EXE, "movimenti.csv"))


def test_sniffing_reads_magic_bytes():
    assert sniff(PDF) == "pdf"
    assert sniff(_image("PNG")) == "png"
    assert sniff(_image("JPEG")) == "jpeg"
    assert sniff(EXE) == "unknown"
    assert sniff(b"a;b\n1;2\n") == "text"


def test_an_unregistered_use_is_a_programming_error(app, ctx, storage):
    with pytest.raises(UnknownUse):
        save_upload("memo.nope", _file(PDF, "x.pdf"))


def test_replacing_a_file_keeps_the_old_one_as_history(app, ctx, storage):
    memo = Memo(title="Bilancio", organisation=OrganisationFactory())
    db.session.add(memo)
    db.session.flush()
    first = save_upload("memo.attachment", _file(PDF, "v1.pdf"), owner=memo)
    second = replace(first, _file(_image("PNG"), "v2.png"))
    db.session.commit()
    assert (second.previous_id, first.replaced_by_id) == (first.id, second.id)
    assert (second.owner_model, second.owner_id, second.use) == ("Memo", memo.id, "memo.attachment")
    assert history(first) == history(second) == [second, first]
    assert len(_stored_files(storage)) == 2
    with pytest.raises(UploadRejected):
        replace(first, _file(PDF, "v3.pdf"))


# Download ----------------------------------------------------------------------------------------------
def _memo_with_file(app, name: str = "verbale.pdf", data: bytes = PDF) -> tuple[int, int]:
    """A memo of a new organisation with one attached file; returns (organisation id, upload id)."""
    with app.app_context():
        memo = Memo(title="Verbale", organisation=OrganisationFactory())
        db.session.add(memo)
        db.session.flush()
        upload = save_upload("memo.attachment", _file(data, name), owner=memo)
        db.session.commit()
        return memo.organisation_id, upload.id


def _sign_in(app, client, role: str, organisation_id: int | None = None) -> None:
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
        email = make_user(role, organisation=organisation).email
    login(client, SimpleNamespace(email=email))


def test_the_owners_readers_download_it_as_an_attachment(app, client, storage):
    organisation_id, upload_id = _memo_with_file(app)
    _sign_in(app, client, "shop", organisation_id)
    response = client.get(f"/files/{upload_id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=verbale.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_a_non_ascii_name_is_sent_the_rfc_5987_way(app, client, storage):
    organisation_id, upload_id = _memo_with_file(app, "relazione attività.pdf")
    _sign_in(app, client, "coordinator")
    disposition = client.get(f"/files/{upload_id}").headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''relazione%20attivit%C3%A0.pdf" in disposition


def test_another_organisations_user_gets_404(app, client, storage):
    _organisation_id, upload_id = _memo_with_file(app)
    _sign_in(app, client, "shop")  # a shop of another organisation
    assert client.get(f"/files/{upload_id}").status_code == 404


def test_a_role_without_access_to_the_owner_gets_404(app, client, storage):
    _organisation_id, upload_id = _memo_with_file(app)
    _sign_in(app, client, "municipality")  # no access row for Memo at all
    assert client.get(f"/files/{upload_id}").status_code == 404


def test_files_without_a_known_owner_are_never_served(app, client, storage):
    with app.app_context():
        unowned = save_upload("memo.attachment", _file(PDF, "orfano.pdf"))
        foreign = save_upload("memo.attachment", _file(PDF, "altro.pdf"))
        foreign.owner_model, foreign.owner_id = "NoSuchModel", 1
        db.session.commit()
        ids = [unowned.id, foreign.id, foreign.id + 100]
    _sign_in(app, client, "admin")
    assert [client.get(f"/files/{i}").status_code for i in ids] == [404, 404, 404]


def test_anonymous_visitors_are_sent_to_sign_in(app, client, storage):
    _organisation_id, upload_id = _memo_with_file(app)
    response = client.get(f"/files/{upload_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
