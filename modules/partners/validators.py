"""Field validators of the organisations registry: normalise a value or refuse it naming the field.

Each function takes what a person typed (or a spreadsheet cell) and returns the canonical value
(None for an empty one), or raises InvalidValue with a translated message that names the field,
so the admin form, the import report and the API all say the same thing.
"""

from __future__ import annotations

import re

import ateco
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.it import codicefiscale, iva

RUNTS_SECTION_KEYS = ("a", "b", "c", "d", "e", "f", "g")
_REA = re.compile(r"([A-Z]{2})[-/ ]*(\d{1,7})")
_PHONE = re.compile(r"[0-9+()./ -]{4,40}")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*\.[^\s]{2,}", re.IGNORECASE)


class InvalidValue(ValueError):
    """A value refused by its field's rules; `str(exc)` is the translated message."""


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _compact(value) -> str:
    return re.sub(r"[\s.\-:/]", "", _text(value)).upper()


def text(value, max_length: int = 200) -> str | None:
    """Free text: trimmed, empty is None, at most `max_length` characters."""
    cleaned = re.sub(r"\s+", " ", _text(value))
    if len(cleaned) > max_length:
        raise InvalidValue(_("At most %(n)d characters.", n=max_length))
    return cleaned or None


def partita_iva(value) -> str | None:
    """"IT 0123 4567 897" -> "01234567897"; check digit and tax office code checked."""
    number = _compact(value)
    if not number:
        return None
    try:
        return iva.validate(number)
    except (InvalidFormat, InvalidLength) as exc:
        raise InvalidValue(_("Partita IVA is not valid: it must have 11 digits.")) from exc
    except InvalidComponent as exc:
        raise InvalidValue(
            _("Partita IVA is not valid: the tax office code (digits 8 to 10) does not exist.")) from exc
    except InvalidChecksum as exc:
        raise InvalidValue(_("Partita IVA is not valid: wrong check digit.")) from exc


def codice_fiscale(value) -> str | None:
    """An organisation's codice fiscale: 11 digits (like a partita IVA) or 16 characters (sole trader)."""
    number = _compact(value)
    if not number:
        return None
    if number.startswith("IT") and len(number) == 13 and number[2:].isdigit():
        number = number[2:]
    if len(number) == 11:
        return _numeric_codice_fiscale(number)
    if len(number) != 16:
        raise InvalidValue(_("Codice fiscale is not valid: it must have 11 digits or 16 characters."))
    return _personal_codice_fiscale(number, legal_rep=False)


def _numeric_codice_fiscale(number: str) -> str:
    try:
        return iva.validate(number)
    except (InvalidFormat, InvalidLength) as exc:
        raise InvalidValue(
            _("Codice fiscale is not valid: it must have 11 digits or 16 characters.")) from exc
    except InvalidComponent as exc:
        raise InvalidValue(
            _("Codice fiscale is not valid: the tax office code (digits 8 to 10) does not exist.")) from exc
    except InvalidChecksum as exc:
        raise InvalidValue(_("Codice fiscale is not valid: wrong check digit.")) from exc


def _personal_codice_fiscale(number: str, legal_rep: bool) -> str:
    try:
        return codicefiscale.validate(number)
    except InvalidChecksum as exc:
        message = (_("Legal representative's codice fiscale is not valid: wrong check character.")
                   if legal_rep else _("Codice fiscale is not valid: wrong check character."))
        raise InvalidValue(message) from exc
    except ValidationError as exc:
        message = (_("Legal representative's codice fiscale is not valid: wrong format.") if legal_rep
                   else _("Codice fiscale is not valid: wrong format."))
        raise InvalidValue(message) from exc


def personal_codice_fiscale(value) -> str | None:
    """A person's codice fiscale (the legal representative): 16 characters."""
    number = _compact(value)
    if not number:
        return None
    if len(number) != 16:
        raise InvalidValue(
            _("Legal representative's codice fiscale is not valid: it must have 16 characters."))
    return _personal_codice_fiscale(number, legal_rep=True)


def iban(value) -> str | None:
    """Stored compact and upper case: "it60 x054 2811…" -> "IT60X0542811…"."""
    number = _compact(value)
    if not number:
        return None
    try:
        return stdnum_iban.validate(number)
    except InvalidChecksum as exc:
        raise InvalidValue(_("IBAN is not valid: wrong check digits.")) from exc
    except ValidationError as exc:
        raise InvalidValue(_("IBAN is not valid: wrong length or format for its country.")) from exc


def ateco_code(value) -> str | None:
    """A six-digit ATECO 2025 subcategory, stored dotted: "472410" -> "47.24.10"."""
    raw = _text(value).replace(" ", "")
    if not raw:
        return None
    try:
        node = ateco.lookup(raw, edition="2025")
    except ValueError:
        node = None
    if node is None:
        raise InvalidValue(_("ATECO 2025 code is not valid: %(code)s is not in the 2025 classification.",
                             code=raw))
    if node.level != "subcategory":
        raise InvalidValue(_("ATECO 2025 code is not valid: give the six-digit subcategory, e.g. 47.24.10."))
    return node.code


def ateco_title(code: str | None) -> str:
    """The Italian title of an ATECO 2025 code ("" if unknown)."""
    node = ateco.lookup(code, edition="2025") if code else None
    return node.title if node else ""


def pec(value) -> str | None:
    address = _text(value)
    if not address:
        return None
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidValue(_("PEC is not valid: it is not an e-mail address.")) from exc


def email(value) -> str | None:
    address = _text(value)
    if not address:
        return None
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidValue(_("E-mail is not valid.")) from exc


def rea(value) -> str | None:
    """The REA number as "OR-123456" (province of the chamber of commerce, number)."""
    raw = _text(value).upper()
    if not raw:
        return None
    match = _REA.fullmatch(raw)
    if not match:
        raise InvalidValue(_("REA number is not valid: write the province and the number, e.g. OR-123456."))
    return f"{match.group(1)}-{match.group(2)}"


def runts_section(value) -> str | None:
    """A letter a–g (art. 46 of the Third Sector Code); "a)" and "A" are accepted too."""
    raw = _text(value).lower().rstrip(")").strip()
    if not raw:
        return None
    if raw not in RUNTS_SECTION_KEYS:
        raise InvalidValue(_("RUNTS section is not valid: choose a letter from a to g."))
    return raw


def runts_number(value) -> str | None:
    raw = _text(value)
    if raw.endswith(".0") and raw[:-2].isdigit():  # a spreadsheet number cell
        raw = raw[:-2]
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidValue(_("RUNTS number is not valid: digits only (at most 12)."))
    return raw


def cap(value) -> str | None:
    raw = _text(value)
    if raw.isdigit() and len(raw) < 5:  # a spreadsheet ate the leading zeros
        raw = raw.zfill(5)
    if not raw:
        return None
    if not (raw.isdigit() and len(raw) == 5):
        raise InvalidValue(_("CAP is not valid: it must have 5 digits."))
    return raw


def phone(value) -> str | None:
    raw = re.sub(r"\s+", " ", _text(value))
    if not raw:
        return None
    if not _PHONE.fullmatch(raw) or sum(ch.isdigit() for ch in raw) < 4:
        raise InvalidValue(_("Phone number is not valid: use digits, spaces and +."))
    return raw


def website(value) -> str | None:
    raw = _text(value)
    if not raw:
        return None
    if not re.match(r"https?://", raw, re.IGNORECASE):
        raw = "https://" + raw
    if len(raw) > 300 or not _URL.fullmatch(raw):
        raise InvalidValue(_("Website is not valid: write an address such as https://www.example.it."))
    return raw
