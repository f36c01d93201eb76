"""Roll-up: the value of a fact for a unit and a period, exactly, or why there is none.

Values are exact (ints and Fractions in base units). A unit's value of a fact
for a period is, in this order:

1. its own value for that period, when the fact set gives one;
2. else, when the unit has own values of the fact at a finer grain inside the
   period, the combination of its sub-periods (quarters, then months) by the
   fact's aggregate — every sub-period must be there, or the value is missing
   and the reason names the absent ones;
3. else the combination of its sub-units' values by the aggregate. Sub-units
   that never report the fact (no value anywhere in their subtree, in any
   period) are left out and named by ``explain``; a sub-unit that reports the
   fact but lacks this period makes the whole value missing.

A ratio over several units is therefore always the ratio of pooled sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .compiler import Plan, Value
from .periods import Period
from .scopes import Hierarchy
from .values import NO_VALUE, Pair, combine

__all__ = ["Resolver", "Missing", "Reason", "Source"]


# Why a row is missing or n/a: a code and its arguments, so that reports can say it in
# their own language (report/messages/*.json: "reason.<code>"); the English text goes
# into the JSON's `reason`.
_REASONS = {
    "absent": "`{fact}` for {unit} in {period}: {absent} absent{through}",
    "absent_last": "`{fact}` for {unit} in {period}: the last sub-period {absent} absent"
                   "{through}",
    "through": " (data through {as_of} only)",
    "no_value": "no `{fact}` for {unit} in {period}",
    "no_value_pool": "no `{fact}` in {period}",
    "unknown_unit": "unit `{unit}` is not in the units table",
    "unit_no_facts": "unit `{unit}` has no facts (and no units table was given)",
    "no_match": "no unit matches `{scope}`",
    "pool_none": "no unit of `{scope}` reports `{fact}`",
    "zero_den": "nothing to measure: {names} = 0",
    "zero_den_any": "nothing to measure: a denominator is 0",
    "no_records": "nothing to measure: `{fact}` has no records",
}


class Reason:
    """One reason, as a code with its arguments."""

    __slots__ = ("code", "args")

    def __init__(self, code: str, **args: str) -> None:
        self.code = code
        self.args = args

    def __str__(self) -> str:
        as_of = self.args.get("as_of")
        through = _REASONS["through"].format(as_of=as_of) if as_of else ""
        return _REASONS[self.code].format(through=through, **self.args)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reason) and (self.code, self.args) == (other.code, other.args)

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.args.items()))))

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, **self.args}


class Missing:
    """An absent value, with the reasons."""

    __slots__ = ("reasons",)

    def __init__(self, reasons: Iterable[Reason]) -> None:
        self.reasons = tuple(reasons)

    def __repr__(self) -> str:
        return f"Missing({[str(r) for r in self.reasons]!r})"






@dataclass
class Source:
    """Where a value came from, for ``explain``."""

    how: str  # own | periods | units | missing
    detail: str = ""
    parts: list[tuple[str, Value | Missing]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class Resolver:
    """Looks up and rolls up fact values for (unit, fact, period), memoised."""

    def __init__(self, own: dict[tuple[str, str], dict[Period, Value]], plan: Plan,
                 tree: Hierarchy, *, as_of: Period | None = None,
                 counted: frozenset[str] = frozenset()) -> None:
        self.own = own
        self.plan = plan
        self.tree = tree
        self.as_of = as_of  # a month: year to date, nothing after it counts
        self.counted = counted  # facts counted from records: absent means no records
        self.memo: dict[tuple[str, str, Period], Value | Missing] = {}
        self._reporters: dict[str, set[str]] = {}

    def ends_by_as_of(self, p: Period) -> bool:
        a = self.as_of
        if a is None:
            return True
        last = p.months()[-1]
        return (last.year, last.index) <= (a.year, a.index)

    def after_as_of(self, p: Period) -> bool:
        a = self.as_of
        if a is None:
            return False
        first = p.months()[0]
        return (first.year, first.index) > (a.year, a.index)

    def reporters(self, fact: str) -> set[str]:
        """Units with own values of ``fact`` (any period), and all their ancestors."""
        r = self._reporters.get(fact)
        if r is None:
            r = set()
            for (u, f) in self.own:
                if f == fact and u not in r:
                    r.add(u)
                    r.update(self.tree.ancestors(u))
            self._reporters[fact] = r
        return r

    def pooled(self, units: list[str], fact: str) -> list[str]:
        """Which of a pooled scope's units add up ``fact``: all of them for a fact counted
        from records, else those that report it."""
        if fact in self.counted:
            return units
        rep = self.reporters(fact)
        return [u for u in units if u in rep]

    def agg(self, fact: str) -> str:
        info = self.plan.facts.get(fact)
        return info.aggregate if info is not None else "sum"

    def get(self, unit: str, fact: str, period: Period) -> Value | Missing:
        own = self.own.get((unit, fact))
        if own is not None and (self.as_of is None or self.ends_by_as_of(period)):
            v = own.get(period)
            if v is not None:
                return v
        key = (unit, fact, period)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        if fact in self.counted:
            res = self._counted(unit, fact, period)
        elif own is not None and any(period.contains(q) for q in own):
            res = self._over_periods(unit, fact, period, own)
        else:
            res = self._over_units(unit, fact, period)
        self.memo[key] = res
        return res

    def _counted(self, unit: str, fact: str, period: Period) -> Value:
        """A fact counted from records: the unit's own records of each month, plus its
        whole subtree's. No records is a value too: 0, or no value for avg/min/max."""
        agg = self.agg(fact)
        values: list[Value] = []
        own = self.own.get((unit, fact))
        if own is not None:
            for m in period.months():
                if self.after_as_of(m):
                    break
                v = own.get(m)
                if v is not None:
                    values.append(v)
        for child in self.tree.children.get(unit, ()):
            values.append(self.get(child, fact, period))  # type: ignore[arg-type]
        if values:
            return combine(agg, values)
        return Pair(0, 0) if agg == "pair" else (NO_VALUE if agg in ("min", "max") else 0)

    def _over_periods(self, unit: str, fact: str, period: Period,
                      own: dict[Period, Value]) -> Value | Missing:
        agg = self.agg(fact)
        absent: list[str] = []
        skip = object()

        def walk(p: Period) -> Any:
            if self.after_as_of(p):
                return skip
            v = own.get(p) if self.ends_by_as_of(p) else None
            if v is not None:
                return v
            subs = p.children()
            if not subs or not any(p.contains(q) for q in own):
                absent.append(str(p))
                return None
            if agg == "last":
                for sub in reversed(subs):
                    if not self.after_as_of(sub):
                        return walk(sub)
            got = [g for g in (walk(s) for s in subs) if g is not skip]
            if any(g is None for g in got):
                return None
            return combine(agg, got)

        v = walk(period)
        if v is None or v is skip:
            return Missing([Reason("absent_last" if agg == "last" else "absent", fact=fact,
                                   unit=unit, period=str(period), absent=", ".join(absent),
                                   as_of=str(self.as_of) if self.as_of is not None else "")])
        return v  # type: ignore[no-any-return]

    def _over_units(self, unit: str, fact: str, period: Period) -> Value | Missing:
        kids = self.tree.children.get(unit, ())
        rep = self.reporters(fact)
        reporting = [k for k in kids if k in rep]
        if not reporting:
            return Missing([Reason("no_value", fact=fact, unit=unit, period=str(period))])
        return self.pool(reporting, fact, period)

    def pool(self, units: list[str], fact: str, period: Period) -> Value | Missing:
        values: list[Value] = []
        reasons: list[str] = []
        for k in units:
            v = self.get(k, fact, period)
            if isinstance(v, Missing):
                reasons.extend(v.reasons)
            else:
                values.append(v)
        if reasons:
            return Missing(reasons)
        if not values:
            return Missing([Reason("no_value_pool", fact=fact, period=str(period))])
        return combine(self.agg(fact), values)

    def source(self, unit: str, fact: str, period: Period) -> Source:
        """How ``get`` found (or did not find) the value: for ``explain``."""
        own = self.own.get((unit, fact))
        if fact in self.counted:
            info = self.plan.facts[fact]
            src = info.derived.source.value if info.derived is not None else "records"
            months = [m for m in period.months() if own is not None and m in own]
            kids = self.tree.children.get(unit, ())
            detail = (f"counted from the records of `{src}`: its own in {len(months)} "
                      f"month(s), plus {len(kids)} sub-unit(s)")
            parts = [(str(m), own[m]) for m in months] if own is not None else []
            parts += [(k, self.get(k, fact, period)) for k in kids]
            return Source("records", detail, parts)
        if own is not None and period in own:
            return Source("own", "given in the fact set")
        if own is not None and any(period.contains(q) for q in own):
            subs = sorted((q for q in own if period.contains(q)), key=lambda q: q.sort_key)
            return Source("periods", f"rolled up by {self.agg(fact)} from "
                          + ", ".join(str(q) for q in subs),
                          [(str(q), own[q]) for q in subs])
        kids = self.tree.children.get(unit, ())
        rep = self.reporters(fact)
        reporting = [k for k in kids if k in rep]
        skipped = [k for k in kids if k not in rep]
        if not reporting:
            return Source("missing", "no own value and no reporting sub-unit", [], skipped)
        return Source("units", f"rolled up by {self.agg(fact)} from {len(reporting)} sub-unit(s)",
                      [(k, self.get(k, fact, period)) for k in reporting], skipped)


