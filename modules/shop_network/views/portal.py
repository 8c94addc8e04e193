"""(portal: to be written.)"""

from . import bp  # noqa: F401
