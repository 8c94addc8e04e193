"""The shop network's models: contracts (with outlets, categories, platforms, dated rates and network periods),
transactions and their imports, monthly settlements."""

from .contract import (
    CONTRACT_STATES,
    RATE_STATUSES,
    Contract,
    NetworkPeriod,
    Outlet,
    Rate,
    ShopCategory,
    contract_categories,
    contract_platforms,
)
from .settlement import SETTLED_STATES, SETTLEMENT_KINDS, SETTLEMENT_STATES, Settlement
from .transaction import (
    BATCH_STATUSES,
    REDEMPTIONS,
    TRANSACTION_KINDS,
    ImportBatch,
    ImportProblem,
    OutsideRow,
    ProviderMapping,
    Transaction,
)

__all__ = [
    "BATCH_STATUSES",
    "CONTRACT_STATES",
    "RATE_STATUSES",
    "REDEMPTIONS",
    "SETTLED_STATES",
    "SETTLEMENT_KINDS",
    "SETTLEMENT_STATES",
    "TRANSACTION_KINDS",
    "ShopCategory",
    "Contract",
    "ImportBatch",
    "ImportProblem",
    "NetworkPeriod",
    "Outlet",
    "OutsideRow",
    "ProviderMapping",
    "Rate",
    "Settlement",
    "Transaction",
    "contract_categories",
    "contract_platforms",
]
