"""shop_network: shop contracts, providers' welfare transactions and monthly settlements into the fund.

Public API for later modules (observatory): the services below and the models in ``models``.

Contracts (``services.contracts``): ``rate_in_force(organisation_id_or_contract, day)``,
``in_network(organisation_id, day)``, ``rate_history(contract)``, ``rate_periods()`` (a subquery of the signed
rates with their first and next-rate days, for set-based settlements). A valid signature (signatures module)
on a contract activates it; on a rate amendment it makes the rate apply.

Settlements (``services.settlement``): ``compute_drafts(month, organisation_ids=None)``, ``confirm(settlement,
user)``, ``request_payment``, ``record_payment(settlement_or_causale, amount, on, user)``, ``dispute``,
``resolve``, ``send_reminders(as_of)``; statements' PDF and CSV in ``services.statements``.

Imports (``services.importing``): ``start_import(file, provider_id, keep_good_rows, user)`` (stores the CSV and
runs the job ``shop_network.import_transactions``), ``import_file(batch_id)`` (the work itself, for files and
API batches), ``report_rows(batch_id)``, ``save_mapping(provider_id, columns)``; the CLI
``flask shop-network import FILE --provider P.IVA`` and ``POST /api/v1/transactions`` (Idempotency-Key).
"""

from modules.signatures.services import signature_accepted


def _contract_signed(sender, signature, **_kwargs) -> None:
    from .services.contracts import on_signature_accepted

    on_signature_accepted(sender, signature)


signature_accepted.connect(_contract_signed)
