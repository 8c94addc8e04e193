"""The shop network's business operations, one submodule per subject (the only places that commit):

- ``contracts``: contracts, outlets, rates and amendments, signing, network periods, rate in force;
- ``importing``: providers' transaction files and API batches (COPY into staging, set-based checks);
- ``settlement``: monthly settlements, ledger postings, payments, reminders, disputes;
- ``statements``: the statements' PDF (stored once at confirmation) and CSV.
"""

from . import contracts, importing, settlement, statements

__all__ = ["contracts", "importing", "settlement", "statements"]
