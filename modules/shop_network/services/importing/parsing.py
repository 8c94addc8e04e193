"""Reading one value: dates and times (Europe/Rome), partite IVA and amounts, written the ways providers write them.

A million-row file repeats few distinct dates, times, P.IVAs and amounts, so every parse is memoised (within
bounds: memory stays flat) and the common shapes take a fast path of one or two dictionary lookups.

Wall-clock times are Europe/Rome. PostgreSQL turns them into instants itself (the import sets the session's
time zone); :func:`rome_to_utc` does the same elsewhere, with PostgreSQL's rule for the two hours a year that
are ambiguous or do not exist: both are read as standard time (UTC+1).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from stdnum.it import iva

from app.dates import ROME

MEMO_LIMIT = 200_000
_DATE_ENDS = frozenset(("", " ", "T"))  # what may follow a 10-character date: nothing, a space or ISO's T


class RowParser:
    """Turns raw cells into values or problem codes; memoises what repeats across rows."""

    def __init__(self):
        self._days: dict[str, tuple | None] = {}
        self._pivas: dict[str, str | None] = {}
        # Read directly by the import's loop: a 10-character date seen before → (ISO day, ISO first of the
        # month); what follows it (" 09:25", "T09:25:41") → " HH:MM:SS", or False if it is no wall-clock time.
        self.fast_days: dict[str, tuple[str, str]] = {}
        self.clocks: dict[str, str | bool] = dict(_common_clocks())

    # Dates and times ------------------------------------------------------------------------------------------
    def moment(self, value: str, time_value: str = ""):
        """(stamp, Rome day, first day of the month), ISO text, or a problem code ("bad_date", "bad_time").

        The stamp is "YYYY-MM-DD HH:MM:SS", Rome's wall clock, or carries its own UTC offset when the value did
        ("2026-03-29T12:00:00Z"). A value made of a date and what follows it (nothing, " 09:25", "T09:25:41")
        is learnt in two parts, `fast_days` and `clocks`, which the import's reader looks up directly."""
        if value[10:11] in _DATE_ENDS:
            day = self.fast_days.get(value[:10])
            if day is None and (day := self.day(value[:10])) is not None and len(self.fast_days) < MEMO_LIMIT:
                self.fast_days[value[:10]] = day
            if day is not None:
                rest = value[10:] or (time_value and " " + time_value)
                clock = self.clocks.get(rest) if rest else " 00:00:00"
                if clock is None:
                    clock = self._rest_clock(rest)
                if clock:
                    return (day[0] + clock, day[0], day[1])
        return self._moment(value, time_value)

    def _rest_clock(self, rest: str):
        """ " 09:25", "T09:25:41.5" → " 09:25:00", " 09:25:41"; False when it is not a plain wall-clock time."""
        found = False
        text = rest[1:].strip()
        if rest[:1] in (" ", "T") and not _has_offset(text):
            clock = self.time(text) if text else (0, 0, 0)
            if clock is not None:
                found = f" {clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d}"
        if len(self.clocks) < MEMO_LIMIT:
            self.clocks[rest] = found
        return found

    def _moment(self, value: str, time_value: str):
        stripped = value.strip()
        day_text, _sep, time_text = stripped.replace("T", " ").partition(" ")
        time_text = time_text.strip() or time_value.strip()
        if _has_offset(time_text):
            return self._aware(stripped)
        day = self.day(day_text)
        if day is None:
            return "bad_date"
        clock = self.time(time_text) if time_text else (0, 0, 0)
        if clock is None:
            return "bad_time"
        return (f"{day[0]} {clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d}", day[0], day[1])

    def day(self, value: str):
        """"DD/MM/YYYY", "D.M.YYYY" or "YYYY-MM-DD" (2000–2099) → (ISO day, ISO first of the month) or None."""
        found = self._days.get(value, False)
        if found is not False:
            return found
        parsed = None
        try:
            if "/" in value or "." in value:
                d, m, y = value.replace(".", "/").split("/")
            else:
                y, m, d = value.split("-")
            if len(y) == 4 and y.isdigit() and m.isdigit() and d.isdigit() and len(m) <= 2 and len(d) <= 2:
                day = date(int(y), int(m), int(d))
                if 2000 <= day.year <= 2099:
                    parsed = (day.isoformat(), day.isoformat()[:8] + "01")
        except ValueError:
            parsed = None
        if len(self._days) < MEMO_LIMIT:
            self._days[value] = parsed
        return parsed

    @staticmethod
    def time(value: str):
        """"H:MM" or "HH:MM:SS" (fractions of a second dropped) → (h, m, s) or None."""
        parts = value.split(".")[0].split(":")
        if 2 <= len(parts) <= 3 and all(p.isdigit() and len(p) <= 2 and p.isascii() for p in parts):
            h, m, s = (int(p) for p in (*parts, "0")[:3])
            if h < 24 and m < 60 and s < 60:
                return (h, m, s)
        return None

    @staticmethod
    def _aware(value: str):
        """An ISO 8601 moment with its own offset (typical of API clients)."""
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "bad_date"
        if moment.tzinfo is None or not 2000 <= moment.year <= 2099:
            return "bad_date"
        local = moment.astimezone(ROME).replace(microsecond=0)
        day = local.date().isoformat()
        return (local.isoformat(sep=" "), day, day[:8] + "01")

    # Partite IVA ---------------------------------------------------------------------------------------------
    def partita_iva(self, value: str):
        """"IT 01234567890", "1234567890" (a spreadsheet dropped the leading zero) → 11 digits, or None."""
        found = self._pivas.get(value, False)
        if found is not False:
            return found
        number = value.strip().upper().replace(" ", "").replace(".", "")
        if number.startswith("IT"):
            number = number[2:]
        if number.isdigit() and 8 <= len(number) < 11:
            number = number.zfill(11)
        parsed = number if number.isdigit() and len(number) == 11 and iva.is_valid(number) else None
        if len(self._pivas) < MEMO_LIMIT:
            self._pivas[value] = parsed
        return parsed


