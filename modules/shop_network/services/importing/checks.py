"""What a row cannot know alone: the same id twice, an id imported before, a refund of an unknown purchase.

When the rows went direct (:class:`.loading.DirectLoad`), the keys found the first two (a primary-key or
unique violation), and :func:`check_direct` looks for what keys cannot see; any of them sends the batch
through the staging table (:class:`.loading.Redo`), where :class:`Checks` tells them apart set-based:

1. the same id more than once in the file: the same content counts once, different content makes every such
   row bad;
2. an id already imported (or set aside as outside the network) by an earlier batch: the same content is a
   duplicate, other content a bad row;
3. a refund of a purchase that is neither in the file nor already imported;
4. then the rows outside the network on their day are set aside (counted, not errors) and the others become
   transactions.

Lookups by key are index probes, one per row: on PostgreSQL a LATERAL subquery (:func:`probe`), so that
statistics gone stale by a big load just before cannot turn them into hash joins over every row of the
provider.
"""

from __future__ import annotations

from sqlalchemy import text

from ...models.transaction import ID_ROW_BITS
from .loading import Outcome, Redo, Stage
from .timing import timed

_LOCK_KEY = 70_701  # pg_advisory_xact_lock(_LOCK_KEY, provider_id): one import per provider at a time
# Columns of a staged row that make its content (the id aside), against the same columns of an imported one.
_SAME_AS_IMPORTED = ("t.occurred_at = s.occurred_at AND t.partita_iva = s.piva AND t.amount = s.amount "
                     "AND t.kind = s.kind AND coalesce(t.refund_of_tx_id, '') = coalesce(s.refund_of, '') "
                     "AND coalesce(t.category, '') = coalesce(s.category, '') "
                     "AND coalesce(t.redemption, '') = coalesce(s.redemption, '')")
_SAME_AS_SET_ASIDE = ("x.partita_iva = s.piva AND x.occurred_on = s.occurred_on AND x.amount = s.amount "
                      "AND x.kind = s.kind")
_CONTENT_DIFFERS = " OR ".join(f"min({c}) <> max({c})" for c in (
    "occurred_at", "piva", "amount", "kind", "coalesce(refund_of, '')", "coalesce(category, '')",
    "coalesce(redemption, '')"))
_NOT_SKIPPED = "NOT EXISTS (SELECT 1 FROM {skip} k WHERE k.row_no = s.row_no)"
_INSERT = (
    "INSERT INTO shop_network_transactions (id, provider_id, provider_tx_id, occurred_at, occurred_on, "  # noqa: S608
    "organisation_id, partita_iva, amount, kind, refund_of_tx_id, category, redemption, batch_id, is_late) "
    "SELECT :id_base + s.row_no, :provider, s.tx, s.occurred_at, s.occurred_on, s.org_id, s.piva, s.amount, "
    "s.kind, s.refund_of, s.category, s.redemption, :batch, s.is_late "
    f"FROM {{stage}} s WHERE s.in_network AND {_NOT_SKIPPED}")


def probe(table: str, alias: str, key: str, *, postgres: bool, columns: str = "*", extra: str = "",
          missing: bool = False) -> str:
    """A join that looks `key` up in `table` by (provider, provider's id), one index probe per row; with
    `missing`, a left join whose `alias.provider_id` is NULL when nothing was found."""
    where = f"{alias}.provider_id = :provider AND {alias}.provider_tx_id = {key}{extra}"
    if postgres:
        join = "LEFT JOIN LATERAL" if missing else "JOIN LATERAL"
        return f"{join} (SELECT {columns} FROM {table} {alias} WHERE {where} LIMIT 1) {alias} ON true"  # noqa: S608
    return f"{'LEFT JOIN' if missing else 'JOIN'} {table} {alias} ON {where}"


