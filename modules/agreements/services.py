"""The agreements' business rules: text and parties, versions frozen for signature, entry into force,
adhesions, expiry. The only place that commits.

Versions. In draft and negotiation the text and the parties change freely. Opening for signature freezes
version N: its text, its signing parties, a PDF rendered once and stored by the signatures module (with
its SHA-256), and a signature request for every signing party. Once open — or in force — any change of the
text or of the signing parties freezes version N+1 at once: the requests of version N are withdrawn and its
signatures no longer count. The agreement enters into force when every required party of the current
version has a valid signature on it; an agreement in force that is amended stays in force on the version
everybody signed (`in_force_version`) until everybody signs the new one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.documents import render_pdf
from app.extensions import db
from app.models import Role, User
from app.notify import notify
from app.security import has_permission
from app.settings import get_setting
from app.workflow import fire
from modules.signatures import services as signing
from modules.signatures.models import PERMISSION_SIGN, SignableDocument, Signature

from . import text
from .models import (
    PERMISSION_ADHERE,
    PERMISSION_MANAGE,
    ROLES,
    TYPES,
    Adhesion,
    Agreement,
    AgreementParty,
    AgreementTemplate,
    AgreementVersion,
)

VERSIONED_STATES = ("open", "in_force")
EDITABLE_STATES = ("draft", "negotiation", *VERSIONED_STATES)


class AgreementError(ValueError):
    """A refused operation; the message is translated and shown to the user."""


def _require(user, permission: str) -> None:
    if not has_permission(user, permission):
        raise AgreementError(_("You are not allowed to do this."))


def _path(endpoint: str, **values) -> str:
    """A site-relative link, also from jobs (notifications open only local links)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def sheet_url(agreement: Agreement) -> str:
    return _path("agreements_desk.sheet", agreement_id=agreement.id)


# Creating --------------------------------------------------------------------------------------------------
def create_agreement(user, code: str, title: str, type: str = "territorial", start_date: date | None = None,
                     end_date: date | None = None, renewal_notice_days: int | None = None,
                     template: AgreementTemplate | None = None) -> Agreement:
    """A new draft, empty or with the text of `template`."""
    _require(user, PERMISSION_MANAGE)
    code, title = (code or "").strip(), (title or "").strip()
    if not code or not title:
        raise AgreementError(_("Code and title are required."))
    if type not in TYPES:
        raise AgreementError(_("Choose one of the listed types."))
    if db.session.scalar(select(Agreement.id).where(Agreement.code == code)):
        raise AgreementError(_("The code %(code)s is already used by another agreement.", code=code))
    _check_dates(start_date, end_date)
    agreement = Agreement(code=code[:40], title=title[:300], type=type, state="draft", start_date=start_date,
                          end_date=end_date, renewal_notice_days=renewal_notice_days,
                          content=text.normalise(template.content if template else None))
    db.session.add(agreement)
    db.session.commit()
    return agreement


def _check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise AgreementError(_("The end date comes before the start date."))


def save_as_template(agreement: Agreement, name: str, user) -> AgreementTemplate:
    _require(user, PERMISSION_MANAGE)
    name = (name or "").strip()[:200]
    if not name:
        raise AgreementError(_("A name is required."))
    if db.session.scalar(select(AgreementTemplate.id).where(AgreementTemplate.name == name)):
        raise AgreementError(_("A template named %(name)s already exists.", name=name))
    template = AgreementTemplate(name=name, type=agreement.type, content=text.normalise(agreement.content))
    db.session.add(template)
    db.session.commit()
    return template


# Text and parties ------------------------------------------------------------------------------------------
def _editable(agreement: Agreement, user) -> None:
    _require(user, PERMISSION_MANAGE)
    if agreement.state not in EDITABLE_STATES:
        raise AgreementError(_("This agreement is closed and can no longer be changed."))


def set_text(agreement: Agreement, content: dict, user) -> AgreementVersion | None:
    """Replace the text; once open or in force a change freezes the next version (returned)."""
    _editable(agreement, user)
    content = text.normalise(content)
    if agreement.state in VERSIONED_STATES and text.is_empty(content):
        raise AgreementError(_("An agreement open for signature needs a text."))
    agreement.content = content
    return _after_change(agreement, user)


