"""Reading every row of a batch: check it and send it where it goes (:mod:`.loading`).

It runs a million times per file. What repeats is memoised: each distinct date, time, P.IVA, amount, kind,
category and redemption is parsed once (the methods under "What a value means") and then looked up. Each row
takes one of two ways:

- :meth:`RowReader._read`'s loop, for a row whose every value is good (nearly all rows of a real file): a few
  dictionary lookups (a P.IVA, amount or category seen for the first time is parsed there and then) and one
  line of text; refunds go through :meth:`RowReader._write`;
- :meth:`RowReader._row`, the reference, for anything else: a bad value, a date or time not seen before, a row
  that is short or not text. It checks everything and reports every problem of the row.

Both write the same lines (tests/modules/shop_network/test_import_reading.py). Memos are bounded: memory stays
flat whatever the file.
"""

from __future__ import annotations

from collections.abc import Callable

from ...models.transaction import transaction_id
from .fields import KINDS, MAX_LENGTH, REDEMPTIONS
from .loading import NULL, DirectLoad, Outcome, Problems, Redo, Stage, copy_text
from .network import NetworkSnapshot
from .parsing import MEMO_LIMIT, RowParser, parse_cents
from .sources import Source

FLUSH_ROWS = 4096  # direct rows are written to PostgreSQL (and the progress bar moves) this often
_FLAG = {True: "t", False: "f"}
# (in the network, late, both as COPY text)
_FLAGS = {(inside, late): (inside, late, _FLAG[inside], _FLAG[late])
          for inside in (True, False) for late in (True, False)}
_NEVER, _END_OF_TIME = "~", "9999-12-31"  # compare after and with every ISO day


def _remember(memo: dict, key, value):
    if len(memo) >= MEMO_LIMIT:
        memo.clear()  # a cache: memory stays flat whatever the file
    memo[key] = value
    return value


