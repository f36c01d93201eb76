"""Number formatting and the label catalogue shared by the human report formats.

Result rows carry exact values as strings (``"999/1000"``, ``"0.98"``, ``"-3/200"``).
They are parsed with :class:`fractions.Fraction` and rounded here for display
only — half-even, with integer arithmetic, never through ``float``, and never
fed back into a verdict.

Display rules (English / Vietnamese separators come from the catalogue):

* ratio    — a percentage with 2 decimals: ``98.00%`` / ``98,00%``; its gap in
  percentage points with a sign: ``−0.62 pp`` / ``−0,62 điểm %``;
* count    — an integer with thousands separators: ``20,000`` / ``20.000``;
* quantity — up to 2 decimals and the unit: ``24.5 min`` / ``24,5 min``;
* number   — up to 2 decimals;
* ``None`` — ``—``.

Two choices go beyond the bare rule, so that rounding never makes a row look
as if it contradicted its verdict:

* when the actual value and a bound of the target differ but would print the
  same at 2 decimals, the actual value, the target and the gap get more
  decimals (up to :data:`MAX_PLACES`) until they print differently — a failing
  ``99.899%`` is never shown as ``99.90%`` against ``> 99.90%``; a threshold
  that needs more decimals to be exact (``99.995%``) is printed exactly;
* a gap keeps the sign of the exact value, so a gap too small to show is
  ``−0.0000 pp``, not ``0.00 pp``.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from types import SimpleNamespace
from typing import Any

from kpirules.comparators import COMPARATORS

__all__ = [
    "DEFAULT_LANG",
    "MINUS",
    "NONE",
    "Cells",
    "banners",
    "cells",
    "silent_units",
    "decimal",
    "delta",
    "languages",
    "message",
    "messages",
    "nfc",
    "round_half_even",
    "to_fraction",
    "verdict_word",
    "warning_text",
]

NONE = "—"
MINUS = "\u2212"  # a true minus sign, not a hyphen
DEFAULT_LANG = "vi"
BASE_PLACES = 2
MAX_PLACES = 4



# --- the catalogue -------------------------------------------------------------------------

def _messages_dir() -> Any:
    return resources.files("kpirules.report").joinpath("messages")


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages the catalogue has, e.g. ``("en", "vi")``."""
    return tuple(sorted(p.name[:-5] for p in _messages_dir().iterdir()
                        if p.name.endswith(".json")))


