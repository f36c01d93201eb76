"""Excel workbooks (.xlsx) via openpyxl: one sheet, laid out like a CSV file.

The sheet read is the active one (the sheet the workbook opens on) when it is
visible, else the first visible sheet: a hidden or "very hidden" sheet is never
read. The first non-blank row is the header; the table is long or wide exactly
as in CSV. Origins name the column by its letter (``D``). Merged cells are
refused (E512), since only the first cell of a merged range holds a value. A
formula whose result was never saved (a workbook written by a script) is refused
(E518) rather than read as an empty cell. A cell formatted as a percentage holds
a fraction of one (81% is 0.81): it is read as 81 with unit ``percent``. Periods
must be text (or a whole year number); a date or a decimal number in the period
column is refused with a hint.

Limits (docs/limits.md, E517): the file size (:data:`MAX_XLSX_BYTES`), the size
of its contents once unzipped (:data:`MAX_XLSX_UNZIPPED`, checked from the zip
directory before anything is unzipped, so a zip bomb costs nothing) and the cells
of the workbook (:data:`MAX_SHEET_CELLS`: the cells stored in its sheets, counted in
one streaming pass over the XML before openpyxl builds them, and rows × columns of
the sheet read, since openpyxl yields every cell of that rectangle).
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import FactsError
from ._common import Builder
from .models import FactSet
from .tabular import header_layout, load_rows

__all__ = ["MAX_SHEET_CELLS", "MAX_XLSX_BYTES", "MAX_XLSX_UNZIPPED", "column_letter", "read_grid", "read_xlsx"]

MAX_XLSX_BYTES = 64 * 1024 * 1024       # the .xlsx file itself
MAX_XLSX_UNZIPPED = 256 * 1024 * 1024   # everything inside it, unzipped
MAX_SHEET_CELLS = 2_000_000             # cells stored; and rows × columns of the sheet read

_MIB = 1024 * 1024
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CHUNK = 1 << 20


def column_letter(i: int, _text: str = "") -> str:
    """The spreadsheet letters of the 0-based column ``i`` (0 → A, 26 → AA)."""
    from openpyxl.utils import get_column_letter
    return str(get_column_letter(i + 1))


def _cell(cell: Any) -> Any:
    value = cell.value
    if type(value) in (int, float) and "%" in (cell.number_format or ""):
        exact = Decimal(value) if type(value) is int else Decimal(repr(value))
        return f"{exact * 100}%"
    return value


def _limits(path: Path, name: str) -> bool:
    """Refuse a workbook past the size limits (E517); True when it holds formulas."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FactsError(f"cannot read the file: {exc.strerror or exc}", path=name,
                         code="E501") from None
    if size > MAX_XLSX_BYTES:
        raise FactsError(f"the workbook is {_size(size)}; kpirules reads workbooks "
                         f"of at most {_size(MAX_XLSX_BYTES)}", path=name, code="E517",
                         hint="save the data as CSV, or split it over several files")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            unzipped = sum(i.file_size for i in infos)
            sheets = [i for i in infos if i.filename.startswith("xl/worksheets/")
                      and i.filename.endswith(".xml")]
            if unzipped <= MAX_XLSX_UNZIPPED:
                cells, has_formulas = _scan(zf, sheets)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FactsError(f"cannot be read as an Excel workbook (.xlsx): {exc}", path=name,
                         code="E501", hint="save it from Excel as .xlsx") from None
    if unzipped > MAX_XLSX_UNZIPPED:
        raise FactsError(
            f"the workbook unzips to {_size(unzipped)}; kpirules reads workbooks of at most "
            f"{_size(MAX_XLSX_UNZIPPED)} unzipped", path=name, code="E517",
            hint="save the data as CSV, or split it over several files")
    if cells > MAX_SHEET_CELLS:
        raise FactsError(
            f"the workbook stores more than {_count(MAX_SHEET_CELLS)} cells, the most "
            "kpirules reads", path=name, code="E517",
            hint="save the data as CSV, or split it over several files")
    return has_formulas


def _scan(zf: zipfile.ZipFile, sheets: list[zipfile.ZipInfo]) -> tuple[int, bool]:
    """(cells stored, any formula) over the sheets' XML, read in chunks: memory stays
    at a chunk whatever the sheets unzip to; stops counting past the limit."""
    cells, formulas = 0, False
    for info in sheets:
        tail = b""
        with zf.open(info) as f:
            while cells <= MAX_SHEET_CELLS:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                data = tail + chunk
                # a tag cut by the chunk boundary is seen whole in the next round: keep
                # from the last `<` when it is near the end (a tag's name is short)
                cut = data.rfind(b"<")
                if cut < len(data) - 64:
                    cut = len(data)
                cells += len(_CELL.findall(data, 0, cut))
                formulas = formulas or _FORMULA.search(data, 0, cut) is not None
                tail = data[cut:]
        cells += len(_CELL.findall(tail))
        formulas = formulas or _FORMULA.search(tail) is not None
    return cells, formulas


