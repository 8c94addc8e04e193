"""(settlement: to be written.)"""
