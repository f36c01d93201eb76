"""The HTML report: one self-contained page a quality manager prints for a management review.

Everything is inline — CSS in a ``<style>``, charts as inline SVG — and nothing is loaded
from the network (no fonts, scripts or images). Jinja2 templates under
``kpirules/report/templates/`` lay the page out with autoescape on; this module turns the
:class:`~kpirules.results.Report` into plain view objects (display text and chart
geometry) so the templates hold no logic beyond loops and conditions.

Per objective a card (``data-objective="ID"``):

* one period: a table, one line per result row, with the actual value as a horizontal bar
  on the objective's scale, the threshold (and the warn bound, and the compared period's
  value) marked;
* one unit over several periods (``every month|quarter``): a strip of periods coloured
  by verdict, then the same table;
* several units over several periods: a grid, a line per unit (and part), a column per
  period, each cell a small bar; the reasons of missing and n/a cells in notes below.

Scales are shared by an objective's rows. Ratios are drawn on 0–100% unless every value
is at least 90% (the scale starts at 80–99.99%, so 99.8% against 99.9% is visible) or at
most 40% (the scale ends at 0.1–50%); the ends of the scale are labelled. Geometry is
computed with exact fractions and printed with fixed decimals: the same report gives the
same bytes.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import jinja2

from kpirules.comparators import COMPARATORS
from kpirules.report.format import (
    NONE,
    banners,
    cells,
    decimal,
    message,
    messages,
    nfc,
    ordered_rows,
    reason,
    round_half_even,
    silent_units,
    to_fraction,
    verdict_word,
    warning_text,
)
from kpirules.results import VERDICT_ORDER, Report, ResultRow, worst

__all__ = ["Scale", "render_html", "scale_for"]

SYMBOLS = {"pass": "✓", "warn": "!", "fail": "✗", "missing": "?", "n/a": "∅"}
SUMMARY_ORDER = ("pass", "warn", "fail", "missing", "n/a")
ATTENTION = ("fail", "missing", "warn")
UNMEASURED = ("missing", "n/a")
LONG_ROWS = 14  # a card with more table rows (or half as many grid lines) may break in print

_ZOOM_LOWS = tuple(Fraction(n) for n in ("0.8", "0.9", "0.95", "0.96", "0.97", "0.98", "0.99",
                                          "0.995", "0.998", "0.999", "0.9995", "0.9999"))
_ZOOM_HIGHS = tuple(Fraction(n) for n in ("0.001", "0.002", "0.005", "0.01", "0.02", "0.05",
                                           "0.1", "0.2", "0.25", "0.5"))
_NICE = tuple(Fraction(n) for n in ("1", "1.2", "1.5", "2", "2.5", "3", "4", "5", "6", "8",
                                     "10"))


# --- scales ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scale:
    """The value range of an objective's bars, in the rows' own unit (fractions of one for
    ratios), and the labels of its two ends."""

    lo: Fraction
    hi: Fraction
    zoomed: bool
    lo_text: str
    hi_text: str

    def x(self, value: Fraction) -> str:
        """``value``'s position as a percentage of the bar's width (clamped), ``"37.25"``."""
        pos = min(max((value - self.lo) / (self.hi - self.lo), Fraction(0)), Fraction(1))
        hundredths = round_half_even(pos * 100, 2)
        return f"{hundredths // 100}.{hundredths % 100:02d}"


def _nice_ceil(value: Fraction) -> Fraction:
    """The least 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k at or above ``value`` > 0."""
    power = Fraction(1)
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    return next(n * power for n in _NICE if n * power >= value)


def _tick(value: Fraction, kind: str, uom: str, lang: str) -> str:
    if kind == "ratio":
        return decimal(value * 100, 2, lang, trim=True) + "%"
    return decimal(value, 2, lang, trim=True) + (f" {uom}" if uom else "")


def scale_for(values: list[Fraction], kind: str, uom: str = "", lang: str = "vi") -> Scale | None:
    """The scale that shows ``values`` (actuals, bounds, previous values) well, or None."""
    if not values or kind not in ("ratio", "count", "quantity", "number"):
        return None
    low, high = min(values), max(values)
    lo, hi, zoomed = Fraction(0), Fraction(1), False
    if kind == "ratio" and 0 <= low and high <= 1 and low < high:
        if low >= Fraction(9, 10):  # zoom in at the top: the smallest value sits ≥ ¼ in
            lo = max((z for z in _ZOOM_LOWS if low - z >= (1 - z) / 4), default=Fraction(0))
            zoomed = lo > 0
        elif high <= Fraction(2, 5):  # zoom in at the bottom: the largest value ≤ ⅘ out
            hi = min(z for z in _ZOOM_HIGHS if high <= z * 4 / 5) if high > 0 else hi
            zoomed = hi < 1
    elif not (kind == "ratio" and 0 <= low and high <= 1):
        hi = _nice_ceil(high * Fraction(11, 10)) if high > 0 else Fraction(0)
        lo = -_nice_ceil(-low * Fraction(11, 10)) if low < 0 else Fraction(0)
        if hi == lo:
            hi = lo + 1
    return Scale(lo, hi, zoomed, _tick(lo, kind, uom, lang), _tick(hi, kind, uom, lang))


def _warn_bound(row: ResultRow) -> tuple[str, Fraction] | None:
    """``"< 0.985"`` → ``("<", 0.985)``; anything else → None."""
    op, _, value = (row.warn or "").partition(" ")
    try:
        return (op, Fraction(value)) if op and value else None
    except (ValueError, ZeroDivisionError):
        return None


def _row_values(row: ResultRow) -> list[Fraction]:
    out = [to_fraction(v) for v in (row.actual, row.threshold, row.upper, row.previous)]
    bound = _warn_bound(row)
    return [v for v in out if v is not None] + ([bound[1]] if bound else [])


# --- view objects ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Bar:
    """One bar's geometry, in percent of the width: the filled part, the passing zone,
    the marks (css class, x) and the text that says the same for a screen reader."""

    fill_x: str
    fill_w: str
    zone: tuple[str, str] | None
    marks: tuple[tuple[str, str], ...]
    label: str


@dataclass(frozen=True, slots=True)
class RowView:
    verdict: str
    word: str
    symbol: str
    part: str | None
    unit: str
    unit_code: str | None
    period: str
    actual: str
    target: str
    gap: str
    delta: str
    unmeasured: bool         # missing or n/a: the reason stands in for the bar
    reason: str | None
    bar: Bar | None
    previous: str | None
    change: str | None
    trend: str | None       # "up" | "down" | "flat"
    trend_good: str | None  # "good" | "bad" | None (no direction is better)
    partial: bool
    note: int | None = None
    silent: str | None = None  # sub-units left out: they give none of the facts


@dataclass(frozen=True, slots=True)
class GridLine:
    unit: str
    unit_code: str | None
    part: str | None
    cells: tuple[RowView | None, ...]
    verdict: str
    word: str
    symbol: str


@dataclass(frozen=True, slots=True)
class ObjectiveView:
    id: str
    anchor: str
    label: str
    verdict: str
    word: str
    symbol: str
    meta: tuple[tuple[str, str, bool], ...]  # (heading, text, as code)
    scales: tuple[Scale, ...]
    rows: tuple[RowView, ...]
    strip: tuple[RowView, ...]
    periods: tuple[str, ...]
    grid: tuple[GridLine, ...]
    notes: tuple[tuple[int, str], ...]
    show_part: bool
    show_unit: bool
    show_period: bool
    counts: str = ""
    long: bool = False  # too tall to keep on one printed page: may break between rows


@dataclass(frozen=True, slots=True)
class PageView:
    lang: str
    title: str
    meta: tuple[str, ...]
    partial: str | None
    badges: tuple[tuple[str, str, str, int], ...]  # (verdict, symbol, word, count)
    total: int
    attention: tuple[ObjectiveView, ...]
    objectives: tuple[ObjectiveView, ...]
    warnings: tuple[str, ...]
    compare: str | None
    footer: str


# --- rows -----------------------------------------------------------------------------------

def _bar(row: ResultRow, scale: Scale | None, actual_text: str, target_text: str,
         lang: str) -> Bar | None:
    actual = to_fraction(row.actual)
    threshold = to_fraction(row.threshold)
    if scale is None or actual is None:
        return None
    zero = min(max(Fraction(0), scale.lo), scale.hi)
    a, z = Fraction(scale.x(actual)), Fraction(scale.x(zero))
    fill_x, fill_w = min(a, z), abs(a - z)
    zone = None
    upper = to_fraction(row.upper)
    spec = COMPARATORS.get(row.comparator)  # None on a compound's combined row
    if threshold is not None and spec is not None:
        if spec.direction > 0:
            zone = (scale.x(threshold), scale.x(scale.hi))
        elif spec.direction < 0:
            zone = (scale.x(scale.lo), scale.x(threshold))
        elif spec.ranged and upper is not None:
            zone = (scale.x(threshold), scale.x(upper))
    marks = []
    bound = _warn_bound(row)
    if bound:
        marks.append(("warn", scale.x(bound[1])))
    previous = to_fraction(row.previous)
    if previous is not None:
        marks.append(("previous", scale.x(previous)))
    for bound_value in (threshold, upper):
        if bound_value is not None:
            marks.append(("target", scale.x(bound_value)))
    label = message(lang, "html.bar.label", actual=actual_text, target=target_text)
    return Bar(_pct(fill_x), _pct(fill_w),
               None if zone is None else (zone[0], _pct(Fraction(zone[1]) - Fraction(zone[0]))),
               tuple(marks), label)


def _pct(value: Fraction) -> str:
    hundredths = round_half_even(value, 2)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _trend(row: ResultRow) -> tuple[str | None, str | None]:
    change = to_fraction(row.change)
    if change is None:
        return None, None
    trend = "up" if change > 0 else "down" if change < 0 else "flat"
    spec = COMPARATORS.get(row.comparator)
    if trend == "flat" or spec is None or not spec.direction:
        return trend, None
    better = (change > 0) == (spec.direction > 0)
    return trend, "good" if better else "bad"


def _unit(row: ResultRow, default: str | None) -> tuple[str, str | None]:
    """Display name and code of the row's unit (its pooled scope when it has no unit)."""
    if row.unit is None:
        return nfc(row.scope or default or NONE), None
    if row.unit_name:
        return nfc(row.unit_name), nfc(row.unit)
    return nfc(row.unit), None


