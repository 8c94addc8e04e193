"""shop_network: shop contracts, providers' welfare transactions and monthly settlements into the fund.

Public API for later modules (observatory): ``services`` (to come) and the models in ``models``.
"""