def add_party(agreement: Agreement, user, organisation_id: int, role: str = "signatory", is_required: bool = True,
              signatory_id: int | None = None, signatory_name: str | None = None) -> AgreementParty:
    _editable(agreement, user)
    if role not in ROLES:
        raise AgreementError(_("Choose one of the listed roles."))
    if any(party.organisation_id == organisation_id for party in agreement.parties):
        raise AgreementError(_("This organisation is already a party."))
    party = AgreementParty(organisation_id=organisation_id, role=role, is_required=is_required and role != "adherent",
                           signatory_id=signatory_id, signatory_name=(signatory_name or "").strip()[:200] or None,
                           position=len(agreement.parties), joined_on=date.today() if role == "adherent" else None)
    agreement.parties.append(party)
    db.session.flush()
    _after_change(agreement, user)
    return party


def remove_party(agreement: Agreement, party: AgreementParty, user) -> None:
    _editable(agreement, user)
    agreement.parties.remove(party)
    db.session.flush()
    _after_change(agreement, user)


def live_parties(agreement: Agreement) -> list[dict]:
    return [party.snapshot() for party in agreement.signing_parties]


def terms(agreement: Agreement) -> dict:
    """The agreement's own data its PDF prints besides the text and the parties."""
    return {"title": agreement.title, "start_date": _iso(agreement.start_date), "end_date": _iso(agreement.end_date),
            "renewal_notice_days": agreement.renewal_notice_days}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def live_hash(agreement: Agreement) -> str:
    return text.text_hash(agreement.content, live_parties(agreement), terms(agreement))


def after_edit(agreement: Agreement, user) -> AgreementVersion | None:
    """After the title or the dates changed on the form: a new version if the agreement is open or in force."""
    _check_dates(agreement.start_date, agreement.end_date)
    return _after_change(agreement, user)


def _after_change(agreement: Agreement, user) -> AgreementVersion | None:
    version = None
    current = agreement.version(agreement.current_version)
    if agreement.state in VERSIONED_STATES and (current is None or current.text_sha256 != live_hash(agreement)):
        version = freeze_version(agreement, user)
        _notify_open(agreement, version)
    db.session.commit()
    return version


# Versions --------------------------------------------------------------------------------------------------
def freeze_version(agreement: Agreement, user) -> AgreementVersion:
    """Freeze the live text and signing parties as the next version, store its PDF, ask the parties to sign."""
    parties = live_parties(agreement)
    if not any(party["is_required"] for party in parties):
        raise AgreementError(_("At least one party must be required to sign."))
    previous = agreement.version(agreement.current_version)
    number = max((v.number for v in agreement.versions), default=0) + 1
    content = text.normalise(agreement.content)
    version = AgreementVersion(number=number, title=agreement.title, content=content, parties=parties,
                               text_sha256=text.text_hash(content, parties, terms(agreement)),
                               created_by_id=getattr(user, "id", None))
    agreement.versions.append(version)
    db.session.flush()
    pdf = render_pdf("agreements/agreement_pdf.html", agreement=agreement, version=version, roles=ROLES)
    document = signing.create_document(version, f"{agreement.code} – {agreement.title} (v{number})", pdf,
                                       f"{agreement.code}-v{number}.pdf", user=user)
    version.document_id = document.id
    if previous is not None and previous.document is not None:
        signing.withdraw_requests(previous.document)
    for party in agreement.signing_parties:
        signing.request_signature(document, party.organisation_id, party.signatory_id)
    agreement.current_version = number
    db.session.flush()
    return version


def open_for_signature(agreement: Agreement, user) -> AgreementVersion:
    """Freeze a version (unless the current one has exactly this text) and open it for signature."""
    _editable(agreement, user)
    if text.is_empty(agreement.content):
        raise AgreementError(_("Write the text before opening the agreement for signature."))
    current = agreement.version(agreement.current_version)
    agreement.__workflow__.check(agreement, "open", user, None)
    if current is None or current.text_sha256 != live_hash(agreement) or current.document is None:
        current = freeze_version(agreement, user)
    else:
        _reopen_requests(agreement, current)
    fire(agreement, "open", user, commit=False)
    _notify_open(agreement, current)
    db.session.commit()
    return current