def _unbroken_target(row: ResultRow, target: str) -> str:
    """``≥ 100,00%`` never wraps after its comparator (a no-break space); ``từ … đến …``
    and a compound's words may wrap."""
    if row.comparator in ("between", "all", "any"):
        return target
    return target.replace(" ", "\u00a0", 1)


def _row_view(row: ResultRow, scale: Scale | None, report: Report, lang: str) -> RowView:
    c = cells(row, lang)
    previous = change = None
    if row.previous is not None:
        shown = cells(SimpleNamespace(**{**row.model_dump(), "actual": row.previous,
                                         "gap": row.change}), lang)
        previous, change = shown.actual, shown.gap
    unmeasured = row.verdict in UNMEASURED
    compound = row.kind == "compound"
    trend, good = _trend(row)
    unit, code = _unit(row, report.unit)
    return RowView(
        verdict=row.verdict, word=verdict_word(row.verdict, lang), symbol=SYMBOLS[row.verdict],
        part=nfc(row.part) if row.part is not None else None, unit=unit, unit_code=code,
        period=row.period, actual=NONE if unmeasured or compound else c.actual,
        target=_unbroken_target(row, c.target), gap=NONE if unmeasured else c.gap,
        delta=NONE if unmeasured else c.delta,
        unmeasured=unmeasured, reason=reason(row, lang) if unmeasured else None,
        bar=None if unmeasured else _bar(row, scale, c.actual, c.target, lang),
        previous=previous, change=change, trend=trend, trend_good=good, partial=row.partial,
        silent=silent_units(row, lang))


