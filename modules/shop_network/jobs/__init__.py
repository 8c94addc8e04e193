"""Jobs of the shop network: imports (on demand) and the monthly settlement drafts and payment reminders."""

from .importing import SCHEDULE as IMPORT_SCHEDULE
from .settlement import SCHEDULE as SETTLEMENT_SCHEDULE

SCHEDULE = [*IMPORT_SCHEDULE, *SETTLEMENT_SCHEDULE]
