"""(contracts: to be written.)"""


def register(admin) -> None:
    return None
