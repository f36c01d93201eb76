"""A source's derived facts → one SQL query, as a sqlglot expression tree.

Every derived fact over one source becomes one or two aggregate columns of a single
``SELECT … GROUP BY unit, month`` (one scan per source, however many facts use it):

    SELECT CAST(unit_col AS TEXT) AS kpi_unit,
           DATE_TRUNC('MONTH', period_col) AS kpi_month,
           COUNT(*) AS kpi_records,
           COUNT(*) FILTER(WHERE cond) AS resolved,          -- count
           SUM(col) FILTER(WHERE cond) AS wait__sum,          -- avg: sum …
           COUNT(col) FILTER(WHERE cond) AS wait__n,          --      … and count of non-null
           …,
           MIN(period_col) AS kpi_first, MAX(period_col) AS kpi_last  -- the coverage
    FROM "source" WHERE period_col >= CAST('2022-01-01' AS DATE)
                    AND period_col <  CAST('2023-01-01' AS DATE)
    GROUP BY 1, 2

The tree is built from AST nodes and the source's schema only: every identifier and
literal is a node that the generator quotes, never text pasted into SQL. The table is
a placeholder ``"source"`` that the engine replaces by what the binding names.
``to_sql(tree, dialect)`` prints it for ``duckdb``, ``postgres`` or ``spark``.

Types decide the casts: a date stored as text is read with ``TRY_CAST(… AS DATE)``, a
timestamp compared with a date is cut to its date, binary floating-point columns are
summed as ``DECIMAL(38, 9)`` so that no float decides a verdict. Problems (unknown
columns, wrong types, malformed date literals) are diagnostics at the ruleset's spans.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlglot import exp

from .. import ast
from ..checker import FactInfo
from ..diagnostics import Diagnostic, Span, make
from ..periods import Period, PeriodSyntaxError, parse_date, parse_period
from .columns import FAMILY_WORDS, date_columns, family

__all__ = [
    "DIALECTS",
    "KEYS",
    "SPAN",
    "DateCheck",
    "Output",
    "Scan",
    "compile_scan",
    "placeholder",
    "to_sql",
]

DIALECTS = ("duckdb", "postgres", "spark")
KEYS = ("kpi_unit", "kpi_month", "kpi_records")
SPAN = ("kpi_first", "kpi_last")  # the first and last date of the group's records
BAD_DATE = "kpi_bad_date"
EXACT = exp.DataType.build("DECIMAL(38, 9)")
_DATE = exp.DataType.build("DATE")
_TEXT = exp.DataType.build("VARCHAR")
_INT = exp.DataType.build("BIGINT")
_NUMERIC = ("int", "decimal", "float")
_DATEISH = ("date", "timestamp")


@dataclass(frozen=True)
class Output:
    """One derived fact's columns in the scan: ``count``/``sum``/``min``/``max`` read one
    column; ``avg`` reads (sum, non-null count); ``share`` (matching, all)."""

    fact: str
    func: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class DateCheck:
    """A text column compared as a date: the scan's columns counting its cells that are
    not dates (``count``) and giving the least of them (``example``)."""

    column: str
    count: str
    example: str


@dataclass(frozen=True)
class Scan:
    """The one query over a source, and how to read its result columns."""

    source: str
    tree: exp.Select
    outputs: tuple[Output, ...]
    period_column: str
    unit_column: str
    period_is_text: bool  # a text period column: malformed dates come back with month NULL
    date_checks: tuple[DateCheck, ...] = ()  # other text columns compared as dates

    def sql(self, dialect: str = "duckdb", pretty: bool = False) -> str:
        return to_sql(self.tree, dialect, pretty)

    @property
    def columns(self) -> tuple[str, ...]:
        """Result column names, in order."""
        return tuple(e.alias_or_name for e in self.tree.expressions)


def placeholder(source: str) -> exp.Table:
    """The table node a scan reads; engines replace it with the binding's FROM."""
    return exp.Table(this=exp.to_identifier(source, quoted=True))


