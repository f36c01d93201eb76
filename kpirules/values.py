"""Values that are not plain numbers, as facts computed from records produce them.

* :class:`Pair` — an average or a share carried as its sum and its count, so that it
  rolls up correctly across months and units (``avg`` of a quarter is the sum of the
  months' sums over the sum of their counts, never the mean of monthly averages);
* :data:`NO_VALUE` — ``min``/``max``/``avg`` over no records: no value (n/a).

Plain values are ints (counts) and Fractions.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Union

__all__ = ["NO_VALUE", "NoValue", "Pair", "Value"]


class Pair:
    """``num / den`` kept apart: ``avg`` is (sum, count), ``share`` is (matching, total)."""

    __slots__ = ("num", "den")

    def __init__(self, num: int | Fraction, den: int) -> None:
        self.num = num
        self.den = den

    def __add__(self, other: Pair) -> Pair:
        return Pair(self.num + other.num, self.den + other.den)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pair) and (self.num, self.den) == (other.num, other.den)

    def __hash__(self) -> int:
        return hash((self.num, self.den))

    def __repr__(self) -> str:
        return f"Pair({self.num!r}, {self.den!r})"

    def value(self) -> Fraction | NoValue:
        return NO_VALUE if self.den == 0 else Fraction(self.num) / self.den


class NoValue:
    """No value: an average, minimum or maximum over no records (verdict n/a)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = NoValue()

Value = Union[int, Fraction, Pair, NoValue]
