"""AST → checked ruleset, or every problem at once.

The checker never stops at the first problem. It resolves names (facts,
sources, functions), works out the dimension and kind of every measure (pint
for dimensions, our own kinds for count / ratio / number / quantity), checks
scopes, cadences and periods, and collects diagnostics sorted by position.
Nothing here reads data.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from . import ast
from .aggregates import RECORD_AGGREGATES as RECORD
from .aggregates import ROLLUPS
from .comparators import comparator
from .diagnostics import Diagnostic, Span, make, sort_key
from .errors import RulesetError
from .functions import FUNCTIONS
from .periods import CADENCES, Period, PeriodSyntaxError, parse_date, parse_period
from .units import (
    COUNT,
    MAX_UOM_LENGTH,
    NUMBER,
    RATIO,
    Kind,
    UomError,
    factor,
    kind_of_uom,
    parse_uom,
)

__all__ = ["check", "CheckedRuleset", "CheckedObjective", "CheckedTarget", "FactInfo",
           "AGGREGATES", "FUNCTIONS", "RECORD_AGGREGATES"]

AGGREGATES = tuple(name for name, r in ROLLUPS.items() if r.declarable)
RECORD_AGGREGATES = tuple(RECORD)
_SCOPE_OPS = ("=", "!=")


@dataclass(frozen=True, slots=True)
class FactInfo:
    name: str
    uom: str  # as declared ("" for a plain count)
    kind: Kind
    aggregate: str  # how it combines across units and months
    derived: ast.Aggregate | None
    decl: ast.FactDecl


@dataclass(frozen=True, slots=True)
class CheckedTarget:
    """A measure with its comparison, typed. ``part`` is None for a simple objective."""

    part: str | None
    measure: ast.Measure
    kind: Kind
    target: ast.Comparison
    warn: ast.Comparison | None
    uom: str  # the unit results are shown in: the threshold's, as written ("" for ratios)


@dataclass(frozen=True, slots=True)
class CheckedObjective:
    node: ast.Objective
    targets: tuple[CheckedTarget, ...]  # one, or one per part
    combine: str | None
    scope: ast.Scope | None
    every: str | None

    @property
    def id(self) -> str:
        return self.node.id.value


@dataclass(frozen=True, slots=True)
class CheckedRuleset:
    node: ast.Ruleset
    facts: dict[str, FactInfo]
    objectives: tuple[CheckedObjective, ...]
    period: Period | None
    warnings: tuple[Diagnostic, ...]

    @property
    def label(self) -> str:
        return self.node.label

    @property
    def unit(self) -> str | None:
        return self.node.unit.value if self.node.unit else None


# ---------------------------------------------------------------- kinds of measures
class _Mismatch(Exception):
    def __init__(self, code: str, message: str, span: Span, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.span, self.hint = code, message, span, hint


def _name(k: Kind) -> str:
    if k.name == "quantity":
        return _dims_words(k)
    return {"count": "a count", "ratio": "a percentage", "number": "a plain number"}[k.name]


_DIM_WORDS = {"[time]": "time (minutes, hours, days)", "[currency]": "money",
              "[length]": "length", "[mass]": "mass"}


def _dims_words(k: Kind) -> str:
    if len(k.dims) == 1 and k.dims[0][1] == 1:
        return _DIM_WORDS.get(k.dims[0][0], k.dims[0][0].strip("[]"))
    return " × ".join(f"{d.strip('[]')}^{p}" if p != 1 else d.strip("[]") for d, p in k.dims)


def _combine_dims(a: Kind, b: Kind, sign: int) -> tuple[tuple[str, Fraction], ...]:
    acc: dict[str, Fraction] = dict(a.dims)
    for d, p in b.dims:
        acc[d] = acc.get(d, Fraction(0)) + sign * p
    return tuple(sorted((d, p) for d, p in acc.items() if p != 0))


UNKNOWN = Kind("unknown")  # a fact whose unit of measure is unknown: already reported


def _add(a: Kind, b: Kind, span: Span, op: str) -> Kind:
    if UNKNOWN in (a, b):
        return UNKNOWN
    fn = FUNCTIONS.get(op)
    verb = fn.verb if fn is not None else {"+": "add", "-": "subtract"}.get(op, "combine")
    if a.name == "quantity" or b.name == "quantity":
        if a.name == b.name and a.dims == b.dims:
            return a
        raise _Mismatch("E302", f"cannot {verb} {_name(a)} and {_name(b)}", span,
                        "both sides of + and - must have the same dimension")
    if a.name == "number":
        return b
    if b.name == "number" or a.name == b.name:
        return a
    raise _Mismatch("E302", f"cannot {verb} {_name(a)} and {_name(b)}", span,
                    "a count and a percentage do not add up; divide the count first")


def _mul(a: Kind, b: Kind) -> Kind:
    if UNKNOWN in (a, b):
        return UNKNOWN
    dims = _combine_dims(a, b, 1)
    if dims:
        return Kind("quantity", dims)
    names = {a.name, b.name}
    if "quantity" in names:
        return NUMBER
    if "count" in names:
        return COUNT
    if "ratio" in names:
        return RATIO
    return NUMBER


def _div(a: Kind, b: Kind) -> Kind:
    if UNKNOWN in (a, b):
        return UNKNOWN
    dims = _combine_dims(a, b, -1)
    if dims:
        return Kind("quantity", dims)
    if a.name == "quantity" and b.name == "quantity":
        return RATIO
    if b.name == "number":
        return a if a.name != "quantity" else NUMBER
    if a.name == "count" and b.name == "count":
        return RATIO
    if a.name == "ratio" and b.name == "ratio":
        return RATIO
    if a.name == "count" and b.name == "ratio":
        return COUNT
    return NUMBER


def _literal_kind(n: ast.Number) -> Kind:
    if n.percent:
        return RATIO
    if n.uom is not None:
        k = kind_of_uom(n.uom.value)
        return k if k.name != "count" else NUMBER
    return NUMBER


# "did you mean": difflib compares the word with every candidate, so a ruleset with a
# thousand misspelt names over a thousand declared ones would cost a million
# comparisons. Suggestions stop once this many (word, candidate) pairs were compared in
# one check, and are never made for words longer than MAX_SUGGEST_WORD.
MAX_SUGGEST_PAIRS = 50_000
MAX_SUGGEST_WORD = 64
_budget = threading.local()


def _close(word: str, choices: list[str] | tuple[str, ...] | dict[str, object]) -> list[str]:
    """The closest candidate (difflib, cutoff 0.6), within the check's budget."""
    if len(word) > MAX_SUGGEST_WORD:
        return []
    left = getattr(_budget, "pairs", MAX_SUGGEST_PAIRS)
    # a ratio of at least 0.6 needs lengths within a factor of 7/3 of each other
    lo, hi = len(word) * 3 / 7, len(word) * 7 / 3
    fit = [c for c in choices if lo <= len(c) <= hi]
    if len(fit) > left:
        return []
    _budget.pairs = left - len(fit)
    return difflib.get_close_matches(word, fit, 1)


