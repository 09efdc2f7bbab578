"""Column types that behave the same on SQLite and PostgreSQL.

* :class:`Fixed` / :data:`Money`: exact decimals.  PostgreSQL stores ``NUMERIC``; SQLite has
  no decimal type (its NUMERIC affinity turns ``'0.10'`` into a float), so there the value
  is stored as a scaled integer (fen for money).  ``SUM`` stays exact on both and comes
  back through the same type as a :class:`~decimal.Decimal`.
* :class:`AwareDateTime`: timezone-aware instants.  PostgreSQL stores ``timestamptz``;
  SQLite stores UTC text, so ordering and comparison in SQL stay correct.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.types import TypeDecorator


class Fixed(TypeDecorator):
    """A decimal with a fixed number of places; floats are refused, never rounded in."""

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 2, precision: int = 18):
        super().__init__()
        self.scale = scale
        self.precision = precision
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(f"float {value!r} given for an exact decimal column: use Decimal")
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError):
            raise ValueError(f"{value!r} is not a decimal number") from None
        if number != number.quantize(self._quantum):
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(number.scaleb(self.scale))
        return number

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    def copy(self, **kw):
        return Fixed(self.scale, self.precision)

    def __repr__(self) -> str:
        return f"Fixed(scale={self.scale}, precision={self.precision})"


def Money() -> Fixed:
    """Yuan with two decimals (fen)."""
    return Fixed(2, 18)


class AwareDateTime(TypeDecorator):
    """A timezone-aware instant; naive datetimes are refused."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"{value!r} is not a datetime")
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: times must be timezone-aware")
        if dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def __repr__(self) -> str:
        return "AwareDateTime()"