def check_direct_before_set_aside(connection, batch, outcome: Outcome) -> None:
    """After a direct load, before this batch's rows outside the network are written: raise :class:`Redo` when
    a transaction has the id of a row an earlier batch set aside (only ids within the loaded range can)."""
    if outcome.direct:
        _raise_if_found(connection, "a transaction has the id of a row set aside before", (
            "SELECT 1 FROM shop_network_outside_rows s "  # noqa: S608
            f"{probe('shop_network_transactions', 't', 's.provider_tx_id', postgres=True, columns='batch_id')} "
            "WHERE s.provider_id = :provider AND s.provider_tx_id BETWEEN :lowest AND :highest "
            "AND t.batch_id = :batch LIMIT 1"),
            {"provider": batch.provider_id, "batch": batch.id, "lowest": outcome.lowest_tx,
             "highest": outcome.highest_tx})


def check_direct(connection, batch, refunds_table: str) -> None:
    """After a direct load, raise :class:`Redo` for what the keys did not see: a refund whose purchase is
    neither in the file nor imported before, or a row set aside outside the network with a transaction's id."""
    params = {"provider": batch.provider_id, "batch": batch.id}
    # One probe, then the other only if the first found nothing (the Append stops at LIMIT 1).
    purchase = ("LEFT JOIN LATERAL (SELECT 1 AS hit FROM shop_network_transactions t WHERE t.provider_id = "
                ":provider AND t.provider_tx_id = r.refund_of AND t.kind = 'purchase' UNION ALL "
                "SELECT 1 FROM shop_network_outside_rows x WHERE x.provider_id = :provider "
                "AND x.provider_tx_id = r.refund_of AND x.kind = 'purchase' LIMIT 1) p ON true")
    _raise_if_found(connection, "a refund of an unknown purchase",
                    f"SELECT 1 FROM {refunds_table} r {purchase} WHERE p.hit IS NULL LIMIT 1", params)  # noqa: S608
    _raise_if_found(connection, "a row set aside has a transaction's id", (
        "SELECT 1 FROM shop_network_outside_rows s "  # noqa: S608
        f"{probe('shop_network_transactions', 't', 's.provider_tx_id', postgres=True, columns='1 AS hit')} "
        "WHERE s.batch_id = :batch LIMIT 1"), params)


def _raise_if_found(connection, what: str, sql: str, params: dict) -> None:
    with timed(f"check: {what}"):
        found = connection.execute(text(sql), params).first()
    if found:
        raise Redo(what)


