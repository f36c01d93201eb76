"""The embedding API: load a ruleset once, evaluate it on many fact sets.

    rs = kpirules.load("rulesets/ha-long-2022.kpi")            # parse, check, compile once
    report = rs.evaluate(facts, units=units, period="2022")     # many times, thread-safe
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import ast
from ._gc import paused as gc_paused
from .checker import CheckedRuleset, check
from .compiler import Plan, Value, compile_plan
from .completeness import Gap, gaps
from .coverage import covered
from .diagnostics import Diagnostic, Source
from .errors import CoverageError, EvaluationError
from .evaluate import compare as compare_reports
from .evaluate import evaluate
from .facts import DataWarning, FactSet, UnitTable, merge, read_facts, read_units
from .parser import parse_source, read_source
from .periods import Period, PeriodSyntaxError, parse_period
from .results import Report, exact
from .rollup import Missing, Resolver
from .scopes import Hierarchy
from .units import factor

__all__ = ["Ruleset", "load", "loads", "parse"]

FactsArg = FactSet | str | Path | Iterable[Any] | None
UnitsArg = UnitTable | str | Path | Iterable[Mapping[str, Any]] | None


class Ruleset:
    """A parsed, checked and compiled ruleset. Immutable; safe to share across threads."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan

    # ---- what it is
    @property
    def checked(self) -> CheckedRuleset:
        return self._plan.checked

    @property
    def ast(self) -> ast.Ruleset:
        return self._plan.checked.node

    @property
    def label(self) -> str:
        return self.checked.label

    @property
    def unit(self) -> str | None:
        return self.checked.unit

    @property
    def period(self) -> str | None:
        return str(self.checked.period) if self.checked.period else None

    @property
    def path(self) -> str:
        return self.ast.source.name

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """Lint warnings (W…) found when the ruleset was checked."""
        return self.checked.warnings

    @property
    def objective_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self._plan.objectives)

    @property
    def plan(self) -> Plan:
        return self._plan

    def __repr__(self) -> str:
        return f"<Ruleset {self.label!r} ({len(self._plan.objectives)} objectives)>"

    # ---- running it
    def evaluate(self, facts: FactsArg = None, *, units: UnitsArg = None,
                 period: str | Period | None = None,
                 sources: Mapping[str, Any] | None = None,
                 objectives: Iterable[str] | None = None,
                 compare: str | Period | None = None,
                 as_of: str | Period | None = None,
                 engine: str | Any = "duckdb", progress: Any = None,
                 decimal_comma: bool = False, strict_coverage: bool = False) -> Report:
        """Evaluate every objective (or those named) for ``period`` (default: the ruleset's).

        ``compare``: another period (2021) whose actuals are added to every row as
        ``previous`` and ``change``. ``as_of``: a month inside the period; the period is
        evaluated on data through that month only, and its rows are marked ``partial``.
        ``sources``: records bound by source name (a path, a glob, ``file.duckdb:table``,
        a DuckDB relation, a pyarrow Table); derived facts are counted from them with
        one scan per source on ``engine`` (DuckDB by default). ``facts`` may then be
        omitted. ``decimal_comma``: fact files given as paths are read with
        ``read_facts(path, decimal_comma=True)`` (``1.234,5``; see docs/data.md).
        ``progress``: a display shown while records are scanned
        (:data:`kpirules.records.Display`; the command line's is a progress bar), or None.

        A period for which the fact set holds no value at all, in it or in any
        period inside it, raises :class:`~kpirules.errors.CoverageError` naming the
        periods the facts cover. What the records cover is known from the scan: rows
        counted from records that do not reach the period's first or last month are
        marked ``partial`` and ``Report.coverage`` says what each source covers;
        ``strict_coverage`` makes that an error (FactsError E528), as records that cover
        none of the period always are when nothing else gives data.
        """
        with gc_paused():
            return self._evaluate(facts, units, period, sources, objectives, compare, as_of,
                                  engine, progress, decimal_comma, strict_coverage)

    def _evaluate(self, facts: FactsArg, units: UnitsArg, period: str | Period | None,
                  sources: Mapping[str, Any] | None, objectives: Iterable[str] | None,
                  compare: str | Period | None, as_of: str | Period | None, engine: Any,
                  progress: Any, decimal_comma: bool = False,
                  strict_coverage: bool = False) -> Report:
        run = self._prepare(facts, units, period, sources=sources, engine=engine,
                            progress=progress, also=compare, decimal_comma=decimal_comma)
        if objectives is not None:
            objectives = list(objectives)
            unknown = [o for o in objectives if o not in self.objective_ids]
            if unknown:
                raise EvaluationError(f"no objective {', '.join(unknown)} in {self.path}")
        month = self._as_of(as_of, run.period)
        report = evaluate(self._plan, run.own, run.tree, run.period, warnings=run.warnings,
                          objectives=objectives, as_of=month, counted=run.counted)
        if run.coverage:
            report = covered(report, self._plan, run.coverage, month, strict=strict_coverage,
                             records_only=not run.given)
        if compare is None:
            return report
        before = self._period(compare)
        if before == run.period:
            raise EvaluationError(f"--compare {before} is the evaluated period itself")
        previous = evaluate(self._plan, run.own, run.tree, before, objectives=objectives,
                            as_of=_shift(month, run.period, before) if month else None,
                            counted=run.counted)
        if not any(before.contains(q) for by_period in run.own.values() for q in by_period):
            raise EvaluationError(f"--compare {before}: the facts hold no data for {before} "
                                  "(every row would be missing)")
        return compare_reports(report, previous)

    def _as_of(self, as_of: str | Period | None, period: Period) -> Period | None:
        if as_of is None:
            return None
        p = as_of if isinstance(as_of, Period) else self._period(as_of)
        month = p.months()[-1]
        if not period.contains(month):
            raise EvaluationError(f"--as-of {as_of} is outside the evaluated period {period}; "
                                  f"give a month of {period} (e.g. {period.months()[-4]})")
        if month == period.months()[-1]:
            return None  # the whole period: not year-to-date
        return month

    def explained(self, facts: FactsArg = None, *, objective: str, units: UnitsArg = None,
                  period: str | Period | None = None,
                  sources: Mapping[str, Any] | None = None,
                  engine: Any = "duckdb",
                  decimal_comma: bool = False) -> tuple[Report, Resolver]:
        """One objective's report and the roll-up behind it (``kpirules explain``), from
        one preparation of the data (records are scanned once)."""
        if objective not in self.objective_ids:
            raise EvaluationError(f"no objective {objective} in {self.path}")
        with gc_paused():
            run = self._prepare(facts, units, period, sources=sources, engine=engine,
                                decimal_comma=decimal_comma)
            report = evaluate(self._plan, run.own, run.tree, run.period,
                              warnings=run.warnings, objectives=[objective],
                              counted=run.counted)
            return report, Resolver(run.own, self._plan, run.tree, counted=run.counted)

    def lint_facts(self, facts: FactsArg, *, units: UnitsArg = None,
                   decimal_comma: bool = False) -> list[str]:
        """Data warnings: undeclared facts, and a unit's own value that disagrees with the
        roll-up of its sub-units. Errors raise FactsError."""
        factset = _facts(facts, decimal_comma)
        table = _units(units)
        declared = {name: (info.uom or None) for name, info in self._plan.facts.items()}
        warnings = list(factset.check(declared, set(table.units) if table is not None else None))
        own = self._store(factset)
        tree = Hierarchy.build(table, sorted(factset.units()))
        resolver = Resolver(own, self._plan, tree)
        index = factset.index()
        for (unit, fact), by_period in sorted(own.items()):
            if not tree.children.get(unit):
                continue
            for p, mine in sorted(by_period.items(), key=lambda kv: kv[0].sort_key):
                theirs = resolver._over_units(unit, fact, p)
                if isinstance(theirs, Missing) or theirs == mine:
                    continue
                o = index[(unit, fact)][p].origin
                shown = Fraction(theirs) / self._plan.base_factor[fact]
                given = Fraction(mine) / self._plan.base_factor[fact]
                warnings.append(DataWarning(
                    "W201", f"`{fact}` for {unit} in {p} is {exact(given)}, but its "
                    f"sub-units add up to {exact(shown)}; the unit's own value is used",
                    o.path, o.row, o.column,
                    params={"fact": fact, "unit": unit, "period": str(p),
                            "given": str(exact(given)), "sum": str(exact(shown))}))
        if self.checked.period is not None:
            periods = [self.checked.period]
        else:
            periods = sorted({Period(q.year, "year", 1) for d in own.values() for q in d},
                             key=lambda q: q.sort_key)
        warnings.extend(_gap_warnings(gaps(self._plan, resolver, periods), index))
        return warnings

    def _prepare(self, facts: FactsArg, units: UnitsArg, period: str | Period | None, *,
                 sources: Mapping[str, Any] | None = None, engine: Any = "duckdb",
                 progress: Any = None, also: str | Period | None = None,
                 decimal_comma: bool = False) -> _Prep:
        p = self._period(period)
        table = _units(units)
        factset = _facts(facts, decimal_comma)
        declared = {name: (info.uom or None) for name, info in self._plan.facts.items()}
        known = set(table.units) if table is not None else None
        warnings = factset.check(declared, known)
        _covers(factset, p)
        own = self._store(factset)
        names: set[str] = set(factset.units())
        counted: frozenset[str] = frozenset()
        coverage: dict[str, Any] = {}
        scanned = self._scanned_sources(factset, sources)
        if scanned:
            from .records import derive, sources_of  # DuckDB and sqlglot: only when used

            counted = frozenset(info.name for name in scanned
                                for info in sources_of(self._plan)[name])
            given = sorted(f for f in counted if f in factset.facts())
            if given:
                raise EvaluationError(
                    f"`{given[0]}` is counted from records, and the fact set gives it too; "
                    "drop it from the facts, or do not bind its source")
            periods = [p] + ([self._period(also)] if also is not None else [])
            for q in periods:
                records, more = derive(self._plan, sources, period=q, base_dir=self._base_dir,
                                       units=known, engine=engine, progress=progress,
                                       only=scanned, coverage=coverage if q is p else None)
                warnings.extend(more)
                for key, by_month in records.items():
                    own.setdefault(key, {}).update(by_month)
                    names.add(key[0])
        if self.unit:
            names.add(self.unit)
        for o in self._plan.objectives:
            if o.scope is not None and o.scope.unit is not None and table is None:
                names.add(o.scope.unit.value)
        return _Prep(p, own, Hierarchy.build(table, sorted(names)), list(warnings), counted,
                     coverage, bool(factset.values))

    def source_files(self, sources: Mapping[str, Any] | None = None) -> list[Path]:
        """Every local file the records sources read, resolved: the ruleset's ``from``
        paths (relative to its folder) and ``sources`` (relative to the current
        directory), globs expanded. ``check --output`` refuses to overwrite them."""
        if not self.ast.sources and not sources:
            return []
        from .records.bind import local_files  # sqlglot: only for rulesets with records

        given = dict(sources or {})
        out: list[Path] = []
        for decl in self.ast.sources:
            if decl.path is not None:
                out.extend(local_files(decl.path.value, self._base_dir))
        for value in given.values():
            out.extend(local_files(value, None))
        return out

    @property
    def _base_dir(self) -> Path | None:
        path = Path(self.path)
        return path.parent if path.suffix == ".kpi" else None

    def _scanned_sources(self, factset: FactSet,
                         sources: Mapping[str, Any] | None) -> list[str]:
        """Sources whose derived facts are counted from records: every source that is
        bound (``sources=`` or ``from``), and every unbound one whose facts the fact set
        does not give (derive then says how to bind it)."""
        out: list[str] = []
        decls = {s.name.value: s for s in self.ast.sources}
        have = factset.facts()
        by_source: dict[str, list[str]] = {}
        for info in self._plan.facts.values():
            if info.derived is not None:
                by_source.setdefault(info.derived.source.value, []).append(info.name)
        for name, fact_names in by_source.items():
            bound = name in (sources or {}) or decls[name].path is not None
            if bound or not all(f in have for f in fact_names):
                out.append(name)
        return out

    def _period(self, period: str | Period | None) -> Period:
        if isinstance(period, Period):
            return period
        if period is None:
            if self.checked.period is None:
                raise EvaluationError(f"{self.path} names no `period`; pass one "
                                      "(--period 2022, period=\"2022\")")
            return self.checked.period
        try:
            return parse_period(str(period))
        except PeriodSyntaxError as exc:
            raise EvaluationError(str(exc)) from None

    def _store(self, factset: FactSet) -> dict[tuple[str, str], dict[Period, Value]]:
        """Fact values in base units, keyed (unit, fact) then period; counts as ints."""
        plan = self._plan
        base = plan.base_factor
        own: dict[tuple[str, str], dict[Period, Value]] = {}
        for fv in factset.values:
            f = base.get(fv.fact)
            if f is None:
                continue  # not declared: reported as a warning by FactSet.check
            v = fv.value
            if fv.uom:
                f = factor(fv.uom)
            if f != 1:
                v = v * f
            key = (fv.unit, fv.fact)
            inner = own.get(key)
            if inner is None:
                own[key] = inner = {}
            inner[fv.period] = v.numerator if v.denominator == 1 else v
        return own


