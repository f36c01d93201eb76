"""Plan × facts × period → results: scopes, cadence, verdicts, gap and items.

The values come from the roll-up (:mod:`kpirules.rollup`); this module turns them into
one result row per (objective, part, scope unit, period), exactly: a ratio of counts is
compared by integer cross-multiplication, and ``needed``/``budget`` are exact integers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

from . import ast
from .compiler import Cmp, NotApplicable, ObjectivePlan, Plan, TargetPlan, Value
from .errors import EvaluationError
from .periods import Period
from .results import ObjectiveVerdict, Report, ResultRow, Summary, exact, exact_ratio, worst
from .rollup import Missing, Pooled, Reason, Resolver
from .scopes import Hierarchy, matches, scope_text, top_units
from .values import NO_VALUE, NoValue, Pair

__all__ = ["evaluate", "compare"]


_SHOWN_REASONS = 4


def _reasons(row: dict[str, Any], reasons: list[Reason]) -> None:
    """The row's reasons: unique, the first few in full, the count of the rest."""
    unique = list(dict.fromkeys(reasons))
    shown = unique[:_SHOWN_REASONS]
    text = "; ".join(str(r) for r in shown)
    if len(unique) > _SHOWN_REASONS:
        text += f"; and {len(unique) - _SHOWN_REASONS} more"
    row["reason"] = text
    row["reasons"] = [r.as_dict() for r in shown]
    row["reasons_more"] = len(unique) - len(shown)


def _cmp_text(c: Cmp) -> str:
    """A warn condition in the display unit, as exact text (``"< 197/200"``)."""
    if c.op == "between":
        return f"between {exact(c.shown)} and {exact(c.shown_upper)}"
    return f"{c.op} {exact(c.shown)}"


_ROW_FIELDS = frozenset(ResultRow.model_fields)
_new = object.__new__
_set = object.__setattr__


def _fast_row(values: dict[str, Any]) -> ResultRow:
    """A ResultRow without validation: the evaluator guarantees the shape (every field
    given, right types). Equivalent to ``ResultRow.model_construct`` at a fraction of
    its cost, which matters at 100,000 rows."""
    row = _new(ResultRow)
    _set(row, "__dict__", values)
    _set(row, "__pydantic_fields_set__", _ROW_FIELDS)
    _set(row, "__pydantic_extra__", {})
    _set(row, "__pydantic_private__", None)
    return row