# ---------------------------------------------------------------- printing
def to_sql(tree: exp.Expr, dialect: str = "duckdb", pretty: bool = False) -> str:
    """Print ``tree`` for ``dialect``; ``TRY_CAST`` becomes a guarded ``CAST`` where the
    dialect has none (PostgreSQL)."""
    if dialect in ("postgres", "postgresql"):
        tree = tree.transform(_pg_try_cast)
    return tree.sql(dialect=dialect, pretty=pretty)


_ISO_DATE = r"^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"


def _pg_try_cast(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.TryCast) and node.to.this == exp.DataType.Type.DATE:
        inner = node.this
        return exp.Case(ifs=[exp.If(this=exp.RegexpLike(this=inner.copy(),
                                                        expression=exp.Literal.string(_ISO_DATE)),
                                    true=exp.cast(inner.copy(), _DATE))])
    return node


# ---------------------------------------------------------------- the compiler
def compile_scan(decl: ast.SourceDecl, facts: list[FactInfo], schema: dict[str, str],
                 period: Period, *, dialect: str = "duckdb",
                 shown: str = "") -> tuple[Scan | None, list[Diagnostic]]:
    """The scan of source ``decl`` for ``facts`` over ``period``, or the diagnostics
    that stop it (unknown columns, wrong types). ``schema`` maps column → engine type."""
    c = _Compiler(decl, schema, dialect, shown)
    return c.scan(facts, period), c.diags