def _gap_warnings(found: list[Gap], index: Any) -> list[str]:
    """W210: a unit's figures leave a measure without a value for an evaluated period
    (the rows that pool the unit will be missing), located at the first value it gives."""
    out: list[str] = []
    for g in found:
        given = [fv for q, fv in index[(g.unit, g.has[0])].items() if g.period.contains(q)]
        o = min((fv.origin for fv in given), key=lambda o: (o.path, o.row or 0))
        out.append(DataWarning(
            "W210", f"{g.unit}: {', '.join(g.objectives)} will be missing for {g.period}, "
            f"for {g.unit} and every roll-up that holds it: {g.why}; add the absent values",
            o.path, o.row, o.column,
            params={"unit": g.unit, "objectives": ", ".join(g.objectives),
                    "period": str(g.period), "why": g.why}))
    return out


def _shift(month: Period, period: Period, other: Period) -> Period | None:
    """The month at the same position in ``other`` as ``month`` is in ``period``."""
    index = period.months().index(month)
    months = other.months()
    return months[index] if index < len(months) - 1 else None


class _Prep:
    __slots__ = ("period", "own", "tree", "warnings", "counted", "coverage", "given")

    def __init__(self, period: Period, own: dict[tuple[str, str], dict[Period, Value]],
                 tree: Hierarchy, warnings: list[str], counted: frozenset[str],
                 coverage: dict[str, Any] | None = None, given: bool = False) -> None:
        self.period, self.own, self.tree, self.warnings = period, own, tree, warnings
        self.counted = counted
        self.coverage = coverage or {}  # source → records.Coverage of the period
        self.given = given  # the fact set gives values


