"""The comparators of the language, in one registry: what each means, exactly.

A comparator is written in a target (``target >= 98%``, ``between 2% and 5%``) and is
used by every stage: the checker (does a warn band ever trip, a threshold sanity
check), the compiler (the verdict test bound once per target), the evaluator (the gap,
and the items needed or the budget left for a ratio of counts) and the reports (its
symbol, which side of the threshold is better). Each entry here says all of that for
one comparator, so a new comparator is one entry (plus its grammar token, one parser
callback and, when it is a phrase like ``between``, its words in the report catalogue).

Every number is exact: thresholds are Fractions, a ratio of counts ``n / d`` is tested
by integer cross-multiplication against ``p / q``, and ``needed``/``budget`` are exact
integers at the same volume (the denominator unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["COMPARATORS", "Comparator", "comparator"]

Num = int | Fraction
CrossTest = Callable[[int, int], bool]


def _never_items(n: int, d: int, p: int, q: int, met: bool,
                 ratio: bool) -> tuple[int | None, int | None]:
    return None, None


@dataclass(frozen=True, slots=True)
class Comparator:
    """One comparator: ``op`` as written, ``symbol`` as printed, and its meaning."""

    op: str
    symbol: str
    # v against the threshold t (and the upper bound u of a range)
    holds: Callable[[Num, Fraction, Fraction | None], bool]
    # n / d (d > 0) against p / q, as a closure with p and q bound in (the hot path)
    cross: Callable[[int, int], CrossTest] | None
    # +1: met at or above the threshold (more is better); -1: at or below; 0: neither
    direction: int = 0
    strict: bool = False
    ranged: bool = False  # two bounds (`between A and B`): its words come from the catalogue
    # (needed, budget) for a ratio of counts n / d against p / q (see :meth:`items`)
    _items: Callable[[int, int, int, int, bool, bool],
                     tuple[int | None, int | None]] = _never_items

    def gap(self, actual: Fraction, t: Fraction, upper: Fraction | None) -> Fraction:
        """actual − threshold; for a range, the distance to the nearer bound (0 inside)."""
        if not self.ranged:
            return actual - t
        assert upper is not None
        if actual < t:
            return actual - t
        if actual > upper:
            return actual - upper
        return Fraction(0)

    def items(self, n: int, d: int, t: Fraction, met: bool,
              ratio: bool = True) -> tuple[int | None, int | None]:
        """``(needed, budget)`` in items at the same volume: when failing, how many bad
        items would have had to be good; when passing, how many good ones could still
        turn bad. For a ratio, at most the bad items (d − n) can turn good, so when
        even that cannot meet the target ``needed`` is None."""
        if n.__class__ is not int or d.__class__ is not int or d <= 0:
            return None, None
        return self._items(n, d, t.numerator, t.denominator, met, ratio)


def _items_above(strict: bool) -> Callable[[int, int, int, int, bool, bool],
                                           tuple[int | None, int | None]]:
    def items(n: int, d: int, p: int, q: int, met: bool,
              ratio: bool) -> tuple[int | None, int | None]:
        nmin = (p * d) // q + 1 if strict else -((-p * d) // q)  # least n that meets it
        nmin = max(nmin, 0)
        if met:
            return None, n - nmin
        return (nmin - n if not ratio or nmin <= d else None), None
    return items


def _items_below(strict: bool) -> Callable[[int, int, int, int, bool, bool],
                                           tuple[int | None, int | None]]:
    def items(n: int, d: int, p: int, q: int, met: bool,
              ratio: bool) -> tuple[int | None, int | None]:
        nmax = -((-p * d) // q) - 1 if strict else (p * d) // q  # most n that meets it
        if met:
            return None, nmax - n
        return (n - nmax if nmax >= 0 else None), None
    return items


def _between(v: Num, t: Fraction, u: Fraction | None) -> bool:
    assert u is not None
    return t <= v <= u


COMPARATORS: dict[str, Comparator] = {c.op: c for c in (
    Comparator(">=", "≥", lambda v, t, u: v >= t,
               lambda p, q: lambda n, d: n * q >= p * d,
               direction=1, _items=_items_above(False)),
    Comparator(">", ">", lambda v, t, u: v > t,
               lambda p, q: lambda n, d: n * q > p * d,
               direction=1, strict=True, _items=_items_above(True)),
    Comparator("<=", "≤", lambda v, t, u: v <= t,
               lambda p, q: lambda n, d: n * q <= p * d,
               direction=-1, _items=_items_below(False)),
    Comparator("<", "<", lambda v, t, u: v < t,
               lambda p, q: lambda n, d: n * q < p * d,
               direction=-1, strict=True, _items=_items_below(True)),
    Comparator("=", "=", lambda v, t, u: v == t,
               lambda p, q: lambda n, d: n * q == p * d),
    Comparator("!=", "≠", lambda v, t, u: v != t,
               lambda p, q: lambda n, d: n * q != p * d),
    Comparator("between", "between", _between, None, ranged=True),
)}


def comparator(op: str) -> Comparator:
    """The registry entry of ``op`` (the parser only produces registered ones)."""
    return COMPARATORS[op]