class _Run:
    def __init__(self, resolver: Resolver, tree: Hierarchy) -> None:
        self.r = resolver
        self.tree = tree
        self._matched: dict[ast.Condition, list[str]] = {}
        # periods for which a unit's own value of the very period may be read directly
        # (no fact counted from records, and not cut by --as-of)
        self.fast_own: dict[Period, bool] = {}

    def target(self, tp: TargetPlan, unit: str | None, scope: str | None,
               getter: Callable[[tuple[str, ...], Period], Pooled | Missing] | None,
               period: Period,
               template: dict[str, Any], period_text: str, partial: bool = False,
               direct: bool = True) -> ResultRow:
        c = tp.target
        row = template.copy()
        if partial:
            row["partial"] = True
        row["unit"] = unit
        row["unit_name"] = self.tree.name(unit) if unit is not None else None
        row["period"] = period_text
        row["scope"] = scope
        vals: dict[str, Value] = {}
        no_value: str | None = None
        got: dict[str, Value] | None = None
        if direct and getter is None and self.fast_own.get(period, False):
            # the hot path: the unit gives every fact of the measure for this very period
            own = self.r.own
            got = {}
            for f in tp.facts:
                given = own.get((unit, f))  # type: ignore[arg-type]
                v = given.get(period) if given is not None else None
                if v is None:
                    got = None
                    break
                got[f] = v
        if got is None:
            res = (self.r.measure(unit, tp.facts, period) if getter is None  # type: ignore[arg-type]
                   else getter(tp.facts, period))
            if res.__class__ is Missing:
                row["verdict"] = "missing"
                _reasons(row, list(res.reasons))  # type: ignore[union-attr]
                return _fast_row(row)
            got = res.values  # type: ignore[union-attr]
            if res.silent:  # type: ignore[union-attr]
                row["silent"] = [{"unit": u, "name": self.tree.name(u)}
                                 for u in res.silent]  # type: ignore[union-attr]
            row["reporting"] = res.reporting  # type: ignore[union-attr]
        for f, v in got.items():
            cls = v.__class__
            if cls is Pair or cls is NoValue:
                v = v.value() if cls is Pair else NO_VALUE  # type: ignore[union-attr]
                if v is NO_VALUE:
                    no_value = f
                else:
                    vals[f] = v  # type: ignore[assignment]
            else:
                vals[f] = v
        if no_value is not None:
            row["verdict"] = "n/a"
            _reasons(row, [Reason("no_records", fact=no_value)])
            return _fast_row(row)
        if tp.simple is not None:
            # the hot path: good / total of two count facts, shown as a fraction of one
            n = vals[tp.simple[0]]
            d = vals[tp.simple[1]]
            if n.__class__ is int and d.__class__ is int and d > 0:  # type: ignore[operator]
                met = c.ratio_test(n, d)  # type: ignore[arg-type]
                if met and tp.warn is not None and tp.warn.ratio_test(n, d):  # type: ignore[arg-type]
                    row["verdict"] = "warn"
                else:
                    row["verdict"] = "pass" if met else "fail"
                row["needed"], row["budget"] = c.spec.items(n, d, c.t, met)  # type: ignore[arg-type]
                row["actual"] = exact_ratio(n, d)  # type: ignore[arg-type]
                t = c.t
                row["gap"] = exact_ratio(n * t.denominator - t.numerator * d,  # type: ignore[operator]
                                         d * t.denominator)  # type: ignore[operator]
                return _fast_row(row)
        n: Value
        d: Value = 1
        if tp.ratio is not None:
            num, den = tp.ratio
            n = sum([s * vals[f] for s, f in num]) if len(num) > 1 else num[0][0] * vals[num[0][1]]
            if den:
                d = (sum([s * vals[f] for s, f in den]) if len(den) > 1
                     else den[0][0] * vals[den[0][1]])
                if d == 0:
                    names = " + ".join(f for _, f in den)
                    row["verdict"] = "n/a"
                    _reasons(row, [Reason("zero_den", names=names)])
                    return _fast_row(row)
            if n.__class__ is int and d.__class__ is int and d > 0:  # type: ignore[operator]
                met = c.ratio_test(n, d)  # type: ignore[arg-type]
                actual = Fraction(n, d)
            else:
                actual = Fraction(n) / d
                met = c.holds(actual)
        else:
            try:
                actual = Fraction(tp.fn(vals))
            except NotApplicable:
                row["verdict"] = "n/a"
                _reasons(row, [Reason("zero_den_any")])
                return _fast_row(row)
            met = c.holds(actual)
            n = actual
        verdict = "pass" if met else "fail"
        if met and tp.warn is not None and tp.warn.holds(actual):
            verdict = "warn"
        if tp.ratio is not None:
            row["needed"], row["budget"] = c.spec.items(n, d, c.t, met,  # type: ignore[arg-type]
                                                        bool(tp.ratio[1]))
        shown = actual / tp.out_factor if tp.out_factor != 1 else actual
        row["verdict"] = verdict
        row["actual"] = exact(shown)
        row["gap"] = exact(c.spec.gap(shown, c.shown, c.shown_upper))
        return _fast_row(row)

    @staticmethod
    def template(op: ObjectivePlan, tp: TargetPlan) -> dict[str, Any]:
        """The fields every row of this target shares, in the contract's key order."""
        c = tp.target
        return {"objective": op.id, "part": tp.part, "unit": None, "period": "",
                "verdict": "n/a", "actual": None, "comparator": c.op,
                "threshold": exact(c.shown), "gap": None, "uom": tp.uom, "needed": None,
                "budget": None, "label": op.label, "scope": None,
                "upper": exact(c.shown_upper), "kind": tp.kind, "reason": None,
                "unit_name": None,
                "warn": None if tp.warn is None else _cmp_text(tp.warn),
                "previous": None, "change": None, "partial": False, "reasons": None,
                "reasons_more": 0, "reporting": None, "silent": None}

    def combined(self, op: ObjectivePlan, parts: list[ResultRow], unit: str | None,
                 scope: str | None, period: Period) -> ResultRow:
        verdicts = [r.verdict for r in parts]
        if op.combine == "any":
            for v in ("pass", "warn", "missing", "fail"):
                if v in verdicts:
                    verdict = v
                    break
            else:
                verdict = "n/a"
        else:
            verdict = worst(verdicts)
        return _fast_row({"objective": op.id, "part": None, "unit": unit,
                          "period": str(period), "verdict": verdict, "actual": None,
                          "comparator": op.combine or "all", "threshold": None, "gap": None,
                          "uom": "", "needed": None, "budget": None, "label": op.label,
                          "scope": scope, "upper": None, "kind": "compound", "reason": None,
                          "unit_name": self.tree.name(unit) if unit is not None else None,
                          "warn": None, "previous": None, "change": None,
                          "partial": parts[0].partial if parts else False, "reasons": None,
                          "reasons_more": 0, "reporting": None, "silent": None})

    def matched(self, where: ast.Condition) -> list[str]:
        """Units whose attributes meet ``where``, in table order; computed once per condition."""
        hit = self._matched.get(where)
        if hit is None:
            attrs = self.tree.attrs
            hit = self._matched[where] = [u for u in self.tree.parent if matches(where, attrs[u])]
        return hit

    def scopes(self, op: ObjectivePlan, default_unit: str | None) -> list[tuple[
            str | None, str | None,
            Callable[[tuple[str, ...], Period], Pooled | Missing] | None]]:
        """(unit, pooled scope text, getter) per scope item; getter None: the unit's values."""
        s = op.scope
        if s is None or s.kind == "unit":
            uid = s.unit.value if s is not None and s.unit is not None else default_unit
            if uid is None:
                raise EvaluationError(
                    f"objective {op.id} has no scope and the ruleset names no `unit`: add "
                    "`unit ID` to the ruleset header, or a scope to the objective")
            if uid not in self.tree.parent:
                why = Reason("unknown_unit" if self.tree.has_table else "unit_no_facts",
                             unit=uid)
                return [(uid, None, lambda f, p, why=why: Missing([why]))]
            return [(uid, None, None)]
        assert s.where is not None
        text = scope_text(s)
        if not self.tree.has_table:
            raise EvaluationError(
                f"objective {op.id}: `{text}` needs a units table with unit attributes; "
                "pass --units FILE (or units= in the API)")
        matched = self.matched(s.where)
        if not matched:
            why = Reason("no_match", scope=text)
            return [(None, text, lambda f, p, why=why: Missing([why]))]
        if s.kind == "each":
            return [(u, None, None) for u in matched]
        pooled = top_units(self.tree, matched)

        def pooled_get(facts: tuple[str, ...], p: Period) -> Pooled | Missing:
            return self.r.pooled_measure(pooled, facts, p, text)

        return [(None, text, pooled_get)]


