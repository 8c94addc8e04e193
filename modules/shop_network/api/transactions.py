"""(transactions: to be written.)"""


def register(api) -> None:
    return None
