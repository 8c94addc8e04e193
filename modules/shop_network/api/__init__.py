"""API of the shop network: providers push transactions; shops and providers read their statements."""


def register(api) -> None:
    from . import statements, transactions

    transactions.register(api)
    statements.register(api)
