"""(importing: to be written.)"""
