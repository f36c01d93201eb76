"""``kpirules doc``: the quality-objectives plan, printed from the ruleset itself.

The seeds' plans ("Mục tiêu và kế hoạch thực hiện mục tiêu chất lượng") are one table::

    STT | Mục tiêu chất lượng | Đo lường kết quả | Biện pháp thực hiện | Trách nhiệm |
    Thời gian hoàn thành | Nguồn lực cần thiết

This module lays a ruleset out the same way, so the document filed under ISO 9001 §6.2
and the targets that ``kpirules check`` evaluates come from one text and cannot drift
apart::

    >>> import kpirules
    >>> from kpirules.document import render_document
    >>> md = render_document(kpirules.load("rulesets/ha-long-2022.kpi"), "md")  # doctest: +SKIP

Column mapping (the descriptive fields of an objective):

* **STT** — the objective's number in the plan, and its id (``Q3.1``) underneath;
* **Mục tiêu chất lượng** — the label, then the target as one line printed from the
  AST (``Chỉ tiêu: on_time / resolved > 98%``; the parts of an ``all``/``any``), the
  ``warn`` condition, the scope (``Từng đơn vị: level thuộc ("phuong", "xa")``) and the
  ``note``;
* **Đo lường kết quả** — ``method``, and the cadence (``every quarter`` → "Hàng quý");
* **Biện pháp thực hiện** — ``actions`` (bulleted when there are several);
* **Trách nhiệm** — ``owner`` ("Chủ trì") and ``support`` ("Phối hợp");
* **Thời gian hoàn thành** — ``due``: ``ongoing`` → "Thường xuyên", ``2022`` →
  "Cả năm 2022", ``2022-Q1`` → "Quý I/2022", ``2022-12`` → "Tháng 12/2022",
  ``2022-12-31`` → "31/12/2022", a quoted text as written;
* **Nguồn lực cần thiết** — ``resources``.

Formats: ``md`` (a Markdown table), ``html`` (one self-contained page, printable on A4
landscape) and ``docx`` (python-docx, the optional dependency ``kpirules[docx]``; returned
as bytes, byte-identical from one run to the next). Every word kpirules writes comes from
``kpirules/templates_doc/messages.<lang>.json``; labels and fields stay as the ruleset
writes them (NFC-normalised).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from . import ast
from .errors import FactsError, KpiError, RulesetError
from .periods import Period, PeriodSyntaxError, parse_period

__all__ = [
    "FORMATS",
    "LANGS",
    "Document",
    "Line",
    "Row",
    "add_parser",
    "build_document",
    "condition_text",
    "due_text",
    "main",
    "measure_text",
    "render_document",
    "target_text",
]

FORMATS = ("md", "html", "docx")
LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
COLUMNS = ("stt", "objective", "method", "actions", "responsibility", "due", "resources")

EXIT_OK, EXIT_INVALID = 0, 2

_TEMPLATES = "templates_doc"
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_CMP = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "==": "=", "!=": "≠"}
_OPS = {"+": "+", "-": "−", "*": "×", "/": "/"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
_NUMBER = re.compile(r"^(\d+)(?:\.(\d+))?(.*)$", re.DOTALL)


# ------------------------------------------------------------------ the catalogue
@functools.cache
def messages(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Every word the document writes in ``lang`` (NFC)."""
    if lang not in LANGS:
        raise ValueError(f"unknown document language {lang!r}; expected one of "
                         + ", ".join(LANGS))
    path = resources.files("kpirules").joinpath(_TEMPLATES, f"messages.{lang}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: unicodedata.normalize("NFC", v) for k, v in data.items()}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ------------------------------------------------------------------ text of the AST
def _number(n: ast.Number, msg: dict[str, str]) -> str:
    """A literal as written (``99.9%``, ``25 min``) with the language's decimal mark."""
    m = _NUMBER.match(n.text.strip())
    if m is None:  # pragma: no cover - the parser only makes numbers of this shape
        return n.text
    whole, frac, rest = m.groups()
    text = whole + (msg["number.decimal"] + frac if frac else "")
    rest = rest.strip()
    if not rest:
        return text
    return text + rest if rest == "%" else f"{text} {rest}"


def measure_text(m: ast.Measure, lang: str = DEFAULT_LANG, _outer: int = 0) -> str:
    """A measure as a short readable expression: ``on_time / resolved``,
    ``docs_online / (docs_out − docs_secret)``, ``min(a, b)``."""
    msg = messages(lang)
    if isinstance(m, ast.FactRef):
        return m.name
    if isinstance(m, ast.Number):
        return _number(m, msg)
    if isinstance(m, ast.Neg):
        return "−" + measure_text(m.operand, lang, 3)
    if isinstance(m, ast.Call):
        return f"{m.func.value}({', '.join(measure_text(a, lang) for a in m.args)})"
    if isinstance(m, ast.BinOp):
        p = _PREC[m.op]
        text = (f"{measure_text(m.left, lang, p)} {_OPS[m.op]} "
                f"{measure_text(m.right, lang, p + 1)}")
        return f"({text})" if p < _outer else text
    raise TypeError(f"not a measure: {m!r}")  # pragma: no cover


def comparison_text(c: ast.Comparison, lang: str = DEFAULT_LANG) -> str:
    """``> 98%``, ``≤ 25 min``, ``từ 10% đến 15%``."""
    msg = messages(lang)
    if c.op == "between":
        assert c.upper is not None
        return msg["between"].format(low=_number(c.threshold, msg),
                                     high=_number(c.upper, msg))
    return f"{_CMP.get(c.op, c.op)} {_number(c.threshold, msg)}"


def target_text(measure: ast.Measure, target: ast.Comparison, lang: str = DEFAULT_LANG) -> str:
    """``on_time / resolved > 98%``."""
    return f"{measure_text(measure, lang)} {comparison_text(target, lang)}"


def _value_text(v: ast.Value, msg: dict[str, str]) -> str:
    if isinstance(v, ast.Number):
        return _number(v, msg)
    if isinstance(v, ast.Ref):
        return v.name
    if v.kind == "string":
        return '"' + v.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return v.value


_COND_PREC = {"or": 1, "and": 2}


def condition_text(c: ast.Condition, lang: str = DEFAULT_LANG, _outer: int = 0) -> str:
    """A scope (or records) condition with the language's words:
    ``level thuộc ("phuong", "xa")``, ``kind = "tthc" và level = "phong"``."""
    msg = messages(lang)
    if isinstance(c, ast.Compare):
        return f"{c.left.value} {_CMP.get(c.op, c.op)} {_value_text(c.right, msg)}"
    if isinstance(c, ast.InList):
        values = ", ".join(_value_text(v, msg) for v in c.values)
        return f"{c.left.value} {msg['cond.in']} ({values})"
    if isinstance(c, ast.IsNull):
        return f"{c.left.value} {msg['cond.is_not_null' if c.negated else 'cond.is_null']}"
    if isinstance(c, ast.Not):
        return f"{msg['cond.not']} {condition_text(c.operand, lang, 3)}"
    if isinstance(c, ast.BoolOp):
        p = _COND_PREC[c.op]
        text = (f"{condition_text(c.left, lang, p)} {msg['cond.' + c.op]} "
                f"{condition_text(c.right, lang, p + 1)}")
        return f"({text})" if p < _outer else text
    raise TypeError(f"not a condition: {c!r}")  # pragma: no cover


def scope_text(s: ast.Scope, lang: str = DEFAULT_LANG) -> tuple[str, str]:
    """(lead, text): ``("Đơn vị", "tthcc")``, ``("Từng đơn vị", 'level = "xa"')``."""
    msg = messages(lang)
    if s.kind == "unit":
        return msg["scope.unit"], s.unit.value if s.unit else ""
    where = condition_text(s.where, lang) if s.where is not None else ""
    return msg["scope.each" if s.kind == "each" else "scope.pooled"], where


def period_text(p: Period, lang: str = DEFAULT_LANG, *, due: bool = False) -> str:
    """``Năm 2022`` (``Cả năm 2022`` as a due time), ``Quý I/2022``, ``Tháng 12/2022``."""
    msg = messages(lang)
    if p.grain == "year":
        return msg["due.year" if due else "year"].format(year=p.year)
    if p.grain == "quarter":
        return msg["quarter"].format(roman=_ROMAN[p.index], quarter=p.index, year=p.year)
    return msg["month"].format(month=p.index, month_name=_month_name(p.index, msg),
                               year=p.year)


def _month_name(month: int, msg: dict[str, str]) -> str:
    names = msg.get("months", "").split()
    return names[month - 1] if len(names) == 12 else f"{month:02d}"


def date_text(d: date, lang: str = DEFAULT_LANG) -> str:
    """``31/12/2022`` (vi), ``31 December 2022`` (en)."""
    msg = messages(lang)
    return msg["date"].format(day=d.day, month=d.month, year=d.year,
                              month_name=_month_name(d.month, msg))


def due_text(due: ast.Due, lang: str = DEFAULT_LANG) -> str:
    """The "Thời gian hoàn thành" cell of a ``due`` field."""
    if due.kind == "ongoing":
        return messages(lang)["due.ongoing"]
    if due.kind == "period":
        try:
            return period_text(parse_period(due.value), lang, due=True)
        except PeriodSyntaxError:  # pragma: no cover - the checker rejects these
            return due.value
    if due.kind == "date":
        try:
            return date_text(date.fromisoformat(due.value), lang)
        except ValueError:  # pragma: no cover - the checker rejects these
            return due.value
    return _nfc(due.value)


# ------------------------------------------------------------------ the document as data
@dataclass(frozen=True, slots=True)
class Line:
    """One paragraph of a cell. ``style``: ``label`` (the objective's label, bold),
    ``text``, ``bullet`` (an item of a bulleted list), ``note`` (italic), ``id`` (small);
    ``lead`` is a bold lead-in written before the text (``Chỉ tiêu:``)."""

    text: str
    style: str = "text"
    lead: str = ""


Cell = tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    id: str
    cells: tuple[Cell, ...]  # one per COLUMNS


@dataclass(frozen=True, slots=True)
class Document:
    lang: str
    title: str
    meta: tuple[tuple[str, str], ...]  # (lead, text): unit, period, owner
    headings: tuple[str, ...]
    rows: tuple[Row, ...]
    footer: str
    widths: tuple[float, ...]  # of the columns, in mm, summing to TEXT_WIDTH_MM
    year: int | None  # of the plan's period: the docx's fixed creation date
    first_month: int


def _items(values: Sequence[str]) -> list[Line]:
    """One paragraph for one value; a bulleted list for several."""
    values = [_nfc(v) for v in values]
    if len(values) == 1:
        return [Line(values[0])]
    return [Line(v, "bullet") for v in values]


def _led(lead: str, values: Sequence[str]) -> list[Line]:
    """``Chủ trì: A`` for one value; ``Chủ trì:`` then a bulleted list for several."""
    values = [_nfc(v) for v in values]
    if not values:
        return []
    if len(values) == 1:
        return [Line(values[0], lead=lead + ":")]
    return [Line("", lead=lead + ":")] + [Line(v, "bullet") for v in values]


def _objective_cells(o: ast.Objective, lang: str) -> tuple[Cell, ...]:
    """The cells after STT: objective, method, actions, responsibility, due, resources."""
    msg = messages(lang)
    head = [Line(_nfc(o.label), "label")]
    if o.parts:
        lead = msg["target.any" if o.combine == "any" else "target.all"] + ":"
        head.append(Line("", lead=lead))
        head += [Line(f"{p.name.value}: {target_text(p.measure, p.target, lang)}", "bullet")
                 for p in o.parts]
    elif o.measure is not None and o.target is not None:
        head.append(Line(target_text(o.measure, o.target, lang), lead=msg["target"] + ":"))
    if o.warn is not None:
        head.append(Line(comparison_text(o.warn, lang), lead=msg["warn"] + ":"))
    if o.scope is not None:
        lead, text = scope_text(o.scope, lang)
        head.append(Line(text, lead=lead + ":"))
    head += [Line(_nfc(n), "note", lead=msg["note"] + ":") for n in o.note]

    method = _items(o.method)
    if o.every is not None:
        word = msg.get("cadence." + o.every.value, o.every.value)
        method.append(Line(word, lead=msg["cadence"] + ":"))

    responsibility = _led(msg["owner"], o.owner) + _led(msg["support"], o.support)
    due = [Line(due_text(o.due, lang))] if o.due is not None else []
    return (tuple(head), tuple(method), tuple(_items(o.actions)),
            tuple(responsibility), tuple(due), tuple(_items(o.resources)))


def _node(ruleset: Any) -> ast.Ruleset:
    if isinstance(ruleset, ast.Ruleset):
        return ruleset
    node = getattr(ruleset, "ast", None)
    if isinstance(node, ast.Ruleset):
        return node
    raise TypeError("render_document() takes a kpirules.Ruleset (kpirules.load(path)) "
                    f"or its ast.Ruleset, not {type(ruleset).__name__}")


def build_document(ruleset: Any, *, lang: str = DEFAULT_LANG) -> Document:
    """The plan as data (title, header lines, one row per objective), before layout."""
    msg = messages(lang)
    node = _node(ruleset)
    meta: list[tuple[str, str]] = []
    if node.unit is not None:
        meta.append((msg["meta.unit"], node.unit.value))
    period: Period | None = None
    if node.period is not None:
        try:
            period = parse_period(node.period.value)
        except PeriodSyntaxError:  # pragma: no cover - the checker rejects these
            period = None
        meta.append((msg["meta.period"],
                     period_text(period, lang) if period else node.period.value))
    if node.owner:
        meta.append((msg["meta.owner"], "; ".join(_nfc(o) for o in node.owner)))
    rows = []
    for i, o in enumerate(node.objectives, start=1):
        rows.append(Row(i, o.id.value, (_stt_cell(i, o.id.value),) + _objective_cells(o, lang)))
    name = Path(node.source.name).name
    return Document(
        lang=lang, title=_nfc(node.label), meta=tuple(meta),
        headings=tuple(msg["col." + c] for c in COLUMNS), rows=tuple(rows),
        footer=msg["footer"].format(file=name),
        widths=column_widths(rows),
        year=period.year if period else None,
        first_month=period.months()[0].index if period else 1)


# A4 landscape with 15 mm side margins leaves 267 mm of text. A column's share follows
# how much it usually holds; a column no objective fills (many plans have no resources)
# is kept narrow and its room goes to the others.
TEXT_WIDTH_MM = 267.0
_WEIGHTS_MM = (12, 58, 36, 56, 42, 22, 41)
_EMPTY_MM = 20.0


def column_widths(rows: Sequence[Row]) -> tuple[float, ...]:
    """Widths of the table's columns in mm (summing to :data:`TEXT_WIDTH_MM`)."""
    empty = [i > 0 and all(not r.cells[i] for r in rows) for i in range(len(COLUMNS))]
    fixed = sum(_EMPTY_MM for e in empty if e)
    weight = sum(w for w, e in zip(_WEIGHTS_MM, empty) if not e)
    room = TEXT_WIDTH_MM - fixed
    return tuple(_EMPTY_MM if e else round(w * room / weight, 1)
                 for w, e in zip(_WEIGHTS_MM, empty))


def _stt_cell(number: int, oid: str) -> Cell:
    return (Line(str(number)), Line(oid, "id"))


def _blocks(cell: Cell) -> list[tuple[str, Any]]:
    """Consecutive bullets grouped: ``[("p", Line), ("ul", [Line, …]), …]``."""
    out: list[tuple[str, Any]] = []
    for line in cell:
        if line.style == "bullet":
            if out and out[-1][0] == "ul":
                out[-1][1].append(line)
            else:
                out.append(("ul", [line]))
        else:
            out.append(("p", line))
    return out


# ------------------------------------------------------------------ Markdown
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def _md(text: str) -> str:
    """Escape a text for a Markdown table cell: ``|``, emphasis stars, what could start
    an HTML tag; newlines become ``<br>``."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
    text = _MD_TAG.sub("&lt;", text)
    return "<br>".join(part.strip() for part in text.splitlines()) if text else ""


def _md_line(line: Line) -> str:
    text = _md(line.text)
    if line.style == "label":
        text = f"**{text}**"
    elif line.style == "bullet":
        text = "• " + text
    if line.lead:
        text = f"**{_md(line.lead)}** {text}".rstrip()
    return text


def _render_md(doc: Document) -> str:
    out = [f"# {_md(doc.title)}", ""]
    for lead, text in doc.meta:
        out.append(f"- **{_md(lead)}:** {_md(text)}")
    if doc.meta:
        out.append("")
    out.append("| " + " | ".join(_md(h) for h in doc.headings) + " |")
    out.append("|" + "|".join(["---:"] + ["---"] * (len(doc.headings) - 1)) + "|")
    for row in doc.rows:
        cells = []
        for cell in row.cells:
            cells.append("<br>".join(_md_line(line) for line in cell))
        out.append("| " + " | ".join(cells) + " |")
    out += ["", f"_{_md(doc.footer)}_", ""]
    return "\n".join(out)


# ------------------------------------------------------------------ HTML
@functools.cache
def _jinja() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("kpirules", _TEMPLATES),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _render_html(doc: Document) -> str:
    template = _jinja().get_template("document.html.j2")
    rows = [{"number": r.number, "id": r.id, "cells": [_blocks(c) for c in r.cells]}
            for r in doc.rows]
    return template.render(doc=doc, rows=rows, columns=COLUMNS,
                           total_width=sum(doc.widths))


# ------------------------------------------------------------------ docx
FONT = "Times New Roman"


def _render_docx(doc: Document) -> bytes:
    try:
        import docx  # noqa: F401
    except ImportError:
        raise KpiError("the docx format needs python-docx: pip install 'kpirules[docx]'") \
            from None
    from docx import Document as NewDocx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    d = NewDocx()
    lang_tag = "vi-VN" if doc.lang == "vi" else "en-GB"
    _fonts(d, lang_tag)

    section = d.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin = section.bottom_margin = Mm(15)
    section.header_distance = section.footer_distance = Mm(8)

    title = d.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    run = title.add_run(doc.title)
    run.bold = True
    run.font.size = Pt(14)
    for lead, text in doc.meta:
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        r = p.add_run(lead + ": ")
        r.bold = True
        p.add_run(text)
    d.add_paragraph().paragraph_format.space_after = Pt(0)

    table = d.add_table(rows=1, cols=len(doc.headings))
    table.style = d.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, w in enumerate(doc.widths):
        table.columns[i].width = Mm(w)

    header = table.rows[0]
    _row_flag(header, "w:tblHeader")
    _row_flag(header, "w:cantSplit")
    for i, heading in enumerate(doc.headings):
        cell = header.cells[i]
        cell.width = Mm(doc.widths[i])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _shade(cell, "D9D9D9")
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _tight(p, Pt)
        r = p.add_run(heading)
        r.bold = True

    for row in doc.rows:
        cells = table.add_row().cells
        for i, content in enumerate(row.cells):
            cell = cells[i]
            cell.width = Mm(doc.widths[i])
            first = True
            for line in content:
                p = cell.paragraphs[0] if first else cell.add_paragraph()
                first = False
                _tight(p, Pt)
                if i == 0:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if line.style == "bullet":
                    p.style = d.styles["List Bullet"]
                    p.paragraph_format.left_indent = Mm(4)
                    p.paragraph_format.first_line_indent = Mm(-4)
                if line.lead:
                    r = p.add_run(line.lead + (" " if line.text else ""))
                    r.bold = True
                if line.text:
                    r = p.add_run(line.text)
                    if line.style == "label":
                        r.bold = True
                    elif line.style == "note":
                        r.italic = True
                    elif line.style == "id":
                        r.font.size = Pt(8)
                        r.font.color.rgb = RGBColor(0x59, 0x59, 0x59)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fr = footer.add_run(doc.footer + "  ·  " + messages(doc.lang)["page"] + " ")
    fr.font.size = Pt(8)
    _page_field(footer, Pt(8))

    props = d.core_properties
    year = doc.year or 2000
    stamp = datetime(year, doc.first_month, 1, tzinfo=UTC)
    props.author = "kpirules"
    props.last_modified_by = "kpirules"
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.title = doc.title
    props.subject = doc.title
    props.keywords = "ISO 9001; kpirules"
    props.comments = doc.footer
    props.language = lang_tag
    props.category = ""
    props.content_status = ""
    props.identifier = ""
    props.version = ""

    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


def _fonts(d: Any, lang_tag: str) -> None:
    """Times New Roman everywhere (it has every Vietnamese glyph), for every script slot,
    theme fonts removed so that Word and LibreOffice both use it; the text's language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    styles = d.styles.element
    rpr_default = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/"
                              + qn("w:rPr"))
    targets = [rpr_default] if rpr_default is not None else []
    for name in ("Normal", "List Bullet"):
        st = d.styles[name]
        st.font.name = FONT
        targets.append(st.element.get_or_add_rPr())
    d.styles["Normal"].font.size = Pt(10)
    d.styles["Normal"].paragraph_format.space_after = Pt(0)
    for rpr in targets:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), lang_tag)


