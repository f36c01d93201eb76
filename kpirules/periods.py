"""Periods: years (``2022``), quarters (``2022-Q1``) and months (``2022-03``).

A :class:`Period` is hashable and ordered; ``str(p)`` gives back the canonical
text. Quarters hold three months, years four quarters and twelve months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

__all__ = ["Period", "parse_period", "PeriodSyntaxError", "CADENCES", "MIN_YEAR", "MAX_YEAR"]

# The years a period may name. Within them every period's first day and the first day
# after it (``first_day``, ``end_day``) are dates Python can build: 9999 is out because
# the day after 9999-12-31 is not, 0000 because there is no year 0.
MIN_YEAR = 1
MAX_YEAR = 9998

CADENCES = ("month", "quarter", "year")
_GRAIN_RANK = {"month": 0, "quarter": 1, "year": 2}

_RE = re.compile(r"^\s*(\d{4})(?:-(?:[Qq](\d+)|(\d{1,2})))?\s*$")


# a period's months are asked for on every roll-up step; there are only ever a few
# hundred distinct periods, so their months are kept
_MONTHS: dict[Period, tuple[Period, ...]] = {}


class PeriodSyntaxError(ValueError):
    """A text that is not a period; the message says what is wrong and what is right."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    grain: str  # "year" | "quarter" | "month" (sort order: by year, then this text)
    index: int  # 1 for a year; 1..4 for a quarter; 1..12 for a month
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # periods key every fact lookup: hash once, not on every lookup
        object.__setattr__(self, "_hash", hash((self.year, self.grain, self.index)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        # every fact lookup compares periods: the same object, or a cheap hash test first
        if self is other:
            return True
        if other.__class__ is not Period:
            return NotImplemented
        return (self._hash == other._hash and self.index == other.index  # type: ignore[attr-defined]
                and self.year == other.year and self.grain == other.grain)  # type: ignore[attr-defined]

    def __str__(self) -> str:
        if self.grain == "year":
            return f"{self.year:04d}"
        if self.grain == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}-{self.index:02d}"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        first = self.months()[0]
        return (self.year, first.index, -_GRAIN_RANK[self.grain])

    def months(self) -> tuple[Period, ...]:
        """The months of the period, in order (computed once per period)."""
        hit = _MONTHS.get(self)
        if hit is None:
            hit = _MONTHS[self] = self._months()
        return hit

    def _months(self) -> tuple[Period, ...]:
        if self.grain == "month":
            return (self,)
        if self.grain == "quarter":
            base = (self.index - 1) * 3
            return tuple(Period(self.year, "month", base + i) for i in (1, 2, 3))
        return tuple(Period(self.year, "month", i) for i in range(1, 13))

    def quarters(self) -> tuple[Period, ...]:
        if self.grain == "year":
            return tuple(Period(self.year, "quarter", i) for i in (1, 2, 3, 4))
        if self.grain == "quarter":
            return (self,)
        raise ValueError("a month holds no quarter")

    def children(self) -> tuple[Period, ...]:
        """The next finer periods: a year's quarters, a quarter's months; () for a month."""
        if self.grain == "year":
            return self.quarters()
        if self.grain == "quarter":
            return self.months()
        return ()

    def parent(self) -> Period | None:
        if self.grain == "month":
            return Period(self.year, "quarter", (self.index - 1) // 3 + 1)
        if self.grain == "quarter":
            return Period(self.year, "year", 1)
        return None

    def split(self, cadence: str) -> tuple[Period, ...]:
        """The sub-periods of ``cadence`` inside this period (``every month`` …)."""
        if cadence == "year":
            return (Period(self.year, "year", 1),) if self.grain == "year" else (self,)
        if cadence == "quarter":
            return self.quarters() if self.grain != "month" else (self,)
        return self.months()

    def contains(self, other: Period) -> bool:
        """Whether every month of ``other`` lies in this period (a period contains itself).
        Asked for every own value on every roll-up: decided without building months."""
        if other.year != self.year:
            return False
        if self.grain == "year":
            return True
        if self.grain == "quarter":
            if other.grain == "month":
                return (other.index - 1) // 3 + 1 == self.index
            return other.grain == "quarter" and other.index == self.index
        return other.grain == "month" and other.index == self.index

    def finer_than(self, cadence: str) -> bool:
        return _GRAIN_RANK[self.grain] < _GRAIN_RANK[cadence]

    def first_day(self) -> date:
        _check_year(self.year, str(self))
        return date(self.year, self.months()[0].index, 1)

    def end_day(self) -> date:
        """The first day after the period."""
        _check_year(self.year, str(self))
        last = self.months()[-1]
        if last.index == 12:
            return date(last.year + 1, 1, 1)
        return date(last.year, last.index + 1, 1)

    @staticmethod
    def of_date(d: date) -> Period:
        return Period(d.year, "month", d.month)


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodSyntaxError(f"`{text}`: the year {year:04d} is outside the years "
                                f"kpirules handles ({MIN_YEAR:04d} to {MAX_YEAR})")


def parse_period(text: str) -> Period:
    """``"2022"``, ``"2022-Q3"``, ``"2022-03"`` → Period; anything else raises
    :class:`PeriodSyntaxError` with a message a quality manager can act on."""
    m = _RE.match(str(text))
    if not m:
        raise PeriodSyntaxError(
            f"`{text}` is not a period: write a year (2022), a quarter (2022-Q1) "
            "or a month (2022-03)")
    year = int(m.group(1))
    _check_year(year, str(text).strip())
    if m.group(2) is not None:
        # a long run of digits is refused by its length, never converted (int() of
        # more than 4300 digits raises)
        q = int(m.group(2)) if len(m.group(2)) <= 2 else 0
        if not 1 <= q <= 4:
            raise PeriodSyntaxError(f"`{text}`: a quarter is Q1 to Q4")
        return Period(year, "quarter", q)
    if m.group(3) is not None:
        month = int(m.group(3))
        if not 1 <= month <= 12:
            raise PeriodSyntaxError(f"`{text}`: a month is 01 to 12")
        return Period(year, "month", month)
    return Period(year, "year", 1)


def parse_date(text: str) -> date:
    """``2022-01-31`` → date; raises ValueError with a plain message."""
    try:
        y, mth, d = (int(x) for x in str(text).strip().split("-"))
        return date(y, mth, d)
    except (ValueError, TypeError):
        raise ValueError(f"`{text}` is not a date: write YYYY-MM-DD, e.g. 2022-01-31") from None