# --- objectives -----------------------------------------------------------------------------

def _key(row: ResultRow) -> tuple[str | None, str | None]:
    return row.unit, row.scope if row.unit is None else None


def _meta(ov: Any, rows: list[ResultRow], report: Report, lang: str) -> list[tuple[str, str,
                                                                                   bool]]:
    meta: list[tuple[str, str, bool]] = []
    if ov is not None and ov.owner:
        meta.append((message(lang, "col.owner"), nfc(ov.owner), False))
    keys = {_key(r) for r in rows}
    if len(keys) == 1 and rows[0].unit is not None and rows[0].unit != report.unit:
        name, code = _unit(rows[0], report.unit)
        meta.append((message(lang, "col.unit"), f"{name} ({code})" if code else name, False))
    scope = ov.scope if ov is not None and ov.scope else (
        rows[0].scope if len(keys) == 1 and rows[0].unit is None else None)
    if scope:
        meta.append((message(lang, "html.scope"), nfc(scope), True))
    if ov is not None and ov.every:
        every = f"html.every.{ov.every}"
        text = message(lang, every) if every in messages(lang) else ov.every
        meta.append((message(lang, "html.cadence"), text, False))
    if ov is not None and ov.due:
        meta.append((message(lang, "html.due"), nfc(ov.due), False))
    if ov is not None and ov.method:
        meta.append((message(lang, "html.method"), nfc("; ".join(ov.method)), False))
    return meta


