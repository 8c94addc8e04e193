"""(importing commands: to be written.)"""

from . import commands  # noqa: F401
