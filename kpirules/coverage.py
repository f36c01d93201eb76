"""Records coverage: what the scanned records cover of the evaluated period, in the report.

The scan of each records source also returns the first and last date of its records in
the period (``records.Coverage``, no second pass). Coverage is known to the month: the
records cover a period when they reach its first and its last month (a full-year export
whose last dossier was returned on 30 December covers the year; two weeks of January do
not). Here the report is told:

* rows whose measure reads a fact counted from a source that does not cover the row's
  period are marked ``partial``, as ``--as-of`` marks them;
* ``Report.coverage`` lists what each source covers, and every report format shows a
  banner for each source that covers the period only in part;
* ``strict`` (``--strict-coverage``) makes partial coverage an error (E528), and so is,
  always, a period no source has any record of when nothing else gives data.

This module sees the scan's results only as objects with ``source``, ``shown``,
``first``, ``last``, ``overall`` and ``covers(period, through)``; it imports no engine.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from .compiler import Plan
from .errors import FactsError
from .periods import Period, PeriodSyntaxError, parse_period
from .results import Report, SourceCoverage

__all__ = ["covered", "span_text"]

M = TypeVar("M", bound=BaseModel)


def covered(report: Report, plan: Plan, coverage: Mapping[str, Any], through: Period | None,
            *, strict: bool = False, records_only: bool = False) -> Report:
    """``report`` with its rows marked partial where the records do not cover their
    period, and ``coverage`` set; FactsError E528 when the records cover none of the
    period (and nothing else gives data), or, with ``strict``, not all of it."""
    period = parse_period(report.period)
    if records_only and all(c.first is None for c in coverage.values()):
        raise _nothing(coverage, period)
    short = {name: c for name, c in coverage.items() if not c.covers(period, through)}
    if strict and short:
        name, c = min(short.items())
        raise FactsError(f"source `{name}` covers {_covered(c)} of {period} only "
                         "(--strict-coverage)", path=c.shown, code="E528",
                         hint="evaluate a period the records cover whole, give the records "
                         "of the whole period, or drop --strict-coverage to report these "
                         "rows as partial")
    listed = [SourceCoverage(source=name,
                             first=c.first.isoformat() if c.first else None,
                             last=c.last.isoformat() if c.last else None,
                             partial=name in short) for name, c in sorted(coverage.items())]
    if not short:
        return _with(report, coverage=listed)
    uses = _sources_by_row(plan)
    rows = []
    for row in report.results:
        if not row.partial and _short(row.objective, row.part, row.period, uses, short,
                                      through):
            row = _with(row, partial=True)
        rows.append(row)
    return _with(report, results=rows, coverage=listed)


def _with(model: M, **values: Any) -> M:
    """A copy of a frozen model (rows are built without validation) with ``values`` set;
    extra keys kept."""
    new = copy.copy(model)
    object.__setattr__(new, "__dict__", {**model.__dict__, **values})
    return new


def span_text(first: str | None, last: str | None) -> str:
    """``2022-01-01 … 2022-01-14`` (what the banners print)."""
    return f"{first} … {last}"


def _covered(c: Any) -> str:
    if c.first is None:
        return "no record"
    return span_text(c.first.isoformat(), c.last.isoformat())


def _nothing(coverage: Mapping[str, Any], period: Period) -> FactsError:
    parts = []
    for name, c in sorted(coverage.items()):
        if c.overall is None:
            parts.append(f"`{name}` has no dated record at all")
        elif not c.overall[0]:
            parts.append(f"`{name}` has no record in {period}")
        else:
            parts.append(f"`{name}` covers {span_text(*c.overall)}")
    first = min(coverage.items())[1]
    hint = "evaluate a period the records cover"
    years = sorted(c.overall[0][:4] for c in coverage.values()
                   if c.overall is not None and c.overall[0][:4].isdigit())
    if years:
        hint += f" (--period {years[0]})"
    hint += f", or bind the source{'s' if len(coverage) > 1 else ''} to the records of {period}"
    return FactsError(f"the records hold nothing in {period}: " + "; ".join(parts),
                      path=first.shown, code="E528", hint=hint)


def _sources_by_row(plan: Plan) -> dict[tuple[str, str | None], frozenset[str]]:
    """(objective, part) → the records sources its measure reads; part None: all parts."""
    source_of = {name: info.derived.source.value for name, info in plan.facts.items()
                 if info.derived is not None}
    out: dict[tuple[str, str | None], frozenset[str]] = {}
    for o in plan.objectives:
        every: set[str] = set()
        for t in o.targets:
            mine = frozenset(source_of[f] for f in t.facts if f in source_of)
            out[(o.id, t.part)] = mine
            every |= mine
        out.setdefault((o.id, None), frozenset(every))
    return out


def _short(objective: str, part: str | None, period: str,
           uses: dict[tuple[str, str | None], frozenset[str]], short: Mapping[str, Any],
           through: Period | None) -> bool:
    sources = uses.get((objective, part), uses.get((objective, None), frozenset()))
    try:
        p = parse_period(period)
    except PeriodSyntaxError:  # pragma: no cover - rows carry the periods evaluated
        return bool(sources & set(short))
    return any(short[s].first is None or not short[s].covers(p, through)
               for s in sources if s in short)
