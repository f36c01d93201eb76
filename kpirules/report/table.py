"""The terminal table: what a quality manager reads at a glance.

A title (ruleset label, unit, period), one line per result row, then a line of
counts per verdict and any data warnings. Every cell is a :class:`rich.text.Text`,
so labels holding ``[…]`` are never taken for rich markup.

Column widths are computed here rather than left to rich: rich shrinks the
widest columns first, which starves the label column; here the numbers keep
their natural width and the label takes what is left, wrapping if it must.
Widths are measured in terminal cells (``rich.cells.cell_len``) on NFC text, so
Vietnamese labels line up.
"""

from __future__ import annotations

import io

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpirules.report.format import (
    NONE,
    banners,
    cells,
    message,
    nfc,
    ordered_rows,
    part_label,
    previous,
    reason,
    silent_units,
    unit_text,
    verdict_word,
    warning_text,
)
from kpirules.results import VERDICT_ORDER, Report, ResultRow

__all__ = ["SUMMARY_ORDER", "VERDICT_STYLES", "render_table"]

VERDICT_STYLES = {"pass": "green", "warn": "yellow", "fail": "bold red", "missing": "magenta",
                  "n/a": "dim"}
SUMMARY_ORDER = ("pass", "warn", "fail", "missing", "n/a")
assert set(SUMMARY_ORDER) == set(VERDICT_ORDER)

# (message key, justify); LABEL, UNIT and TARGET may wrap, the others keep their width
COLUMNS = (("col.objective", "left"), ("col.label", "left"), ("col.unit", "left"),
           ("col.period", "left"), ("col.verdict", "left"), ("col.actual", "right"),
           ("col.target", "right"), ("col.gap", "right"), ("col.delta", "right"))
LABEL, UNIT, VERDICT, ACTUAL, TARGET, GAP, DELTA = 1, 2, 4, 5, 6, 7, 8
UNIT_MAX = 18      # a pooled scope's condition is the first to wrap, down to this
LABEL_ROOMY = 30   # the label is squeezed below this only when nothing else can give
LABEL_MIN = 12
TARGET_UNBROKEN = 12  # a target this short never wraps


def _verdict(verdict: str, lang: str) -> Text:
    return Text(verdict_word(verdict, lang), style=VERDICT_STYLES[verdict])


def _title(report: Report, lang: str) -> Text:
    title = Text(nfc(report.ruleset), style="bold")
    meta = [message(lang, "meta.period", period=report.period)]
    if report.unit:
        meta.insert(0, message(lang, "meta.unit", unit=nfc(report.unit)))
    if report.compare:
        meta.append(message(lang, "html.compare", period=report.compare))
    title.append("\n" + " · ".join(meta), style="not bold")
    for note in banners(report, lang):  # year to date; records covering part of the period
        title.append("\n" + note, style="yellow")
    return title


def _cells(row: ResultRow, report: Report, label: str, lang: str) -> list[Text]:
    c = cells(row, lang)
    text = Text(label)
    if row.verdict in ("n/a", "missing"):
        # nothing to measure: the reason stands in for the numbers, under the label
        # (the one wide column), and the numbers are dashes
        text.append(("\n" if label else "") + "↳ " + (reason(row, lang) or NONE), style="italic")
        actual, gap, delta = NONE, NONE, NONE
    else:
        actual, gap, delta = c.actual, c.gap, c.delta
    note = silent_units(row, lang)
    if note is not None:  # sub-units that gave none of the measure's facts
        text.append(("\n" if len(text) else "") + "↳ " + note, style="italic")
    before = previous(row, lang) if report.compare else None
    if before is not None:  # --compare: the other period's actual under this one
        actual = f"{actual}\n{report.compare}: {before}"
    period = row.period + (f"\n({message(lang, 'html.partial')})" if row.partial else "")
    return [Text(row.objective), text, Text(unit_text(row, report.unit)), Text(period),
            _verdict(row.verdict, lang), Text(actual), Text(c.target), Text(gap), Text(delta)]


