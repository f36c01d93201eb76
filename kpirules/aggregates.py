"""Aggregates, in one registry: how a fact combines across months and sub-units, and how a
fact counted from records aggregates them.

Two families, because a ruleset says two different things:

* ``fact wait : min aggregate mean`` — how a given fact's values combine when a quarter
  is made of its months or a city of its wards (:data:`ROLLUPS`);
* ``fact late = count(dossiers where returned_at > due_at)`` — how a derived fact is
  computed from records (:data:`RECORD_AGGREGATES`), which in turn says how it rolls up
  (``avg`` and ``share`` as a (sum, count) pair, so a quarter's average is its total over
  its count, never the mean of monthly averages) and what it is over no records.

The checker reads names, kinds and arities from here; the roll-up reads ``combine`` and
``empty``. The SQL of a record aggregate lives with the records compiler
(``kpirules/records/sql.py``), keyed by the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .values import NO_VALUE, NoValue, Pair, Value

__all__ = ["RECORD_AGGREGATES", "ROLLUPS", "RecordAggregate", "RollUp", "combine"]


def _sum(values: Sequence[Value]) -> Value:
    total: Any = values[0]
    for v in values[1:]:
        total = total + v
    return total  # type: ignore[no-any-return]


def _mean(values: Sequence[Value]) -> Value:
    total = _sum(values)
    if isinstance(total, int):
        return Fraction(total, len(values))
    return total / len(values)  # type: ignore[operator,no-any-return]


def _extreme(pick: Callable[..., Any]) -> Callable[[Sequence[Value]], Value]:
    def combine(values: Sequence[Value]) -> Value:
        real = [v for v in values if not isinstance(v, NoValue)]
        return pick(real) if real else NO_VALUE  # type: ignore[no-any-return]
    return combine


@dataclass(frozen=True, slots=True)
class RollUp:
    """``aggregate NAME``: how values combine across sub-periods and sub-units."""

    name: str
    combine: Callable[[Sequence[Value]], Value]
    declarable: bool = True  # written in a ruleset (`pair` is kpirules' own)


ROLLUPS: dict[str, RollUp] = {r.name: r for r in (
    RollUp("sum", _sum),
    RollUp("mean", _mean),
    RollUp("last", _sum),  # across sub-units a stock adds up; across months the last one
    RollUp("max", _extreme(max)),
    RollUp("min", _extreme(min)),
    RollUp("pair", _sum, declarable=False),  # avg and share: (sum, count) pairs add up
)}


def combine(agg: str, values: Sequence[Value]) -> Value:
    """Combine sub-period or sub-unit values by a fact's aggregate."""
    return ROLLUPS[agg].combine(values)


@dataclass(frozen=True, slots=True)
class RecordAggregate:
    """``NAME(source[.column] [where …])``: a fact counted from records."""

    name: str
    takes_column: bool
    kind: str  # "count" | "ratio" | "column" (the unit of measure the fact declares)
    rollup: str  # its entry in ROLLUPS
    empty: Value  # over no records (count and sum 0; avg and share no value yet)


RECORD_AGGREGATES: dict[str, RecordAggregate] = {a.name: a for a in (
    RecordAggregate("count", False, "count", "sum", 0),
    RecordAggregate("sum", True, "column", "sum", 0),
    RecordAggregate("avg", True, "column", "pair", Pair(0, 0)),
    RecordAggregate("min", True, "column", "min", NO_VALUE),
    RecordAggregate("max", True, "column", "max", NO_VALUE),
    RecordAggregate("share", False, "ratio", "pair", Pair(0, 0)),
)}
