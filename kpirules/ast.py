"""The ruleset as data: frozen, slotted dataclasses, every node with a span.

Spans are declared ``compare=False, hash=False`` so that two equal rules compare
equal wherever they stand. Numbers are exact (:class:`fractions.Fraction`) from
the parser on. Nothing here knows about Lark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from .diagnostics import Diagnostic, Source, Span

NO_SOURCE = Source("<none>", "")
NO_SPAN = Span(NO_SOURCE, 0, 0)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class Ident:
    """A name as written, with where it stands (fact, unit, column, aggregate…)."""

    value: str
    span: Span = _span()


# ---------------------------------------------------------------- literals
@dataclass(frozen=True, slots=True)
class Number:
    """An exact literal. ``percent`` for ``99.9%`` (value already divided by 100);
    ``uom`` for a quantity such as ``25 min`` (the unit text as written)."""

    value: Fraction
    text: str
    percent: bool = False
    uom: Ident | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Text:
    """A string, a date or a period written as a literal in a condition."""

    value: str
    kind: str  # "string" | "date" | "period" | "null" | "bool"
    span: Span = _span()


# ---------------------------------------------------------------- measures
@dataclass(frozen=True, slots=True)
class FactRef:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # + - * /
    left: Measure
    right: Measure
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Measure
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    func: Ident
    args: tuple[Measure, ...]
    span: Span = _span()


Measure = Union[Number, FactRef, BinOp, Neg, Call]


@dataclass(frozen=True, slots=True)
class Comparison:
    """``op threshold`` or ``between threshold and upper``."""

    op: str  # < <= > >= = != between
    threshold: Number
    upper: Number | None = None
    span: Span = _span()


# ---------------------------------------------------------------- conditions
@dataclass(frozen=True, slots=True)
class Ref:
    """A bare name on the right of a condition: a column (records) or a unit id (scopes)."""

    name: str
    span: Span = _span()


Value = Union[Number, Text, Ref]


@dataclass(frozen=True, slots=True)
class Compare:
    left: Ident
    op: str  # = != < <= > >=
    right: Value
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InList:
    left: Ident
    values: tuple[Value, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IsNull:
    left: Ident
    negated: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # and | or
    left: Condition
    right: Condition
    span: Span = _span()


Condition = Union[Compare, InList, IsNull, Not, BoolOp]


# ---------------------------------------------------------------- scopes
@dataclass(frozen=True, slots=True)
class Scope:
    """``unit ID`` (kind "unit"), ``each unit where C`` ("each"), ``units where C`` ("pooled")."""

    kind: str
    unit: Ident | None = None
    where: Condition | None = None
    span: Span = _span()


# ---------------------------------------------------------------- declarations
@dataclass(frozen=True, slots=True)
class Aggregate:
    """A derived fact: ``count(T where C)``, ``sum(T.col where C)``, ``share(T where C)``…"""

    func: Ident
    source: Ident
    column: Ident | None
    where: Condition | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FactDecl:
    name: Ident
    uom: Ident | None
    aggregate: Ident | None = None
    derived: Aggregate | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SourceDecl:
    name: Ident
    path: Text | None = None
    unit_by: Ident | None = None
    period_by: Ident | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Due:
    kind: str  # "period" | "date" | "ongoing" | "text"
    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Part:
    name: Ident
    measure: Measure
    target: Comparison
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Objective:
    id: Ident
    label: str
    measure: Measure | None = None
    target: Comparison | None = None
    warn: Comparison | None = None
    scope: Scope | None = None
    every: Ident | None = None
    combine: str | None = None  # "all" | "any" for a compound objective
    parts: tuple[Part, ...] = ()
    owner: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    method: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    due: Due | None = None
    note: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ruleset:
    label: str
    unit: Ident | None
    period: Text | None
    owner: tuple[str, ...]
    facts: tuple[FactDecl, ...]
    sources: tuple[SourceDecl, ...]
    objectives: tuple[Objective, ...]
    source: Source = field(compare=False, hash=False, repr=False)
    # Problems the parser noticed without stopping (a field given twice, …);
    # the checker reports them with its own.
    problems: tuple[Diagnostic, ...] = field(default=(), compare=False, hash=False, repr=False)
    span: Span = _span()

    def objective(self, objective_id: str) -> Objective | None:
        for o in self.objectives:
            if o.id.value == objective_id:
                return o
        return None
