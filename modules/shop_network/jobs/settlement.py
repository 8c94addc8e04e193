"""(settlement jobs: to be written.)"""

SCHEDULE: list[dict] = []