def evaluate(plan: Plan, own: dict[tuple[str, str], dict[Period, Value]], tree: Hierarchy,
             period: Period, *, warnings: list[str] | None = None,
             objectives: Iterable[str] | None = None, as_of: Period | None = None,
             counted: frozenset[str] = frozenset()) -> Report:
    resolver = Resolver(own, plan, tree, as_of=as_of, counted=counted)
    run = _Run(resolver, tree)
    checked = plan.checked
    default_unit = checked.unit
    wanted = set(objectives) if objectives is not None else None
    rows: list[ResultRow] = []
    verdicts: list[ObjectiveVerdict] = []
    counts = {"pass": 0, "warn": 0, "fail": 0, "n/a": 0, "missing": 0}
    for op in plan.objectives:
        if wanted is not None and op.id not in wanted:
            continue
        periods = period.split(op.every) if op.every else (period,)
        if as_of is not None:  # year to date: nothing after the as-of month
            periods = tuple(p for p in periods if not resolver.after_as_of(p))
        top: list[str] = []
        templates = [(tp, run.template(op, tp), not counted.intersection(tp.facts))
                     for tp in op.targets]
        period_texts = [(p, str(p), not resolver.ends_by_as_of(p)) for p in periods]
        for p in periods:
            if p not in run.fast_own:
                run.fast_own[p] = resolver.ends_by_as_of(p)
        for unit, scope, getter in run.scopes(op, default_unit):
            for p, ptext, partial in period_texts:
                parts = [run.target(tp, unit, scope, getter, p, tmpl, ptext, partial,
                                    direct)
                         for tp, tmpl, direct in templates]
                rows.extend(parts)
                if op.combine:
                    combined = run.combined(op, parts, unit, scope, p)
                    rows.append(combined)
                    top.append(combined.verdict)
                else:
                    top.extend(r.verdict for r in parts)
        verdict = worst(top)
        counts[verdict] += 1
        node = op.checked.node
        verdicts.append(ObjectiveVerdict.model_construct(
            id=op.id, label=op.label, verdict=verdict, owner=op.owner,
            support=list(node.support), method=list(node.method), actions=list(node.actions),
            resources=list(node.resources), due=node.due.value if node.due else None,
            note=list(node.note), every=op.every,
            scope=scope_text(op.scope) if op.scope is not None else None))
    summary = Summary.model_validate({"pass": counts["pass"], "warn": counts["warn"],
                                      "fail": counts["fail"], "n/a": counts["n/a"],
                                      "missing": counts["missing"]})
    return Report.model_construct(ruleset=checked.label, unit=default_unit, period=str(period),
                                  objectives=verdicts, results=rows, summary=summary,
                                  warnings=list(warnings or []), compare=None,
                                  as_of=str(as_of) if as_of is not None else None)


def compare(current: Report, previous: Report) -> Report:
    """Add the previous period's actual and the change to every row of ``current``.

    Rows are matched by objective, part, unit, scope and position inside the period
    (the n-th month of 2022 against the n-th month of 2021)."""
    def key(r: ResultRow, base: str) -> tuple[Any, ...]:
        return (r.objective, r.part, r.unit, r.scope, _position(r.period, base))

    before = {key(r, previous.period): r for r in previous.results}
    rows = []
    for r in current.results:
        old = before.get(key(r, current.period))
        values = dict(r.__dict__)
        if old is not None and old.actual is not None:
            values["previous"] = old.actual
            if r.actual is not None:
                values["change"] = exact(Fraction(r.actual) - Fraction(old.actual))
        rows.append(_fast_row(values))
    data = dict(current.__dict__)
    data["results"] = rows
    data["compare"] = previous.period
    return Report.model_construct(**data)


def _position(period_text: str, base_text: str) -> int:
    from .periods import parse_period

    p, base = parse_period(period_text), parse_period(base_text)
    if p == base:
        return 0
    months = base.months()
    first = p.months()[0]
    for i, m in enumerate(months):
        if (m.year, m.index) == (first.year, first.index):
            return i + 1
    return -1
