"""Markdown for a management review.

A heading (ruleset, unit, period), a table of counts per verdict, a table of the
objectives' verdicts, then for each objective its heading, its verdict and a
table of its result rows; rows that are n/a or missing say why in a note column.
"""

from __future__ import annotations

from kpirules.report.format import (
    NONE,
    banners,
    cells,
    message,
    nfc,
    ordered_rows,
    previous,
    reason,
    silent_units,
    unit_text,
    verdict_word,
    warning_text,
)
from kpirules.report.table import SUMMARY_ORDER
from kpirules.results import Report, ResultRow

__all__ = ["escape", "render_markdown"]


def escape(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, ``|`` escaped."""
    text = nfc(text).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())


def _table(header: list[str], align: str, rows: list[list[str]]) -> list[str]:
    """A pipe table; ``align`` has one letter per column, ``l`` or ``r``."""
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def _verdict(verdict: str, lang: str) -> str:
    word = verdict_word(verdict, lang)
    return f"**{word}**" if verdict in ("fail", "missing") else word


def _heading(report: Report, lang: str) -> list[str]:
    meta = [message(lang, "meta.period", period=report.period)]
    if report.unit:
        meta.insert(0, message(lang, "meta.unit", unit=report.unit))
    if report.compare:
        meta.append(message(lang, "html.compare", period=report.compare))
    out = [f"# {escape(report.ruleset)}", "", escape(" · ".join(meta)), ""]
    for note in banners(report, lang):  # year to date; records covering part of the period
        out += ["> " + escape(note), ""]
    return out


def _summary(report: Report, lang: str) -> list[str]:
    rows = [[verdict_word(v, lang), str(report.summary.count(v))] for v in SUMMARY_ORDER]
    total = sum(report.summary.count(v) for v in SUMMARY_ORDER)
    rows.append([f"**{message(lang, 'summary.total')}**", f"**{total}**"])
    header = [message(lang, "col.verdict"), message(lang, "col.count")]
    return [f"## {message(lang, 'heading.summary')}", "", *_table(header, "lr", rows), ""]


def _objectives(report: Report, lang: str) -> list[str]:
    with_owner = any(o.owner for o in report.objectives)
    keys = ["col.objective", "col.label"] + (["col.owner"] if with_owner else []) + [
        "col.verdict"]
    rows = []
    for o in report.objectives:
        owner = [escape(o.owner or "")] if with_owner else []
        rows.append([escape(o.id), escape(o.label), *owner, _verdict(o.verdict, lang)])
    header = [message(lang, k) for k in keys]
    return [f"## {message(lang, 'heading.objectives')}", "",
            *_table(header, "l" * len(keys), rows), ""]


def _rows_table(rows: list[ResultRow], report: Report, lang: str) -> list[str]:
    with_part = any(r.part is not None for r in rows)
    with_note = any(r.verdict in ("n/a", "missing") or r.silent for r in rows)
    with_previous = bool(report.compare)
    keys = (["col.part"] if with_part else []) + [
        "col.unit", "col.period", "col.actual"] + (["html.vs"] if with_previous else []) + [
        "col.target", "col.gap", "col.delta", "col.verdict"] + (
        ["col.note"] if with_note else [])
    align = (("l" if with_part else "") + "llr" + ("r" if with_previous else "") + "rrrl"
             + ("l" if with_note else ""))
    body = []
    for r in rows:
        c = cells(r, lang)
        cols = [escape(r.part) if r.part is not None else message(lang, "part.combined")]
        cols = cols if with_part else []
        period = r.period + (f" ({message(lang, 'html.partial')})" if r.partial else "")
        cols += [escape(unit_text(r, report.unit)), escape(period), escape(c.actual)]
        if with_previous:
            cols.append(escape(previous(r, lang) or NONE))
        cols += [escape(c.target), escape(c.gap), escape(c.delta), _verdict(r.verdict, lang)]
        if with_note:
            unmeasured = r.verdict in ("n/a", "missing")
            cols.append(escape(reason(r, lang) or NONE) if unmeasured
                        else escape(silent_units(r, lang) or ""))
        body.append(cols)
    header = [message(lang, k, period=report.compare) if k == "html.vs" else message(lang, k)
              for k in keys]
    return _table(header, align, body)


def _details(report: Report, lang: str) -> list[str]:
    by_objective: dict[str, list[ResultRow]] = {}
    for row in ordered_rows(report.results):
        by_objective.setdefault(row.objective, []).append(row)
    lines = [f"## {message(lang, 'heading.details')}", ""]
    labels = {o.id: o for o in report.objectives}
    for objective, rows in by_objective.items():
        ov = labels.get(objective)
        label = ov.label if ov else next((r.label for r in rows if r.label), "")
        lines += [f"### {escape(objective)} — {escape(label)}" if label
                  else f"### {escape(objective)}", ""]
        if ov:
            lines += [message(lang, "verdict.line", verdict=_verdict(ov.verdict, lang)), ""]
        lines += [*_rows_table(rows, report, lang), ""]
    return lines


def render_markdown(report: Report, *, lang: str = "vi") -> str:
    lines = _heading(report, lang) + _summary(report, lang) + _objectives(report, lang)
    lines += _details(report, lang)
    if report.warnings:
        lines += [f"## {message(lang, 'heading.warnings')}", ""]
        lines += [f"- {escape(warning_text(w, lang))}" for w in report.warnings] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"
