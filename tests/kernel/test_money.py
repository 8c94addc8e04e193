"""Tests for app.money: exact euros and percentages, without Flask (plain SQLAlchemy on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.money import (
    CENT,
    Money,
    Percent,
    format_money,
    format_percent,
    percent_of,
    round_cents,
    split,
    to_decimal,
)

D = Decimal


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "test_money_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    refund: Mapped[Decimal | None] = mapped_column(Money)
    rate: Mapped[Decimal | None] = mapped_column(Percent)
    numeric: Mapped[Decimal | None] = mapped_column(sa.Numeric)


@pytest.fixture(scope="module")
def engine() -> Iterator[sa.Engine]:
    eng = sa.create_engine("sqlite://")
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s
        s.rollback()


def _round_trip(engine: sa.Engine, **values: Decimal) -> Row:
    """Insert one row, read it back in a fresh session, then delete it."""
    with Session(engine) as s:
        row = Row(**values)
        s.add(row)
        s.commit()
        row_id = row.id
    with Session(engine) as s:
        loaded = s.get_one(Row, row_id)
        s.delete(loaded)
        s.commit()
    return loaded


# ---------------------------------------------------------------- to_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", D("1234.56")),
        ("1234,56", D("1234.56")),
        ("1234.56", D("1234.56")),
        ("-1.234.567,8", D("-1234567.8")),
        ("  12,5 ", D("12.5")),
        ("€ 1.234,56", D("1234.56")),
        ("1.234,56\u00a0€", D("1234.56")),
        ("1.234", D("1.234")),  # a lone dot is a decimal point, never a thousands separator
        ("0", D("0")),
    ],
)
def test_to_decimal_parses_italian_and_plain_strings(text: str, expected: Decimal) -> None:
    assert to_decimal(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1,234.56", "1.23.4", "12,34,56", "1e3", "NaN", "1.234,5.6"])
def test_to_decimal_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        to_decimal(text)


def test_to_decimal_refuses_floats() -> None:
    with pytest.raises(ValueError, match="never a float"):
        to_decimal(0.1)  # type: ignore[arg-type]


def test_to_decimal_refuses_non_finite_and_bools() -> None:
    for bad in (D("NaN"), D("Infinity"), True):
        with pytest.raises(ValueError):
            to_decimal(bad)


def test_to_decimal_accepts_ints_and_decimals() -> None:
    assert to_decimal(12) == D("12")
    assert to_decimal(D("-0.50")) == D("-0.50")


def test_to_decimal_strict_refuses_third_decimal() -> None:
    with pytest.raises(ValueError, match="more than 2 decimals"):
        to_decimal("1.234,567", strict=True)
    with pytest.raises(ValueError, match="more than 2 decimals"):
        to_decimal(D("0.005"), strict=True)
    assert to_decimal(D("1.500"), strict=True) == D("1.5")  # trailing zeros lose nothing
    assert to_decimal("1.234", strict=False) == D("1.234")


# ---------------------------------------------------------------- rounding and percentages


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0.005"), D("0.01")),
        (D("-0.005"), D("-0.01")),
        (D("2.675"), D("2.68")),  # as a float 2.675 is 2.67499999... and would round down
        (D("2.665"), D("2.67")),  # half-up, not banker's rounding (which gives 2.66)
        (D("0.004999"), D("0.00")),
        (D("10"), D("10.00")),
    ],
)
def test_round_cents_examples(value: Decimal, expected: Decimal) -> None:
    result = round_cents(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=6))
def test_round_cents_is_half_up(value: Decimal) -> None:
    exact = Fraction(value) * 100
    magnitude = int(abs(exact) + Fraction(1, 2))  # floor(|x| + 1/2): halves go away from zero
    expected = Decimal(magnitude if exact >= 0 else -magnitude).scaleb(-2)
    assert round_cents(value) == expected
    assert abs(Fraction(round_cents(value)) - Fraction(value)) <= Fraction(1, 200)


def test_domain_example_give_back_on_monthly_net() -> None:
    """DOMAIN: 3% of (1,200.00 sales - 100.00 refund) = 33.00."""
    assert percent_of(D("1200.00") - D("100.00"), D("3")) == D("33.00")


def test_percent_of_rounds_half_up_once() -> None:
    assert percent_of(D("0.50"), D("1")) == D("0.01")  # 0.005 -> 0.01
    assert percent_of(D("-0.50"), D("1")) == D("-0.01")
    assert percent_of(D("1234.56"), D("3.1234")) == D("38.56")  # 38.5602...
    with pytest.raises(ValueError, match="never a float"):
        percent_of(D("100"), 3.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- split


def test_split_examples_and_ties_go_to_earlier_parts() -> None:
    assert split(D("1.00"), [1, 1, 1]) == [D("0.34"), D("0.33"), D("0.33")]
    assert split(D("0.02"), [1, 1, 1]) == [D("0.01"), D("0.01"), D("0.00")]
    assert split(D("-1.00"), [1, 1, 1]) == [D("-0.34"), D("-0.33"), D("-0.33")]
    assert split(D("10.00"), [D("0.5"), 0, D("0.25")]) == [D("6.67"), D("0.00"), D("3.33")]
    assert split(D("0"), [1, 2]) == [D("0.00"), D("0.00")]
    assert split(D("100.00"), [3]) == [D("100.00")]


def test_split_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="positive weight"):
        split(D("1.00"), [0, 0])
    with pytest.raises(ValueError, match="positive weight"):
        split(D("1.00"), [])
    with pytest.raises(ValueError, match="negative"):
        split(D("1.00"), [1, -1])
    with pytest.raises(ValueError, match="more than 2 decimals"):
        split(D("1.005"), [1, 1])
    with pytest.raises(ValueError, match="never a float"):
        split(D("1.00"), [0.5, 0.5])  # type: ignore[list-item]


_weight = st.one_of(
    st.integers(min_value=0, max_value=10_000),
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
)


@given(
    total=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    weights=st.lists(_weight, min_size=1, max_size=25).filter(lambda ws: any(w > 0 for w in ws)),
)
def test_split_sums_to_total_is_exact_and_fair(total: Decimal, weights: list[Decimal | int]) -> None:
    parts = split(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts, D(0)) == total
    weight_sum = sum((Fraction(w) for w in weights), Fraction(0))
    for part, weight in zip(parts, weights, strict=True):
        assert part.as_tuple().exponent == -2
        exact_share = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(Fraction(part) - exact_share) < Fraction(1, 100)
        if weight == 0:
            assert part == 0
    assert split(-total, weights) == [-p for p in parts]


# ---------------------------------------------------------------- column types


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False, allow_infinity=False))
def test_money_round_trips_through_the_database(engine: sa.Engine, value: Decimal) -> None:
    loaded = _round_trip(engine, amount=value)
    assert loaded.amount == value
    assert isinstance(loaded.amount, Decimal)
    assert loaded.amount.as_tuple().exponent == -2


@given(st.decimals(min_value=-200_000, max_value=200_000, places=4, allow_nan=False, allow_infinity=False))
def test_percent_round_trips_through_the_database(engine: sa.Engine, value: Decimal) -> None:
    loaded = _round_trip(engine, rate=value)
    assert loaded.rate == value
    assert isinstance(loaded.rate, Decimal)
    assert loaded.rate.as_tuple().exponent == -4


def test_storage_is_integer_units(session: Session) -> None:
    session.add(Row(amount=D("1234.56"), rate=D("3.1234")))
    session.flush()
    raw = session.execute(sa.text("SELECT amount, rate, typeof(amount) FROM test_money_row")).one()
    assert tuple(raw) == (123456, 31234, "integer")
    loaded = session.scalars(sa.select(Row)).one()
    assert (loaded.amount, loaded.rate) == (D("1234.56"), D("3.1234"))


def test_null_stays_null(session: Session) -> None:
    session.add(Row(amount=None, rate=None))
    session.flush()
    assert session.execute(sa.select(Row.amount, Row.rate)).one() == (None, None)


def test_money_refuses_floats_and_extra_decimals(session: Session) -> None:
    dialect = session.get_bind().dialect
    with pytest.raises(TypeError, match="never a float"):
        Money().process_bind_param(0.1, dialect)
    with pytest.raises(ValueError, match="more than 2 decimals"):
        Money().process_bind_param(D("1.005"), dialect)
    with pytest.raises(TypeError, match="never a float"):
        Percent().process_bind_param(3.0, dialect)
    with pytest.raises(ValueError, match="more than 4 decimals"):
        Percent().process_bind_param(D("3.12345"), dialect)
    with pytest.raises(ValueError, match="out of range"):
        Money().process_bind_param(D(2**63), dialect)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("amount", 0.1, TypeError),
        ("amount", D("19.999"), ValueError),
        ("rate", 3.5, TypeError),
        ("rate", D("3.00001"), ValueError),
    ],
)
def test_flush_never_rounds_silently(session: Session, field: str, value: object, error: type) -> None:
    session.add(Row(**{field: value}))
    with pytest.raises(StatementError) as excinfo:
        session.flush()
    assert isinstance(excinfo.value.orig, error)


def test_money_accepts_ints_strings_and_trailing_zeros(session: Session) -> None:
    session.add_all([Row(amount=5), Row(amount="1.234,5"), Row(amount=D("0.100"))])  # type: ignore[arg-type]
    session.flush()
    amounts = session.scalars(sa.select(Row.amount).order_by(Row.id)).all()
    assert amounts == [D("5.00"), D("1234.50"), D("0.10")]


def test_sum_of_money_is_exact_where_numeric_on_sqlite_is_not(session: Session) -> None:
    """Why Money exists: SQLite's NUMERIC is a binary float, so sums of cents drift."""
    session.execute(sa.insert(Row), [{"amount": D("0.10"), "numeric": D("0.10")} for _ in range(10_000)])
    total = session.scalar(sa.select(sa.func.sum(Row.amount)))
    assert isinstance(total, Decimal)
    assert total == D("1000.00")
    assert total.as_tuple().exponent == -2

    numeric_total = session.scalar(sa.select(sa.func.sum(Row.numeric)))
    assert numeric_total != D("1000.00")  # Decimal('1000.0000000002') with SQLAlchemy's default scale

    ten = "SELECT sum(numeric) FROM (SELECT numeric FROM test_money_row LIMIT 10)"
    raw_ten = session.scalar(sa.text(ten))
    assert raw_ten == 0.9999999999999999