@functools.cache
def messages(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Every word kpirules writes in ``lang``, keyed by message id (NFC text)."""
    if lang not in languages():
        raise ValueError(f"unknown report language {lang!r}; expected one of "
                         + ", ".join(languages()))
    text = _messages_dir().joinpath(f"{lang}.json").read_text(encoding="utf-8")
    raw: dict[str, str] = json.loads(text)
    return {k: unicodedata.normalize("NFC", v) for k, v in raw.items()}


def message(lang: str, key: str, **values: object) -> str:
    template = messages(lang)[key]
    return template.format(**values) if values else template


def reason(row: Any, lang: str = DEFAULT_LANG) -> str | None:
    """Why a row is missing or n/a, in ``lang``: from the row's reason codes when it has
    them (the evaluator's), else its ``reason`` text as is."""
    codes = getattr(row, "reasons", None)
    if not codes:
        text = getattr(row, "reason", None)
        return nfc(text) if text else None
    parts = []
    for r in codes:
        args = {k: v for k, v in r.items() if k != "code"}
        as_of = args.get("as_of")
        through = message(lang, "reason.through", as_of=as_of) if as_of else ""
        try:
            parts.append(message(lang, f"reason.{r['code']}", through=through, **args))
        except KeyError:  # a code this catalogue does not know: the evaluator's English
            return nfc(row.reason) if getattr(row, "reason", None) else None
    text = "; ".join(parts)
    more = getattr(row, "reasons_more", 0)
    if more:
        text += message(lang, "reason.more", count=more)
    return nfc(text)


def silent_units(row: Any, lang: str = DEFAULT_LANG) -> str | None:
    """Which sub-units a pooled row left out because they give none of its measure's facts:
    ``2/3 đơn vị có báo cáo; không báo cáo: Phường 3``; None when every unit reported."""
    silent = getattr(row, "silent", None)
    if not silent:
        return None
    reporting = getattr(row, "reporting", None) or 0
    names = ", ".join(nfc(u.get("name") or u["unit"]) for u in silent)
    return message(lang, "pool.silent", reporting=reporting, total=reporting + len(silent),
                   silent=names)


def warning_text(warning: str, lang: str = DEFAULT_LANG) -> str:
    """A data warning in ``lang``. English is the warning's own text, made where it was
    found (the catalogue's English words for the code say the same, for reference);
    another language fills the warning's values into the catalogue's words for its code
    (``warning.W202``), or keeps the English text for a code it does not word."""
    code = getattr(warning, "code", None)
    params = getattr(warning, "params", None)
    key = f"warning.{code}"
    if lang == "en" or code is None or params is None or key not in messages(lang):
        return nfc(str(warning))
    row = getattr(warning, "row", None)
    where = warning.path if row is None else f"{warning.path}:{row}"  # type: ignore[attr-defined]
    return nfc(f"{where}: {message(lang, 'warning.label')}[{code}]: "
               f"{message(lang, key, **params)}")


def verdict_word(verdict: str, lang: str) -> str:
    return message(lang, f"verdict.{verdict}")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- exact numbers to text -----------------------------------------------------------------

def to_fraction(value: str | int | Fraction | None) -> Fraction | None:
    """``"999/1000"``, ``"0.98"``, ``"-3/200"``, ``25`` → Fraction; ``None`` stays ``None``."""
    if value is None:
        return None
    return Fraction(value)


def round_half_even(value: Fraction, places: int) -> int:
    """``value`` × 10^places rounded half-to-even, as an integer (no float involved)."""
    scaled = value * 10**places
    q, r = divmod(scaled.numerator, scaled.denominator)  # floor division: 0 <= r < den
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q % 2 == 1):
        q += 1
    return q


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def decimal(value: Fraction, places: int, lang: str, *, trim: bool = False,
            signed: bool = False) -> str:
    """``value`` with ``places`` decimals, grouped thousands and the language's separators.

    ``trim`` drops trailing zeros (``24.5`` rather than ``24.50``); ``signed`` writes
    ``+`` before a positive value; a negative value always gets a true minus sign,
    even when it rounds to zero.
    """
    msgs = messages(lang)
    scaled = round_half_even(value, places)
    digits = str(abs(scaled)).rjust(places + 1, "0")
    whole, frac = (digits[:-places], digits[-places:]) if places else (digits, "")
    if trim:
        frac = frac.rstrip("0")
    text = _group(whole, msgs["number.thousands"])
    if frac:
        text += msgs["number.decimal"] + frac
    if value < 0:
        return MINUS + text
    if signed and value > 0:
        return "+" + text
    return text


def _exact_places(value: Fraction) -> int | None:
    """Decimals needed to write ``value`` exactly, or None when it does not terminate."""
    for places in range(MAX_PLACES + 1):
        if (value * 10**places).denominator == 1:
            return places
    return None


def _places(actual: Fraction | None, bounds: list[Fraction], base: int) -> int:
    """Decimals to show: ``base``, more when a bound needs them or when rounding would
    make ``actual`` print like a bound it differs from (capped at MAX_PLACES)."""
    places = base
    for bound in bounds:
        needed = _exact_places(bound)
        places = max(places, MAX_PLACES if needed is None else needed)
    places = min(places, MAX_PLACES)
    places = max(places, base)
    if actual is None:
        return places
    while places < MAX_PLACES and any(
            actual != b and round_half_even(actual, places) == round_half_even(b, places)
            for b in bounds):
        places += 1
    return places


def _gap_places(gap: Fraction, places: int) -> int:
    while gap and places < MAX_PLACES and round_half_even(gap, places) == 0:
        places += 1
    return places


# --- one result row as display text --------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cells:
    """The display text of a row's numbers: actual, target, gap and needed/budget."""

    actual: str
    target: str
    gap: str
    delta: str


@dataclass(frozen=True, slots=True)
class _Style:
    scale: int  # 100 for ratios (printed as percentages), else 1
    base: int   # minimum decimals
    trim: bool  # drop trailing zeros
    suffix: str  # after a value ("%", " min", "")
    gap_suffix: str  # after a gap (" pp", " min", "")


def _style(kind: str, uom: str, values: list[Fraction], lang: str) -> _Style:
    if kind == "ratio":
        return _Style(100, BASE_PLACES, False, "%", " " + message(lang, "unit.pp"))
    if kind == "count":  # items need no unit ("20,000", not "20,000 dossier")
        places = 0 if all(v.denominator == 1 for v in values) else BASE_PLACES
        return _Style(1, places, True, "", "")
    tail = f" {uom}" if uom else ""
    return _Style(1, BASE_PLACES, True, tail, tail)


def cells(row: Any, lang: str = DEFAULT_LANG) -> Cells:
    """Format ``row`` (a :class:`~kpirules.results.ResultRow`) for a human reader."""
    kind = getattr(row, "kind", "number") or "number"
    uom = getattr(row, "uom", "") or ""
    actual = to_fraction(row.actual)
    threshold = to_fraction(row.threshold)
    upper = to_fraction(getattr(row, "upper", None))
    gap = to_fraction(row.gap)
    present = [v for v in (actual, threshold, upper, gap) if v is not None]
    style = _style(kind, uom, present, lang)

    def scaled(v: Fraction | None) -> Fraction | None:
        return None if v is None else v * style.scale

    bounds = [b for b in (scaled(threshold), scaled(upper)) if b is not None]
    places = _places(scaled(actual), bounds, style.base)

    def show(v: Fraction | None) -> str:
        if v is None:
            return NONE
        return decimal(v, places, lang, trim=style.trim) + style.suffix

    sa, st, su = scaled(actual), scaled(threshold), scaled(upper)
    actual_text = show(sa)
    if row.comparator in ("all", "any") and threshold is None:
        target = message(lang, f"target.{row.comparator}")  # a compound's combined row
    elif row.comparator == "between":
        target = message(lang, "between", low=show(st), high=show(su))
    else:
        spec = COMPARATORS.get(row.comparator)
        target = f"{spec.symbol if spec is not None else row.comparator} {show(st)}"
    sg = scaled(gap)
    if sg is None:
        gap_text = NONE
    else:
        gap_text = decimal(sg, _gap_places(sg, places), lang, trim=style.trim,
                           signed=True) + style.gap_suffix
    return Cells(actual_text, target, gap_text, delta(row, lang))


def previous(row: Any, lang: str = DEFAULT_LANG) -> str | None:
    """``--compare``: the compared period's actual and the change, ``97,90% (+0,60 điểm %)``;
    None when the row has no previous value."""
    prev = getattr(row, "previous", None)
    if prev is None:
        return None
    shown = cells(SimpleNamespace(kind=row.kind, uom=row.uom, actual=prev,
                                  threshold=row.threshold, upper=getattr(row, "upper", None),
                                  gap=getattr(row, "change", None), comparator=row.comparator,
                                  needed=None, budget=None), lang)
    return shown.actual if shown.gap == NONE else f"{shown.actual} ({shown.gap})"


def delta(row: Any, lang: str = DEFAULT_LANG) -> str:
    """``cần thêm 3`` / ``needs 3 more`` when failing, ``còn dư 12`` / ``budget 12`` else."""
    if row.needed is not None:
        return message(lang, "needed", n=decimal(Fraction(row.needed), 0, lang))
    if row.budget is not None:
        return message(lang, "budget", n=decimal(Fraction(row.budget), 0, lang))
    return NONE


# --- rows in reading order -----------------------------------------------------------------

def ordered_rows(results: list[Any]) -> list[Any]:
    """Rows grouped by (objective, unit, scope, period) in order of first appearance, a
    compound objective's combined row (``part`` None) before its parts."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in results:
        key = (row.objective, row.unit, getattr(row, "scope", None), row.period)
        groups.setdefault(key, []).append(row)
    out: list[Any] = []
    for rows in groups.values():
        out.extend(sorted(rows, key=lambda r: r.part is not None))  # stable
    return out


def unit_text(row: Any, default: str | None) -> str:
    """The row's unit, else its pooled scope (``units where …``), else the ruleset's unit."""
    return nfc(row.unit or getattr(row, "scope", None) or default or NONE)


def part_label(part: str) -> str:
    return f"  └ {nfc(part)}"


def banners(report: Any, lang: str) -> list[str]:
    """The notes a human report shows under its title: year to date (``--as-of``), and
    each records source that covers the period only in part."""
    out = []
    if report.as_of:
        out.append(message(lang, "html.partial_banner", month=report.as_of,
                           period=report.period))
    for c in getattr(report, "coverage", None) or ():
        if not c.partial:
            continue
        if c.first is None:
            out.append(message(lang, "coverage.none", source=c.source, period=report.period))
        else:
            out.append(message(lang, "coverage.banner", source=c.source, first=c.first,
                               last=c.last, period=report.period))
    return out
