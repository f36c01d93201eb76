"""``kpirules explain``: for one objective, where every number comes from.

For each scope unit and period: the measure, each fact's value in its declared
unit and its origin (given, rolled up from which months, from which sub-units,
which sub-units were left out because they never report the fact), the
arithmetic, the comparison and the verdict.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .document import measure_text
from .periods import Period, parse_period
from .results import ResultRow, exact
from .rollup import Missing, Resolver
from .ruleset import Ruleset
from .scopes import matches, top_units
from .values import NoValue, Pair

__all__ = ["explain_text"]

def _num(v: Fraction | int) -> str:
    f = Fraction(v)
    s = exact(f) or "0"
    if "/" in s:
        s += f" ≈ {float(f):.6g}"
    return s


def _pct(s: str | None) -> str:
    if s is None:
        return "—"
    f = Fraction(s)
    return f"{exact(f)} ({float(f * 100):.4g}%)"


def _value(resolver: Resolver, rs: Ruleset, fact: str, v: Any) -> str:
    if isinstance(v, Missing):
        return "missing — " + "; ".join(str(r) for r in v.reasons)
    info = rs.plan.facts[fact]
    if isinstance(v, NoValue):
        return "no value (no records)"
    if isinstance(v, Pair):  # an average or a share: its total over its count
        if v.den == 0:
            return "no value (no records)"
        whole = _value(resolver, rs, fact, Fraction(v.num) / v.den)
        return f"{whole}  (= {_num(Fraction(v.num) / rs.plan.base_factor[fact])} / {v.den})"
    shown = Fraction(v) / rs.plan.base_factor[fact]
    uom = "" if info.kind.name == "count" else info.uom
    return f"{_num(shown)} {uom}".rstrip()


def _fact_lines(resolver: Resolver, rs: Ruleset, unit: str | None, pooled: list[str] | None,
                facts: tuple[str, ...], period: Period, depth: int = 2,
                scope: str = "") -> list[str]:
    """Where the measure's facts come from: one pool of units and sub-periods for all."""
    pad = " " * depth
    lines: list[str] = []
    if pooled is not None:
        full, silent, _ = resolver.status(pooled, facts, period)
        res = resolver.pooled_measure(pooled, facts, period, scope) if pooled else None
        lines.append(f"{pad}pooled over {len(full)} unit(s): {', '.join(full) or '—'}")
        if silent:
            lines.append(f"{pad}left out (give none of {_facts(facts)}): {', '.join(silent)}")
        if isinstance(res, Missing) or res is None:
            lines.append(f"{pad}missing — " + "; ".join(str(r) for r in res.reasons)
                         if res is not None else f"{pad}missing — no unit")
            return lines
        for fact in facts:
            lines.append(f"{pad}{fact} = {_value(resolver, rs, fact, res.values[fact])}")
            for u in full:
                part = resolver.measure(u, facts, period)
                v = part.values[fact] if not isinstance(part, Missing) else part
                lines.append(f"{pad}  · {u}: {_value(resolver, rs, fact, v)}")
        return lines
    assert unit is not None
    if unit not in resolver.tree.parent:  # unknown unit: the row says why
        return []
    res = resolver.measure(unit, facts, period)
    mine = [f for f in facts if f not in resolver.counted
            and resolver.own_covers(unit, f, period)]
    if isinstance(res, Missing):
        lines.append(f"{pad}missing — " + "; ".join(str(r) for r in res.reasons))
        return lines
    if mine or all(f in resolver.counted for f in facts):
        for fact in facts:  # the unit's own figures (months rolled up), or its records
            src = resolver.source(unit, fact, period)
            lines.append(f"{pad}{fact} = {_value(resolver, rs, fact, res.values[fact])}  "
                         f"[{unit}: {src.detail}]")
            if src.how in ("periods", "records"):
                for label, pv in src.parts[:24]:
                    lines.append(f"{pad}  · {label}: {_value(resolver, rs, fact, pv)}")
                if len(src.parts) > 24:
                    lines.append(f"{pad}  · … and {len(src.parts) - 24} more")
        return lines
    kids = list(resolver.tree.children.get(unit, ()))
    full, silent, _ = resolver.status(kids, facts, period)
    lines.append(f"{pad}[{unit}: rolled up from {len(full)} sub-unit(s), every fact alike]")
    for fact in facts:
        lines.append(f"{pad}{fact} = {_value(resolver, rs, fact, res.values[fact])}")
        for k in full[:24]:
            part = resolver.measure(k, facts, period)
            v = part.values[fact] if not isinstance(part, Missing) else part
            lines.append(f"{pad}  · {k}: {_value(resolver, rs, fact, v)}")
        if len(full) > 24:
            lines.append(f"{pad}  · … and {len(full) - 24} more")
    if res.silent:
        lines.append(f"{pad}left out (give none of {_facts(facts)}): {', '.join(res.silent)}")
    return lines