def test_sql_expressions_keep_the_money_type(session: Session) -> None:
    session.add_all(
        [
            Row(amount=D("1200.00"), refund=D("100.00"), rate=D("3")),
            Row(amount=D("9.99"), refund=D("0.00"), rate=D("3.1234")),
        ]
    )
    session.flush()
    assert isinstance(sa.func.sum(Row.amount).type, Money)
    assert isinstance((Row.amount - Row.refund).type, Money)
    assert isinstance((Row.amount * 2).type, Money)
    net = session.scalar(sa.select(sa.func.sum(Row.amount - Row.refund)))
    assert net == D("1109.99")
    assert session.scalar(sa.select(Row.amount * 2).where(Row.id == 1)) == D("2400.00")
    assert session.scalar(sa.select(Row.amount + D("0.01")).where(Row.id == 2)) == D("10.00")
    assert session.scalar(sa.select(-Row.amount).where(Row.id == 2)) == D("-9.99")
    net_march = session.scalar(sa.select(sa.func.sum(Row.amount - Row.refund)).where(Row.rate == D("3")))
    assert percent_of(net_march, D("3")) == D("33.00")


def test_comparisons_bind_through_the_type(session: Session) -> None:
    session.add_all([Row(amount=D("10.00"), rate=D("3")), Row(amount=D("10.01"), rate=D("3.1234"))])
    session.flush()
    expr = Row.amount > D("10.00")
    assert isinstance(expr.right.type, Money)
    compiled = expr.compile(dialect=session.get_bind().dialect)
    assert compiled.construct_params() == {"amount_1": D("10.00")}
    assert expr.right.type.process_bind_param(D("10.00"), compiled.dialect) == 1000
    assert session.scalars(sa.select(Row.amount).where(expr)).all() == [D("10.01")]
    assert session.scalars(sa.select(Row.amount).where(Row.amount == 10)).all() == [D("10.00")]
    assert session.scalars(sa.select(Row.amount).where(Row.amount.in_([D("10.01")]))).all() == [D("10.01")]
    assert session.scalars(sa.select(Row.rate).where(Row.rate >= D("3.1234"))).all() == [D("3.1234")]
    with pytest.raises(StatementError):
        session.scalars(sa.select(Row).where(Row.amount > 10.0)).all()


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        (D("1234.56"), "it", "€ 1.234,56"),
        (D("-1234.56"), "it", "-€ 1.234,56"),
        (D("0"), "it", "€ 0,00"),
        (D("1000000"), "it", "€ 1.000.000,00"),
        (D("1234.56"), "it_IT", "€ 1.234,56"),
        (D("1234.56"), "en", "€1,234.56"),
        (D("-1234.56"), "en", "-€1,234.56"),
        (D("0.5"), "en", "€0.50"),
        ("1.234,56", "it", "€ 1.234,56"),
    ],
)
def test_format_money(value: Decimal | str, locale: str, expected: str) -> None:
    assert format_money(value, locale) == expected


def test_italian_money_reads_back_as_the_same_amount() -> None:
    for amount in (D("1234.56"), D("-1234.56"), D("0.05")):
        assert to_decimal(format_money(amount, "it")) == amount


def test_format_money_defaults_to_italian_and_handles_none() -> None:
    assert format_money(D("33")) == "€ 33,00"
    assert format_money(None) == ""
    with pytest.raises(ValueError, match="never a float"):
        format_money(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        (D("3.1234"), "it", "3,1234%"),
        (D("3.0000"), "it", "3%"),
        (D("3.5"), "it", "3,5%"),
        (D("1234.5"), "it", "1.234,5%"),
        (D("3.12345"), "it", "3,1235%"),  # display rounds half-up to 4 decimals
        (D("3.1234"), "en", "3.1234%"),
        (D("3"), "en", "3%"),
        (D("-0.25"), "en", "-0.25%"),
    ],
)
def test_format_percent(value: Decimal, locale: str, expected: str) -> None:
    assert format_percent(value, locale) == expected


def test_cent_constant() -> None:
    assert D("0.01") == CENT
