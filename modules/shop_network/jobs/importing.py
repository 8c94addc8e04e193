"""(importing jobs: to be written.)"""

SCHEDULE: list[dict] = []