def lock_provider(connection, provider_id: int) -> None:
    """Imports of one provider take turns (PostgreSQL): the checks see every row the others committed."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK_KEY}, :provider)"), {"provider": provider_id})


class Checks:
    """The set-based checks and writes of one batch's staged rows."""

    def __init__(self, connection, stage: Stage, batch, headers: dict[str, str]):
        self.connection, self.stage, self.batch, self.headers = connection, stage, batch, headers
        self.params = {"provider": batch.provider_id, "batch": batch.id, "id_base": batch.id << ID_ROW_BITS}

    def run(self, sql: str, **extra):
        with timed(sql[:70]):
            return self.connection.execute(text(sql.format(stage=self.stage.name, skip=self.stage.skip)),
                                           {**self.params, **extra})

    def probe(self, table: str, alias: str, key: str, **options) -> str:
        return probe(table, alias, key, postgres=self.stage.postgres, **options)

    def find_bad_rows(self) -> int:
        """Steps 1–3: duplicates and unknown purchases go to the skip table, the bad ones to the report."""
        if self.stage.postgres:
            self.run("SET LOCAL work_mem = '128MB'")
            _fresh_statistics(self.connection)
        self._duplicates_in_file()
        self._already_imported()
        self._unknown_purchases()
        for field in ("provider_tx_id", "refund_of_tx_id"):
            self.run("INSERT INTO shop_network_import_problems (batch_id, row_number, provider_tx_id, \"column\", "
                     "code, value) SELECT :batch, k.row_no, substr(k.tx, 1, 64), :column, k.code, "
                     "substr(k.value, 1, 200) FROM {skip} k WHERE k.reason = 'bad' AND k.col = :field",
                     column=self.headers.get(field, field), field=field)
        return int(self.run("SELECT count(*) FROM {skip} WHERE reason = 'bad'").scalar())

    def _duplicates_in_file(self) -> None:
        self.run("INSERT INTO {skip} (row_no, reason, code, col, value, tx) "  # noqa: S608
                 "SELECT s.row_no, CASE WHEN m.conflict = 1 THEN 'bad' ELSE 'dup' END, "
                 "CASE WHEN m.conflict = 1 THEN 'conflicting_duplicate' END, 'provider_tx_id', s.tx, s.tx "
                 f"FROM {{stage}} s JOIN (SELECT tx, min(row_no) AS keep, CASE WHEN {_CONTENT_DIFFERS} THEN 1 "
                 "ELSE 0 END AS conflict FROM {stage} WHERE tx IN (SELECT tx FROM {stage} GROUP BY tx "
                 "HAVING count(*) > 1) GROUP BY tx) m ON m.tx = s.tx WHERE m.conflict = 1 OR s.row_no <> m.keep")

    def _already_imported(self) -> None:
        for table, alias, same in (("shop_network_transactions", "t", _SAME_AS_IMPORTED),
                                   ("shop_network_outside_rows", "x", _SAME_AS_SET_ASIDE)):
            self.run("INSERT INTO {skip} (row_no, reason, code, col, value, tx) "  # noqa: S608
                     f"SELECT s.row_no, CASE WHEN {same} THEN 'dup' ELSE 'bad' END, "
                     f"CASE WHEN {same} THEN NULL ELSE 'changed_after_import' END, 'provider_tx_id', s.tx, s.tx "
                     f"FROM {{stage}} s {self.probe(table, alias, 's.tx')} WHERE true ON CONFLICT (row_no) DO NOTHING")

    def _unknown_purchases(self) -> None:
        purchase = " AND {0}.kind = 'purchase'"
        imported = self.probe("shop_network_transactions", "t", "s.refund_of", columns="provider_id",
                              extra=purchase.format("t"), missing=True)
        set_aside = self.probe("shop_network_outside_rows", "x", "s.refund_of", columns="provider_id",
                               extra=purchase.format("x"), missing=True)
        self.run("INSERT INTO {skip} (row_no, reason, code, col, value, tx) "  # noqa: S608
                 "SELECT s.row_no, 'bad', 'unknown_purchase', 'refund_of_tx_id', s.refund_of, s.tx "
                 f"FROM {{stage}} s {imported} {set_aside} "
                 "WHERE s.kind = 'refund' AND s.refund_of IS NOT NULL AND t.provider_id IS NULL "
                 "AND x.provider_id IS NULL "
                 "AND NOT EXISTS (SELECT 1 FROM {stage} p WHERE p.tx = s.refund_of AND p.kind = 'purchase') "
                 "ON CONFLICT (row_no) DO NOTHING")

    def write(self) -> tuple[int, int, int]:
        """Step 4: (rows set aside as outside the network, transactions imported, of which late)."""
        outside = self.run(
            "INSERT INTO shop_network_outside_rows (batch_id, provider_id, provider_tx_id, partita_iva, "  # noqa: S608
            "occurred_on, amount, kind) SELECT :batch, :provider, s.tx, s.piva, s.occurred_on, s.amount, s.kind "
            f"FROM {{stage}} s WHERE NOT s.in_network AND {_NOT_SKIPPED}").rowcount
        imported, late = self.run("SELECT count(*), coalesce(sum(CASE WHEN s.is_late THEN 1 ELSE 0 END), 0) "  # noqa: S608
                                  f"FROM {{stage}} s WHERE s.in_network AND {_NOT_SKIPPED}").one()
        self.run(_INSERT)
        return int(outside), int(imported), int(late)


def _fresh_statistics(connection) -> None:
    """ANALYZE the tables the checks join with when their statistics lag far behind (a big import just
    before, autovacuum not yet there): a plan made for an empty table would probe a large one row by row."""
    for table in ("shop_network_transactions", "shop_network_outside_rows"):
        estimated, live = connection.execute(text(
            "SELECT greatest(c.reltuples, 0), coalesce(s.n_live_tup, 0) FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = CAST(:t AS regclass)"),
            {"t": table}).one()
        if live > 2 * estimated + 10_000:
            with timed(f"ANALYZE {table} ({estimated:.0f} rows estimated, {live} live)"):
                connection.exec_driver_sql(f"ANALYZE {table}")