def _count(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _size(n: int) -> str:
    return f"{n / _MIB:.1f} MiB" if n >= _MIB // 10 else f"{n} bytes"


def _sheet(wb: Any, name: str) -> Any:
    """The active sheet if visible, else the first visible one."""
    sheets = list(wb.worksheets)
    if not sheets:
        raise FactsError("the workbook has no sheet", path=name, code="E501")
    active = wb.active
    if active in sheets and active.sheet_state == "visible":
        return active
    visible = [ws for ws in sheets if ws.sheet_state == "visible"]
    if not visible:
        raise FactsError("every sheet of the workbook is hidden", path=name, code="E501",
                         hint="unhide the sheet that holds the data (right-click a tab → "
                         "Unhide)")
    return visible[0]


def read_grid(path: Path, name: str) -> tuple[int, list[Any], Iterator[tuple[int, list[Any]]]]:
    """The sheet read as (header row number, header cells, data rows); E501, E512, E517,
    E518."""
    has_formulas = _limits(path, name)
    try:
        import openpyxl
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile, openpyxl and XML errors alike
        raise FactsError(f"cannot be read as an Excel workbook (.xlsx): {exc}", path=name,
                         code="E501", hint="save it from Excel as .xlsx") from None
    ws = _sheet(wb, name)
    cells = ws.max_row * ws.max_column
    if cells > MAX_SHEET_CELLS:
        raise FactsError(
            f"sheet `{ws.title}` spans {ws.max_row} rows × {ws.max_column} columns; kpirules "
            f"reads at most {_count(MAX_SHEET_CELLS)} cells", path=name,
            code="E517", hint="delete stray cells far below or right of the table, or save "
            "the data as CSV")
    _refuse_merged(ws, name)
    formulas = _Formulas(path, ws.title, name) if has_formulas else None
    rows = ((r[0].row, [_checked(c, formulas) for c in r]) for r in ws.iter_rows(min_row=1)
            if r)
    for row, cells_ in rows:
        if any(c is not None and str(c).strip() for c in cells_):
            return row, cells_, rows
    raise FactsError(f"sheet `{ws.title}` is empty", path=name, code="E501",
                     hint="put the header in the first row of the sheet")


class _Formulas:
    """The formulas of one sheet, loaded (a second reading of the workbook) only when
    a cell is empty in the saved values: is it a formula whose value was never saved?"""

    def __init__(self, path: Path, title: str, name: str) -> None:
        self.path, self.title, self.name = path, title, name
        self._by_cell: dict[tuple[int, int], str] | None = None

    def of(self, row: int, column: int) -> str | None:
        if self._by_cell is None:
            import openpyxl
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(self.path, read_only=False, data_only=False)
            self._by_cell = {}
            for r in wb[self.title].iter_rows():
                for c in r:
                    v = c.value
                    if isinstance(v, str):
                        if v.startswith("="):
                            self._by_cell[(c.row, c.column)] = v
                    elif type(v).__name__ in ("ArrayFormula", "DataTableFormula"):
                        self._by_cell[(c.row, c.column)] = str(getattr(v, "text", "") or "=…")
        return self._by_cell.get((row, column))


def _checked(cell: Any, formulas: _Formulas | None) -> Any:
    if cell.value is None and formulas is not None and hasattr(cell, "column"):
        formula = formulas.of(cell.row, cell.column)
        if formula is not None:
            raise FactsError(
                f"cell {column_letter(cell.column - 1)}{cell.row} holds the formula `{formula[:60]}` "
                "whose value was never saved", path=formulas.name, row=cell.row,
                column=column_letter(cell.column - 1), code="E518",
                hint="open the workbook in Excel or LibreOffice and save it, so that the "
                "value is computed and stored; or type the value in")
    return _cell(cell)


def _refuse_merged(ws: Any, name: str) -> None:
    ranges = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
    if not ranges:
        return
    first = ranges[0]
    header = first.min_row == 1
    raise FactsError(
        f"cells {first.coord} are merged" + ("; the header needs one name per column"
                                            if header else ""),
        path=name, row=first.min_row, column=column_letter(first.min_col - 1), code="E512",
        hint=("unmerge the cells (Home → Merge & Center) and name each column"
              if header else "unmerge the cells and repeat the value in every row"))


def read_xlsx(path: Path, name: str, decimal_comma: bool = False) -> FactSet:
    """A long or wide table on the sheet read (see the module) → FactSet. Text cells
    follow ``decimal_comma``; numeric cells are numbers."""
    header_row, header, rows = read_grid(path, name)
    builder = Builder(name, decimal_comma)
    layout = header_layout(builder, header_row, header, column_letter)
    load_rows(builder, layout, rows, column_letter)
    return builder.factset()
