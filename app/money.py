"""Exact money and percentages: parsing, rounding, splitting, formatting and column types.

Money is euros as :class:`decimal.Decimal` with two places, never a float. In the database it is
stored as integer cents (``BIGINT``) through :class:`Money`, so sums are exact on SQLite too, whose
``NUMERIC`` is a binary float. Percentages are stored as integers of 1/10,000 of a percent through
:class:`Percent` (``3.1234%`` <-> ``31234``).

This module is part of the kernel and imports only the standard library, SQLAlchemy and Babel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from babel.numbers import format_percent as _babel_format_percent
from sqlalchemy import BigInteger, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "CENT",
    "PERCENT_STEP",
    "Money",
    "Percent",
    "format_money",
    "format_percent",
    "percent_of",
    "round_cents",
    "split",
    "to_decimal",
]

CENT = Decimal("0.01")
PERCENT_STEP = Decimal("0.0001")

_BIGINT_MAX = 2**63 - 1
_INT_MAX = 2**31 - 1
# "1234,56", "1.234,56", "1.234.567" (Italian) and "1234.56" (plain); optional sign.
_ITALIAN_RE = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
_PLAIN_RE = re.compile(r"[+-]?\d+(\.\d+)?")


def _parse_str(text: str) -> Decimal:
    """Parse an Italian ("1.234,56") or plain ("1234.56") number; "1.234" means 1.234."""
    cleaned = text.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if _PLAIN_RE.fullmatch(cleaned):
        return Decimal(cleaned)
    if _ITALIAN_RE.fullmatch(cleaned):
        return Decimal(cleaned.replace(".", "").replace(",", "."))
    raise ValueError(f"not a number: {text!r} (use 1.234,56 or 1234.56)")


def _has_more_places(value: Decimal, step: Decimal) -> bool:
    """Whether ``value`` has a non-zero digit beyond ``step`` (``1.500`` fits cents, ``1.505`` does not)."""
    try:
        return value.quantize(step) != value
    except InvalidOperation as exc:
        raise ValueError(f"amount out of range: {value}") from exc


def to_decimal(value: Decimal | int | str, *, strict: bool = False) -> Decimal:
    """Convert ``value`` to a finite Decimal; floats are refused.

    Strings may be Italian ("1.234,56", "1234,56") or plain ("1234.56"); a lone dot is a decimal point.
    With ``strict=True`` a value with more than two decimals (non-zero) raises ``ValueError``.
    """
    if isinstance(value, float):
        raise ValueError(f"money is never a float: got {value!r}; pass a Decimal, an int or a string")
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        result = _parse_str(value.strip())
    else:
        raise ValueError(f"cannot convert {type(value).__name__} to an amount: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if strict and _has_more_places(result, CENT):
        raise ValueError(f"more than 2 decimals in {value!r}: money is never rounded silently")
    return result


def round_cents(value: Decimal) -> Decimal:
    """Round to the cent, half away from zero (ROUND_HALF_UP): 0.005 -> 0.01, -0.005 -> -0.01."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, rate_percent: Decimal) -> Decimal:
    """``rate_percent`` % of ``amount`` rounded half-up to the cent: ``percent_of(1100, 3) == 33.00``."""
    return round_cents(to_decimal(amount) * to_decimal(rate_percent) / 100)