def _body(report: Report, lang: str) -> list[list[Text] | None]:
    """The table's rows in reading order; ``None`` marks the start of a new objective."""
    body: list[list[Text] | None] = []
    previous: str | None = None
    for row in ordered_rows(report.results):
        if row.part is not None:
            label = part_label(row.part)
        elif row.objective != previous:
            label = nfc(row.label)
        else:
            label = ""
        if previous is not None and row.objective != previous:
            body.append(None)
        previous = row.objective
        body.append(_cells(row, report, label, lang))
    return body


def _longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def _two_lines(text: str) -> int:
    """The least width at which ``text`` wraps onto at most two lines."""
    words = text.split()
    best = cell_len(text)
    for cut in range(1, len(words)):
        best = min(best, max(cell_len(" ".join(words[:cut])), cell_len(" ".join(words[cut:]))))
    return best


def _unbroken(text: str) -> int:
    """The least width a cell may wrap to: short text (``> 99,90%``, ``≤ 25 min``) stays
    whole, longer text (``từ 85,00% đến 95,00%``) may wrap between words."""
    return max(min(_longest_line(text), TARGET_UNBROKEN), _longest_word(text))


def _widths(headers: list[str], rows: list[list[Text]], total: int) -> list[int]:
    """Content widths (padding excluded) that fit ``total`` cells when they can."""
    n = len(headers)
    content = [max((_longest_line(r[i].plain) for r in rows), default=0) for i in range(n)]
    lowest = [max([_longest_word(headers[i])] + [_longest_word(r[i].plain) for r in rows])
              for i in range(n)]
    lowest[TARGET] = max([lowest[TARGET]] + [_unbroken(r[TARGET].plain) for r in rows])
    widths = [max(content[i], _longest_line(headers[i])) for i in range(n)]
    excess = sum(widths) + 2 * (n - 1) - total  # a divider and a left pad between columns

    def shrink(i: int, floor: int) -> None:
        nonlocal excess
        cut = max(0, min(excess, widths[i] - floor))
        widths[i] -= cut
        excess -= cut

    shrink(UNIT, max(UNIT_MAX, lowest[UNIT]))
    for i in range(n):  # let long headers wrap onto a second line
        if i != LABEL:
            shrink(i, max(content[i], _two_lines(headers[i])))
    shrink(LABEL, max(LABEL_ROOMY, lowest[LABEL]))
    shrink(TARGET, lowest[TARGET])
    shrink(UNIT, lowest[UNIT])
    shrink(LABEL, LABEL_MIN)
    for i in (DELTA, VERDICT, GAP, TARGET, UNIT, ACTUAL):  # narrow: wrap between words
        shrink(i, max([_longest_word(headers[i])] + [_longest_word(r[i].plain) for r in rows]))
    return widths  # still too wide: rich squeezes every column; too narrow to read well


def _table(report: Report, lang: str, total: int) -> Table:
    headers = [message(lang, key) for key, _ in COLUMNS]
    body = _body(report, lang)
    widths = _widths(headers, [r for r in body if r is not None], total)
    table = Table(title=_title(report, lang), title_justify="left", box=box.SIMPLE_HEAD,
                  header_style="bold", show_edge=False, pad_edge=False, padding=(0, 0, 0, 1))
    for header, (_, justify), width in zip(headers, COLUMNS, widths):
        table.add_column(header, justify=justify, width=width, overflow="fold")  # type: ignore[arg-type]
    for cells_ in body:
        if cells_ is None:
            table.add_section()
        else:
            table.add_row(*cells_)
    return table


def _summary(report: Report, lang: str) -> Text:
    counts = Text(" · ").join(Text.assemble(f"{report.summary.count(v)} ", _verdict(v, lang))
                              for v in SUMMARY_ORDER)
    total = sum(report.summary.count(v) for v in SUMMARY_ORDER)
    head, _, tail = message(lang, "summary.line", total=total, counts="\0").partition("\0")
    return Text.assemble(head, counts, tail)


def render_table(report: Report, *, lang: str = "vi", width: int | None = None,
                 color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 120,
                      color_system="standard" if color else None, force_terminal=color,
                      legacy_windows=False, highlight=False, emoji=False)
    console.print(_table(report, lang, console.width))
    console.print(_summary(report, lang))
    if report.warnings:
        console.print(Text(message(lang, "heading.warnings") + ":", style="bold"))
        for warning in report.warnings:
            console.print(Text("  • " + warning_text(warning, lang)))
    return buffer.getvalue()