def _reopen_requests(agreement: Agreement, version: AgreementVersion) -> None:
    """Back from negotiation with an unchanged text: the same version, asked again where withdrawn."""
    pending = {r.organisation_id for r in version.document.requests if r.status in ("pending", "signed")}
    for party in agreement.signing_parties:
        if party.organisation_id not in pending:
            signing.request_signature(version.document, party.organisation_id, party.signatory_id)


def transition(agreement: Agreement, name: str, user, reason: str | None = None) -> None:
    """Start the negotiation, go back to it, terminate (with a reason) — checked by the workflow."""
    if name == "open":
        open_for_signature(agreement, user)
        return
    if name == "renegotiate":
        _withdraw_current(agreement)
    fire(agreement, name, user, reason=reason, commit=False)
    db.session.commit()


def _withdraw_current(agreement: Agreement) -> None:
    current = agreement.version(agreement.current_version)
    if current is not None and current.document is not None:
        signing.withdraw_requests(current.document)


# Signatures and entry into force --------------------------------------------------------------------------
@dataclass
class PartyStatus:
    party: AgreementParty
    current: Signature | None = None  # the valid signature on the current version, if any
    earlier: list[Signature] = field(default_factory=list)  # valid on earlier versions: no longer count
    refused: list[Signature] = field(default_factory=list)  # invalid / unverified on the current version

    @property
    def has_signed(self) -> bool:
        return self.current is not None


def _version_of(document_id: int | None, versions: Iterable[AgreementVersion]) -> AgreementVersion | None:
    return next((v for v in versions if v.document_id == document_id), None)


def party_status(agreement: Agreement) -> list[PartyStatus]:
    """Every signing party with its signature on the current version and those on earlier versions."""
    current = agreement.version(agreement.current_version)
    documents = [v.document for v in agreement.versions if v.document is not None]
    by_org: dict[int, PartyStatus] = {p.organisation_id: PartyStatus(p) for p in agreement.signing_parties}
    for signature in signing.signatures_of(documents):
        status = by_org.get(signature.organisation_id)
        if status is None:
            continue
        on_current = current is not None and signature.document_id == current.document_id
        if on_current and signature.is_valid:
            status.current = signature
        elif on_current:
            status.refused.append(signature)
        elif signature.is_valid:
            status.earlier.append(signature)
    return list(by_org.values())


def version_number_of(signature: Signature, agreement: Agreement) -> int | None:
    version = _version_of(signature.document_id, agreement.versions)
    return version.number if version else None


def missing_signatures_refusal(agreement: Agreement) -> str | None:
    """Why the current version is not yet signed by every required party (None: it is)."""
    version = agreement.version(agreement.current_version)
    if version is None or version.document is None:
        return _("No version has been opened for signature yet.")
    signed = {s.organisation_id for s in signing.valid_signatures(version.document)}
    missing = [p["name"] for p in version.parties if p["is_required"] and p["organisation_id"] not in signed]
    if missing:
        return _("Still to sign version %(number)d: %(names)s.", number=version.number, names=", ".join(missing))
    return None


def on_signature_accepted(_sender, signature: Signature) -> None:
    """A valid signature arrived (signatures module): maybe the agreement or an adhesion is now complete."""
    document: SignableDocument = signature.document
    if document.owner_model == AgreementVersion.__name__:
        version = db.session.get(AgreementVersion, document.owner_id)
        if version is not None:
            _version_signed(version)
    elif document.owner_model == Adhesion.__name__:
        adhesion = db.session.get(Adhesion, document.owner_id)
        if adhesion is not None:
            _adhesion_signed(adhesion)


def _version_signed(version: AgreementVersion) -> None:
    agreement = version.agreement
    if version.number != agreement.current_version or missing_signatures_refusal(agreement):
        return
    if agreement.state == "open":
        fire(agreement, "enter_into_force", None, commit=False)
        agreement.in_force_since = date.today()
    elif agreement.state != "in_force" or agreement.in_force_version == version.number:
        return
    agreement.in_force_version = version.number  # an amendment in force: every required party signed it
    _notify_in_force(agreement, version)
    db.session.commit()


