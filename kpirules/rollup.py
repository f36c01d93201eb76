"""Roll-up: the values of a measure's facts for a unit and a period, exactly, or why
there are none.

Values are exact (ints and Fractions in base units). A measure reads its facts
through :meth:`Resolver.measure`, which pools them all over the same units and
sub-periods (one pool per measure): a part that gives some of the facts but not
all makes the value missing, a sub-unit that gives none is left out of every fact
alike and named. Within that pool, a unit's value of a fact for a period is, in
this order:

1. its own value for that period, when the fact set gives one;
2. else, when the unit has own values of the fact at a finer grain inside the
   period, the combination of its sub-periods (quarters, then months) by the
   fact's aggregate — every sub-period must be there, or the value is missing
   and the reason names the absent ones;
3. else the combination of its sub-units' values by the aggregate. Sub-units
   that give none of the measure's facts (no value anywhere in their subtree, in
   any period) are left out and named on the row; a sub-unit that reports them
   but lacks this period makes the whole value missing.

A ratio over several units is therefore always the ratio of pooled sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .aggregates import RECORD_AGGREGATES, combine
from .compiler import Plan, Value
from .periods import Period
from .scopes import Hierarchy

__all__ = ["Resolver", "Missing", "Reason", "Source", "Pooled"]


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
    "lacks": "{unit} gives {has} but no {lacks} for {period}",
    "lacks_ever": "{unit} has given {has} (in other periods) but never {lacks}",
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


def _names(facts: Iterable[str]) -> str:
    return ", ".join(f"`{f}`" for f in facts)


class Missing:
    """An absent value, with the reasons."""

    __slots__ = ("reasons",)

    def __init__(self, reasons: Iterable[Reason]) -> None:
        self.reasons = tuple(reasons)

    def __repr__(self) -> str:
        return f"Missing({[str(r) for r in self.reasons]!r})"


class Pooled:
    """The values of one measure's facts at (unit, period), pooled over one set of units
    and sub-periods (the one-pool rule): ``reporting`` counts the units whose own
    figures went in (None when the unit's own figures were used), ``silent`` names the
    sub-units left out because they give none of the measure's facts."""

    __slots__ = ("values", "reporting", "silent")

    def __init__(self, values: dict[str, Value], reporting: int | None = None,
                 silent: tuple[str, ...] = ()) -> None:
        self.values = values
        self.reporting = reporting
        self.silent = silent

    def __repr__(self) -> str:
        return f"Pooled({self.values!r}, reporting={self.reporting}, silent={self.silent})"


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
        self._measures: dict[tuple[str, tuple[str, ...], Period], Pooled | Missing] = {}
        self._scopes: dict[tuple[str, tuple[str, ...], Period], Pooled | Missing] = {}

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

    def agg(self, fact: str) -> str:
        info = self.plan.facts.get(fact)
        return info.aggregate if info is not None else "sum"

    def get(self, unit: str, fact: str, period: Period) -> Value | Missing:
        """One fact's value at (unit, period): the unit's own, else rolled up. A measure
        reads its facts through :meth:`measure`, which keeps them in one pool."""
        own = self.own.get((unit, fact))
        counted = fact in self.counted
        if own is not None and not counted and (self.as_of is None
                                                or self.ends_by_as_of(period)):
            v = own.get(period)
            if v is not None:
                return v
        key = (unit, fact, period)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        if counted:
            res: Value | Missing = self._counted(unit, fact, period)
        elif own is not None and any(period.contains(q) for q in own):
            res = self._over_periods(unit, fact, period, own)
        else:
            res = self._over_units(unit, fact, period)
        self.memo[key] = res
        return res

    def _counted(self, unit: str, fact: str, period: Period) -> Value:
        """A fact counted from records: the unit's own records of each month, plus its
        whole subtree's. No records is a value too: 0, or no value for avg/min/max.
        Computed bottom-up without recursion (a hierarchy may be very deep)."""
        memo = self.memo
        order: list[str] = []
        stack = [unit]
        while stack:
            n = stack.pop()
            order.append(n)
            stack.extend(c for c in self.tree.children.get(n, ()) if (c, fact, period) not in memo)
        for n in reversed(order):  # every unit after its sub-units
            if (n, fact, period) not in memo:
                memo[(n, fact, period)] = self._counted_one(n, fact, period)
        return memo[(unit, fact, period)]  # type: ignore[return-value]

    def _counted_one(self, unit: str, fact: str, period: Period) -> Value:
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
            values.append(self.memo[(child, fact, period)])  # type: ignore[arg-type]
        if values:
            return combine(agg, values)
        info = self.plan.facts.get(fact)
        func = info.derived.func.value if info is not None and info.derived else "count"
        return RECORD_AGGREGATES[func].empty  # no records: 0, or no value yet

    def _over_periods(self, unit: str, fact: str, period: Period,
                      own: dict[Period, Value]) -> Value | Missing:
        agg = self.agg(fact)
        absent: list[str] = []
        skip = object()

        mean = agg == "mean"  # weighted by months, so a cut quarter (--as-of) counts less

        def walk(p: Period) -> Any:
            if self.after_as_of(p):
                return skip
            v = own.get(p) if self.ends_by_as_of(p) else None
            if v is not None:
                return (v, len(p.months())) if mean else v
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
            if mean:
                weight = sum(w for _, w in got)
                return (sum(Fraction(v) * w for v, w in got) / weight, weight)
            return combine(agg, got)

        v = walk(period)
        if mean and isinstance(v, tuple):
            v = v[0] if v[0].denominator != 1 else v[0].numerator
        if v is None or v is skip:
            return Missing([Reason("absent_last" if agg == "last" else "absent", fact=fact,
                                   unit=unit, period=str(period), absent=", ".join(absent),
                                   as_of=str(self.as_of) if self.as_of is not None else "")])
        return v  # type: ignore[no-any-return]

    def _over_units(self, unit: str, fact: str, period: Period) -> Value | Missing:
        """One fact rolled up from the sub-units that report it (a one-fact measure)."""
        res = self._pool_measure(unit, list(self.tree.children.get(unit, ())), (fact,),
                                 period)
        return res if isinstance(res, Missing) else res.values[fact]

    # ------------------------------------------------------------ one pool per measure
    def own_covers(self, unit: str, fact: str, period: Period) -> bool:
        """Whether ``unit`` gives ``fact`` itself for ``period`` or for periods inside it."""
        own = self.own.get((unit, fact))
        if own is None:
            return False
        if period in own:
            return True
        return any(period.contains(q) for q in own)

    def measure(self, unit: str, facts: tuple[str, ...], period: Period) -> Pooled | Missing:
        """The values of a measure's facts at (unit, period), all pooled over the same
        units and sub-periods.

        A unit that gives all of the measure's facts itself (for the period or for
        sub-periods of it) is taken as it is; one that gives none is the pool of its
        sub-units, where a sub-unit that gives none of the facts is left out of every
        fact alike (and named in ``silent``) and one that gives some but not all makes
        the value missing. A unit that gives some of the facts itself and not the others
        is missing too: its own figures and its sub-units' need not cover the same
        dossiers. Facts counted from records are given by every unit (no records is 0).
        """
        key = (unit, facts, period)
        hit = self._measures.get(key)
        if hit is not None:
            return hit
        # iterative post-order over the sub-units that are needed: a hierarchy may be
        # deeper than Python's recursion limit
        stack: list[tuple[str, list[str] | None]] = [(unit, None)]
        memo = self._measures
        while stack:
            node, kids = stack.pop()
            if (node, facts, period) in self._measures:
                continue
            if kids is None:
                step = self._measure_step(node, facts, period)
                if isinstance(step, list):
                    pending = []
                    for k in step:  # sub-units with figures of their own: at once
                        if (k, facts, period) in memo:
                            continue
                        sub = self._measure_step(k, facts, period)
                        if isinstance(sub, list):
                            pending.append(k)
                        else:
                            memo[(k, facts, period)] = sub
                    if pending:
                        stack.append((node, step))
                        stack.extend((k, None) for k in reversed(pending))
                        continue
                    kids = step
                else:
                    self._measures[(node, facts, period)] = step
                    continue
            self._measures[(node, facts, period)] = self._pool_measure(
                node, kids, facts, period)
        return self._measures[key]

    def _measure_step(self, unit: str, facts: tuple[str, ...],
                      period: Period) -> Pooled | Missing | list[str]:
        """The unit's own values, a Missing, or the sub-units to pool (a list)."""
        if not self.counted and self.as_of is None:  # the common case: every fact given
            own = self.own  # for this very period
            values: dict[str, Value] = {}
            for f in facts:
                by_period = own.get((unit, f))
                v = by_period.get(period) if by_period is not None else None
                if v is None:
                    break
                values[f] = v
            else:
                return Pooled(values)
        given = [f for f in facts if f not in self.counted]
        mine = [f for f in given if self.own_covers(unit, f, period)]
        if len(mine) == len(given):  # its own figures (records: the whole subtree's)
            return self._values(unit, facts, period, None, ())
        # records of the unit itself are its own figures too: beside fact-set values
        # pooled from its sub-units they would count dossiers the others do not
        mine += [f for f in facts if f in self.counted and self.own_records(unit, f, period)]
        if mine:
            lacks = [f for f in given if f not in mine]
            return Missing([Reason("lacks", unit=unit, period=str(period), has=_names(mine),
                                   lacks=_names(lacks))])
        kids = list(self.tree.children.get(unit, ()))
        return kids

    def own_records(self, unit: str, fact: str, period: Period) -> bool:
        """Whether records of ``unit`` itself (not its sub-units') fall in ``period``."""
        own = self.own.get((unit, fact))
        return own is not None and any(m in own for m in period.months()
                                       if not self.after_as_of(m))

    def gives_in(self, unit: str, fact: str, period: Period) -> bool:
        """Whether ``unit`` or a unit of its subtree gives ``fact`` for (inside) ``period``."""
        stack = [unit]
        while stack:
            u = stack.pop()
            if self.own_covers(u, fact, period):
                return True
            stack.extend(self.tree.children.get(u, ()))
        return False

    def _values(self, unit: str, facts: tuple[str, ...], period: Period,
                reporting: int | None, silent: tuple[str, ...]) -> Pooled | Missing:
        values: dict[str, Value] = {}
        reasons: list[Reason] = []
        for f in facts:
            v = self.get(unit, f, period)
            if isinstance(v, Missing):
                reasons.extend(v.reasons)
            else:
                values[f] = v
        if reasons:
            return Missing(reasons)
        return Pooled(values, reporting, silent)

    def status(self, units: Iterable[str], facts: tuple[str, ...],
               period: Period) -> tuple[list[str], list[str], list[Reason]]:
        """Sort the parts of a pool: (those giving every fact, those giving none — left
        out —, reasons for those giving some but not all)."""
        given = [f for f in facts if f not in self.counted]
        counted = len(given) < len(facts)
        reps = [self.reporters(f) for f in given]
        full: list[str] = []
        silent: list[str] = []
        reasons: list[Reason] = []
        for u in units:
            has = [f for f, rep in zip(given, reps) if u in rep]
            if len(has) == len(given):
                full.append(u)
            elif not has and not counted:
                silent.append(u)
            else:
                gives = has + [f for f in facts if f in self.counted]
                lacks = _names(f for f in given if f not in has)
                if all(f in self.counted or self.gives_in(u, f, period) for f in gives):
                    reasons.append(Reason("lacks", unit=u, period=str(period),
                                          has=_names(gives), lacks=lacks))
                else:  # what it gives, it gives for other periods only
                    reasons.append(Reason("lacks_ever", unit=u, has=_names(gives),
                                          lacks=lacks))
        return full, silent, reasons

    def _pool_measure(self, unit: str | None, parts: list[str], facts: tuple[str, ...],
                      period: Period, scope: str | None = None) -> Pooled | Missing:
        """Pool a measure's facts over ``parts`` (sub-units of ``unit``, or the units of a
        pooled scope when ``unit`` is None): every fact over the same parts."""
        full, silent, reasons = self.status(parts, facts, period)
        if reasons:
            return Missing(reasons)
        if not full:
            if scope is not None:
                return Missing([Reason("pool_none", scope=scope, fact=f) for f in facts])
            return Missing([Reason("no_value", fact=f, unit=str(unit), period=str(period))
                            for f in facts])
        got: list[Pooled] = []
        memo = self._measures
        for u in full:
            r = memo.get((u, facts, period)) or self.measure(u, facts, period)
            if isinstance(r, Missing):
                reasons.extend(r.reasons)
            else:
                got.append(r)
        if reasons:
            return Missing(reasons)
        values: dict[str, Value] = {}
        for f in facts:  # the unit's own records, if any, made it missing above
            values[f] = combine(self.agg(f), [g.values[f] for g in got])
        reporting = sum(1 if g.reporting is None else g.reporting for g in got)
        quiet = tuple(silent) + tuple(u for g in got for u in g.silent)
        return Pooled(values, reporting, quiet)

    def pooled_measure(self, units: list[str], facts: tuple[str, ...], period: Period,
                       scope: str) -> Pooled | Missing:
        """A pooled scope (``units where …``): the measure over its units, one pool."""
        key = (scope, facts, period)
        hit = self._scopes.get(key)
        if hit is None:
            hit = self._scopes[key] = self._pool_measure(None, units, facts, period, scope)
        return hit

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