def _facts(facts: FactsArg, decimal_comma: bool = False) -> FactSet:
    if facts is None:
        return merge([])
    if isinstance(facts, FactSet):
        return facts
    if isinstance(facts, (str, Path)):
        return read_facts(facts, decimal_comma=decimal_comma)
    items = list(facts)
    if items and all(isinstance(x, (str, Path, FactSet)) for x in items):
        return merge([x if isinstance(x, FactSet) else
                      read_facts(x, decimal_comma=decimal_comma) for x in items])
    return read_facts(items, decimal_comma=decimal_comma)


def _covers(factset: FactSet, period: Period) -> None:
    """CoverageError when the fact set holds values but none for ``period`` or a period
    inside it. An empty fact set (facts counted from records only, or none) is not
    checked here: records say what they cover themselves."""
    periods = factset.periods()
    if not periods or any(period.contains(q) for q in periods):
        return
    ordered = sorted(periods, key=lambda q: q.sort_key)
    years = sorted({q.year for q in ordered})
    first = min((q.months()[0] for q in ordered), key=lambda m: m.sort_key)
    last = max((q.months()[-1] for q in ordered), key=lambda m: m.sort_key)
    if len(ordered) <= 3:
        span = ", ".join(map(str, ordered))
    else:
        span = (", ".join(f"{y:04d}" for y in years) if len(years) <= 5
                else f"{years[0]:04d} … {years[-1]:04d}")
        if (first.index, last.index) != (1, 12) or len(years) > 1:
            span += f" (from {first} to {last})"
    where = f"the facts ({', '.join(factset.paths)})" if factset.paths else "the facts"
    raise CoverageError(
        f"period {period}: the facts hold no value for {period} or any period inside it "
        f"(every row would be missing); {where} cover {span}: pass one of those periods "
        "with --period",
        period=str(period), covered=tuple(str(q) for q in ordered), paths=factset.paths)


def _units(units: UnitsArg) -> UnitTable | None:
    if units is None or isinstance(units, UnitTable):
        return units
    return read_units(units)  # type: ignore[arg-type]


# ---------------------------------------------------------------- loading
def _build(source: Source) -> Ruleset:
    with gc_paused():
        tree = parse_source(source)
        return Ruleset(compile_plan(check(tree)))


def load(path: str | Path) -> Ruleset:
    """Parse, check and compile the ruleset at ``path``; raise RulesetError on any problem."""
    return _build(read_source(path))


def loads(text: str, name: str = "<string>") -> Ruleset:
    """Like :func:`load`, for ruleset text held in memory."""
    return _build(Source(name, text))


def parse(text_or_path: str | Path, name: str | None = None) -> ast.Ruleset:
    """The AST only (syntax checked, names and units not): for tools."""
    from .parser import parse as _parse

    return _parse(text_or_path, name)

