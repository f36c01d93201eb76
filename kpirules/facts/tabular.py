"""Tables of facts: CSV files, and the grid logic the xlsx reader shares.

Two shapes, told apart by the header (case and surrounding spaces ignored):

* long: ``unit,period,fact,value[,uom]`` — one value per row;
* wide: ``unit,period,<fact>…`` — one column per fact; a header such as
  ``wait_total [h]`` or ``wait_total (h)`` gives that column's unit of
  measure; an empty cell means "not given".

The delimiter is a comma, a semicolon (Excel in a Vietnamese locale) or a tab:
whichever of the three the header line holds most of.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FactsError
from ._common import Builder, decode, read_bytes, text_of
from .models import FactSet, Origin

LONG = ("unit", "period", "fact", "value")
_RESERVED = frozenset({"fact", "value", "uom"})
_HEADER_UOM = re.compile(r"^(.*?)\s*(?:\[\s*([^\]]*?)\s*\]|\(\s*([^)]*?)\s*\))$")
LONG_TEXT = "the long shape `unit,period,fact,value[,uom]`"
WIDE_TEXT = "the wide shape `unit,period,<fact>,<fact>…`"
EXPECTED = f"{LONG_TEXT} or {WIDE_TEXT}"


@dataclass(frozen=True, slots=True)
class Layout:
    """What the header says: the shape and, for wide tables, the fact columns."""

    shape: str  # "long" | "wide"
    width: int  # number of meaningful columns
    labels: tuple[str, ...]  # the column of each position, as origins name it
    facts: tuple[tuple[int, str, str | None], ...] = ()  # wide: (position, fact, uom)


def delimiter_of(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_layout(builder: Builder, row: int, cells: list[Any],
                  label: Callable[[int, str], str]) -> Layout:
    """Read the header (``row`` is its row number) into a Layout, or E502.

    ``label(i, text)`` names position ``i`` (0-based) whose header is ``text``:
    the CSV reader uses the text, the xlsx reader the column letter."""
    texts = [text_of(c) for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    norm = [t.casefold() for t in texts]
    shown = ",".join(texts)
    if norm[:4] == list(LONG) and (len(norm) == 4 or norm[4:] == ["uom"]):
        labels = tuple(label(i, n) for i, n in enumerate(norm))
        return Layout("long", len(norm), labels)
    if norm[:2] == ["unit", "period"] and len(norm) > 2 and norm[:4] != list(LONG):
        return _wide_layout(builder, row, texts, label)
    bad = next((i for i, n in enumerate(norm) if i >= len(LONG) or n != LONG[i]), len(norm))
    if norm[:4] == list(LONG):
        if len(norm) > 5 and norm[4] == "uom":
            bad = 5  # `uom` is allowed there: the column at fault is the one after it
        message = (f"unexpected column `{texts[bad]}` after "
                   f"`{','.join(texts[:bad])}`")
        hint = "the only further column a long table may have is `uom`"
    else:
        message = f"the header `{shown}` matches neither {LONG_TEXT} nor {WIDE_TEXT}"
        hint = "the first row must name the columns; see docs/data.md"
    column = label(bad, texts[bad]) if bad < len(texts) else None
    raise builder.error(message, row, column, "E502", hint)


def _wide_layout(builder: Builder, row: int, texts: list[str],
                 label: Callable[[int, str], str]) -> Layout:
    facts: list[tuple[int, str, str | None]] = []
    seen: dict[str, str] = {}
    labels = [label(0, "unit"), label(1, "period")]
    for i in range(2, len(texts)):
        text = texts[i]
        col = label(i, text)
        labels.append(col)
        if not text:
            raise builder.error("a fact column without a name", row, col, "E502",
                                "name every column, or delete the empty one")
        m = _HEADER_UOM.match(text)
        fact_text, uom_text = (m.group(1), m.group(2) if m.group(2) is not None
                               else m.group(3)) if m else (text, None)
        fact = builder.name(fact_text, row, col, "fact name")
        if fact.casefold() in _RESERVED:
            raise builder.error(
                f"the header `{','.join(texts)}` mixes the two shapes: `{text}` belongs to "
                f"{LONG_TEXT}", row, col, "E502", f"a table has {EXPECTED}")
        if fact in seen:
            raise builder.error(f"fact `{fact}` has two columns: `{seen[fact]}` and `{text}`",
                                row, col, "E502", "keep one column per fact")
        seen[fact] = col
        uom = builder.uom(uom_text, row, col) if uom_text else None
        facts.append((i, fact, uom))
    return Layout("wide", len(texts), tuple(labels), tuple(facts))


def _extra_cells(builder: Builder, row: int, cells: list[Any], width: int,
                 label: Callable[[int, str], str]) -> None:
    for i in range(width, len(cells)):
        if text_of(cells[i]):
            raise builder.error(f"this row has a value in column {i + 1}, which has no header",
                                row, label(i, ""), "E502",
                                "delete the stray cell, or name its column in the header")


def load_rows(builder: Builder, layout: Layout, rows: Iterable[tuple[int, list[Any]]],
              label: Callable[[int, str], str]) -> None:
    """Turn the data rows (row number, cells) into values. Blank rows are skipped."""
    if layout.shape == "long":
        _load_long(builder, layout, rows, label)
    else:
        _load_wide(builder, layout, rows, label)


def _blank(cells: list[Any]) -> bool:
    return all(not text_of(c) for c in cells)


def _load_long(builder: Builder, layout: Layout, rows: Iterable[tuple[int, list[Any]]],
               label: Callable[[int, str], str]) -> None:
    width = layout.width
    c_unit, c_period, c_fact, c_value = layout.labels[:4]
    c_uom = layout.labels[4] if width == 5 else None
    path = builder.path
    name, period, number, uom, add = (builder.name, builder.period, builder.number,
                                      builder.uom, builder.add)
    pad = [""] * width
    for row, cells in rows:
        if len(cells) != width:
            if _blank(cells):
                continue
            if len(cells) > width:
                _extra_cells(builder, row, cells, width, label)
            else:
                cells = cells + pad[len(cells):]
        v = number(cells[3], row, c_value)
        if v is None:
            if _blank(cells):
                continue
            raise builder.error("the value is empty", row, c_value, "E504",
                                "write a number; leave the row out if there is no value")
        u = uom(cells[4], row, c_uom) if c_uom else None
        add(name(cells[0], row, c_unit, "unit"), period(cells[1], row, c_period),
            name(cells[2], row, c_fact, "fact name"), v, u,
            Origin(path, row, c_value, c_unit, c_uom if u is not None else None))


def _load_wide(builder: Builder, layout: Layout, rows: Iterable[tuple[int, list[Any]]],
               label: Callable[[int, str], str]) -> None:
    width = layout.width
    c_unit, c_period = layout.labels[:2]
    path = builder.path
    pad = [""] * width
    for row, cells in rows:
        if len(cells) != width:
            if len(cells) > width:
                _extra_cells(builder, row, cells, width, label)
            else:
                cells = cells + pad[len(cells):]
        numbers = [(i, fact, u, builder.number(cells[i], row, layout.labels[i]))
                   for i, fact, u in layout.facts]
        if all(n is None for *_, n in numbers) and _blank(cells):
            continue
        unit = builder.name(cells[0], row, c_unit, "unit")
        period = builder.period(cells[1], row, c_period)
        for i, fact, u, n in numbers:
            if n is not None:
                builder.add(unit, period, fact, n, u,
                            Origin(path, row, layout.labels[i], c_unit, None))


def read_csv(path: Path, name: str, decimal_comma: bool = False) -> FactSet:
    """A long or wide CSV file → FactSet."""
    text = decode(read_bytes(path, name), name)
    return facts_from_csv_text(text, name, decimal_comma)


def facts_from_csv_text(text: str, name: str, decimal_comma: bool = False) -> FactSet:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first_line))
    builder = Builder(name, decimal_comma)
    try:
        header = next(r for r in reader if r and not _blank(r))
    except StopIteration:
        raise FactsError("the file is empty", path=name, code="E501") from None
    except csv.Error as exc:
        raise builder.error(f"cannot read the CSV: {exc}", reader.line_num, None, "E501") \
            from None

    def label(i: int, text: str) -> str:
        return text if text else str(i + 1)

    layout = header_layout(builder, reader.line_num, header, label)
    try:
        load_rows(builder, layout, _numbered(reader), label)
    except csv.Error as exc:
        raise builder.error(f"cannot read the CSV: {exc}", reader.line_num, None, "E501") \
            from None
    return builder.factset()


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    for rec in reader:
        yield reader.line_num, rec