def _did_you_mean(word: str, choices: list[str] | tuple[str, ...], tail: str = "") -> str:
    close = _close(word, choices)
    head = f"did you mean `{close[0]}`?" if close else ""
    return f"{head} {tail}".strip()


def _is_zero(m: ast.Measure) -> bool:
    return isinstance(m, ast.Number) and m.value == 0


# ---------------------------------------------------------------- the checker
class _Checker:
    def __init__(self, rs: ast.Ruleset) -> None:
        self.rs = rs
        self.diags: list[Diagnostic] = list(rs.problems)
        self.facts: dict[str, FactInfo] = {}
        self.used: set[str] = set()
        self.sources: dict[str, ast.SourceDecl] = {}

    def error(self, code: str, message: str, span: Span, **kw: object) -> None:
        self.diags.append(make(code, message, span, **kw))  # type: ignore[arg-type]

    # ---- header and declarations
    def period(self, text: ast.Text | None) -> Period | None:
        if text is None:
            return None
        try:
            return parse_period(text.value)
        except PeriodSyntaxError as exc:
            self.error("E401", str(exc), text.span, hint="periods are 2022, 2022-Q1 or 2022-03")
            return None

    def uom(self, ident: ast.Ident | None) -> bool:
        if ident is None:
            return True
        try:
            parse_uom(ident.value)
            return True
        except UomError as exc:
            if exc.code != "E304":
                self.error(exc.code, str(exc), ident.span, hint="write units of measure as "
                           "pint names, with small integer exponents: min, h, m^2, /month")
                return False
            close = _close(ident.value[:MAX_UOM_LENGTH], ["count", "min", "h", "day", "percent",
                                                          "VND", "second", "week", "month"])
            self.error("E304", f"unknown unit of measure `{ident.value}`", ident.span,
                       hint=f"did you mean `{close[0]}`?" if close else
                       "units are pint's names: count, min, h, day, percent, VND …")
            return False

    def sources_(self) -> None:
        for s in self.rs.sources:
            if s.name.value in self.sources:
                first = self.sources[s.name.value]
                self.error("E212", f"source `{s.name.value}` is declared twice", s.name.span,
                           notes=[f"first declared at line {first.span.line}"])
                continue
            self.sources[s.name.value] = s

    def facts_(self) -> None:
        for f in self.rs.facts:
            name = f.name.value
            if name in self.facts:
                first = self.facts[name].decl
                self.error("E202", f"fact `{name}` is declared twice", f.name.span,
                           notes=[f"first declared at line {first.span.line}"],
                           hint="remove one declaration, or rename one of the facts")
                continue
            ok = self.uom(f.uom)
            uom = f.uom.value if f.uom is not None else ""
            if f.derived is not None:
                kind = self.derived(f.derived, uom if ok else "")
                if not ok:
                    kind = UNKNOWN
                spec = RECORD.get(f.derived.func.value)
                agg = spec.rollup if spec is not None else "sum"
            else:
                kind = kind_of_uom(uom) if ok else UNKNOWN
                agg = "mean" if kind.name == "ratio" else "sum"
                if f.aggregate is not None:
                    agg = f.aggregate.value
                    if agg not in AGGREGATES:
                        self.error("E205", f"unknown aggregate `{agg}`", f.aggregate.span,
                                   hint=_did_you_mean(agg, AGGREGATES, "aggregates are "
                                                      + ", ".join(AGGREGATES)))
                        agg = "sum"
                    elif agg == "sum" and kind.name == "ratio":  # percentages
                        self.error("E306", f"percentages do not add up: `{name}` is a "
                                   "percentage, so `aggregate sum` is meaningless",
                                   f.aggregate.span, hint="use `aggregate mean`, or declare "
                                   "the numerator and denominator as counts and divide them")
            self.facts[name] = FactInfo(name, uom, kind, agg, f.derived, f)

    def derived(self, agg: ast.Aggregate, uom: str) -> Kind:
        func = agg.func.value
        if func not in RECORD_AGGREGATES:
            self.error("E210", f"unknown aggregate function `{func}`", agg.func.span,
                       hint=_did_you_mean(func, RECORD_AGGREGATES, "derived facts use "
                                          + ", ".join(RECORD_AGGREGATES)))
        if agg.source.value not in self.sources:
            close = _close(agg.source.value, list(self.sources))
            self.error("E206", f"undeclared source `{agg.source.value}`", agg.source.span,
                       hint=f"did you mean `{close[0]}`?" if close else
                       f"declare it first: source {agg.source.value} from \"….csv\"")
        spec = RECORD.get(func)
        if spec is not None and not spec.takes_column and agg.column is not None:
            self.error("E211", f"`{func}` counts records; it takes no column", agg.column.span,
                       hint=f"write {func}({agg.source.value} where …)")
        if spec is not None and spec.takes_column and agg.column is None:
            self.error("E211", f"`{func}` needs a column: {func}({agg.source.value}.column)",
                       agg.func.span)
        if spec is not None and spec.kind == "count":
            return COUNT
        if spec is not None and spec.kind == "ratio":
            if uom:
                self.error("E213", "`share` is a fraction of one; it takes no unit",
                           agg.span)
            return RATIO
        return kind_of_uom(uom) if uom else NUMBER

    # ---- measures
    def kind(self, m: ast.Measure) -> Kind:
        if isinstance(m, ast.Number):
            if m.uom is not None and not self.uom(m.uom):
                raise _Mismatch("", "", m.span)
            return _literal_kind(m)
        if isinstance(m, ast.FactRef):
            info = self.facts.get(m.name)
            if info is None:
                close = _close(m.name, list(self.facts))
                raise _Mismatch("E201", f"undeclared fact `{m.name}`", m.span,
                                f"did you mean `{close[0]}`?" if close else
                                f"declare it: fact {m.name} : count")
            self.used.add(m.name)
            return info.kind
        if isinstance(m, ast.Neg):
            return self.kind(m.operand)
        if isinstance(m, ast.BinOp):
            left_err = right_err = None
            try:
                a = self.kind(m.left)
            except _Mismatch as e:
                left_err, a = e, NUMBER
            try:
                b = self.kind(m.right)
            except _Mismatch as e:
                right_err, b = e, NUMBER
            if left_err and right_err:
                self._report(left_err)
                raise right_err
            if left_err or right_err:
                raise (left_err or right_err)  # type: ignore[misc]
            if m.op in "+-":
                return _add(a, b, m.span, m.op)
            if m.op == "*":
                return _mul(a, b)
            if _is_zero(m.right):
                raise _Mismatch("E305", "division by zero", m.right.span,
                                "a literal 0 as divisor never has a value")
            return _div(a, b)
        if isinstance(m, ast.Call):
            func = m.func.value
            kinds = self._kinds(m.args)
            if func not in FUNCTIONS:
                hint = _did_you_mean(func, list(FUNCTIONS), "measures use min, max and abs")
                if m.func.value in self.facts:
                    hint = f"`{func}` is a fact; put an operator between it and the ("
                raise _Mismatch("E210", f"unknown function `{func}`", m.func.span, hint)
            fn = FUNCTIONS[func]
            lo, hi = fn.min_args, fn.max_args
            if len(m.args) < lo or (hi is not None and len(m.args) > hi):
                raise _Mismatch("E211", f"`{func}` takes {fn.arity_text()} argument"
                                f"{'s' if lo > 1 else ''}, not {len(m.args)}", m.span)
            if kinds is None:
                raise _Mismatch("", "", m.span)  # already reported
            k = kinds[0]
            for other in kinds[1:]:
                k = _add(k, other, m.span, func)
            return k
        raise AssertionError(m)  # pragma: no cover

    def _kinds(self, args: tuple[ast.Measure, ...]) -> list[Kind] | None:
        """The kinds of every argument, reporting each bad one; None if any was bad."""
        kinds: list[Kind] = []
        bad = False
        for a in args:
            try:
                kinds.append(self.kind(a))
            except _Mismatch as e:
                self._report(e)
                bad = True
        return None if bad else kinds

    def _report(self, e: _Mismatch) -> None:
        if e.code:
            self.error(e.code, e.message, e.span, hint=e.hint)

    def measure(self, m: ast.Measure) -> Kind | None:
        try:
            return self.kind(m)
        except _Mismatch as e:
            self._report(e)
            return None

    # ---- comparisons
    def comparison(self, mk: Kind | None, measure: ast.Measure, cmp: ast.Comparison) -> str:
        """Check a target or warn against the measure's kind; return the display uom."""
        bounds = [cmp.threshold] + ([cmp.upper] if cmp.upper is not None else [])
        uom = ""
        for t in bounds:
            if t.uom is not None:
                if not self.uom(t.uom):
                    return ""
                if not uom:
                    uom = t.uom.value
        if cmp.upper is not None:
            lo = cmp.threshold.value * (factor(cmp.threshold.uom.value) if cmp.threshold.uom
                                        else 1)
            hi = cmp.upper.value * (factor(cmp.upper.uom.value) if cmp.upper.uom else 1)
            if lo > hi:
                self.error("E405", f"`between {cmp.threshold.text} and {cmp.upper.text}`: the "
                           "lower bound is above the upper bound", cmp.span,
                           hint="write the smaller bound first")
        if mk is None or mk is UNKNOWN or mk.name == "unknown":
            return uom
        for t in bounds:
            tk = _literal_kind(t)
            if mk.name == "quantity" or tk.name == "quantity":
                if mk.dims != tk.dims or mk.name != tk.name:
                    msg = f"cannot compare {_name(mk)} with {_name(tk)}"
                    note = (f"the threshold {t.text} has no unit" if tk.name != "quantity"
                            else f"the threshold {t.text} is {_name(tk)}")
                    hint = ("give the threshold a unit, e.g. `25 min`" if tk.name != "quantity"
                            else "the measure and the threshold must have the same dimension")
                    self.diags.append(make("E301", msg, measure.span, label=_name(mk),
                                           notes=[note], hint=hint))
                    return uom
            elif mk.name == "count" and tk.name == "ratio":
                self.diags.append(make(
                    "E303", f"cannot compare a count with a percentage ({t.text})",
                    measure.span, label="a count",
                    hint="divide by the total to get a ratio (late / resolved < 2%), "
                    "or compare with a number of items"))
                return uom
        self.sanity(mk, measure, cmp)
        return uom

    # ---- thresholds that cannot mean what they say
    def sanity(self, mk: Kind, measure: ast.Measure, cmp: ast.Comparison) -> None:
        """W103: a plain number against a ratio; W104: a percentage outside 0–100%
        against a share of items (see :meth:`is_share`)."""
        if mk.name != "ratio":
            return
        share: bool | None = None
        for t in _bounds(cmp):
            if t.uom is None and not t.percent and t.value != 0:
                self.error("W103", f"a ratio compared with the plain number {t.text}, which "
                           f"means {_pct(t.value)}: a ratio is a fraction of one",
                           t.span, label=f"{_pct(t.value)}",
                           hint=f"write `{t.text}%` if {t.text}% is meant")
            elif t.percent and not 0 <= t.value <= 1:
                share = self.is_share(measure) if share is None else share
                if share:
                    if comparator(cmp.op).ranged:
                        what = f"the bound {t.text} is never reached"
                    else:  # every share lies on the same side of the threshold
                        what = f"`{_cmp_text(cmp)}` is " + \
                            ("always" if _holds(cmp, Fraction(1, 2)) else "never") + " met"
                    self.error("W104", f"{what}: a share of items stays between 0% and 100%",
                               t.span, label="outside 0%–100%", hint="a share of items is at "
                               "most 100%: check the comparator and the threshold")

    def is_share(self, m: ast.Measure) -> bool:
        """Whether the checker knows the measure stays within 0–100%: a `share(…)` fact;
        one count fact over another (`late / resolved`, read as a share of items); a sum
        of count facts over a sum holding each of its terms (`a / (a + b)`); and one
        minus (or 100% minus) any of these."""
        if isinstance(m, ast.FactRef):
            info = self.facts.get(m.name)
            return info is not None and info.derived is not None and \
                info.derived.func.value == "share"
        if isinstance(m, ast.BinOp) and m.op == "-" and isinstance(m.left, ast.Number) and \
                m.left.uom is None and m.left.value == 1:
            return self.is_share(m.right)
        if not (isinstance(m, ast.BinOp) and m.op == "/"):
            return False
        num, den = self._count_sum(m.left), self._count_sum(m.right)
        if num is None or den is None:
            return False
        if len(num) == 1 and len(den) == 1:
            return True
        rest = list(den)
        for name in num:
            if name not in rest:
                return False
            rest.remove(name)
        return True

    def _count_sum(self, m: ast.Measure) -> list[str] | None:
        """``a + b + c`` over count facts → their names; None for anything else."""
        out: list[str] = []
        stack = [m]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.BinOp) and node.op == "+":
                stack += [node.right, node.left]
            elif isinstance(node, ast.FactRef) and node.name in self.facts and \
                    self.facts[node.name].kind.name == "count":
                out.append(node.name)
            else:
                return None
        return out

    # ---- scopes, cadence
    def condition(self, c: ast.Condition) -> None:
        if isinstance(c, ast.BoolOp):
            self.condition(c.left)
            self.condition(c.right)
        elif isinstance(c, ast.Not):
            self.condition(c.operand)
        elif isinstance(c, ast.Compare):
            if c.op not in _SCOPE_OPS:
                self.error("E404", f"scopes compare unit attributes with =, != or in (…), "
                           f"not `{c.op}`", c.span, hint='e.g. each unit where level = "xa"')
        elif isinstance(c, ast.IsNull):
            self.error("E404", "scopes compare unit attributes with =, != or in (…), not "
                       "`is null`", c.span, hint='to select roots: units where parent = ""')

    def scope(self, s: ast.Scope | None) -> None:
        if s is not None and s.where is not None:
            self.condition(s.where)

    def every(self, e: ast.Ident | None, period: Period | None) -> str | None:
        if e is None:
            return None
        if e.value not in CADENCES:
            self.error("E402", f"unknown cadence `{e.value}`", e.span,
                       hint=_did_you_mean(e.value, CADENCES,
                                          "write every month, every quarter or every year"))
            return None
        if period is not None and period.finer_than(e.value):
            self.error("E403", f"`every {e.value}` does not fit the period {period}: it is "
                       f"shorter than a {e.value}", e.span,
                       hint="use a finer cadence, or evaluate a longer period")
        return e.value

    def due(self, d: ast.Due | None) -> None:
        if d is None:
            return
        try:
            if d.kind == "period":
                parse_period(d.value)
            elif d.kind == "date":
                parse_date(d.value)
        except ValueError as exc:
            self.error("E401", str(exc), d.span, hint="due takes 2022-12, 2022-Q1, 2022, "
                       "2022-12-31, ongoing or a \"text\"")

    # ---- warn that can never trip
    def warn_reachable(self, target: ast.Comparison, warn: ast.Comparison) -> bool:
        points = sorted({_base(t) for c in (target, warn) for t in _bounds(c)})
        cands = list(points)
        cands += [points[0] - 1, points[-1] + 1]
        cands += [(a + b) / 2 for a, b in zip(points, points[1:])]
        return any(_holds(target, v) and _holds(warn, v) for v in cands)

    # ---- objectives
    def objectives(self, period: Period | None) -> tuple[CheckedObjective, ...]:
        out: list[CheckedObjective] = []
        seen: dict[str, ast.Objective] = {}
        for o in self.rs.objectives:
            oid = o.id.value
            if oid in seen:
                self.error("E203", f"objective id `{oid}` is used twice", o.id.span,
                           notes=[f"first used at line {seen[oid].id.span.line}"],
                           hint="give each objective its own id (Q3.1, Q3.2, …)")
            else:
                seen[oid] = o
            targets: list[CheckedTarget] = []
            if o.parts:
                if o.measure is not None or o.target is not None:
                    self.error("E213", f"objective {oid} has both a measure/target and "
                               f"`{o.combine}` parts", o.id.span,
                               hint="a compound objective's parts carry their own targets")
                names: dict[str, ast.Part] = {}
                for p in o.parts:
                    if p.name.value in names:
                        self.error("E204", f"part `{p.name.value}` appears twice in {oid}",
                                   p.name.span, notes=[f"first at line "
                                                       f"{names[p.name.value].span.line}"])
                    names[p.name.value] = p
                    mk = self.measure(p.measure)
                    uom = self.comparison(mk, p.measure, p.target)
                    targets.append(CheckedTarget(p.name.value, p.measure, mk or NUMBER,
                                                 p.target, None, uom))
                if o.warn is not None:
                    self.error("E213", "`warn` applies to a single measure, not to parts",
                               o.warn.span)
            elif o.measure is None or o.target is None:
                missing = "measure" if o.measure is None else "target"
                if o.measure is None and o.target is None:
                    missing = "measure and no target"
                self.error("E208", f"objective {oid} has no {missing}", o.id.span,
                           hint="add `measure …` and `target …`, or `all { … }` parts")
            else:
                mk = self.measure(o.measure)
                uom = self.comparison(mk, o.measure, o.target)
                if o.warn is not None:
                    self.comparison(mk, o.measure, o.warn)
                    if mk is not None and _units_ok(o.target) and _units_ok(o.warn) and \
                            not self.warn_reachable(o.target, o.warn):
                        self.error("W101", f"this warn band can never trip: a value that meets "
                                   f"`{_cmp_text(o.target)}` never meets `{_cmp_text(o.warn)}`",
                                   o.warn.span, hint="a warn band lies inside the target, near "
                                   "its edge: target > 98% with warn < 98.5%")
                targets.append(CheckedTarget(None, o.measure, mk or NUMBER, o.target, o.warn,
                                             uom))
            self.scope(o.scope)
            every = self.every(o.every, period)
            self.due(o.due)
            out.append(CheckedObjective(o, tuple(targets), o.combine, o.scope, every))
        return tuple(out)

    def run(self) -> CheckedRuleset:
        _budget.pairs = MAX_SUGGEST_PAIRS
        period = self.period(self.rs.period)
        self.sources_()
        self.facts_()
        objectives = self.objectives(period)
        if not self.rs.objectives:
            text = self.rs.source.text
            end = len(text.rstrip())
            self.error("E214", "the ruleset has no objective: there is nothing to check",
                       Span(self.rs.source, end, end), hint="add one, e.g. objective Q1 "
                       "\"Hồ sơ trễ hạn dưới 2%\": late / resolved < 2%")
        for name, info in self.facts.items():
            if name not in self.used:
                self.error("W102", f"fact `{name}` is declared but no objective uses it",
                           info.decl.name.span, hint="remove it, or use it in a measure")
        errors = [d for d in self.diags if d.severity == "error"]
        ordered = sorted(set(self.diags), key=sort_key)
        if errors:
            raise RulesetError(ordered, {self.rs.source.name: self.rs.source})
        return CheckedRuleset(self.rs, self.facts, objectives, period,
                              tuple(d for d in ordered if d.severity == "warning"))


