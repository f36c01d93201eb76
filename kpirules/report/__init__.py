"""Renderers of a :class:`~kpirules.results.Report`: one per format, same signature.

>>> text = render(report, "md", lang="en")       # doctest: +SKIP

``table`` is for a terminal, ``md`` for a management review, ``json`` is the
contract other programs read, ``html`` a self-contained page with charts to
print, ``junit`` JUnit XML for CI (a test case per result row). Words come from the label catalogue in
``kpirules/report/messages/<lang>.json`` (Vietnamese by default, English).
"""

from __future__ import annotations

import json as _json

from kpirules.report.format import DEFAULT_LANG, languages
from kpirules.report.html import render_html
from kpirules.report.json import render_json
from kpirules.report.junit import render_junit
from kpirules.report.markdown import render_markdown
from kpirules.report.table import render_table
from kpirules.results import Report, report_schema

__all__ = ["FORMATS", "languages", "render", "schema_json"]

FORMATS = ("table", "json", "md", "html", "junit")


def render(report: Report, format: str = "table", *, lang: str = DEFAULT_LANG,
           width: int | None = None, color: bool = False) -> str:
    """``report`` as text in ``format``; ``width`` and ``color`` apply to ``table`` only."""
    if format not in FORMATS:
        raise ValueError(f"unknown report format {format!r}; expected one of "
                         + ", ".join(FORMATS))
    if lang not in languages():
        raise ValueError(f"unknown report language {lang!r}; expected one of "
                         + ", ".join(languages()))
    if format == "json":
        return render_json(report)
    if format == "md":
        return render_markdown(report, lang=lang)
    if format == "html":
        return render_html(report, lang=lang)
    if format == "junit":
        return render_junit(report, lang=lang)
    return render_table(report, lang=lang, width=width, color=color)


def schema_json() -> str:
    """The published JSON Schema of the report (``docs/report.schema.json``): pretty,
    sorted keys, UTF-8 text, a trailing newline."""
    return _json.dumps(report_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
