"""Excel workbooks (.xlsx) via openpyxl: the first sheet, laid out like a CSV file.

The first non-blank row is the header; the table is long or wide exactly as in
CSV. Origins name the column by its letter (``D``). Merged cells are refused
(E512), since only the first cell of a merged range holds a value. A cell
formatted as a percentage holds a fraction of one (81% is 0.81): it is read as
81 with unit ``percent``. Periods must be text (or a whole year number); a
date or a decimal number in the period column is refused with a hint.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import FactsError
from ._common import Builder
from .models import FactSet
from .tabular import header_layout, load_rows

__all__ = ["read_grid", "read_xlsx"]


def _letter(i: int, _text: str = "") -> str:
    from openpyxl.utils import get_column_letter
    return str(get_column_letter(i + 1))


def _cell(cell: Any) -> Any:
    value = cell.value
    if type(value) in (int, float) and "%" in (cell.number_format or ""):
        exact = Decimal(value) if type(value) is int else Decimal(repr(value))
        return f"{exact * 100}%"
    return value


def read_grid(path: Path, name: str) -> tuple[int, list[Any], Iterator[tuple[int, list[Any]]]]:
    """The first sheet as (header row number, header cells, data rows); E501, E512."""
    try:
        import openpyxl
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile, openpyxl and XML errors alike
        raise FactsError(f"cannot be read as an Excel workbook (.xlsx): {exc}", path=name,
                         code="E501", hint="save it from Excel as .xlsx") from None
    if not wb.worksheets:
        raise FactsError("the workbook has no sheet", path=name, code="E501")
    ws = wb.worksheets[0]
    _refuse_merged(ws, name)
    rows = ((r[0].row, [_cell(c) for c in r]) for r in ws.iter_rows(min_row=1)
            if r)
    for row, cells in rows:
        if any(c is not None and str(c).strip() for c in cells):
            return row, cells, rows
    raise FactsError("the first sheet is empty", path=name, code="E501",
                     hint="put the header in row 1 of the first sheet")


def _refuse_merged(ws: Any, name: str) -> None:
    ranges = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
    if not ranges:
        return
    first = ranges[0]
    header = first.min_row == 1
    raise FactsError(
        f"cells {first.coord} are merged" + ("; the header needs one name per column"
                                            if header else ""),
        path=name, row=first.min_row, column=_letter(first.min_col - 1), code="E512",
        hint=("unmerge the cells (Home → Merge & Center) and name each column"
              if header else "unmerge the cells and repeat the value in every row"))


def read_xlsx(path: Path, name: str) -> FactSet:
    """A long or wide table on the first sheet → FactSet."""
    header_row, header, rows = read_grid(path, name)
    builder = Builder(name)
    layout = header_layout(builder, header_row, header, _letter)
    load_rows(builder, layout, rows, _letter)
    return builder.factset()