def _units_ok(c: ast.Comparison) -> bool:
    try:
        for t in _bounds(c):
            _base(t)
        return True
    except UomError:
        return False


def _bounds(c: ast.Comparison) -> list[ast.Number]:
    return [c.threshold] + ([c.upper] if c.upper is not None else [])


def _base(n: ast.Number) -> Fraction:
    return n.value * (factor(n.uom.value) if n.uom is not None else 1)


def _holds(c: ast.Comparison, v: Fraction) -> bool:
    return comparator(c.op).holds(v, _base(c.threshold),
                                  _base(c.upper) if c.upper is not None else None)


def _pct(v: Fraction) -> str:
    """2 → ``200%``, 0.985 → ``98.5%`` (literals are terminating decimals)."""
    p = v * 100
    if p.denominator == 1:
        return f"{p.numerator}%"
    d = (Decimal(p.numerator) / Decimal(p.denominator)).normalize()
    return f"{d:f}%"


def _cmp_text(c: ast.Comparison) -> str:
    if c.op == "between":
        assert c.upper is not None
        return f"between {c.threshold.text} and {c.upper.text}"
    return f"{c.op} {c.threshold.text}"


def check(rs: ast.Ruleset) -> CheckedRuleset:
    """Check a parsed ruleset; raise RulesetError with every error (warnings included)."""
    return _Checker(rs).run()
