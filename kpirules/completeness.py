"""Data completeness: where a unit's figures leave a measure without a value.

A measure's facts are pooled over one set of units and sub-periods (see
:meth:`kpirules.rollup.Resolver.measure`), so a unit that gives ``resolved`` but no
``late`` for a period, or ``late`` for eleven months of twelve, makes every row that
pools it ``missing``. ``kpirules lint --facts`` lists each such gap before any report is
made, with the objectives it will leave without a verdict. The periods judged are the
ones the ruleset evaluates (its ``period``, split by each objective's cadence); facts
given at different grains that cover such a period are one pool and no gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compiler import Plan
from .periods import Period
from .rollup import Missing, Resolver

__all__ = ["Gap", "gaps"]


@dataclass(frozen=True, slots=True)
class Gap:
    """``unit`` gives ``has`` for ``period`` (or inside it), but the measure of
    ``objectives`` cannot be made of its figures there: ``why`` says what is absent."""

    unit: str
    period: Period
    has: tuple[str, ...]
    why: str
    objectives: tuple[str, ...]


def gaps(plan: Plan, resolver: Resolver, periods: list[Period]) -> list[Gap]:
    """Every (unit, evaluated period) where a unit gives some of a measure's facts itself
    and the measure is still missing at that unit, in unit and period order. Facts
    counted from records are never absent."""
    needs: dict[tuple[tuple[str, ...], Period], list[str]] = {}  # (facts, period) → ids
    for op in plan.objectives:
        for top in periods:
            for p in (top.split(op.every) if op.every else (top,)):
                for tp in op.targets:
                    facts = tuple(f for f in tp.facts if f not in resolver.counted)
                    if facts and op.id not in needs.setdefault((facts, p), []):
                        needs[(facts, p)].append(op.id)
    givers: dict[str, set[str]] = {}  # fact → units with own values of it
    for unit, fact in resolver.own:
        givers.setdefault(fact, set()).add(unit)
    found: dict[tuple[str, Period, str], tuple[tuple[str, ...], list[str]]] = {}
    for (facts, p), objectives in needs.items():
        units = sorted(set().union(*(givers.get(f, set()) for f in facts)))
        for unit in units:
            has = tuple(f for f in facts if resolver.own_covers(unit, f, p))
            if not has:
                continue
            res = resolver.measure(unit, facts, p)
            if not isinstance(res, Missing):
                continue
            why = "; ".join(dict.fromkeys(str(r) for r in res.reasons))
            _, objs = found.setdefault((unit, p, why), (has, []))
            objs.extend(o for o in objectives if o not in objs)
    out = [Gap(u, p, has, why, tuple(objs)) for (u, p, why), (has, objs) in found.items()]
    order = {u: i for i, u in enumerate(resolver.tree.parent)}
    out.sort(key=lambda g: (order.get(g.unit, len(order)), g.unit, g.period.sort_key, g.why))
    return out
