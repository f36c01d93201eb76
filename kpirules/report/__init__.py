"""Renderers of a :class:`~kpirules.results.Report`: one per format, same signature.

>>> text = render(report, "md", lang="en")       # doctest: +SKIP

``table`` is for a terminal, ``md`` for a management review, ``json`` is the
contract other programs read, ``html`` a self-contained page with charts to
print, ``junit`` JUnit XML for CI (a test case per result row). Words come from the label catalogue in
``kpirules/report/messages/<lang>.json`` (Vietnamese by default, English).
"""

from __future__ import annotations

import importlib
import json as _json
from dataclasses import dataclass
from typing import Any

from kpirules.report.format import DEFAULT_LANG, languages
from kpirules.results import Report, report_schema

__all__ = ["FORMATS", "RENDERERS", "Renderer", "languages", "render", "schema_json"]


@dataclass(frozen=True, slots=True)
class Renderer:
    """A report format: the function that writes it, imported when first used, and
    which of the options (``lang``, ``width``, ``color``) it takes."""

    name: str
    module: str
    function: str
    options: tuple[str, ...]
    purpose: str


# the report formats: a new one is a renderer module and one entry here
RENDERERS: dict[str, Renderer] = {r.name: r for r in (
    Renderer("table", "kpirules.report.table", "render_table", ("lang", "width", "color"),
             "a terminal"),
    Renderer("json", "kpirules.report.json", "render_json", (), "other programs (the contract)"),
    Renderer("md", "kpirules.report.markdown", "render_markdown", ("lang",),
             "a management review"),
    Renderer("html", "kpirules.report.html", "render_html", ("lang",),
             "a self-contained page with charts, to read and print"),
    Renderer("junit", "kpirules.report.junit", "render_junit", ("lang",), "CI"),
)}
FORMATS = tuple(RENDERERS)


def render(report: Report, format: str = "table", *, lang: str = DEFAULT_LANG,
           width: int | None = None, color: bool = False) -> str:
    """``report`` as text in ``format``; ``width`` and ``color`` apply to ``table`` only."""
    spec = RENDERERS.get(format)
    if spec is None:
        raise ValueError(f"unknown report format {format!r}; expected one of "
                         + ", ".join(FORMATS))
    if lang not in languages():
        raise ValueError(f"unknown report language {lang!r}; expected one of "
                         + ", ".join(languages()))
    given: dict[str, Any] = {"lang": lang, "width": width, "color": color}
    writer = getattr(importlib.import_module(spec.module), spec.function)
    text: str = writer(report, **{k: given[k] for k in spec.options})
    return text


def schema_json() -> str:
    """The published JSON Schema of the report (``docs/report.schema.json``): pretty,
    sorted keys, UTF-8 text, a trailing newline."""
    return _json.dumps(report_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