# Adhesions -------------------------------------------------------------------------------------------------
def request_adhesion(agreement: Agreement, user, message: str | None = None) -> Adhesion:
    """The user's organisation asks to adhere to an agreement in force."""
    _require(user, PERMISSION_ADHERE)
    if agreement.state != "in_force":
        raise AgreementError(_("Only an agreement in force accepts adhesions."))
    if user.organisation_id is None:
        raise AgreementError(_("Only a user of an organisation can ask to adhere."))
    if any(party.organisation_id == user.organisation_id for party in agreement.parties):
        raise AgreementError(_("Your organisation is already a party to this agreement."))
    if db.session.scalar(select(Adhesion.id).where(Adhesion.agreement_id == agreement.id,
                                                   Adhesion.organisation_id == user.organisation_id,
                                                   Adhesion.state.in_(("requested", "accepted")))):
        raise AgreementError(_("Your organisation has already asked to adhere."))
    adhesion = Adhesion(agreement=agreement, organisation_id=user.organisation_id, state="requested",
                        message=(message or "").strip()[:2000] or None, requested_by_id=user.id)
    db.session.add(adhesion)
    db.session.flush()
    notify(_coordinators(), _l("%(organisation)s asks to adhere to %(code)s"), "agreements/adhesion_requested",
           url=sheet_url(agreement), organisation=str(adhesion.organisation), code=agreement.code)
    db.session.commit()
    return adhesion


def accept_adhesion(adhesion: Adhesion, user) -> Adhesion:
    """The coordinator accepts: the act of adhesion is stored and the organisation is asked to sign it."""
    agreement = adhesion.agreement
    if agreement.state != "in_force":
        raise AgreementError(_("Only an agreement in force accepts adhesions."))
    fire(adhesion, "accept", user, commit=False)
    version = agreement.version(agreement.in_force_version)
    pdf = render_pdf("agreements/adhesion_pdf.html", agreement=agreement, adhesion=adhesion, version=version)
    document = signing.create_document(adhesion, _("Adhesion of %(organisation)s to %(code)s",
                                                   organisation=adhesion.organisation, code=agreement.code),
                                       pdf, f"{agreement.code}-adesione-{adhesion.id}.pdf", user=user)
    adhesion.document_id = document.id
    signature_request = signing.request_signature(document, adhesion.organisation_id)
    notify(_signers([(adhesion.organisation_id, None)]), _l("Sign the adhesion to %(code)s"),
           "agreements/adhesion_accepted", url=signing.sign_url(signature_request), code=agreement.code)
    db.session.commit()
    return adhesion


def reject_adhesion(adhesion: Adhesion, user, reason: str) -> None:
    fire(adhesion, "reject", user, reason=reason, commit=False)
    if adhesion.document is not None:
        signing.withdraw_requests(adhesion.document)
    db.session.commit()


def adhesion_signature_refusal(adhesion: Adhesion) -> str | None:
    if adhesion.document is None or not signing.valid_signatures(adhesion.document):
        return _("The adhesion has not been signed yet.")
    if adhesion.agreement.state != "in_force":
        return _("Only an agreement in force accepts adhesions.")
    return None


def _adhesion_signed(adhesion: Adhesion) -> None:
    if adhesion.state != "accepted" or adhesion_signature_refusal(adhesion):
        return
    adhesion.signed_on = date.today()
    adhesion.agreement.parties.append(AgreementParty(
        organisation_id=adhesion.organisation_id, role="adherent", is_required=False, joined_on=date.today(),
        position=len(adhesion.agreement.parties)))
    fire(adhesion, "complete", None, commit=False)
    db.session.commit()


def adherents(agreement: Agreement) -> list[AgreementParty]:
    return sorted(agreement.adherents, key=lambda party: (party.joined_on or date.min, party.id))


# Differences -----------------------------------------------------------------------------------------------
def diff(older: AgreementVersion, newer: AgreementVersion) -> list[tuple[str, str]]:
    """[(kind, line)] with kind "same", "removed" or "added", line by line of the numbered text."""
    before = text.lines(older.content, older.parties)
    after = text.lines(newer.content, newer.parties)
    kinds = {" ": "same", "-": "removed", "+": "added"}
    return [(kinds[line[0]], line[2:]) for line in difflib.ndiff(before, after) if line[0] in kinds]


