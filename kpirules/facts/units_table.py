"""The units table: ``id,name,parent,level`` then any further attribute columns.

``parent`` is empty for a root. The table is checked whole: an empty id
(E514), an id given twice (E511, naming both rows), a parent not in the table
(E510), a cycle (E509, naming a member's row and the whole cycle). Every text
is NFC-normalised so Vietnamese names compare right whatever the keyboard.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import FactsError
from ._common import UNPRINTABLE, check_path, decode, nfc, printable, read_bytes, text_of
from .models import Unit, UnitTable
from .tabular import delimiter_of

__all__ = ["read_units"]

REQUIRED = ("id", "name", "parent", "level")


def read_units(source: str | Path | Iterable[Mapping[str, Any]], *,
               name: str | None = None) -> UnitTable:
    """A units table from a CSV (or .xlsx) path, or from a list of row mappings."""
    if isinstance(source, UnitTable):
        return source
    if isinstance(source, (str, Path)):
        shown = name or str(source)
        path = check_path(source, shown)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            from .xlsx import column_letter, read_grid
            header_row, header, rows = read_grid(path, shown)
            return _build(shown, header_row, header, rows, column_letter)
        text = decode(read_bytes(path, shown), shown)
        return _from_csv(text, shown)
    return _from_dicts(list(source), name or "<units>")


def _from_csv(text: str, shown: str) -> UnitTable:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first_line))
    try:
        header = next(r for r in reader if any(c.strip() for c in r))
        header_row = reader.line_num
        rows = [(reader.line_num, rec) for rec in reader]
    except StopIteration:
        raise FactsError("the file is empty", path=shown, code="E501") from None
    except csv.Error as exc:
        raise FactsError(f"cannot read the CSV: {exc}", path=shown, row=reader.line_num,
                         code="E501") from None
    return _build(shown, header_row, list(header), iter(rows), lambda i, t: t or str(i + 1))


def _from_dicts(entries: list[Mapping[str, Any]], shown: str) -> UnitTable:
    keys: dict[str, None] = {}
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping):
            raise FactsError("expected a mapping with id, name, parent and level", path=shown,
                             row=i, code="E502")
        keys.update(dict.fromkeys(str(k) for k in entry))
    header = list(keys) or list(REQUIRED)
    rows = ((i, [e.get(k) for k in header]) for i, e in enumerate(entries, 1))
    return _build(shown, None, header, rows, lambda i, t: t)


def _build(shown: str, header_row: int | None, header: list[Any],
           rows: Iterator[tuple[int, list[Any]]], label: Any) -> UnitTable:
    texts = [nfc(text_of(c)) for c in header]
    while texts and not texts[-1]:
        texts.pop()
    keys: list[str] = []
    for i, t in enumerate(texts):
        key = t.casefold() if t.casefold() in REQUIRED else t
        if not key:
            raise FactsError("a column without a name", path=shown, row=header_row,
                             column=label(i, t), code="E502", hint="name every column")
        if key in keys:
            raise FactsError(f"column `{t}` is given twice", path=shown, row=header_row,
                             column=label(i, t), code="E502")
        keys.append(key)
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise FactsError(
            f"the units table has no column {', '.join(f'`{m}`' for m in missing)}",
            path=shown, row=header_row, code="E502",
            hint="the header is id,name,parent,level then any further attribute columns")
    cols = {k: label(i, texts[i]) for i, k in enumerate(keys)}
    units: dict[str, Unit] = {}
    for row, cells in rows:
        values = [nfc(text_of(c)) for c in cells[:len(keys)]]
        values += [""] * (len(keys) - len(values))
        for i in range(len(keys), len(cells)):
            if text_of(cells[i]):
                raise FactsError(f"this row has a value in column {i + 1}, which has no "
                                 "header", path=shown, row=row, column=label(i, ""),
                                 code="E502")
        if not any(values):
            continue
        attrs = dict(zip(keys, values))
        uid = attrs["id"]
        if not uid:
            raise FactsError("the unit id is empty", path=shown, row=row, column=cols["id"],
                             code="E514", hint="every unit needs an id")
        for key in ("id", "parent"):
            bad = UNPRINTABLE.search(attrs[key])
            if bad is not None:
                raise FactsError(f"the {'unit id' if key == 'id' else 'parent'} "
                                 f"`{printable(attrs[key][:60])}` holds the invisible or control "
                                 f"character \\u{ord(bad.group()):04x}", path=shown,
                                 row=row, column=cols[key], code="E519",
                                 hint="write unit ids as plain text (letters, digits, `-`, `_`)")
        if uid in units:
            raise FactsError(f"unit id `{uid}` is given twice; first given at "
                             f"{shown}:{units[uid].row}", path=shown, row=row,
                             column=cols["id"], code="E511", hint="unit ids must be unique")
        attrs["name"] = attrs["name"] or uid  # an unnamed unit is called by its id
        units[uid] = Unit(uid, attrs["name"], attrs["parent"] or None, attrs["level"],
                          attrs, row)
    _check_parents(shown, units, cols["parent"])
    return UnitTable(shown, units)


def _check_parents(shown: str, units: dict[str, Unit], column: str) -> None:
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            close = difflib.get_close_matches(unit.parent, list(units), n=1)
            raise FactsError(
                f"the parent `{unit.parent}` of unit `{unit.id}` is not in the table",
                path=shown, row=unit.row, column=column, code="E510",
                hint=(f"did you mean `{close[0]}`?" if close else
                      "add the parent unit, or leave `parent` empty for a root"))
    done: set[str] = set()
    for start in units:
        trail: dict[str, None] = {}
        uid: str | None = start
        while uid is not None and uid not in done:
            if uid in trail:
                cycle = list(trail)[list(trail).index(uid):]
                first = min(cycle, key=lambda u: units[u].row)
                at = cycle.index(first)
                ordered = cycle[at:] + cycle[:at] + [first]
                raise FactsError(
                    "the units form a cycle: " + " → ".join(ordered)
                    + " (each arrow goes from a unit to its parent)",
                    path=shown, row=units[first].row, column=column, code="E509",
                    hint="a unit cannot be its own ancestor; one of these parents is wrong")
            trail[uid] = None
            uid = units[uid].parent
        done.update(trail)
