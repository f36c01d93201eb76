"""Data completeness: which unit gives some of a measure's facts for a period but not all.

A measure's facts are pooled over one set of units and sub-periods (see
:meth:`kpirules.rollup.Resolver.measure`), so a unit that gives ``resolved`` but no
``late`` makes every row that pools it ``missing``. ``kpirules lint --facts`` lists each
such gap before any report is made, with the objectives it will leave without a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compiler import Plan
from .periods import Period
from .rollup import Resolver

__all__ = ["Gap", "gaps"]


@dataclass(frozen=True, slots=True)
class Gap:
    """``unit`` gives ``has`` but not ``lacks`` for ``period``; ``objectives`` need both."""

    unit: str
    period: Period
    has: tuple[str, ...]
    lacks: tuple[str, ...]
    objectives: tuple[str, ...]


def gaps(plan: Plan, resolver: Resolver) -> list[Gap]:
    """Every (unit, period) of the fact set where a measure's facts are given in part,
    in unit and period order. Facts counted from records are never in part."""
    needs: dict[tuple[str, ...], list[str]] = {}  # a measure's given facts → objectives
    for op in plan.objectives:
        for tp in op.targets:
            facts = tuple(sorted({f for f in tp.facts if f not in resolver.counted}))
            if len(facts) > 1 and op.id not in needs.setdefault(facts, []):
                needs[facts].append(op.id)
    given: dict[tuple[str, Period], set[str]] = {}
    for (unit, fact), by_period in resolver.own.items():
        for p in by_period:
            given.setdefault((unit, p), set()).add(fact)
    found: dict[tuple[str, Period, tuple[str, ...]], tuple[tuple[str, ...], list[str]]] = {}
    for (unit, p), have in given.items():
        for facts, objectives in needs.items():
            has = tuple(f for f in facts if f in have)
            if not has or len(has) == len(facts):
                continue
            lacks = tuple(f for f in facts if f not in have
                          and not resolver.own_covers(unit, f, p))
            if not lacks:
                continue  # given at a finer grain inside the period
            key = (unit, p, lacks)
            _, objs = found.setdefault(key, (has, []))
            objs.extend(o for o in objectives if o not in objs)
    out = [Gap(u, p, has, lacks, tuple(objs)) for (u, p, lacks), (has, objs) in found.items()]
    order = {u: i for i, u in enumerate(resolver.tree.parent)}
    out.sort(key=lambda g: (order.get(g.unit, len(order)), g.unit, g.period.sort_key, g.lacks))
    return out
