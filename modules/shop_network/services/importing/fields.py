"""What an import reads: our fields, the headers providers use for them, their saved mappings, the problems."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db

from ...models import ProviderMapping

# Our fields: (field, label, required, default headers recognised).
FIELDS = [
    ("provider_tx_id", _l("Transaction id"), True,
     ("id", "id_transazione", "transazione", "codice_transazione", "id_operazione", "codice_operazione",
      "transaction_id", "transaction", "tx_id", "provider_tx_id")),
    ("occurred_at", _l("Date (and time)"), True,
     ("data", "data_ora", "data_e_ora", "data_transazione", "data_operazione", "date", "datetime", "date_time",
      "timestamp", "occurred_at", "transaction_date")),
    ("time", _l("Time"), False, ("ora", "orario", "ora_transazione", "time")),
    ("partita_iva", _l("Shop's partita IVA"), True,
     ("partita_iva", "p_iva", "piva", "partita_iva_esercente", "piva_esercente", "p_iva_esercente",
      "esercente_piva", "vat", "vat_number", "merchant_vat", "merchant_vat_number")),
    ("amount", _l("Gross amount"), True,
     ("importo", "importo_lordo", "importo_euro", "valore", "totale", "amount", "gross_amount")),
    ("kind", _l("Kind (purchase or refund)"), False,
     ("tipo", "tipo_operazione", "tipologia", "operazione", "kind", "type", "transaction_type")),
    ("refund_of_tx_id", _l("Refund of (purchase id)"), False,
     ("rimborso_di", "storno_di", "id_acquisto", "acquisto_originale", "riferimento_acquisto", "refund_of",
      "refund_of_tx_id", "original_transaction_id", "original_id")),
    ("category", _l("Category"), False, ("categoria", "categoria_merceologica", "category")),
    ("redemption", _l("Redemption (voucher, card, direct payment)"), False,
     ("modalita", "modalita_di_utilizzo", "modalita_pagamento", "metodo_pagamento", "strumento",
      "redemption", "payment_method")),
]
FIELD_NAMES = [name for name, _label, _required, _aliases in FIELDS]
FIELD_LABELS = {name: label for name, label, _required, _aliases in FIELDS}
REQUIRED = [name for name, _label, required, _aliases in FIELDS if required]
KINDS = {"purchase": "purchase", "acquisto": "purchase", "vendita": "purchase", "sale": "purchase",
         "refund": "refund", "rimborso": "refund", "storno": "refund", "reso": "refund"}
REDEMPTIONS = {"voucher": "voucher", "buono": "voucher", "buoni": "voucher", "buono acquisto": "voucher",
               "card": "card", "carta": "card", "carta welfare": "card", "carta prepagata": "card",
               "direct": "direct", "direct payment": "direct", "pagamento diretto": "direct", "diretto": "direct"}
MAX_LENGTH = {"provider_tx_id": 64, "refund_of_tx_id": 64, "category": 60}
PROBLEMS = {
    "missing_column": _l("The file has no column for this required field."),
    "bad_file": _l("The file cannot be read as UTF-8 text separated by commas or semicolons."),
    "bad_encoding": _l("The row is not valid text in the file's encoding."),
    "missing_value": _l("Required value missing."),
    "bad_partita_iva": _l("Malformed partita IVA (11 digits with a valid check digit)."),
    "bad_amount": _l("Not an amount (write 1234,56, 1.234,56 or 1234.56)."),
    "too_many_decimals": _l("More than two decimals."),
    "not_positive": _l("A purchase must have a positive amount."),
    "zero_amount": _l("The amount is zero."),
    "bad_date": _l("Not a date (write YYYY-MM-DD or DD/MM/YYYY, optionally with HH:MM[:SS])."),
    "bad_time": _l("Not a time (write HH:MM or HH:MM:SS)."),
    "bad_kind": _l("Unknown kind (purchase/acquisto or refund/rimborso/storno)."),
    "bad_redemption": _l("Unknown redemption (voucher/buono, card/carta or direct payment/pagamento diretto)."),
    "too_long": _l("The value is too long."),
    "refund_of_on_purchase": _l("Only a refund can refer to another transaction."),
    "unknown_purchase": _l("Refund of a purchase that is neither in the file nor already imported."),
    "conflicting_duplicate": _l("The same transaction id appears more than once with different content."),
    "changed_after_import": _l("A transaction with this id was already imported with different content."),
    "not_an_object": _l("Each transaction must be a JSON object."),
}


def message_for(code: str) -> str:
    return str(PROBLEMS.get(code, code))


def normalise_header(value) -> str:
    """ "Partita IVA " -> "partita_iva", "Modalità" -> "modalita": case, accents, spaces and punctuation."""
    folded = unicodedata.normalize("NFKD", str(value or "").strip().lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for sep in (" ", "-", ".", "/", "(", ")", "'"):
        plain = plain.replace(sep, "_")
    return "_".join(part for part in plain.split("_") if part)


def resolve_columns(headers: list[str], mapping: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field (mapping first, then the default headers) and the missing required."""
    position = {}
    for number, header in enumerate(headers):
        position.setdefault(normalise_header(header), number)
    index = {}
    for name, _label, _required, aliases in FIELDS:
        wanted = [normalise_header(mapping[name])] if mapping.get(name) else []
        for candidate in [*wanted, *aliases]:
            if candidate in position:
                index[name] = position[candidate]
                break
    return index, [name for name in REQUIRED if name not in index]


def sniff_delimiter(first_line: str) -> str:
    return max((";", ",", "\t"), key=first_line.count)


def mapping_for(provider_id: int) -> dict[str, str]:
    """The provider's saved mapping (our field → their header), empty if none."""
    saved = db.session.scalar(select(ProviderMapping.columns).where(ProviderMapping.provider_id == provider_id))
    return {key: value for key, value in (saved or {}).items() if key in FIELD_NAMES and value}


def save_mapping(provider_id: int, columns: dict[str, str], user=None) -> ProviderMapping:
    """Save the provider's column names (our field → their header); empty entries are dropped."""
    clean = {name: str(value).strip()[:80] for name, value in columns.items()
             if name in FIELD_NAMES and value and str(value).strip()}
    mapping = db.session.scalar(select(ProviderMapping).where(ProviderMapping.provider_id == provider_id))
    if mapping is None:
        mapping = ProviderMapping(provider_id=provider_id, columns=clean)
        db.session.add(mapping)
    else:
        mapping.columns = clean
    db.session.commit()
    return mapping