# Notifications ---------------------------------------------------------------------------------------------
def _signers(parties: Iterable[tuple[int, int | None]]) -> list[User]:
    """Who signs for each (organisation, designated signatory): the designated one, else its users who may."""
    recipients: list[User] = []
    for organisation_id, signatory_id in parties:
        if signatory_id is not None:
            recipients.append(db.session.get(User, signatory_id))
            continue
        members = db.session.scalars(select(User).where(User.organisation_id == organisation_id,
                                                        User.is_active.is_(True)))
        recipients += [member for member in members if has_permission(member, PERMISSION_SIGN)]
    return [user for user in recipients if user is not None]


def _coordinators() -> list[User]:
    stmt = select(User).where(User.is_active.is_(True), User.roles.any(Role.key == "coordinator"))
    return list(db.session.scalars(stmt))


def _party_signers(agreement: Agreement) -> list[User]:
    return _signers((p.organisation_id, p.signatory_id) for p in agreement.signing_parties)


def _notify_open(agreement: Agreement, version: AgreementVersion) -> None:
    notify(_party_signers(agreement), _l("%(code)s: version %(number)s is open for signature"), "agreements/opened",
           url=sheet_url(agreement), code=agreement.code, number=version.number, title=agreement.title)


def _notify_in_force(agreement: Agreement, version: AgreementVersion) -> None:
    notify(_party_signers(agreement) + _coordinators(), _l("%(code)s is in force (version %(number)s)"),
           "agreements/in_force", url=sheet_url(agreement), code=agreement.code, number=version.number,
           title=agreement.title)


# Expiry (scheduled) ----------------------------------------------------------------------------------------
def run_expiry(as_of: date) -> dict:
    """Remind the parties `agreements.expiry_notice_days` before the end date (once per end date) and expire
    agreements whose end date has passed. Idempotent: a second run for the same date changes nothing."""
    days = get_setting("agreements.expiry_notice_days")
    reminded = expired = 0
    stmt = select(Agreement).where(Agreement.state == "in_force", Agreement.end_date.is_not(None))
    for agreement in db.session.scalars(stmt.order_by(Agreement.id)).all():
        if agreement.end_date < as_of:
            fire(agreement, "expire", None, reason=_("End date %(date)s passed.", date=agreement.end_date.isoformat()),
                 commit=False)
            expired += 1
        elif agreement.end_date - timedelta(days=days) <= as_of and agreement.expiry_notice_for != agreement.end_date:
            notify(_party_signers(agreement) + _coordinators(), _l("%(code)s expires on %(date)s"),
                   "agreements/expiring", url=sheet_url(agreement), code=agreement.code, title=agreement.title,
                   date=agreement.end_date.strftime("%d/%m/%Y"))
            agreement.expiry_notice_for = agreement.end_date
            reminded += 1
    db.session.commit()
    return {"reminded": reminded, "expired": expired}


# Reading ---------------------------------------------------------------------------------------------------
def public_agreements() -> list[Agreement]:
    """Agreements in force, for the public page (no login)."""
    stmt = select(Agreement).where(Agreement.state == "in_force").order_by(Agreement.in_force_since.desc(),
                                                                           Agreement.code)
    return list(db.session.scalars(stmt))


def templates() -> list[AgreementTemplate]:
    return list(db.session.scalars(select(AgreementTemplate).order_by(AgreementTemplate.name)))


def party_of(agreement: Agreement, organisation_id: int | None) -> AgreementParty | None:
    return next((p for p in agreement.parties if p.organisation_id == organisation_id), None)


def my_request(agreement: Agreement, user):
    """The user's open signature request on the current version (for the "Sign" button), or None."""
    version = agreement.version(agreement.current_version)
    if version is None or version.document is None or agreement.state not in VERSIONED_STATES:
        return None
    for found in version.document.requests:
        if found.status == "pending" and signing.may_sign(user, found):
            return found
    return None


def open_adhesion_of(agreement: Agreement, organisation_id: int | None) -> Adhesion | None:
    if organisation_id is None:
        return None
    stmt = select(Adhesion).where(Adhesion.agreement_id == agreement.id, Adhesion.organisation_id == organisation_id,
                                  or_(Adhesion.state == "requested", Adhesion.state == "accepted"))
    return db.session.scalar(stmt)