def split(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so the parts sum exactly to ``total``.

    Largest remainder method in cents: each part is within one cent of its exact share; leftover cents
    go to the largest remainders, ties to the earlier position. A negative total splits like its
    absolute value with the signs flipped. Zero weights get zero; negative or all-zero weights raise.
    """
    cents = int(to_decimal(total, strict=True).scaleb(2))
    ws = [Fraction(to_decimal(w)) for w in weights]
    if any(w < 0 for w in ws):
        raise ValueError("split weights must not be negative")
    weight_sum = sum(ws, Fraction(0))
    if weight_sum == 0:
        raise ValueError("split needs at least one positive weight")
    sign, whole = (-1 if cents < 0 else 1), abs(cents)
    shares = [whole * w / weight_sum for w in ws]
    parts = [int(share) for share in shares]  # floor: shares are non-negative
    leftover = whole - sum(parts)
    order = sorted(range(len(ws)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    return [Decimal(sign * part).scaleb(-2) for part in parts]


# CLDR puts the euro sign after Italian amounts ("1.234,56\u00a0€"); Italian public administration
# writes "€ 1.234,56" (sign first, ordinary space), which is what the district asked for.
_MONEY_PATTERNS = {"it": "¤ #,##0.00"}


def format_money(value: Decimal | int | str | None, locale: str | Locale = "it") -> str:
    """Format euros for ``locale``; ``None`` gives "".

    ``it`` gives ``"€ 1.234,56"`` / ``"-€ 1.234,56"`` (ordinary space); other languages use Babel's
    CLDR pattern: ``"€1,234.56"`` / ``"-€1,234.56"`` for ``en``.
    """
    if value is None:
        return ""
    pattern = _MONEY_PATTERNS.get(Locale.parse(locale).language)
    return format_currency(to_decimal(value), "EUR", format=pattern, locale=locale)


def format_percent(value: Decimal | int | str | None, locale: str = "it") -> str:
    """Format a percentage given in percent (``Decimal("3.1234")`` is 3.1234%) with up to 4 decimals.

    Trailing zeros are dropped: ``it`` gives "3,1234%", "3%"; ``en`` gives "3.1234%", "3%".
    More than 4 decimals are rounded half-up for display. ``None`` gives "".
    """
    if value is None:
        return ""
    rate = to_decimal(value).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP).normalize()
    return _babel_format_percent(rate / 100, locale=locale, decimal_quantization=False)


def _to_units(value: Any, step: Decimal, limit: int, what: str) -> int:
    """Integer count of ``step`` in ``value``; refuses floats (TypeError) and extra places (ValueError)."""
    if isinstance(value, float):
        raise TypeError(f"{what} is never a float: got {value!r}; pass a Decimal")
    number = to_decimal(value)
    if _has_more_places(number, step):
        raise ValueError(f"{what} {value!r} has more than {-step.as_tuple().exponent} decimals")
    units = int(number.quantize(step).scaleb(-step.as_tuple().exponent))
    if abs(units) > limit:
        raise ValueError(f"{what} {value!r} is out of range")
    return units


def _from_units(value: Any, step: Decimal) -> Decimal:
    """Decimal from an integer count of ``step`` as returned by the driver (int, or Decimal for SUM)."""
    units = Decimal(value) if isinstance(value, int) else value
    if not isinstance(units, Decimal) or units != units.to_integral_value():
        raise ValueError(f"expected an integer count of {step}, got {value!r}")
    return units.scaleb(step.as_tuple().exponent).quantize(step)


_SAME_TYPE_OPS = {operators.add, operators.sub}


class _ScaledComparator(TypeDecorator.Comparator[Decimal], BigInteger.comparator_factory):  # type: ignore[misc]
    """Keeps the decorated type on ``a + b`` / ``a - b`` (same type) and ``a * int``.

    Other arithmetic (``a * Decimal``, ``a / n``) gives the impl's type, i.e. raw integer units.
    """

    __slots__ = ()

    def _adapt_expression(self, op: Any, other_comparator: Any) -> tuple[Any, TypeEngine[Any]]:
        other = other_comparator.type
        if op in _SAME_TYPE_OPS and isinstance(other, type(self.type)):
            return op, self.type
        if op is operators.mul and not isinstance(other, TypeDecorator) and other._type_affinity is Integer:
            return op, self.type
        return super()._adapt_expression(op, other_comparator)


class _ScaledInteger(TypeDecorator[Decimal]):
    """An integer column holding a count of ``step``, seen from Python as a Decimal."""

    impl: Any = Integer
    cache_ok = True
    comparator_factory: Any = _ScaledComparator
    step = CENT
    limit = _INT_MAX
    what = "value"

    @property
    def python_type(self) -> type:
        return Decimal

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return _to_units(value, self.step, self.limit, self.what)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return _from_units(value, self.step)

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        """Bind compared and added values through this type (``amount > Decimal("10.00")``)."""
        if op in _SAME_TYPE_OPS or operators.is_comparison(op) or op is None:
            return self
        return self.impl_instance.coerce_compared_value(op, value)


class Money(_ScaledInteger):
    """Euros as a Decimal with 2 places, stored as integer cents in a BIGINT.

    Binding a float raises ``TypeError``; more than 2 decimals raises ``ValueError`` (never rounded).
    ``func.sum()`` of a Money column is a Money expression, so it comes back as exact Decimal euros.
    """

    impl = BigInteger
    cache_ok = True
    step = CENT
    limit = _BIGINT_MAX
    what = "money"


class Percent(_ScaledInteger):
    """A percentage as a Decimal with 4 places, stored as an INTEGER of 1/10,000 of a percent.

    ``Decimal("3.1234")`` <-> ``31234``. Floats raise ``TypeError``; more than 4 decimals ``ValueError``.
    """

    impl = Integer
    cache_ok = True
    step = PERCENT_STEP
    limit = _INT_MAX
    what = "percent"