@cache
def _common_clocks() -> dict[str, str]:
    """" HH:MM:SS" and " HH:MM" as they follow a date, learnt in advance: a file has up to 86,400 of them."""
    two = [f"{n:02d}" for n in range(60)]
    minutes = [f" {hour}:{minute}" for hour in two[:24] for minute in two]
    clocks = {"": " 00:00:00"}
    clocks.update((minute, minute + ":00") for minute in minutes)
    clocks.update((clock, clock) for clock in (minute + ":" + second for minute in minutes for second in two))
    return clocks


def _has_offset(time_text: str) -> bool:
    return time_text.endswith("Z") or "+" in time_text or "-" in time_text


def rome_to_utc(stamp: str) -> datetime:
    """A stamp from :meth:`RowParser.moment` as a UTC instant, the way PostgreSQL reads it in Europe/Rome."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        earlier, later = moment.replace(tzinfo=ROME), moment.replace(tzinfo=ROME, fold=1)
        moment = earlier if earlier.utcoffset() <= later.utcoffset() else later
    return moment.astimezone(UTC)


# Amounts -------------------------------------------------------------------------------------------------
def parse_cents(value: str):
    """"1.234,56" / "1234,56" / "1234.56" / "1,234.56" → signed integer cents, or a problem code."""
    separator = "," if "," in value else "."
    whole, _sep, fraction = value.partition(separator)
    if whole.isdecimal() and len(whole) <= 11 and value.isascii():  # the common "1234,56" / "1234.56" / "12"
        size = len(fraction)
        if size == 2 and fraction.isdecimal():
            return int(whole) * 100 + int(fraction)
        if size == 1 and fraction.isdecimal():
            return int(whole) * 100 + int(fraction) * 10
        if not _sep:
            return int(whole) * 100
    return _parse_cents(value)


def _parse_cents(value: str):
    text_value = value.strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    negative = text_value[:1] == "-"
    if text_value[:1] in "+-":
        text_value = text_value[1:]
    if not text_value or not text_value.isascii():
        return "bad_amount"
    comma, dot = text_value.rfind(","), text_value.rfind(".")
    if comma > dot:
        whole, fraction, thousands = text_value[:comma], text_value[comma + 1:], "."
    elif dot > comma:
        whole, fraction, thousands = text_value[:dot], text_value[dot + 1:], ","
    else:
        whole, fraction, thousands = text_value, "", ""
    if thousands and thousands in whole:
        groups = whole.split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return "bad_amount"
        whole = "".join(groups)
    if not (whole.isdecimal() or (whole == "" and fraction)) or (fraction and not fraction.isdecimal()):
        return "bad_amount"
    if len(fraction) > 2:
        return "too_many_decimals"
    if len(whole) > 11:
        return "bad_amount"
    cents = int(whole or "0") * 100 + (int(fraction) * (10 if len(fraction) == 1 else 1) if fraction else 0)
    return -cents if negative else cents