def _grid(rows: list[ResultRow], views: dict[int, RowView], periods: list[str],
          lang: str) -> tuple[list[GridLine], list[tuple[int, str]]]:
    lines: dict[tuple[Any, ...], dict[str, RowView]] = {}
    firsts: dict[tuple[Any, ...], ResultRow] = {}
    for r in rows:
        key = (*_key(r), r.part)
        lines.setdefault(key, {})[r.period] = views[id(r)]
        firsts.setdefault(key, r)
    order = list(lines)  # rows come combined first, then parts, unit by unit
    notes: list[tuple[int, str]] = []
    out = []
    for key in order:
        first = views[id(firsts[key])]
        cells_: list[RowView | None] = []
        for p in periods:
            v = lines[key].get(p)
            if v is not None and v.unmeasured and v.reason is not None:
                notes.append((len(notes) + 1, f"{v.unit} · {v.period}"
                              + (f" · {v.part}" if v.part else "") + f": {v.reason}"))
                v = dataclasses.replace(v, note=len(notes))
            elif v is not None and v.silent is not None:
                notes.append((len(notes) + 1, f"{v.unit} · {v.period}"
                              + (f" · {v.part}" if v.part else "") + f": {v.silent}"))
                v = dataclasses.replace(v, note=len(notes))
            cells_.append(v)
        verdict = worst([c.verdict for c in cells_ if c is not None])
        out.append(GridLine(first.unit, first.unit_code, first.part, tuple(cells_), verdict,
                            verdict_word(verdict, lang), SYMBOLS[verdict]))
    return out, notes