class _Compiler:
    def __init__(self, decl: ast.SourceDecl, schema: dict[str, str], dialect: str,
                 shown: str) -> None:
        self.decl = decl
        self.name = decl.name.value
        self.schema = dict(schema)
        self.families = {k: family(v, dialect) for k, v in schema.items()}
        self.shown = shown
        self.diags: list[Diagnostic] = []
        self.exprs: dict[exp.Expr, str] = {}
        self.select: list[exp.Expr] = []
        self.taken: set[str] = {*KEYS, *SPAN, BAD_DATE}
        self.dates: set[str] = set()
        self.text_dates: dict[str, exp.Column] = {}

    def error(self, code: str, message: str, span: Span, hint: str = "") -> None:
        self.diags.append(make(code, message, span, hint=hint))

    # ---- columns
    def column(self, ident: ast.Ident | ast.Ref, what: str) -> tuple[exp.Column, str] | None:
        name = ident.value if isinstance(ident, ast.Ident) else ident.name
        if name in self.families:
            return exp.column(name, quoted=True), self.families[name]
        where = f" ({self.shown})" if self.shown else ""
        self.error("E522", f"source `{self.name}`{where} has no column `{name}`", ident.span,
                   hint=self._did_you_mean(name, what))
        return None

    def _did_you_mean(self, name: str, what: str) -> str:
        cols = list(self.schema)
        close = difflib.get_close_matches(name, cols, 1, 0.6)
        if not close:
            lower = {c.lower(): c for c in cols}
            close = [lower[name.lower()]] if name.lower() in lower else []
        if close:
            return f"did you mean `{close[0]}`?"
        shown = ", ".join(cols[:12]) + (", …" if len(cols) > 12 else "")
        extra = " (a text value is written in quotes: \"…\")" if what == "value" else ""
        return f"its columns are: {shown}{extra}"

    def type_error(self, span: Span, message: str, hint: str) -> None:
        self.error("E523", message, span, hint=hint)

    # ---- the scan
    def scan(self, facts: list[FactInfo], period: Period) -> Scan | None:
        decl = self.decl
        if decl.unit_by is None or decl.period_by is None:
            missing = " and ".join(w for w, v in (("unit by", decl.unit_by),
                                                   ("period by", decl.period_by)) if v is None)
            self.error("E523", f"source `{self.name}` needs `{missing}`: which column names "
                       "the unit, and which date places a record in a period", decl.name.span,
                       hint=f"source {self.name} from \"…\"\n  unit by unit_id\n  "
                       "period by received_at")
            return None
        self.dates = date_columns(decl, facts)
        unit = self.column(decl.unit_by, "unit")
        when = self.column(decl.period_by, "period")
        outputs = [o for o in (self.fact(f) for f in facts) if o is not None]
        if unit is None or when is None or self.diags:
            return None
        checks = self.date_checks(decl.period_by.value)
        unit_col, unit_fam = unit
        unit_expr: exp.Expr = unit_col if unit_fam == "text" else \
            exp.cast(unit_col.copy(), _TEXT)
        period_col, period_fam = when
        if period_fam not in (*_DATEISH, "text"):
            self.type_error(decl.period_by.span, f"the period column `{decl.period_by.value}` "
                            f"holds {FAMILY_WORDS[period_fam]}, not dates",
                            "period by names a column of dates (2022-03-31), as text or as "
                            "dates")
            return None
        first, after = days(period)
        start = _date_literal(first.isoformat())
        if period_fam == "text":
            day: exp.Expr = exp.TryCast(this=period_col.copy(), to=_DATE.copy(), safe=True)
            inside = exp.and_(exp.GTE(this=day.copy(), expression=start),
                              _before(day, "date", after))
            unreadable = exp.and_(exp.Is(this=day.copy(), expression=exp.null()),
                                  exp.not_(exp.Is(this=_blank_to_null(period_col),
                                                  expression=exp.null())))
            where = exp.or_(inside, unreadable)
        else:
            day = period_col
            where = exp.and_(exp.GTE(this=period_col.copy(), expression=start),
                             _before(period_col, period_fam, after))
        month = exp.DateTrunc(this=day.copy(), unit=exp.var("MONTH"))  # type: ignore[no-untyped-call]
        head = [exp.alias_(unit_expr, KEYS[0], quoted=True),
                exp.alias_(month, KEYS[1], quoted=True),
                exp.alias_(exp.Count(this=exp.Star()), KEYS[2], quoted=True)]
        # what the records cover, from the same scan (docs/records.md, Coverage)
        span = [exp.alias_(exp.Min(this=day.copy()), SPAN[0], quoted=True),
                exp.alias_(exp.Max(this=day.copy()), SPAN[1], quoted=True)]
        if period_fam == "text":  # an example of an unreadable date, for the message
            bad = exp.Filter(this=exp.Min(this=period_col.copy()), expression=exp.Where(
                this=exp.Is(this=day.copy(), expression=exp.null())))
            head.append(exp.alias_(bad, BAD_DATE, quoted=True))
        tree = exp.select(*head, *self.select, *span).from_(placeholder(self.name)).where(where) \
            .group_by(exp.Literal.number(1), exp.Literal.number(2))
        return Scan(self.name, tree, tuple(outputs), decl.period_by.value,
                    decl.unit_by.value, period_fam == "text", checks)

    def as_date(self, col: exp.Column, fam: str) -> exp.Expr:
        """``col`` read as a date; a text column is remembered, so that the scan counts
        its cells that hold something else than a date (E527)."""
        if fam == "text":
            self.text_dates.setdefault(col.name, col)
        return _as_date(col, fam)

    def date_checks(self, period_column: str) -> tuple[DateCheck, ...]:
        """For each text column compared as a date (the period column has its own check,
        E525): the number of cells that are neither empty nor a date, and the least."""
        out = []
        for name, col in sorted(self.text_dates.items()):
            if name == period_column:
                continue
            unreadable = exp.and_(exp.Is(this=_as_date(col, "text"), expression=exp.null()),
                                  exp.not_(exp.Is(this=_blank_to_null(col),
                                                  expression=exp.null())))
            n = self.add(exp.Filter(this=exp.Count(this=exp.Star()),
                                    expression=exp.Where(this=unreadable)), f"kpi_bad__{name}")
            e = self.add(exp.Filter(this=exp.Min(this=col.copy()),
                                    expression=exp.Where(this=unreadable.copy())),
                         f"kpi_bad__{name}__e")
            out.append(DateCheck(name, n, e))
        return tuple(out)

    def add(self, expr: exp.Expr, alias: str) -> str:
        """A result column for ``expr`` (shared when another fact computes the same)."""
        if expr == exp.Count(this=exp.Star()):
            return KEYS[2]
        got = self.exprs.get(expr)
        if got is not None:
            return got
        name, i = alias, 2
        while name in self.taken:
            name, i = f"{alias}_{i}", i + 1
        self.taken.add(name)
        self.exprs[expr] = name
        self.select.append(exp.alias_(expr, name, quoted=True))
        return name

    def fact(self, info: FactInfo) -> Output | None:
        agg = info.derived
        assert agg is not None
        func = agg.func.value
        cond = self.condition(agg.where) if agg.where is not None else None
        if agg.where is not None and cond is None:
            return None

        def filtered(e: exp.Expr) -> exp.Expr:
            if cond is None:
                return e
            return exp.Filter(this=e, expression=exp.Where(this=cond.copy()))

        if func in ("count", "share"):
            matching = self.add(filtered(exp.Count(this=exp.Star())), info.name)
            if func == "count":
                return Output(info.name, func, (matching,))
            return Output(info.name, func, (matching, KEYS[2]))
        if agg.column is None:
            return None  # the checker reported it
        got = self.column(agg.column, "aggregate")
        if got is None:
            return None
        col, fam = got
        if fam not in (*_NUMERIC, "bool"):
            self.type_error(agg.column.span, f"`{func}` needs a column of numbers; "
                            f"`{agg.column.value}` holds {FAMILY_WORDS[fam]}",
                            "count records instead: count(" + self.name + " where …)")
            return None
        value: exp.Expr = col
        if fam == "float":
            value = exp.cast(col.copy(), EXACT)
        elif fam == "bool":
            value = exp.cast(col.copy(), _INT)
        if func == "sum":
            return Output(info.name, func, (self.add(filtered(exp.Sum(this=value)), info.name),))
        if func in ("min", "max"):
            node = exp.Min(this=value) if func == "min" else exp.Max(this=value)
            return Output(info.name, func, (self.add(filtered(node), info.name),))
        if func == "avg":
            total = self.add(filtered(exp.Sum(this=value)), f"{info.name}__sum")
            n = self.add(filtered(exp.Count(this=col.copy())), f"{info.name}__n")
            return Output(info.name, func, (total, n))
        return None  # an unknown function: the checker reported it

    # ---- conditions
    def condition(self, c: ast.Condition) -> exp.Expr | None:
        if isinstance(c, ast.BoolOp):
            left, right = self.condition(c.left), self.condition(c.right)
            if left is None or right is None:
                return None
            return exp.and_(left, right) if c.op == "and" else exp.or_(left, right)
        if isinstance(c, ast.Not):
            inner = self.condition(c.operand)
            return exp.not_(exp.paren(inner, copy=False)) if inner is not None else None
        if isinstance(c, ast.IsNull):
            got = self.column(c.left, "condition")
            if got is None:
                return None
            return _is_null(got[0], got[1], c.negated)
        if isinstance(c, ast.InList):
            got = self.column(c.left, "condition")
            if got is None:
                return None
            parts = [self.compare(got, "=", v, c.left) for v in c.values]
            if any(p is None for p in parts):
                return None
            eqs = [p for p in parts if p is not None]
            if all(isinstance(p, exp.EQ) and p.this == eqs[0].this and
                   isinstance(p.expression, (exp.Literal, exp.Cast, exp.Boolean))
                   for p in eqs):
                return exp.In(this=eqs[0].this, expressions=[p.expression for p in eqs])
            out = eqs[0]
            for p in eqs[1:]:
                out = exp.or_(out, p)
            return exp.paren(out, copy=False)
        assert isinstance(c, ast.Compare)
        got = self.column(c.left, "condition")
        if got is None:
            return None
        return self.compare(got, c.op, c.right, c.left)

    def compare(self, left: tuple[exp.Column, str], op: str, v: ast.Value,
                ident: ast.Ident) -> exp.Expr | None:
        col, fam = left
        name = ident.value
        if isinstance(v, ast.Text) and v.kind == "null":
            if op in ("=", "!="):
                return _is_null(col, fam, negated=op == "!=")
            self.type_error(v.span, f"`{name} {op} null` is never true",
                            f"write `{name} is null` or `{name} is not null`")
            return None
        if isinstance(v, ast.Text) and v.kind == "period":
            return self.in_period(col, fam, op, v, name)
        if isinstance(v, ast.Ref) and v.name not in self.families and \
                v.name.lower() in ("true", "false"):
            if fam != "bool":
                self.type_error(v.span, f"`{name}` holds {FAMILY_WORDS[fam]}, not true/false",
                                "compare it with a value of its own type")
                return None
            return _cmp(op, col, exp.Boolean(this=v.name.lower() == "true"))
        if isinstance(v, ast.Ref):
            other = self.column(v, "value")
            if other is None:
                return None
            return self.columns_compare(col, fam, op, other, name, v)
        if isinstance(v, ast.Number):
            if fam not in _NUMERIC:
                hint = (f'a text column is compared with text: {name} {op} "{v.text}"'
                        if fam == "text" else "compare it with a value of its own type")
                self.type_error(v.span, f"`{name}` holds {FAMILY_WORDS[fam]}; it cannot be "
                                f"compared with the number {v.text}", hint)
                return None
            text = v.text if v.value >= 0 else "-" + v.text.lstrip("-")
            return _cmp(op, col, exp.Literal.number(text))
        assert isinstance(v, ast.Text)
        if v.kind == "date":
            try:
                day = parse_date(v.value)
            except ValueError as exc:
                self.error("E401", str(exc), v.span)
                return None
            if fam not in (*_DATEISH, "text"):
                self.type_error(v.span, f"`{name}` holds {FAMILY_WORDS[fam]}; it cannot be "
                                f"compared with the date {v.value}",
                                "dates compare with columns of dates")
                return None
            return _cmp(op, self.as_date(col, fam), _date_literal(day.isoformat()))
        if fam != "text":
            hint = {"bool": f"write {name} = true or {name} = false",
                    "date": f"write the date bare: {name} {op} 2022-01-31",
                    "timestamp": f"write the date bare: {name} {op} 2022-01-31"}.get(
                        fam, f"write the number without quotes: {name} {op} 5")
            self.type_error(v.span, f"`{name}` holds {FAMILY_WORDS[fam]}, not text", hint)
            return None
        return _cmp(op, col, exp.Literal.string(v.value))

    def columns_compare(self, col: exp.Column, fam: str, op: str,
                        other: tuple[exp.Column, str], name: str,
                        ref: ast.Ref) -> exp.Expr | None:
        ocol, ofam = other
        if fam in _DATEISH or ofam in _DATEISH or name in self.dates or ref.name in self.dates:
            if fam in (*_DATEISH, "text") and ofam in (*_DATEISH, "text"):
                return _cmp(op, self.as_date(col, fam), self.as_date(ocol, ofam))
        elif fam == ofam or (fam in _NUMERIC and ofam in _NUMERIC):
            return _cmp(op, col, ocol)
        self.type_error(ref.span, f"`{name}` holds {FAMILY_WORDS[fam]} and `{ref.name}` "
                        f"holds {FAMILY_WORDS[ofam]}: they cannot be compared",
                        "compare columns of the same kind (dates with dates, numbers with "
                        "numbers)")
        return None

    def in_period(self, col: exp.Column, fam: str, op: str, v: ast.Text,
                  name: str) -> exp.Expr | None:
        """``received_at < 2022-03`` compares with the month: = in it, < before it,
        <= before its end, > after it, >= from its start."""
        try:
            p = parse_period(v.value)
            first, after = days(p)
        except (PeriodSyntaxError, ValueError) as exc:
            self.error("E401", str(exc), v.span)
            return None
        if fam not in (*_DATEISH, "text"):
            self.type_error(v.span, f"`{name}` holds {FAMILY_WORDS[fam]}; it cannot be "
                            f"compared with the period {v.value}",
                            "periods compare with columns of dates")
            return None
        d = self.as_date(col, fam)
        lo = _date_literal(first.isoformat())
        inside = exp.paren(exp.and_(exp.GTE(this=d.copy(), expression=lo),
                                    _before(d, "date", after)), copy=False)
        make_: dict[str, Callable[[], exp.Expr]] = {
            "=": lambda: inside,
            "!=": lambda: exp.paren(exp.or_(exp.LT(this=d.copy(), expression=lo.copy()),
                                            _after(d, after)), copy=False),
            "<": lambda: exp.LT(this=d.copy(), expression=lo.copy()),
            "<=": lambda: _before(d, "date", after),
            ">": lambda: _after(d, after),
            ">=": lambda: exp.GTE(this=d.copy(), expression=lo.copy()),
        }
        return make_[op]()


