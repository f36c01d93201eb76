"""Data in: fact sets and units tables, validated, exact, and every
error a :class:`~kpirules.errors.FactsError` naming the file, row and column.

>>> from kpirules.facts import read_facts
>>> fs = read_facts([{"unit": "tthcc", "period": "2022", "fact": "late", "value": "0.1"}])
>>> fs.values[0].value
Fraction(1, 10)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import FactsError
from .models import DataWarning, FactSet, FactValue, Origin, Unit, UnitTable
from .units_table import read_units

__all__ = [
    "FORMATS",
    "READERS",
    "DataWarning",
    "FactSet",
    "FactValue",
    "Origin",
    "Unit",
    "UnitTable",
    "merge",
    "read_facts",
    "read_units",
]

# fact file formats: suffix → (module of this package, reader); imported when used
READERS: dict[str, tuple[str, str]] = {
    ".csv": ("tabular", "read_csv"), ".tsv": ("tabular", "read_csv"),
    ".txt": ("tabular", "read_csv"), ".json": ("structured", "read_json"),
    ".yaml": ("structured", "read_yaml"), ".yml": ("structured", "read_yaml"),
    ".xlsx": ("xlsx", "read_xlsx"), ".xlsm": ("xlsx", "read_xlsx"),
}
FORMATS = tuple(READERS)


def read_facts(source: str | Path | Iterable[Mapping[str, Any]] | Mapping[str, Any] | FactSet,
               *, name: str | None = None, decimal_comma: bool = False) -> FactSet:
    """Read a fact set.

    ``source`` is a path to a ``.csv`` (long or wide, told by the header), ``.json``,
    ``.yaml``/``.yml`` or ``.xlsx`` file; or rows held in memory: a list of mappings
    ``{unit, period, fact, value[, uom]}`` or a nested mapping
    ``{unit: {period: {fact: value}}}``. ``name`` is what origins and errors call
    the source (default: the path as given, or ``<facts>``).

    ``decimal_comma=True`` reads numbers written as text the way Vietnamese
    spreadsheets write them: ``.`` groups thousands and ``,`` is the decimal mark
    (``1.234,5``). Numbers held as numbers (JSON numbers, Excel numeric cells,
    Python ints and floats) are read as numbers either way.
    """
    if isinstance(source, FactSet):
        return source
    if isinstance(source, (str, Path)):
        return _read_path(source, name or str(source), decimal_comma)
    from .structured import facts_from_data
    data = source if isinstance(source, Mapping) else list(source)
    return facts_from_data(data, name or "<facts>", decimal_comma)


def _read_path(source: str | Path, shown: str, decimal_comma: bool = False) -> FactSet:
    from ._common import check_path
    path = check_path(source, shown)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is not None:
        module = importlib.import_module(f"{__name__}.{reader[0]}")
        read: Callable[[Path, str, bool], FactSet] = getattr(module, reader[1])
        return read(path, shown, decimal_comma)
    hint = ("save the workbook as .xlsx (Excel 2007 and later)" if suffix == ".xls"
            else "use .csv, .json, .yaml, .yml or .xlsx")
    raise FactsError(f"unknown fact file format `{suffix or path.name}`", path=shown,
                     code="E501", hint=hint)


def merge(factsets: Iterable[FactSet]) -> FactSet:
    """One fact set from several (``--facts`` given more than once). The same
    (unit, period, fact) twice is FactsError E506 at the second occurrence,
    whose message names the first."""
    sets = list(factsets)
    if len(sets) == 1:
        return sets[0]
    return FactSet((v for fs in sets for v in fs.values),
                   (p for fs in sets for p in fs.paths))