def _row_flag(row: Any, tag: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _tight(p: Any, Pt: Any) -> None:
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.space_after = Pt(1)


def _page_field(paragraph: Any, size: Any) -> None:
    """A PAGE field: the page number, updated by Word and LibreOffice when shown."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(child: Any) -> None:
        r = paragraph.add_run()
        r.font.size = size
        r._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(begin)
    run_with(instr)
    run_with(sep)
    r = paragraph.add_run("1")
    r.font.size = size
    run_with(end)


def _fixed_zip(data: bytes) -> bytes:
    """The same package with every member dated 1980-01-01: python-docx stamps the zip
    entries with the current time, which is all that kept two runs from being identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ------------------------------------------------------------------ the API
def render_document(ruleset: Any, format: str, *, lang: str = DEFAULT_LANG) -> str | bytes:
    """The quality-objectives plan of ``ruleset`` (a :class:`kpirules.Ruleset` or its
    ``.ast``) in ``format``: ``md`` or ``html`` (text), ``docx`` (bytes)."""
    if format not in FORMATS:
        raise ValueError(f"unknown document format {format!r}; expected one of "
                         + ", ".join(FORMATS))
    doc = build_document(ruleset, lang=lang)
    if format == "md":
        return _render_md(doc)
    if format == "html":
        return _render_html(doc)
    return _render_docx(doc)


# ------------------------------------------------------------------ the command
_DOC_DESCRIPTION = """\
Print the quality-objectives plan of RULESET as the offices' documents lay it out: the
title, unit, period and who issues it, then one table — STT | Mục tiêu chất lượng | Đo
lường kết quả | Biện pháp thực hiện | Trách nhiệm | Thời gian hoàn thành | Nguồn lực cần
thiết — one row per objective, from its label, target, method, actions, owner/support,
due and resources.

  kpirules doc rulesets/ha-long-2022.kpi                         Markdown on stdout
  kpirules doc rulesets/ha-long-2022.kpi --format html -o plan.html
  kpirules doc rulesets/ha-long-2022.kpi --format docx -o plan.docx --lang en

Exit codes: 0 written; 2 an invalid ruleset or command; 3 a bug in kpirules (please
report it; --debug shows the traceback)."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``doc`` subcommand to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser(
        "doc", help="print the quality-objectives plan (Markdown, HTML, Word .docx)",
        description=_DOC_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ruleset", metavar="RULESET", help="the .kpi ruleset file")
    p.add_argument("--format", choices=FORMATS, default="md",
                   help="md (Markdown, default), html (a page to print), docx (Word; needs "
                   "--output and python-docx: pip install 'kpirules[docx]')")
    p.add_argument("--output", "-o", metavar="FILE", help="write the document here")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                   help="language of the words kpirules writes (default vi); the "
                   "ruleset's own text stays as written")
    return p


def _same_file(a: str | Path, b: str | Path) -> bool:
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return pa.samefile(pb)
        return pa.resolve() == pb.resolve()
    except OSError:
        return False


def main(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``kpirules doc`` with parsed ``args``; messages to ``err``; the exit code."""
    try:
        if args.format == "docx" and not args.output:
            raise KpiError("--format docx writes a binary file: give it a name with "
                           "--output FILE (e.g. --output plan.docx)")
        if args.output and _same_file(args.output, args.ruleset):
            raise KpiError(f"--output {args.output} is the ruleset itself; "
                           "choose another file name")
        from .ruleset import load

        rs = load(args.ruleset)
        data = render_document(rs, args.format, lang=args.lang)
        if args.output:
            blob = data if isinstance(data, bytes) else data.encode("utf-8")
            Path(args.output).write_bytes(blob)
            err.write(f"wrote {args.output}\n")
        else:
            assert isinstance(data, str)
            out.write(data)
        return EXIT_OK
    except RulesetError as exc:
        err.write(exc.render())
        return EXIT_INVALID
    except FactsError as exc:  # pragma: no cover - doc reads no data
        err.write(exc.render() + "\n")
        return EXIT_INVALID
    except KpiError as exc:
        err.write(f"kpirules: error: {exc}\n")
        return EXIT_INVALID
    except OSError as exc:
        where = getattr(exc, "filename", None) or getattr(args, "output", "") or ""
        err.write(f"kpirules: error: {exc.strerror or exc}: {where}\n")
        return EXIT_INVALID
