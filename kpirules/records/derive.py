"""Plan × bound sources × period → per-unit, per-month values of the derived facts.

The steps, each at most once per source:

1. bind every source a derived fact uses (``from "…"`` in the ruleset, or ``sources=``);
   an unbound one is a ruleset diagnostic (E520) at its declaration;
2. read each source's schema (a *probe*: no data is scanned);
3. compile the source's derived facts to one query (``sql.compile_scan``); unknown
   columns and wrong types are ruleset diagnostics, all raised at once;
4. run the one scan per source and turn its rows into exact values in base units:
   ``count`` → int, ``sum`` → int or Fraction, ``avg`` → ``Pair(sum, n)``, ``share`` →
   ``Pair(matching, all)``, ``min``/``max`` → the value, absent over no records.

The result is sparse (a unit and month without records has no entry) and holds each
unit's *own* records only: rolling up to parents, quarters and years is the
evaluator's job (a unit's value = its own records + its subtree's).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlglot import exp

from .. import ast
from ..checker import FactInfo
from ..compiler import Plan
from ..diagnostics import Diagnostic, make, sort_key
from ..errors import EvaluationError, FactsError, RulesetError
from ..periods import Period, parse_period
from ..values import NO_VALUE, Pair, Value
from .bind import Binding, bind
from .columns import column_kinds, family
from .engines import Display, Engine, make_engine
from .sql import BAD_DATE, SPAN, Scan, compile_scan, days, placeholder

__all__ = ["Coverage", "FactValues", "derive", "plan_scans", "sources_of", "zero"]

FactValues = dict[tuple[str, str], dict[Period, Value]]


def zero(info: FactInfo) -> Value:
    """A derived fact's value over no records: 0 for count and sum, an empty pair for avg
    and share (no value), no value for min and max."""
    func = info.derived.func.value if info.derived is not None else "count"
    if func in ("avg", "share"):
        return Pair(0, 0)
    if func in ("min", "max"):
        return NO_VALUE
    return 0


def sources_of(plan: Plan) -> dict[str, list[FactInfo]]:
    """Source name → the derived facts computed from it, in declaration order."""
    out: dict[str, list[FactInfo]] = {}
    for info in plan.facts.values():
        if info.derived is not None:
            out.setdefault(info.derived.source.value, []).append(info)
    return out


@dataclass(frozen=True)
class Coverage:
    """What one source's records cover of the evaluated ``period``: the first and last
    date of its records in it (None when it has none); when it has none, ``overall`` is
    the first and last date of all its records as text (YYYY-MM-DD as the engine prints
    dates outside 0001…9999; ``("", "")`` when the engine could not say; None when the
    source has no dated record at all). Known from the scan itself; ``overall`` costs
    one more query, and only for a source with no record in the period."""

    source: str
    shown: str
    period: Period
    first: date | None
    last: date | None
    overall: tuple[str, str] | None = None

    def covers(self, p: Period, through: Period | None = None) -> bool:
        """Whether the records cover ``p`` (inside the evaluated period; up to the month
        ``through`` when given, as ``--as-of`` does) whole. Coverage is known to the
        month: the records cover ``p`` when they reach its first and its last month."""
        if self.first is None or self.last is None:
            return False
        months = p.months()
        end = months[-1]
        if through is not None and through.sort_key < end.sort_key:
            end = through
        return ((self.first.year, self.first.month) <= (months[0].year, months[0].index)
                and (self.last.year, self.last.month) >= (end.year, end.index))


def derive(plan: Plan, sources: Mapping[str, Any] | None = None, *, period: Period | str,
           base_dir: str | Path | None = None, units: Iterable[str] | None = None,
           engine: str | Engine = "duckdb",
           progress: Display | None = None,
           only: Iterable[str] | None = None,
           coverage: dict[str, Coverage] | None = None) -> tuple[FactValues, list[str]]:
    """The derived facts of ``plan`` for ``period``, from one scan per source.

    ``sources`` binds or overrides sources by name (a path — relative to the current
    directory —, a glob, ``file.duckdb:table``, a DuckDB relation, a pyarrow Table or a
    DataFrame); a source's ``from "…"`` is taken relative to ``base_dir``. ``units``, when
    given, are the known unit ids: records naming others are an error (E524). ``only``
    limits the scans to these sources (the others' facts come from a fact set).
    ``coverage``, when given, is filled with each scanned source's :class:`Coverage`.
    Returns ``({(unit, fact): {month: value}}, warnings)``, values in base units.
    """
    p = period if isinstance(period, Period) else parse_period(str(period))
    eng = make_engine(engine, progress=progress)
    known = set(units) if units is not None else None
    facts: FactValues = {}
    warnings: list[str] = []
    try:
        for scan, binding in _prepare(plan, sources, p, base_dir, eng, only):
            rows = eng.run(scan.tree, binding)
            _collect(plan, scan, binding, rows, p, known, facts, warnings)
            if coverage is not None:
                coverage[scan.source] = _coverage(scan, binding, rows, p, eng)
    finally:
        if isinstance(engine, str):
            _close(eng)
    return facts, warnings


def plan_scans(plan: Plan, sources: Mapping[str, Any] | None = None, *,
               period: Period | str, base_dir: str | Path | None = None,
               engine: str | Engine = "duckdb") -> dict[str, Scan]:
    """The scan of every used source, compiled against its real schema but not run
    (``scan.sql("postgres")`` shows it)."""
    p = period if isinstance(period, Period) else parse_period(str(period))
    eng = make_engine(engine)
    try:
        return {scan.source: scan for scan, _ in _prepare(plan, sources, p, base_dir, eng)}
    finally:
        if isinstance(engine, str):
            _close(eng)


def _close(eng: Engine) -> None:
    close = getattr(eng, "close", None)
    if close is not None:
        close()


# ---------------------------------------------------------------- binding and compiling
def _prepare(plan: Plan, sources: Mapping[str, Any] | None, period: Period,
             base_dir: str | Path | None, eng: Engine,
             only: Iterable[str] | None = None) -> list[tuple[Scan, Binding]]:
    node = plan.checked.node
    try:
        days(period)
    except ValueError as exc:
        if node.period is not None and period == plan.checked.period:
            _raise([make("E401", str(exc), node.period.span,
                         hint="evaluate another period (--period 2022)")], node)
        raise EvaluationError(f"period {period}: {exc}") from None
    wanted = set(only) if only is not None else None
    used = {name: infos for name, infos in sources_of(plan).items()
            if wanted is None or name in wanted}
    decls = {s.name.value: s for s in node.sources}
    given = dict(sources or {})
    unknown = sorted(set(given) - set(decls))
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(decls), 1)
        raise FactsError(f"no source `{unknown[0]}` in {node.source.name}", code="E520",
                         hint=(f"did you mean `{close[0]}`? " if close else "")
                         + "sources declared: " + (", ".join(decls) or "none"))
    bindings: dict[str, Binding] = {}
    diags: list[Diagnostic] = []
    for name in used:
        decl = decls[name]
        if name in given:
            bindings[name] = bind(name, given[name], None)
        elif decl.path is not None:
            bindings[name] = bind(name, decl.path.value, base_dir)
        else:
            diags.append(make("E520", f"source `{name}` is not bound to any data",
                              decl.name.span, hint=f"add `from \"data/{name}.parquet\"` to the "
                              f"source, or bind it: --source {name}=PATH "
                              f"(sources={{\"{name}\": PATH}} in Python)"))
    _raise(diags, node)
    scans: list[tuple[Scan, Binding]] = []
    for name, infos in used.items():
        b = bindings[name]
        schema = eng.columns(b)
        if b.guessed_types:  # read columns as the ruleset uses them (a second probe)
            want = _overrides(column_kinds(decls[name], infos, schema), schema, eng.dialect)
            if want:
                b = replace(b, column_types=want)
                schema = eng.columns(b)
        scan, found = compile_scan(decls[name], infos, schema, period, dialect=eng.dialect,
                                   shown=b.shown)
        diags.extend(found)
        if scan is not None:
            scans.append((scan, b))
    _raise(diags, node)
    return scans


def _overrides(kinds: dict[str, str], schema: dict[str, str],
               dialect: str) -> tuple[tuple[str, str], ...]:
    """Columns whose guessed type does not fit their use: anything used as text, and
    text (a header-only file, an all-empty column) used as a number or truth value."""
    out = []
    for col, kind in kinds.items():
        if col not in schema:
            continue  # unknown: the compiler reports it
        fam = family(schema[col], dialect)
        if (kind == "text" and fam != "text") or (kind != "text" and fam == "text"):
            out.append((col, kind))
    return tuple(out)


def _raise(diags: list[Diagnostic], node: ast.Ruleset) -> None:
    if diags:
        ordered = sorted(set(diags), key=sort_key)
        raise RulesetError(ordered, {node.source.name: node.source})


# ---------------------------------------------------------------- rows → values
Reader = Callable[[tuple[Any, ...]], Value | None]


def _collect(plan: Plan, scan: Scan, b: Binding, rows: list[tuple[Any, ...]],
             period: Period, known: set[str] | None, facts: FactValues,
             warnings: list[str]) -> None:
    index = {name: i for i, name in enumerate(scan.columns)}
    no_unit = bad_dates = 0
    bad_example: Any = None
    strangers: dict[str, int] = {}
    names = [o.fact for o in scan.outputs]
    readers = [_reader(o.func, tuple(index[a] for a in o.aliases),
                       plan.base_factor.get(o.fact, Fraction(1))) for o in scan.outputs]
    months: dict[Any, Period] = {}
    unit_seen: Any = object()
    targets: list[dict[Period, Value]] = []
    for row in sorted(rows, key=_row_key):
        unit, month = row[0], row[1]
        if month is None:
            bad_dates += int(row[2])
            if bad_example is None and BAD_DATE in index:
                bad_example = row[index[BAD_DATE]]
            continue
        if unit != unit_seen:  # rows come sorted by unit: look the unit up once
            unit_seen = unit
            uid = _nfc(str(unit)) if unit is not None else ""
            if not uid.strip() or known is not None and uid not in known:
                targets = []
            else:
                targets = [facts.setdefault((uid, f), {}) for f in names]
        if not targets:
            if not uid.strip():
                no_unit += int(row[2])
            else:
                strangers[uid] = strangers.get(uid, 0) + int(row[2])
            continue
        m = months.get(month)
        if m is None:
            m = months[month] = Period(month.year, "month", month.month)
        for read, target in zip(readers, targets):
            v = read(row)
            if v is not None:
                target[m] = v
    for key in [k for k in facts if not facts[k]]:
        del facts[key]  # min/max with no value in any month: absent
    where = f"{b.shown}"
    if bad_dates:
        example = f", e.g. `{bad_example}`" if bad_example is not None else ""
        raise FactsError(f"{bad_dates} record(s) of source `{b.name}` have a "
                         f"`{scan.period_column}` that is not a date{example}",
                         path=where, column=scan.period_column, code="E525",
                         hint="write dates as YYYY-MM-DD (2022-03-31); an empty cell places "
                         "the record in no period")
    _check_dates(scan, b, rows, index)
    if strangers:
        listed = sorted(strangers.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"`{u}` ({k})" for u, k in listed[:10])
        if len(listed) > 10:
            shown += f" and {len(listed) - 10} more"
        total = sum(strangers.values())
        raise FactsError(f"{total} record(s) of source `{b.name}` in {period} name unit ids "
                         f"that are not in the units table: {shown}", path=where,
                         column=scan.unit_column, code="E524",
                         hint="add these units to the units table, or correct "
                         f"`{scan.unit_column}` in the records")
    if no_unit:
        warnings.append(f"{where}: warning[E526]: {no_unit} record(s) of source `{b.name}` "
                        f"in {period} have an empty `{scan.unit_column}`; they belong to no "
                        "unit and are not counted")


def _coverage(scan: Scan, b: Binding, rows: list[tuple[Any, ...]], period: Period,
              eng: Engine) -> Coverage:
    index = {name: i for i, name in enumerate(scan.columns)}
    i, j = index[SPAN[0]], index[SPAN[1]]
    firsts = [_day(row[i]) for row in rows if row[1] is not None and row[i] is not None]
    lasts = [_day(row[j]) for row in rows if row[1] is not None and row[j] is not None]
    if firsts and lasts:
        return Coverage(scan.source, b.shown, period, min(firsts), max(lasts))
    # no record in the period: what do the records cover? (one more query, only here)
    head = scan.tree.expressions
    day = next(e for e in head if e.alias_or_name == SPAN[0]).this.this
    tree = exp.select(exp.alias_(exp.Min(this=day.copy()), SPAN[0], quoted=True),
                      exp.alias_(exp.Max(this=day.copy()), SPAN[1], quoted=True)) \
        .from_(placeholder(scan.source))
    try:
        got = eng.run(tree, b)
    except FactsError:  # e.g. a date the driver cannot convert: say less, not crash
        return Coverage(scan.source, b.shown, period, None, None, ("", ""))
    lo, hi = (got[0][0], got[0][1]) if got else (None, None)
    overall = (_iso(lo), _iso(hi)) if lo is not None and hi is not None else None
    return Coverage(scan.source, b.shown, period, None, None, overall)


def _day(v: Any) -> date:
    """A date of the period (the scan keeps 0001…9999 only) from what an engine returns."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])  # pragma: no cover - an engine's text date


def _iso(v: Any) -> str:
    """Any date an engine returns as text: DuckDB gives dates outside 0001…9999 as text
    (``10000-01-01``, ``0001-01-01 (BC)``)."""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _check_dates(scan: Scan, b: Binding, rows: list[tuple[Any, ...]],
                 index: dict[str, int]) -> None:
    """E527: a text column compared as a date holds cells that are not dates (they would
    silently match no condition)."""
    for check in scan.date_checks:
        i, j = index[check.count], index[check.example]
        bad = [row for row in rows if row[i]]
        if not bad:
            continue
        n = sum(int(row[i]) for row in bad)
        example = min(str(row[j]) for row in bad if row[j] is not None)
        path, where = b.shown, None
        if b.guessed_types:  # a CSV: the row of the example, read again (errors only)
            found = csv_row(b.paths, check.column, example)
            if found is not None:
                path = found[0] if len(b.paths) > 1 else b.shown
                where = found[1]
        raise FactsError(f"{n} record(s) of source `{b.name}` have a `{check.column}` that "
                         f"is not a date, e.g. `{example}`; the ruleset compares "
                         f"`{check.column}` as a date", path=path, row=where,
                         column=check.column, code="E527", hint="write dates as YYYY-MM-DD (2022-03-31), or leave "
                         "the cell empty when there is no date")


def csv_row(paths: Iterable[str], column: str, value: str) -> tuple[str, int] | None:
    """The file and row (1 is the header) of the first record whose ``column`` holds
    ``value``, reading the CSV files again — only to place an error."""
    import csv
    import gzip
    import io

    from .spark import _delimiter

    for path in paths:
        opener: Callable[..., Any] = gzip.open if path.lower().endswith(".gz") else open
        try:
            with opener(path, "rb") as raw, io.TextIOWrapper(
                    raw, encoding="utf-8", errors="replace", newline="") as fh:
                reader = csv.reader(fh, delimiter=_delimiter(path))
                header = [h.lstrip("\ufeff") for h in next(reader, [])]
                if column not in header:
                    continue
                k = header.index(column)
                for n, cells in enumerate(reader, start=2):
                    if len(cells) > k and cells[k] == value:
                        return path, n
        except (OSError, csv.Error, UnicodeError):
            continue
    return None


def _reader(func: str, cols: tuple[int, ...], factor: Fraction) -> Reader:
    """How one fact's value is read from a result row: exact, in base units."""
    i = cols[0]
    scale = _scaler(factor)
    if func == "count":
        return lambda row: int(row[i] or 0)
    if func == "share":
        j = cols[1]
        return lambda row: Pair(int(row[i] or 0), int(row[j] or 0))
    if func == "avg":
        j = cols[1]
        return lambda row: Pair(scale(_exact(row[i])) if row[i] is not None else 0,
                                int(row[j] or 0))
    if func == "sum":
        return lambda row: scale(_exact(row[i])) if row[i] is not None else 0
    return lambda row: scale(_exact(row[i])) if row[i] is not None else None


def _scaler(factor: Fraction) -> Callable[[int | Fraction], int | Fraction]:
    if factor == 1:
        return lambda v: v
    if factor.denominator == 1:
        k = int(factor)
        return lambda v: v * k
    return lambda v: _whole(Fraction(v) * factor)


def _whole(f: Fraction) -> int | Fraction:
    return f.numerator if f.denominator == 1 else f


def _row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """By unit (text: the scan casts it), then month; nulls last."""
    unit, month = row[0], row[1]
    return (unit is None, "" if unit is None else unit, month is None, month)


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _exact(v: Any) -> int | Fraction:
    """An engine's number → int or Fraction, never through binary floating point."""
    if v.__class__ is int:
        return int(v)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, Decimal):
        f = Fraction(v)
    elif isinstance(v, float):
        f = Fraction(Decimal(repr(v)))
    elif isinstance(v, (date, datetime)):  # pragma: no cover - the compiler refuses dates
        raise TypeError("a date is not a number")
    else:
        f = Fraction(str(v))
    return f.numerator if f.denominator == 1 else f