# ---------------------------------------------------------------- period bounds
# the dates every engine and Python agree on; a period is read as [first day, the day
# after its last), and a period ending on the last of these days as [first, last]
FIRST_DATE, LAST_DATE = date(1, 1, 1), date(9999, 12, 31)


def days(p: Period) -> tuple[date, date | None]:
    """The first day of ``p`` and the day after its last (None when that day would be
    after 9999-12-31); ValueError naming the range when ``p`` is outside it."""
    months = p.months()
    first, last = months[0], months[-1]
    if not FIRST_DATE.year <= first.year <= LAST_DATE.year:
        raise ValueError(f"`{p}` is outside the dates records can hold "
                         f"({FIRST_DATE.isoformat()} … {LAST_DATE.isoformat()})")
    start = date(first.year, first.index, 1)
    if last.index < 12:
        return start, date(last.year, last.index + 1, 1)
    if last.year < LAST_DATE.year:
        return start, date(last.year + 1, 1, 1)
    return start, None


def _before(col: exp.Expr, fam: str, after: date | None) -> exp.Expr:
    """``col`` is before ``after`` (the day after a period): ``col < after``, or, when the
    period ends on 9999-12-31, ``col``'s date ``<= 9999-12-31`` (no year 10000 is built)."""
    if after is not None:
        return exp.LT(this=col.copy(), expression=_date_literal(after.isoformat()))
    day = col.copy() if fam == "date" else exp.cast(col.copy(), _DATE.copy())
    return exp.LTE(this=day, expression=_date_literal(LAST_DATE.isoformat()))


