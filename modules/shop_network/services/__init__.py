"""The shop network's business operations, one submodule per subject (the only places that commit):

- ``contracts``: contracts, outlets, rates and amendments, signing, network periods, rate in force;
- ``importing``: providers' transaction files and API batches (COPY into staging, set-based checks);
- ``settlement``: monthly settlements, ledger postings, statements, payments, reminders, disputes.
"""

from . import contracts, importing, settlement

__all__ = ["contracts", "importing", "settlement"]
