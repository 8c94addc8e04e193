"""The network as an import sees it, read once per import: which partita IVA belongs to a shop in the network on
which days, and up to which month its settlements are confirmed (a row of such a month arrives late)."""

from __future__ import annotations

from sqlalchemy import bindparam, text

from ...models import SETTLED_STATES


class NetworkShop:
    """A shop's network periods (ISO days, inclusive; an open end is None) and last confirmed month."""

    __slots__ = ("organisation_id", "periods", "last_month")

    def __init__(self, organisation_id: int):
        self.organisation_id = organisation_id
        self.periods: list[tuple[str, str | None]] = []
        self.last_month: str | None = None

    def covers(self, day: str) -> bool:
        for start, end in self.periods:  # noqa: SIM110 - a loop, not any(): called for every row of a file
            if start <= day and (end is None or day <= end):
                return True
        return False


class NetworkSnapshot:
    """Every shop that has ever been in the network, by partita IVA."""

    def __init__(self, connection):
        self.shops: dict[str, NetworkShop] = {}
        periods = connection.exec_driver_sql(  # days as ISO text, on both databases
            "SELECT o.partita_iva, p.organisation_id, CAST(p.starts_on AS TEXT), CAST(p.ends_on AS TEXT) "
            "FROM shop_network_periods p JOIN base_organisations o ON o.id = p.organisation_id "
            "WHERE o.partita_iva IS NOT NULL ORDER BY p.organisation_id, p.starts_on")
        by_id = {}
        for piva, organisation_id, starts_on, ends_on in periods:
            shop = by_id.get(organisation_id)
            if shop is None:
                shop = by_id[organisation_id] = self.shops[piva] = NetworkShop(organisation_id)
            shop.periods.append((starts_on, ends_on))
        confirmed = connection.execute(text(
            "SELECT organisation_id, CAST(max(month) AS TEXT) FROM shop_network_settlements "
            "WHERE kind = 'shop' AND state IN :states GROUP BY organisation_id").bindparams(
                bindparam("states", expanding=True)), {"states": list(SETTLED_STATES)})
        for organisation_id, month in confirmed:
            if organisation_id in by_id:
                by_id[organisation_id].last_month = month

    def get(self, partita_iva: str) -> NetworkShop | None:
        return self.shops.get(partita_iva)