def _after(day: exp.Expr, after: date | None) -> exp.Expr:
    """The date ``day`` is after a period: ``day >= after``, or ``day > 9999-12-31``."""
    if after is not None:
        return exp.GTE(this=day.copy(), expression=_date_literal(after.isoformat()))
    return exp.GT(this=day.copy(), expression=_date_literal(LAST_DATE.isoformat()))


# ---------------------------------------------------------------- small builders
def _cmp(op: str, a: exp.Expr, b: exp.Expr) -> exp.Expr:
    cls = {"=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT,
           ">=": exp.GTE}[op]
    return cls(this=a.copy(), expression=b.copy())


def _date_literal(iso: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(iso), _DATE.copy())


def _as_date(col: exp.Column, fam: str) -> exp.Expr:
    if fam == "date":
        return col.copy()
    if fam == "timestamp":
        return exp.cast(col.copy(), _DATE.copy())
    return exp.TryCast(this=col.copy(), to=_DATE.copy(), safe=True)


def _blank_to_null(col: exp.Column) -> exp.Expr:
    return exp.Nullif(this=exp.Trim(this=col.copy()), expression=exp.Literal.string(""))


def _is_null(col: exp.Column, fam: str, negated: bool) -> exp.Expr:
    """``is null``; for text an empty cell counts as null, as in a CSV export."""
    target: exp.Expr = _blank_to_null(col) if fam == "text" else col.copy()
    node: exp.Expr = exp.Is(this=target, expression=exp.null())
    return exp.not_(node) if negated else node
