"""A plain-Python reference count: what every derived fact should be, per unit and month,
computed row by row with SQL's three-valued logic. Slow and obvious on purpose."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kpirules import ast
from kpirules.compiler import Plan
from kpirules.periods import Period, parse_date, parse_period
from kpirules.values import Pair

Row = dict[str, Any]


def _day(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    text = str(v).strip()
    if not text:
        return None
    return parse_date(text[:10])


def _num(v: Any) -> Fraction | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return Fraction(int(v))
    if isinstance(v, float):
        return Fraction(Decimal(repr(v)))
    return Fraction(v)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _is_dateish(v: Any) -> bool:
    return isinstance(v, (date, datetime)) or (isinstance(v, str) and len(v) >= 8
                                               and v[:4].isdigit() and v[4] == "-")


def _cmp(op: str, a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b,
            ">=": a >= b}[op]


def truth(c: ast.Condition, row: Row) -> bool | None:
    """True, False or None (unknown), as SQL decides a WHERE."""
    if isinstance(c, ast.BoolOp):
        a, b = truth(c.left, row), truth(c.right, row)
        if c.op == "and":
            if a is False or b is False:
                return False
            return None if a is None or b is None else True
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    if isinstance(c, ast.Not):
        t = truth(c.operand, row)
        return None if t is None else not t
    if isinstance(c, ast.IsNull):
        empty = _blank(row[c.left.value])
        return not empty if c.negated else empty
    if isinstance(c, ast.InList):
        results = [compare(row, c.left.value, "=", v) for v in c.values]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    assert isinstance(c, ast.Compare)
    return compare(row, c.left.value, c.op, c.right)


def compare(row: Row, col: str, op: str, v: ast.Value) -> bool | None:
    left = row[col]
    if isinstance(v, ast.Text) and v.kind == "null":
        return _blank(left) if op == "=" else not _blank(left)
    if isinstance(v, ast.Text) and v.kind == "period":
        d, p = _day(left), parse_period(v.value)
        if d is None:
            return None
        lo, hi = p.first_day(), p.end_day()
        return {"=": lo <= d < hi, "!=": not lo <= d < hi, "<": d < lo, "<=": d < hi,
                ">": d >= hi, ">=": d >= lo}[op]
    if isinstance(v, ast.Text) and v.kind == "date":
        return _cmp(op, _day(left), parse_date(v.value))
    if isinstance(v, ast.Text):
        return _cmp(op, left, v.value)
    if isinstance(v, ast.Number):
        return _cmp(op, _num(left), v.value)
    assert isinstance(v, ast.Ref)
    if v.name not in row and v.name.lower() in ("true", "false"):
        return _cmp(op, left, v.name.lower() == "true")
    right = row[v.name]
    if _is_dateish(left) or _is_dateish(right):
        return _cmp(op, _day(left), _day(right))
    return _cmp(op, left, right)


def reference(plan: Plan, rows: list[Row], period: Period, unit_col: str = "unit_id",
              period_col: str = "returned_at") -> dict[tuple[str, str], dict[Period, Any]]:
    lo, hi = period.first_day(), period.end_day()
    groups: dict[tuple[str, Period], list[Row]] = {}
    for r in rows:
        d = _day(r[period_col])
        if d is None or not lo <= d < hi or r[unit_col] is None:
            continue
        groups.setdefault((str(r[unit_col]), Period.of_date(d)), []).append(r)
    out: dict[tuple[str, str], dict[Period, Any]] = {}
    for (unit, month), members in groups.items():
        for name, info in plan.facts.items():
            agg = info.derived
            if agg is None:
                continue
            factor = plan.base_factor[name]
            hit = [r for r in members if agg.where is None or truth(agg.where, r) is True]
            func = agg.func.value
            if func == "count":
                v: Any = len(hit)
            elif func == "share":
                v = Pair(len(hit), len(members))
            else:
                assert agg.column is not None
                vals = [_num(r[agg.column.value]) for r in hit]
                vals = [x * factor for x in vals if x is not None]
                if func == "sum":
                    v = sum(vals, Fraction(0))
                elif func == "avg":
                    v = Pair(sum(vals, Fraction(0)), len(vals))
                elif not vals:
                    continue
                else:
                    v = min(vals) if func == "min" else max(vals)
            out.setdefault((unit, name), {})[month] = v
    return out


def normal(facts: dict[tuple[str, str], dict[Period, Any]]) -> dict[Any, Any]:
    """Comparable form: Pairs as (Fraction, Fraction), numbers as Fractions."""
    def one(v: Any) -> Any:
        if isinstance(v, Pair):
            return ("pair", Fraction(v.num), Fraction(v.den))
        return Fraction(v)

    return {(u, f, str(p)): one(v) for (u, f), by in facts.items() for p, v in by.items()}
