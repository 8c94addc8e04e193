"""The import of providers' transactions: formats, checks, outside-network rows, idempotency, the report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from modules.shop_network.models import ImportProblem, NetworkPeriod, OutsideRow, Transaction
from modules.shop_network.services import importing
from tests.modules.shop_network.factories import ProviderMappingFactory, SettlementFactory
from tests.modules.shop_network.import_helpers import (
    EN_HEADER,
    IT_HEADER,
    csv_bytes,
    import_bytes,
    network_shop,
    provider_org,
)


def _transactions(**where) -> list[Transaction]:
    stmt = select(Transaction).order_by(Transaction.provider_tx_id)
    for key, value in where.items():
        stmt = stmt.where(getattr(Transaction, key) == value)
    return list(db.session.scalars(stmt))


def _codes(batch) -> list[tuple[int, str]]:
    rows = db.session.execute(select(ImportProblem.row_number, ImportProblem.code)
                              .where(ImportProblem.batch_id == batch.id).order_by(ImportProblem.row_number))
    return [tuple(row) for row in rows]


def test_an_italian_excel_csv_is_imported(ctx):
    shop, provider = network_shop(), provider_org()
    data = csv_bytes(IT_HEADER, [
        ["A-1", "02/03/2026 10:15", shop.partita_iva, "1.234,56", "acquisto", "", "Alimentari", "buono"],
        ["A-2", "31/03/2026 23:30", f"IT {shop.partita_iva}", "12,5", "Acquisto", "", "", "carta"],
        ["A-3", "01/04/2026 00:30:05", shop.partita_iva, "7", "ACQUISTO", "", "", "pagamento diretto"],
    ])
    batch = import_bytes(provider, data)

    assert (batch.status, batch.rows_total, batch.rows_imported, batch.rows_bad) == ("imported", 3, 3, 0)
    first, second, third = _transactions()
    assert (first.amount, first.kind, first.category, first.redemption) == (Decimal("1234.56"), "purchase",
                                                                              "Alimentari", "voucher")
    assert first.organisation_id == shop.id and first.provider_id == provider.id and first.batch_id == batch.id
    assert second.amount == Decimal("12.50") and second.redemption == "card"
    # Rome wall clock → UTC; the day is Rome's day
    assert second.occurred_on == date(2026, 3, 31)
    assert second.occurred_at.replace(tzinfo=UTC) == datetime(2026, 3, 31, 21, 30, tzinfo=UTC)
    assert third.occurred_on == date(2026, 4, 1)
    assert third.occurred_at.replace(tzinfo=UTC) == datetime(2026, 3, 31, 22, 30, 5, tzinfo=UTC)
    assert third.redemption == "direct"


def test_a_comma_separated_english_csv_with_a_time_column(ctx):
    shop, provider = network_shop(), provider_org()
    data = csv_bytes(EN_HEADER, [
        ["T1", "2026-03-05", "09:00", shop.partita_iva, "1234.56", "purchase", "", "food", "voucher"],
        ["T2", "2026-03-06", "", shop.partita_iva, "10", "", "", "", ""],
    ], sep=",", bom=False)
    batch = import_bytes(provider, data)
    assert (batch.status, batch.rows_imported) == ("imported", 2)
    t1, t2 = _transactions()
    assert t1.amount == Decimal("1234.56") and t1.occurred_at.replace(tzinfo=UTC) == datetime(2026, 3, 5, 8, 0,
                                                                                              tzinfo=UTC)
    assert (t2.kind, t2.occurred_on, t2.redemption) == ("purchase", date(2026, 3, 6), None)


def test_a_refund_is_linked_to_its_purchase_in_the_file_or_imported_before(ctx):
    shop, provider = network_shop(), provider_org()
    data = csv_bytes(IT_HEADER, [
        ["P-1", "10/03/2026", shop.partita_iva, "1.200,00", "acquisto", "", "", ""],
        ["R-1", "28/03/2026", shop.partita_iva, "-100,00", "rimborso", "P-1", "", ""],
    ])
    import_bytes(provider, data)
    later = import_bytes(provider, csv_bytes(IT_HEADER, [
        ["R-2", "29/03/2026", shop.partita_iva, "50,00", "storno", "P-1", "", ""]]))
    assert later.rows_imported == 1
    purchase, refund, refund2 = _transactions()
    assert refund.kind == "refund" and refund.amount == Decimal("100.00")
    assert refund.refund_of_tx_id == "P-1" and refund2.refund_of_tx_id == "P-1"
    assert (refund.provider_id, refund.refund_of_tx_id) == (purchase.provider_id, purchase.provider_tx_id)


def test_rows_outside_the_network_are_set_aside_and_counted(ctx):
    shop, provider = network_shop(starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 20)), provider_org()
    stranger = provider_org(type="shop")  # a valid P.IVA, never in the network
    data = csv_bytes(IT_HEADER, [
        ["1", "09/03/2026", shop.partita_iva, "10,00", "", "", "", ""],  # before joining
        ["2", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
        ["3", "20/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
        ["4", "21/03/2026", shop.partita_iva, "10,00", "", "", "", ""],  # after leaving
        ["5", "15/03/2026", stranger.partita_iva, "10,00", "", "", "", ""],
    ])
    batch = import_bytes(provider, data)
    assert (batch.status, batch.rows_imported, batch.rows_outside, batch.rows_bad) == ("imported", 2, 3, 0)
    assert [t.provider_tx_id for t in _transactions()] == ["2", "3"]
    outside = db.session.scalars(select(OutsideRow.provider_tx_id).order_by(OutsideRow.provider_tx_id)).all()
    assert outside == ["1", "4", "5"]
    again = import_bytes(provider, data)
    assert (again.rows_imported, again.rows_outside, again.rows_duplicate) == (0, 0, 5)
    assert db.session.scalar(select(func.count()).select_from(OutsideRow)) == 3


BAD_ROWS = [
    (["B1", "10/03/2026", "12345678901", "10,00", "", "", "", ""], "bad_partita_iva"),
    (["B2", "10/03/2026", "{piva}", "10,123", "", "", "", ""], "too_many_decimals"),
    (["B3", "10/03/2026", "{piva}", "-10,00", "acquisto", "", "", ""], "not_positive"),
    (["B4", "32/03/2026", "{piva}", "10,00", "", "", "", ""], "bad_date"),
    (["B5", "10/03/2026", "{piva}", "10,00", "rimborso", "NESSUNO", "", ""], "unknown_purchase"),
    (["", "10/03/2026", "{piva}", "10,00", "", "", "", ""], "missing_value"),
    (["B7", "10/03/2026", "{piva}", "dieci", "", "", "", ""], "bad_amount"),
    (["B8", "10/03/2026", "{piva}", "0,00", "", "", "", ""], "zero_amount"),
    (["B9", "10/03/2026", "{piva}", "10,00", "regalo", "", "", ""], "bad_kind"),
    (["B10", "10/03/2026 25:00", "{piva}", "10,00", "", "", "", ""], "bad_time"),
]


def test_each_kind_of_bad_row_rejects_the_file_with_a_report(ctx, client):
    shop, provider = network_shop(), provider_org()
    good = ["G1", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""]
    rows = [good] + [[cell.format(piva=shop.partita_iva) for cell in row] for row, _code in BAD_ROWS]
    rows += [["D1", "11/03/2026", shop.partita_iva, "5,00", "", "", "", ""],
             ["D1", "11/03/2026", shop.partita_iva, "6,00", "", "", "", ""]]  # same id, different content
    batch = import_bytes(provider, csv_bytes(IT_HEADER, rows))

    assert (batch.status, batch.rows_total, batch.rows_bad, batch.rows_imported) == ("rejected", 13, 12, 0)
    assert _transactions() == []
    expected = [(number, code) for number, (_row, code) in enumerate(BAD_ROWS, start=3)]
    expected += [(13, "conflicting_duplicate"), (14, "conflicting_duplicate")]
    assert _codes(batch) == expected

    report = list(importing.report_rows(batch.id))
    assert report[0]["row"] == 3 and report[0]["column"] == "Partita IVA" and report[0]["value"] == "12345678901"


def test_keep_good_rows_imports_the_good_ones_and_reports_the_bad(ctx):
    shop, provider = network_shop(), provider_org()
    rows = [["G1", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
            ["B1", "10/03/2026", "123", "10,00", "", "", "", ""],
            ["G2", "11/03/2026", shop.partita_iva, "20,00", "", "", "", ""]]
    batch = import_bytes(provider, csv_bytes(IT_HEADER, rows), keep=True)
    assert (batch.status, batch.rows_imported, batch.rows_bad) == ("imported", 2, 1)
    assert [t.provider_tx_id for t in _transactions()] == ["G1", "G2"]
    assert _codes(batch) == [(3, "bad_partita_iva")]


def test_the_same_file_or_the_same_id_twice_adds_nothing(ctx):
    shop, provider = network_shop(), provider_org()
    data = csv_bytes(IT_HEADER, [["X1", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
                                 ["X1", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
                                 ["X2", "10/03/2026", shop.partita_iva, "20,00", "", "", "", ""]])
    first = import_bytes(provider, data)
    assert (first.rows_imported, first.rows_duplicate) == (2, 1)
    second = import_bytes(provider, data)
    assert (second.status, second.rows_imported, second.rows_duplicate) == ("imported", 0, 3)
    changed = import_bytes(provider, csv_bytes(IT_HEADER, [
        ["X2", "10/03/2026", shop.partita_iva, "25,00", "", "", "", ""]]))
    assert (changed.status, changed.rows_bad) == ("rejected", 1)
    assert _codes(changed) == [(2, "changed_after_import")]
    assert len(_transactions()) == 2 and _transactions()[1].amount == Decimal("20.00")


def test_a_row_of_a_confirmed_month_is_imported_late(ctx):
    shop, provider = network_shop(), provider_org()
    SettlementFactory(organisation=shop, month=date(2026, 3, 1), state="confirmed")
    data = csv_bytes(IT_HEADER, [["L1", "30/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
                                 ["L2", "02/04/2026", shop.partita_iva, "10,00", "", "", "", ""]])
    batch = import_bytes(provider, data)
    assert (batch.rows_imported, batch.rows_late) == (2, 1)
    assert [(t.provider_tx_id, t.is_late) for t in _transactions()] == [("L1", True), ("L2", False)]


def test_a_saved_mapping_names_the_providers_columns(ctx):
    shop, provider = network_shop(), provider_org()
    ProviderMappingFactory(provider=provider, columns={"provider_tx_id": "Codice Op.", "amount": "Valore €",
                                                       "partita_iva": "Esercente", "occurred_at": "Quando"})
    data = csv_bytes(["codice op.", "QUANDO", " esercente ", "Valore €"],
                     [["M1", "2026-03-10T10:00:00", shop.partita_iva, "3,50"]])
    batch = import_bytes(provider, data)
    assert (batch.status, batch.rows_imported) == ("imported", 1)


def test_a_file_without_a_required_column_is_rejected(ctx):
    provider = provider_org()
    batch = import_bytes(provider, csv_bytes(["id", "data"], [["1", "10/03/2026"]]))
    assert batch.status == "rejected"
    assert {code for _row, code in _codes(batch)} == {"missing_column"}


def test_amounts_and_dates_are_parsed_strictly():
    assert importing.parse_cents("1.234,56") == 123456
    assert importing.parse_cents("1234,56") == 123456
    assert importing.parse_cents("1234.56") == 123456
    assert importing.parse_cents("1,234.56") == 123456
    assert importing.parse_cents("€ 12,5") == 1250
    assert importing.parse_cents("-3") == -300
    assert importing.parse_cents("1.234") == "too_many_decimals"
    assert importing.parse_cents("1,2345") == "too_many_decimals"
    assert importing.parse_cents("12.34.56") == "bad_amount"
    assert importing.parse_cents("1.23,4.5") == "bad_amount"
    parser = importing.RowParser()
    assert parser.moment("29/02/2026", "") == "bad_date"
    # Rome's wall clock; the hour that does not exist and the one that happens twice read as standard time
    gap, twice = parser.moment("2026-03-29 02:30", ""), parser.moment("25/10/2026 02:30", "9:00")
    assert gap == ("2026-03-29 02:30:00", "2026-03-29", "2026-03-01")
    assert importing.rome_to_utc(gap[0]) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert importing.rome_to_utc(twice[0]) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert parser.moment("2026-03-10", "9:05")[0] == "2026-03-10 09:05:00"
    assert parser.moment("1/3/2026 9:05:07.25", "")[0] == "2026-03-01 09:05:07"
    assert parser.moment("10/03/2026 24:00", "") == "bad_time"
    assert parser.moment("2026-03-29T12:00:00Z", "")[0] == "2026-03-29 14:00:00+02:00"
    assert parser.partita_iva("12345678901") is None


def test_a_row_set_aside_before_is_a_duplicate_when_sent_again_after_the_shop_joined(ctx):
    shop, provider = network_shop(starts_on=date(2026, 3, 10)), provider_org()
    early = import_bytes(provider, csv_bytes(IT_HEADER, [["E1", "05/03/2026", shop.partita_iva, "10,00", "", "", "",
                                                          ""]]))
    assert (early.rows_imported, early.rows_outside) == (0, 1)
    NetworkPeriod.query.filter_by(organisation_id=shop.id).update({"starts_on": date(2026, 3, 1)})
    db.session.commit()
    again = import_bytes(provider, csv_bytes(IT_HEADER, [
        ["E1", "05/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
        ["E2", "06/03/2026", shop.partita_iva, "10,00", "", "", "", ""]]))
    assert (again.status, again.rows_imported, again.rows_duplicate, again.rows_outside) == ("imported", 1, 1, 0)
    assert [t.provider_tx_id for t in _transactions()] == ["E2"]


def test_one_id_for_a_row_in_the_network_and_one_outside_is_a_conflicting_duplicate(ctx):
    shop, provider, stranger = network_shop(), provider_org(), provider_org(type="shop")
    rows = [["K1", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
            ["K2", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
            ["K1", "10/03/2026", stranger.partita_iva, "10,00", "", "", "", ""]]
    batch = import_bytes(provider, csv_bytes(IT_HEADER, rows))
    assert (batch.status, batch.rows_bad) == ("rejected", 2)
    assert _codes(batch) == [(2, "conflicting_duplicate"), (4, "conflicting_duplicate")]
    kept = import_bytes(provider, csv_bytes(IT_HEADER, rows), keep=True)
    assert (kept.status, kept.rows_imported, kept.rows_bad, kept.rows_outside) == ("imported", 1, 2, 0)
    assert [t.provider_tx_id for t in _transactions()] == ["K2"]


def test_keep_good_rows_reports_a_refund_of_an_unknown_purchase_and_imports_the_rest(ctx):
    shop, provider = network_shop(), provider_org()
    rows = [["P1", "10/03/2026", shop.partita_iva, "10,00", "", "", "", ""],
            ["R1", "11/03/2026", shop.partita_iva, "-2,00", "storno", "P1", "", ""],
            ["R2", "11/03/2026", shop.partita_iva, "2,00", "storno", "NOBODY", "", ""]]
    batch = import_bytes(provider, csv_bytes(IT_HEADER, rows), keep=True)
    assert (batch.status, batch.rows_imported, batch.rows_bad) == ("imported", 2, 1)
    assert _codes(batch) == [(4, "unknown_purchase")]
    assert [(t.provider_tx_id, t.kind, t.refund_of_tx_id) for t in _transactions()] == [
        ("P1", "purchase", None), ("R1", "refund", "P1")]


def test_the_hour_that_happens_twice_reads_as_standard_time_on_every_database(ctx):
    shop, provider = network_shop(), provider_org()
    batch = import_bytes(provider, csv_bytes(IT_HEADER, [
        ["H1", "25/10/2026 02:30", shop.partita_iva, "10,00", "", "", "", ""],
        ["H2", "29/03/2026 02:30", shop.partita_iva, "10,00", "", "", "", ""]]))
    assert batch.rows_imported == 2
    late, early = _transactions()
    assert early.occurred_at.replace(tzinfo=UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert late.occurred_at.replace(tzinfo=UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_ids_with_quotes_tabs_and_backslashes_and_undecodable_rows(ctx):
    shop, provider = network_shop(), provider_org()
    text = ("ID transazione;Data;Partita IVA;Importo\r\n"
            f'"Q;1";10/03/2026;{shop.partita_iva};1,00\r\n'
            f'"Q\\2\t";10/03/2026;{shop.partita_iva};2,00\r\n'
            ";;;\r\n\r\n"
            f"Q3;10/03/2026;{shop.partita_iva};3,00\r\n").encode()
    broken = text + b"Q4;10/03/2026;" + shop.partita_iva.encode() + b";4,00 \xff\xfe\r\n"
    batch = import_bytes(provider, broken, keep=True)
    assert (batch.rows_total, batch.rows_imported, batch.rows_bad) == (4, 3, 1)
    assert _codes(batch) == [(7, "bad_encoding")]
    assert [t.provider_tx_id for t in _transactions()] == ["Q3", "Q;1", "Q\\2"]