def _facts(facts: tuple[str, ...]) -> str:
    return ", ".join(f"`{f}`" for f in facts)


def _row_text(row: ResultRow) -> str:
    if row.verdict in ("missing", "n/a"):
        return f"  → {row.verdict}: {getattr(row, 'reason', '') or ''}"
    uom = f" {row.uom}" if row.uom else ""
    is_ratio = row.kind == "ratio"
    actual = _pct(row.actual) if is_ratio else f"{row.actual}{uom}"
    threshold = _pct(row.threshold) if is_ratio else f"{row.threshold}{uom}"
    if row.comparator == "between":
        upper = _pct(row.upper) if is_ratio else f"{row.upper}{uom}"
        cmp = f"between {threshold} and {upper}"
    else:
        cmp = f"{row.comparator} {threshold}"
    gap = (f"{float(Fraction(row.gap) * 100):+.4g} pp" if is_ratio and row.gap is not None
           else f"{row.gap}{uom}")
    lines = [f"  actual {actual}; target {cmp}; gap {gap}",
             f"  → {row.verdict}"]
    if row.needed is not None:
        lines.append(f"  needed: {row.needed} more item(s) on the good side, same volume")
    if row.budget is not None:
        lines.append(f"  budget: {row.budget} item(s) could still turn bad")
    return "\n".join(lines)


def explain_text(rs: Ruleset, objective: str, facts: Any, *, units: Any = None,
                 period: str | None = None, sources: Any = None,
                 engine: Any = "duckdb") -> tuple[str, int]:
    report, resolver = rs.explained(facts, units=units, period=period, objective=objective,
                                    sources=sources, engine=engine)
    op = next(o for o in rs.plan.objectives if o.id == objective)
    by_part = {t.part: t for t in op.targets}
    tree = resolver.tree
    out = [f"{op.id} — {op.label}", f"ruleset: {rs.label} ({rs.path})",
           f"period: {report.period}" + (f", every {op.every}" if op.every else ""), ""]
    for row in report.results:
        where = row.unit if row.unit is not None else (row.scope or "")
        name = tree.name(row.unit) if row.unit else ""
        head = f"[{where}{' · ' + name if name and name != where else ''} · {row.period}]"
        if row.part is None and op.combine:
            out.append(f"{head} {op.combine} of the parts → {row.verdict}")
            out.append("")
            continue
        tp = by_part[row.part]
        title = f"{head}" + (f" part {row.part}" if row.part else "")
        out.append(f"{title}: {measure_text(tp.node.measure, 'en')}")
        pooled = None
        if row.unit is None and op.scope is not None and op.scope.kind == "pooled":
            pooled = _pooled_units(resolver, op, tp.facts)
        out.extend(_fact_lines(resolver, rs, row.unit, pooled, tp.facts,
                               parse_period(row.period), scope=row.scope or ""))
        out.append(_row_text(row))
        out.append("")
    out.append(f"objective {op.id}: {report.objectives[0].verdict}")
    return "\n".join(out) + "\n", report.exit_code


def _pooled_units(resolver: Resolver, op: Any, facts: tuple[str, ...]) -> list[str]:
    tree = resolver.tree
    matched = [u for u in tree.parent if matches(op.scope.where, tree.attrs[u])]
    return top_units(tree, matched)