def _objective(oid: str, ov: Any, rows: list[ResultRow], report: Report,
               lang: str) -> ObjectiveView:
    """One card. An objective with no row at all still gets one: never silently dropped."""
    groups: dict[tuple[str, str], list[Fraction]] = {}
    for r in rows:  # one scale per kind and unit of measure (a compound's parts may differ)
        if r.kind != "compound":
            groups.setdefault((r.kind, r.uom), []).extend(_row_values(r))
    scales = {k: scale_for(vs, k[0], k[1], lang) for k, vs in groups.items()}
    views = {id(r): _row_view(r, scales.get((r.kind, r.uom)), report, lang) for r in rows}
    periods = list(dict.fromkeys(r.period for r in rows))
    units = list(dict.fromkeys(_key(r) for r in rows))
    grid: list[GridLine] = []
    notes: list[tuple[int, str]] = []
    strip: list[RowView] = []
    table = [views[id(r)] for r in rows]
    if len(units) > 1 and len(periods) > 1:
        grid, notes = _grid(rows, views, periods, lang)
        table = []
    elif len(periods) > 1:
        strip = [views[id(r)] for r in rows if r.part is None]
    combined = [r.verdict for r in rows if r.part is None]
    verdict = ov.verdict if ov is not None else worst(combined)
    label = ov.label if ov is not None else next((r.label for r in rows if r.label), "")
    counts = "" if len(combined) < 2 else message(
        lang, "html.rows_of", n=combined.count(verdict), total=len(combined),
        verdict=verdict_word(verdict, lang))
    return ObjectiveView(
        id=nfc(oid), anchor="obj-" + "-".join(nfc(oid).split()), label=nfc(label),
        verdict=verdict, word=verdict_word(verdict, lang), symbol=SYMBOLS[verdict],
        meta=tuple(_meta(ov, rows, report, lang)),
        scales=tuple(sc for sc in scales.values() if sc is not None), rows=tuple(table),
        strip=tuple(strip), periods=tuple(periods), grid=tuple(grid), notes=tuple(notes),
        show_part=any(r.part is not None for r in rows), show_unit=len(units) > 1,
        show_period=len(periods) > 1, counts=counts,
        long=len(table) + len(strip) // 4 > LONG_ROWS or len(grid) > LONG_ROWS // 2)


def _objectives(report: Report, lang: str) -> list[ObjectiveView]:
    by_objective: dict[str, list[ResultRow]] = {}
    for row in ordered_rows(report.results):
        by_objective.setdefault(row.objective, []).append(row)
    verdicts = {o.id: o for o in report.objectives}
    ids = [o.id for o in report.objectives] + [i for i in by_objective if i not in verdicts]
    return [_objective(oid, verdicts.get(oid), by_objective.get(oid, []), report, lang)
            for oid in ids]


# --- the page -------------------------------------------------------------------------------

def _page(report: Report, lang: str) -> PageView:
    meta = []
    if report.unit:
        name = next((r.unit_name for r in report.results
                     if r.unit == report.unit and r.unit_name), None)
        unit = f"{nfc(name)} ({nfc(report.unit)})" if name else nfc(report.unit)
        meta.append(message(lang, "meta.unit", unit=unit))
    meta.append(message(lang, "meta.period", period=report.period))
    if report.compare:
        meta.append(message(lang, "html.compare", period=report.compare))
    if report.as_of:
        meta.append(message(lang, "html.as_of", month=report.as_of))
    partial = " ".join(banners(report, lang)) or None  # as-of; records covering part
    objectives = _objectives(report, lang)
    attention = sorted((o for o in objectives if o.verdict in ATTENTION),
                       key=lambda o: -VERDICT_ORDER[o.verdict])
    badges = tuple((v, SYMBOLS[v], verdict_word(v, lang), report.summary.count(v))
                   for v in SUMMARY_ORDER)
    return PageView(
        lang=lang, title=nfc(report.ruleset), meta=tuple(meta), partial=partial,
        badges=badges, total=sum(b[3] for b in badges), attention=tuple(attention),
        objectives=tuple(objectives), warnings=tuple(warning_text(w, lang) for w in report.warnings),
        compare=report.compare,
        footer=message(lang, "html.footer", ruleset=nfc(report.ruleset),
                       period=report.period))


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("kpirules.report", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)


def render_html(report: Report, *, lang: str = "vi") -> str:
    """``report`` as one self-contained HTML page (UTF-8 text, NFC, deterministic)."""
    page = _page(report, lang)
    t = messages(lang)

    def msg(key: str, **values: object) -> str:
        return message(lang, key, **values)

    html = _environment().get_template("report.html.j2").render(page=page, t=t, msg=msg)
    return nfc(html)
