"""Checked ruleset → plan: every measure turned into an evaluator once.

A measure becomes a closure over a mapping of fact values (exact ints and
Fractions, in base units). A measure that is a ratio of counts (numerator and
denominator sums and differences of count facts) is also decomposed, so the
evaluator can compare by integer cross-multiplication and compute the items
``needed`` or the ``budget`` exactly. Thresholds are converted to base units
here, once. Records (derived facts) are carried as they are, for the records
engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from . import ast
from .checker import CheckedObjective, CheckedRuleset, CheckedTarget, FactInfo
from .comparators import Comparator, comparator
from .functions import FUNCTIONS
from .units import factor

__all__ = ["compile_plan", "Plan", "ObjectivePlan", "TargetPlan", "Cmp", "NotApplicable"]

Value = Union[int, Fraction]
MeasureFn = Callable[[Mapping[str, Value]], Value]


class NotApplicable(ArithmeticError):
    """A denominator is zero: nothing to measure (verdict n/a)."""


@dataclass(frozen=True, slots=True)
class Cmp:
    """A comparison in base units, plus its threshold(s) in the display unit."""

    op: str
    t: Fraction
    upper: Fraction | None
    shown: Fraction  # threshold in the display uom
    shown_upper: Fraction | None
    # ``n / d`` (d > 0) against the threshold: one closure per operator, with the
    # threshold's numerator and denominator bound in (the evaluator's hot path)
    ratio_test: Callable[[int, int], bool] = field(default=None, compare=False,  # type: ignore[assignment]
                                                   repr=False)

    # the comparator's registry entry: its meaning, gap and items
    spec: Comparator = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.spec is None:
            object.__setattr__(self, "spec", comparator(self.op))
        if self.ratio_test is None:
            object.__setattr__(self, "ratio_test", _ratio_test(self))

    def holds(self, v: Value) -> bool:
        return self.spec.holds(v, self.t, self.upper)


@dataclass(frozen=True, slots=True)
class TargetPlan:
    part: str | None
    facts: tuple[str, ...]  # every fact the measure reads, in order of first use
    fn: MeasureFn
    # a ratio of counts: (numerator terms, denominator terms), each (sign, fact)
    ratio: tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]] | None
    target: Cmp
    warn: Cmp | None
    uom: str
    out_factor: Fraction  # base value / out_factor = value in the display uom
    kind: str
    node: CheckedTarget
    # (good, total): the measure is one count fact over another, the target a plain
    # comparison (not between) and the display unit a fraction of one — the hot path
    simple: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ObjectivePlan:
    id: str
    label: str
    owner: str | None
    targets: tuple[TargetPlan, ...]
    combine: str | None
    scope: ast.Scope | None
    every: str | None
    checked: CheckedObjective


@dataclass(frozen=True, slots=True)
class Plan:
    checked: CheckedRuleset
    facts: dict[str, FactInfo]
    objectives: tuple[ObjectivePlan, ...]
    base_factor: dict[str, Fraction]  # fact → factor from its declared uom to base units


# ---------------------------------------------------------------- measures
def _div(a: Value, b: Value) -> Value:
    if b == 0:
        raise NotApplicable("division by zero")
    if isinstance(a, int) and isinstance(b, int):
        return Fraction(a, b)
    return Fraction(a) / b


def _compile(m: ast.Measure) -> MeasureFn:
    if isinstance(m, ast.FactRef):
        name = m.name
        return lambda v: v[name]
    if isinstance(m, ast.Number):
        value: Value = m.value * (factor(m.uom.value) if m.uom is not None else 1)
        if isinstance(value, Fraction) and value.denominator == 1:
            value = int(value)
        return lambda v: value
    if isinstance(m, ast.Neg):
        inner = _compile(m.operand)
        return lambda v: -inner(v)
    if isinstance(m, ast.BinOp):
        a, b = _compile(m.left), _compile(m.right)
        if m.op == "+":
            return lambda v: a(v) + b(v)
        if m.op == "-":
            return lambda v: a(v) - b(v)
        if m.op == "*":
            return lambda v: a(v) * b(v)
        return lambda v: _div(a(v), b(v))
    if isinstance(m, ast.Call):
        args = tuple(_compile(x) for x in m.args)
        apply = FUNCTIONS[m.func.value].apply
        return lambda v: apply([f(v) for f in args])
    raise AssertionError(m)  # pragma: no cover


def _facts_of(m: ast.Measure, out: list[str]) -> list[str]:
    if isinstance(m, ast.FactRef):
        if m.name not in out:
            out.append(m.name)
    elif isinstance(m, ast.BinOp):
        _facts_of(m.left, out)
        _facts_of(m.right, out)
    elif isinstance(m, ast.Neg):
        _facts_of(m.operand, out)
    elif isinstance(m, ast.Call):
        for a in m.args:
            _facts_of(a, out)
    return out


def _count_terms(m: ast.Measure, facts: dict[str, FactInfo],
                 sign: int = 1) -> tuple[tuple[int, str], ...] | None:
    """``a + b - c`` over count facts → ((1, a), (1, b), (-1, c)); else None."""
    if isinstance(m, ast.FactRef):
        info = facts.get(m.name)
        return ((sign, m.name),) if info is not None and info.kind.name == "count" else None
    if isinstance(m, ast.BinOp) and m.op in "+-":
        left = _count_terms(m.left, facts, sign)
        right = _count_terms(m.right, facts, sign if m.op == "+" else -sign)
        return left + right if left is not None and right is not None else None
    return None


def _ratio(m: ast.Measure, facts: dict[str, FactInfo]) -> tuple[
        tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]] | None:
    if isinstance(m, ast.BinOp) and m.op == "/":
        num = _count_terms(m.left, facts)
        den = _count_terms(m.right, facts)
        if num is not None and den is not None:
            return num, den
        return None
    terms = _count_terms(m, facts)
    return (terms, ()) if terms is not None else None  # a plain count: denominator 1


def _ratio_test(c: Cmp) -> Callable[[int, int], bool]:
    spec = comparator(c.op)
    if spec.cross is not None:
        return spec.cross(c.t.numerator, c.t.denominator)
    return lambda n, d: c.holds(Fraction(n, d))


def _cmp(c: ast.Comparison, out_uom: str) -> Cmp:
    def base(n: ast.Number) -> Fraction:
        return n.value * (factor(n.uom.value) if n.uom is not None else 1)

    out = factor(out_uom) if out_uom else Fraction(1)
    t = base(c.threshold)
    upper = base(c.upper) if c.upper is not None else None
    return Cmp(c.op, t, upper, t / out, upper / out if upper is not None else None)


def _simple(ratio: tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]] | None,
            t: CheckedTarget) -> tuple[str, str] | None:
    if ratio is None or t.uom or comparator(t.target.op).ranged or \
            (t.warn is not None and comparator(t.warn.op).ranged):
        return None
    num, den = ratio
    if len(num) == 1 and len(den) == 1 and num[0][0] == 1 and den[0][0] == 1:
        return num[0][1], den[0][1]
    return None


def _target(t: CheckedTarget, facts: dict[str, FactInfo]) -> TargetPlan:
    ratio = _ratio(t.measure, facts)
    return TargetPlan(
        part=t.part,
        facts=tuple(_facts_of(t.measure, [])),
        fn=_compile(t.measure),
        ratio=ratio,
        target=_cmp(t.target, t.uom),
        warn=_cmp(t.warn, t.uom) if t.warn is not None else None,
        uom=t.uom,
        out_factor=factor(t.uom) if t.uom else Fraction(1),
        kind=t.kind.name,
        node=t,
        simple=_simple(ratio, t),
    )


def compile_plan(checked: CheckedRuleset) -> Plan:
    objectives = []
    for o in checked.objectives:
        node = o.node
        objectives.append(ObjectivePlan(
            id=o.id,
            label=node.label,
            owner="; ".join(node.owner) if node.owner else None,
            targets=tuple(_target(t, checked.facts) for t in o.targets),
            combine=o.combine,
            scope=o.scope,
            every=o.every,
            checked=o,
        ))
    base = {name: factor(info.uom) if info.uom else Fraction(1)
            for name, info in checked.facts.items()}
    return Plan(checked, dict(checked.facts), tuple(objectives), base)
