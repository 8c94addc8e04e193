"""The import's log, and how long each of its steps takes (``--steps`` in bench/import_transactions.py)."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

log = logging.getLogger("distretto.shop_network.import")


@contextmanager
def timed(what: str):
    """Log how long the block took, at DEBUG level."""
    started = time.perf_counter()
    yield
    log.debug("%.3f s %s", time.perf_counter() - started, what)
