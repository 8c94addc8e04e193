"""(contracts: to be written.)"""
