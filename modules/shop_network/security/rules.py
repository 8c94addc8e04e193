"""Record rules: a shop sees its own contract, outlets, rates, transactions and statements; a provider its own
imports, mappings, transactions and statements."""

from sqlalchemy import or_, select

from app.security import RecordRule, own_organisation

from ..models import (
    Contract,
    ImportBatch,
    ImportProblem,
    Outlet,
    OutsideRow,
    ProviderMapping,
    Rate,
    Settlement,
    Transaction,
)


def _own_contracts(user):
    return select(Contract.id).where(Contract.organisation_id == user.organisation_id)


def _own_batches(user):
    return select(ImportBatch.id).where(ImportBatch.provider_id == user.organisation_id)


RULES = [
    own_organisation(Contract),
    RecordRule(Outlet, lambda user: Outlet.contract_id.in_(_own_contracts(user)), ("shop",)),
    RecordRule(Rate, lambda user: Rate.contract_id.in_(_own_contracts(user)), ("shop",)),
    RecordRule(ProviderMapping, lambda user: ProviderMapping.provider_id == user.organisation_id, ("provider",)),
    RecordRule(ImportBatch, lambda user: ImportBatch.provider_id == user.organisation_id, ("provider",)),
    RecordRule(ImportProblem, lambda user: ImportProblem.batch_id.in_(_own_batches(user)), ("provider",)),
    RecordRule(OutsideRow, lambda user: OutsideRow.provider_id == user.organisation_id, ("provider",)),
    RecordRule(Transaction, lambda user: or_(Transaction.organisation_id == user.organisation_id,
                                             Transaction.provider_id == user.organisation_id),
               ("shop", "provider")),
    own_organisation(Settlement),
]
