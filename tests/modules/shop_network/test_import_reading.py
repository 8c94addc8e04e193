"""The import's reader: its fast loop writes exactly what the row-by-row reference writes, for any mix of rows."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from modules.shop_network.services.importing.fields import FIELD_NAMES
from modules.shop_network.services.importing.network import NetworkShop
from modules.shop_network.services.importing.reading import RowReader


def _piva(body: str) -> str:
    return body + luhn.calc_check_digit(body)


SHOP, TWICE, LATE_SHOP, STRANGER = _piva("8000001001"), _piva("8000002001"), _piva("8000003001"), _piva("7000001001")
COLUMNS = [name for name in FIELD_NAMES if name != "time"]  # the usual file: the time with the date


class Network:
    """Three shops: one always in, one in for two stretches, one whose March is confirmed."""

    def __init__(self):
        always, twice, late = NetworkShop(1), NetworkShop(2), NetworkShop(3)
        always.periods = [("2026-01-01", None)]
        twice.periods = [("2026-03-01", "2026-03-10"), ("2026-03-20", None)]
        late.periods, late.last_month = [("2026-02-01", "2026-12-31")], "2026-03-01"
        self.shops = {SHOP: always, TWICE: twice, LATE_SHOP: late}

    def get(self, piva):
        return self.shops.get(piva)


class Source:
    def __init__(self, rows, *, columns=COLUMNS, escaping=True):
        self.index = {name: i for i, name in enumerate(columns)}
        self.headers = {name: name for name in columns}
        self.rows = rows
        self.needs_escaping, self.skips_empty_rows = escaping, True

    def position(self):
        return 0.5


class Lines:
    def __init__(self):
        self.lines, self.rows = [], 0

    def add(self, line):
        self.lines.append(line)
        self.rows += 1


class Direct(Lines):
    purchase_suffix, refund_suffix, outside_prefix = "\tpurchase\t\\N\t9\t7\n", "\t9\t7\n", "7\t9\t"

    def __init__(self):
        super().__init__()
        self.outside, self.refunds = Lines(), Lines()

    def add_block(self, lines):
        self.lines += lines.splitlines(keepends=True)


class Problems(Lines):
    def add(self, number, tx, found):
        self.lines.append((number, tx, sorted(found)))
        self.rows += 1


class Reference(RowReader):
    """Every row through the reference."""

    def _read(self, progress):
        for number, cells in self.source.rows:
            self._row(number, cells)


def _read(reader_class, rows, *, direct: bool, **source_options):
    sinks = {"direct": Direct()} if direct else {"stage": Lines()}
    problems = Problems()
    reader = reader_class(Source(rows, **source_options), Network(), batch_id=7, problems=problems, **sinks)
    out = reader.read(lambda done, total: None)
    target = sinks.get("direct") or sinks["stage"]
    # The fast loop writes its lines in blocks: the order of rows in a COPY does not matter.
    written = tuple(sorted(lines) for lines in (target.lines, getattr(target, "outside", Lines()).lines,
                                                getattr(target, "refunds", Lines()).lines))
    return written, problems.lines, (out.total, out.bad, out.direct, out.direct_late, out.outside,
                                     out.lowest_tx, out.highest_tx)


CELLS = {
    "provider_tx_id": st.sampled_from(["T1", "T2", " T3 ", "", "x" * 65, "A\\B", "tab\there", "T4"]),
    "occurred_at": st.sampled_from([
        "10/03/2026", "2026-03-10", "1/3/2026", "31/02/2026", "", "10/03/2026 09:05", "10/03/2026 09:05:07",
        "2026-03-10T09:05", "2026-03-10T09:05:00+02:00", "10/03/2026 24:00", "25/10/2026 02:30", "15/03/2026",
        "25/03/2026 10:00:00", "  10/03/2026 08:00", "10.03.2026 7:5"]),
    "time": st.sampled_from(["", "9:05", "09:05:07", "25:00", " 10:00 "]),
    "partita_iva": st.sampled_from([SHOP, TWICE, LATE_SHOP, STRANGER, "123", "", f"IT {SHOP}", SHOP[1:]]),
    "amount": st.sampled_from(["10,00", "1.234,56", "12.5", "0", "-3,00", "abc", "1,234", "7", "€ 2,5", ""]),
    "kind": st.sampled_from(["", "acquisto", "Rimborso", "storno", "regalo", " purchase "]),
    "refund_of_tx_id": st.sampled_from(["", "", "T1", "x" * 65]),
    "category": st.sampled_from(["", "Alimentari", " Sport ", "y" * 61]),
    "redemption": st.sampled_from(["", "buono", "CARTA", "boh", " pagamento diretto "]),
}
# Mostly good rows whose values repeat (the fast loop takes a row only when it knows all its values)
GOOD = {
    "provider_tx_id": st.sampled_from(["T1", "T2", "T4", "A\\B", "x" * 64, "y" * 65]),
    "occurred_at": st.sampled_from(["10/03/2026", "10/03/2026 09:05", "2026-03-10T09:05", "25/03/2026 10:00:00",
                                    "15/03/2026", "25/10/2026 02:30", "20/03/2026 12:00", "01/04/2026"]),
    "time": st.sampled_from(["", "9:05"]),
    "partita_iva": st.sampled_from([SHOP, TWICE, LATE_SHOP, STRANGER]),
    "amount": st.sampled_from(["10,00", "1.234,56", "7"]),
    "kind": st.sampled_from(["", "acquisto"]),
    "refund_of_tx_id": st.just(""),
    "category": st.sampled_from(["", "Alimentari"]),
    "redemption": st.sampled_from(["", "buono", "CARTA"]),
}
ROWS = st.lists(st.one_of(st.fixed_dictionaries(GOOD), st.fixed_dictionaries(GOOD), st.fixed_dictionaries(CELLS),
                          st.just({}), st.just({"provider_tx_id": "T9"})), max_size=60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, direct=st.booleans(), time_column=st.booleans(), escaping=st.booleans())
def test_the_fast_loop_writes_what_the_reference_writes(rows, direct, time_column, escaping):
    columns = FIELD_NAMES if time_column else COLUMNS
    numbered = [(number, [row.get(name, "") for name in columns] if len(row) != 1 else [row["provider_tx_id"]])
                for number, row in enumerate(rows, start=2)]
    if not escaping:  # the file was scanned: no value needs escaping
        numbered = [(n, cells) for n, cells in numbered if not any("\\" in c or "\t" in c for c in cells)]
    options = {"direct": direct, "columns": columns, "escaping": escaping}
    assert _read(RowReader, numbered, **options) == _read(Reference, numbered, **options)


def test_a_purchase_at_a_network_shop_goes_direct_with_its_id_day_and_shop():
    row = ["T1", "10/03/2026 09:05", SHOP, "1.234,56", "acquisto", "", "Alimentari", "buono"]
    written, problems, out = _read(RowReader, [(2, row), (3, ["T2", *row[1:]])], direct=True)  # slow, then fast
    assert problems == [] and out[:5] == (2, 0, 2, 0, 0)
    assert written[0] == [f"{(7 << 32) + number}\t{tx}\t2026-03-10 09:05:00\t2026-03-10\t1\t{SHOP}\t123456\t"
                          "Alimentari\tvoucher\tf\tpurchase\t\\N\t9\t7\n" for number, tx in ((2, "T1"), (3, "T2"))]


def test_refunds_outside_rows_and_late_rows_go_where_they_belong():
    rows = [(2, ["R1", "10/03/2026", SHOP, "-5,00", "storno", "T1", "", ""]),
            (3, ["O1", "15/03/2026", TWICE, "5,00", "", "", "", ""]),  # between its two stretches
            (4, ["L1", "31/03/2026", LATE_SHOP, "5,00", "", "", "", ""]),
            (5, ["S1", "31/03/2026", STRANGER, "5,00", "", "", "", ""])]
    (direct, outside, refunds), problems, out = _read(RowReader, rows, direct=True)
    assert problems == [] and (out[2], out[3], out[4]) == (2, 1, 2)
    assert [line.split("\t")[1] for line in direct] == ["R1", "L1"]  # sorted by id
    assert direct[0].endswith("\tf\trefund\tT1\t9\t7\n") and "\tt\tpurchase\t" in direct[1]
    assert [line.split("\t")[2] for line in outside] == ["O1", "S1"]
    assert refunds == ["2\tR1\tT1\n"]


def test_a_row_with_a_time_column_takes_the_same_way():
    rows = [(2, ["T1", "2026-03-10", "9:05", SHOP, "10,00", "", "", "", ""]),
            (3, ["T2", "2026-03-10", "", SHOP, "10,00", "", "", "", ""])]
    for reader in (RowReader, Reference):
        (direct, _outside, _refunds), problems, _out = _read(reader, rows, direct=True, columns=FIELD_NAMES)
        assert problems == [] and [line.split("\t")[2] for line in direct] == ["2026-03-10 09:05:00",
                                                                                "2026-03-10 00:00:00"]