class RowReader:
    """Reads one batch's rows into `direct` (PostgreSQL, when the import can go direct) or else `stage`, and
    the bad ones into `problems`."""

    def __init__(self, source: Source, network: NetworkSnapshot, *, batch_id: int, problems: Problems,
                 direct: DirectLoad | None = None, stage: Stage | None = None, stop_at_bad: bool = False):
        self.source, self.network = source, network
        self.stage, self.problems, self.direct, self.stop_at_bad = stage, problems, direct, stop_at_bad
        self.id_base = transaction_id(batch_id, 0)
        self.out = Outcome()
        self.parser = RowParser()
        # raw text → what it means, for each column whose values repeat (an empty cell means the default)
        self.shops: dict[str, tuple] = {}
        self.amounts: dict[str, tuple] = {}
        self.kinds: dict[str, str | None] = {"": "purchase"}
        self.redemptions: dict[str, str | None] = {"": NULL}
        self.categories: dict[str, tuple] = {"": (NULL, False)}
        # Purchases read so far (up to MEMO_LIMIT of them): a refund of one of them needs no check afterwards.
        self.purchases: dict[str, None] = {}
        ix = source.index
        self.i_tx, self.i_at, self.i_piva = ix["provider_tx_id"], ix["occurred_at"], ix["partita_iva"]
        self.i_amount, self.i_time, self.i_kind = ix["amount"], ix.get("time"), ix.get("kind")
        self.i_ref, self.i_cat, self.i_red = ix.get("refund_of_tx_id"), ix.get("category"), ix.get("redemption")
        self.width = max(ix.values()) + 1

    def read(self, progress: Callable[[int, int], None]) -> Outcome:
        self._read(progress)
        out = self.out
        out.bad = self.problems.rows
        out.total = out.direct + out.outside + out.bad + (self.stage.rows if self.stage is not None else 0)
        return out

    def _read(self, progress: Callable[[int, int], None]) -> None:  # noqa: C901, PLR0912 - the hot loop
        """The rows whose every value is good; :meth:`_row` takes the others."""
        fast_days, clocks, direct = self.parser.fast_days, self.parser.clocks, self.direct
        shops, amounts, kinds, categories, redemptions = (self.shops, self.amounts, self.kinds, self.categories,
                                                          self.redemptions)
        i_tx, i_at, i_piva, i_amount = self.i_tx, self.i_at, self.i_piva, self.i_amount
        i_time, i_kind, i_ref, i_cat, i_red = self.i_time, self.i_kind, self.i_ref, self.i_cat, self.i_red
        id_base, flags_of, escaping, purchases = self.id_base, self.flags, self.source.needs_escaping, self.purchases
        slow, shop, amount_of, kind_of = self._row, self.shop, self.amount, self.kind
        category_of, redemption_of = self.category, self.redemption
        if direct is not None:
            to_outside, outside_prefix = direct.outside.add, direct.outside_prefix
            tails = (f"\tf{direct.purchase_suffix}", f"\tt{direct.purchase_suffix}")  # by lateness
        else:
            to_stage = self.stage.add
        lines: list[str] = []  # direct rows not yet written
        late = outside = 0
        lowest, highest = "\U0010ffff", ""
        for number, cells in self.source.rows:
            if not number % FLUSH_ROWS:
                if lines:
                    self._write_direct(lines, late, lowest, highest)
                    late, lowest, highest = 0, "\U0010ffff", ""
                if len(purchases) >= MEMO_LIMIT:
                    purchases.clear()
                progress(int(self.source.position() * 75), 100)
            try:
                tx, raw = cells[i_tx].strip(), cells[i_at]
                rest = raw[10:] or (" " + cells[i_time] if i_time is not None else "")
                day, clock = fast_days.get(raw[:10]), clocks.get(rest)
                raw = cells[i_piva]
                entry = shops.get(raw) or shop(raw)
                raw = cells[i_amount]
                amount = amounts.get(raw) or amount_of(raw)
                kind = (kinds.get(cells[i_kind]) or kind_of(cells[i_kind])) if i_kind is not None else "purchase"
                category = (categories.get(cells[i_cat]) or category_of(cells[i_cat])) if i_cat is not None \
                    else (NULL, False)
                redemption = (redemptions.get(cells[i_red]) or redemption_of(cells[i_red])) if i_red is not None \
                    else NULL
                refund_of = cells[i_ref] if i_ref is not None else ""
            except (TypeError, IndexError):  # not a list of cells, or a short row
                slow(number, cells)
                continue
            if (day is None or not clock or entry[0] is None or kind is None or category[1] or redemption is None
                    or not 0 < len(tx) <= 64):
                slow(number, cells)  # a value it has not seen, or one that is bad
                continue
            if kind != "purchase" or refund_of:
                refund_of = refund_of.strip()
                if kind == "purchase" or not amount[3] or len(refund_of) > 64:
                    slow(number, cells)
                else:  # a refund, whatever the sign of its amount
                    self._write(number, tx, day[0] + clock, day[0], entry, amount[1], kind, refund_of, category[0],
                                redemption)
                continue
            if not amount[2]:
                slow(number, cells)
                continue
            iso = day[0]
            flags = entry[7] if entry[8] <= iso <= entry[9] else flags_of(entry, iso)
            tx_text = copy_text(tx) if escaping else tx
            purchases[tx] = None
            if direct is None:
                to_stage(f"{number}\t{tx_text}\t{iso}{clock}\t{iso}\t{entry[0]}\t{entry[6]}\t{flags[2]}\t"
                         f"{flags[3]}\t{amount[1]}\tpurchase\t{NULL}\t{category[0]}\t{redemption}\n")
            elif flags[0]:
                lines.append(f"{id_base + number}\t{tx_text}\t{iso}{clock}\t{iso}{entry[10]}{amount[1]}\t"
                             f"{category[0]}\t{redemption}{tails[flags[1]]}")
                if flags[1]:
                    late += 1
                if tx > highest:
                    highest = tx
                if tx < lowest:
                    lowest = tx
            else:
                to_outside(f"{outside_prefix}{tx_text}\t{entry[0]}\t{iso}\t{amount[1]}\tpurchase\n")
                outside += 1
        if lines:
            self._write_direct(lines, late, lowest, highest)
        self.out.outside += outside

    def _write_direct(self, lines: list[str], late: int, lowest: str, highest: str) -> None:
        self.direct.add_block("".join(lines))
        self._count_direct(len(lines), late, lowest, highest)
        lines.clear()

    def _count_direct(self, rows: int, late: int, lowest: str, highest: str) -> None:
        out = self.out
        out.direct += rows
        out.direct_late += late
        if out.highest_tx is None:
            out.lowest_tx, out.highest_tx = lowest, highest
        else:
            out.lowest_tx, out.highest_tx = min(out.lowest_tx, lowest), max(out.highest_tx, highest)

    # One row, every check (the reference) ------------------------------------------------------------------
    def _row(self, number: int, cells) -> None:
        if self.source.skips_empty_rows and cells.__class__ is list and not any(cells):
            return
        if cells.__class__ is not list:
            self._bad(number, None, [("", "not_an_object" if cells is None else "bad_encoding", "")])
            return
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        found = []
        tx = cells[self.i_tx].strip()
        if not tx:
            found.append(("provider_tx_id", "missing_value", ""))
        elif len(tx) > MAX_LENGTH["provider_tx_id"]:
            found.append(("provider_tx_id", "too_long", tx))
        when = self._moment(cells, found)
        raw_piva = cells[self.i_piva]
        entry = self.shop(raw_piva)
        if entry[0] is None:
            found.append(("partita_iva", "bad_partita_iva" if raw_piva.strip() else "missing_value", raw_piva))
        kind = self.kind(cells[self.i_kind]) if self.i_kind is not None else "purchase"
        if kind is None:
            found.append(("kind", "bad_kind", cells[self.i_kind]))
        raw = cells[self.i_amount]
        cents, cents_text, _positive, _refund = self.amount(raw)
        if cents.__class__ is str:
            found.append(("amount", cents, raw))
        elif cents <= 0 and (cents == 0 or kind != "refund"):  # refunds often come with a minus sign
            found.append(("amount", "zero_amount" if cents == 0 else "not_positive", raw))
        refund_of = cells[self.i_ref].strip() if self.i_ref is not None else ""
        if refund_of:
            if kind == "purchase":
                found.append(("refund_of_tx_id", "refund_of_on_purchase", refund_of))
            elif len(refund_of) > MAX_LENGTH["refund_of_tx_id"]:
                found.append(("refund_of_tx_id", "too_long", refund_of))
        category = self.category(cells[self.i_cat]) if self.i_cat is not None else (NULL, False)
        if category[1]:
            found.append(("category", "too_long", cells[self.i_cat].strip()))
        redemption = self.redemption(cells[self.i_red]) if self.i_red is not None else NULL
        if redemption is None:
            found.append(("redemption", "bad_redemption", cells[self.i_red].strip()))
        if found:
            self._bad(number, tx, found)
            return
        stamp, day, _month = when
        self._write(number, tx, stamp, day, entry, cents_text, kind, refund_of, category[0], redemption)

    def _write(self, number: int, tx: str, stamp: str, day: str, entry: tuple, cents: str, kind: str,
               refund_of: str, category: str, redemption: str) -> None:
        """A good row where it goes (the reference for :meth:`_read`'s lines)."""
        flags, tx_text = self.flags(entry, day), copy_text(tx)
        refund_text = copy_text(refund_of) if refund_of else NULL
        direct = self.direct
        if direct is None:
            self.stage.add(f"{number}\t{tx_text}\t{stamp}\t{day}\t{entry[0]}\t{entry[6]}\t{flags[2]}\t{flags[3]}\t"
                           f"{cents}\t{kind}\t{refund_text}\t{category}\t{redemption}\n")
            return
        if kind == "purchase":
            self.purchases[tx] = None
        elif refund_of and refund_of not in self.purchases:  # checks.check_direct looks for the purchase
            direct.refunds.add(f"{number}\t{tx_text}\t{refund_text}\n")
        if flags[0]:
            suffix = direct.purchase_suffix if kind == "purchase" else f"\t{kind}\t{refund_text}{direct.refund_suffix}"
            direct.add(f"{self.id_base + number}\t{tx_text}\t{stamp}\t{day}\t{entry[6]}\t{entry[0]}\t{cents}\t"
                       f"{category}\t{redemption}\t{flags[3]}{suffix}")
            self._count_direct(1, int(flags[1]), tx, tx)
        else:
            direct.outside.add(f"{direct.outside_prefix}{tx_text}\t{entry[0]}\t{day}\t{cents}\t{kind}\n")
            self.out.outside += 1

    def _moment(self, cells: list, found: list):
        raw = cells[self.i_at]
        if not raw.strip():
            found.append(("occurred_at", "missing_value", ""))
            return None
        time_value = cells[self.i_time] if self.i_time is not None else ""
        when = self.parser.moment(raw, time_value)
        if when.__class__ is str:
            found.append(("time" if when == "bad_time" else "occurred_at", when,
                          raw + (" " + time_value if self.i_time is not None else "")))
        return when

    def _bad(self, number: int, tx, found: list) -> None:
        if self.stop_at_bad:
            raise Redo(f"row {number} is bad")
        self.problems.add(number, tx, found)

    # What a value means (memoised) -------------------------------------------------------------------------
    def shop(self, raw: str) -> tuple:
        """(0 P.IVA or None if malformed, 1 shop id or None, 2–3 start and end of its only network period (2 None:
        several, ask the shop), 4 the shop, 5 its last confirmed month, 6 shop id as COPY text, 7 its flags from
        day 8 to day 9: in the network and not late, 10 shop and P.IVA as the middle of a transaction's line)."""
        found = self.shops.get(raw)
        if found is None:
            piva = self.parser.partita_iva(raw) if raw else None
            shop = self.network.get(piva) if piva else None
            if shop is None:
                found = (piva, None, None, None, None, None, NULL, _FLAGS[False, False], "", _END_OF_TIME, None)
            else:
                start, end = shop.periods[0] if len(shop.periods) == 1 else (None, None)
                shop_id = str(shop.organisation_id)
                usual_from = max(start, _after_month(shop.last_month)) if start else _NEVER
                found = (piva, shop_id, start, end, shop, shop.last_month, shop_id, _FLAGS[True, False], usual_from,
                         end or _END_OF_TIME, f"\t{shop_id}\t{piva}\t")
            _remember(self.shops, raw, found)
        return found

    def amount(self, raw: str) -> tuple:
        """(signed cents, or a problem code; the absolute value as text; whether it is a positive amount; whether it
        is a refund's amount: not zero, whatever its sign)."""
        found = self.amounts.get(raw)
        if found is None:
            cents = parse_cents(raw) if raw.strip() else "missing_value"
            good = cents.__class__ is not str
            found = _remember(self.amounts, raw, (cents, str(abs(cents)) if good else None, good and cents > 0,
                                                  good and cents != 0))
        return found

    def kind(self, raw: str) -> str | None:
        found = self.kinds.get(raw, False)
        if found is False:
            found = _remember(self.kinds, raw, KINDS.get(raw.strip().lower()) if raw.strip() else "purchase")
        return found

    def redemption(self, raw: str) -> str | None:
        found = self.redemptions.get(raw, False)
        if found is False:
            clean = raw.strip().lower()
            found = _remember(self.redemptions, raw, REDEMPTIONS.get(clean) if clean else NULL)
        return found

    def category(self, raw: str) -> tuple:
        """(the category as COPY text, whether it is too long)."""
        found = self.categories.get(raw)
        if found is None:
            clean = raw.strip()
            found = _remember(self.categories, raw, (copy_text(clean) if clean else NULL,
                                                     len(clean) > MAX_LENGTH["category"]))
        return found

    @staticmethod
    def flags(entry: tuple, day: str) -> tuple:
        """(in the network on the day, its month already confirmed: late, both as COPY text) for a row's shop
        (:meth:`shop`) and day."""
        if entry[1] is None:
            return _FLAGS[False, False]
        start = entry[2]
        inside = (start <= day and (entry[3] is None or day <= entry[3])) if start else entry[4].covers(day)
        return _FLAGS[inside, entry[5] is not None and day[:8] + "01" <= entry[5]]


def _after_month(month: str | None) -> str:
    """The first day after a confirmed month ("2026-03-01" → "2026-04-01"), or the dawn of time."""
    if month is None:
        return ""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}-01"


def read_rows(source: Source, network: NetworkSnapshot, *, batch_id: int, problems: Problems,
              progress: Callable[[int, int], None], direct: DirectLoad | None = None, stage: Stage | None = None,
              stop_at_bad: bool = False) -> Outcome:
    """Check every row and send it to `direct` (when given) or `stage`, the bad ones to `problems`; with
    `stop_at_bad`, the first bad row raises :class:`Redo` (the whole file will be rejected)."""
    reader = RowReader(source, network, batch_id=batch_id, problems=problems, direct=direct, stage=stage,
                       stop_at_bad=stop_at_bad)
    return reader.read(progress)
