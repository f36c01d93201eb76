"""Column types and uses: an engine's type names mapped to kinds, and how a ruleset
uses each column of a source (as text, a number, a truth value, a date).

The compiler decides casts from these; the records path uses ``column_kinds`` to tell
an engine that guesses types (CSV) how to read each column.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from .. import ast
from ..checker import FactInfo

__all__ = ["FAMILY_WORDS", "column_kinds", "date_columns", "family"]


def family(type_name: str, dialect: str = "duckdb") -> str:
    """An engine's type name → text | date | timestamp | int | decimal | float | bool |
    other. Understands DuckDB, PostgreSQL and Spark spellings."""
    t = type_name.strip()
    if t.upper().startswith("ENUM"):
        return "text"
    try:
        dt = exp.DataType.build(t, dialect=dialect)
    except Exception:  # noqa: BLE001 - sqlglot raises several types for exotic names
        return "other"
    k = dt.this
    T = exp.DataType.Type
    if k in exp.DataType.TEXT_TYPES:
        return "text"
    if k in (T.DATE, T.DATE32):
        return "date"
    if k in exp.DataType.TEMPORAL_TYPES and k not in (T.TIME, T.TIMETZ):
        return "timestamp"
    if k == T.BOOLEAN:
        return "bool"
    if k in exp.DataType.INTEGER_TYPES and k != T.BIT:
        return "int"
    if k in (T.FLOAT, T.DOUBLE, T.UDOUBLE):
        return "float"
    if k in exp.DataType.REAL_TYPES:
        return "decimal"
    return "other"


FAMILY_WORDS = {"text": "text", "date": "dates", "timestamp": "timestamps",
                 "int": "whole numbers", "decimal": "decimal numbers",
                 "float": "floating-point numbers", "bool": "true/false values",
                 "other": "values of another type"}


def _used_with(facts: list[FactInfo], match: Callable[[ast.Value], bool]) -> list[str]:
    """Columns compared somewhere with a value ``match`` accepts."""
    out: list[str] = []

    def walk(c: ast.Condition) -> None:
        if isinstance(c, ast.BoolOp):
            walk(c.left)
            walk(c.right)
        elif isinstance(c, ast.Not):
            walk(c.operand)
        elif isinstance(c, (ast.Compare, ast.InList)):
            values = (c.right,) if isinstance(c, ast.Compare) else c.values
            if any(match(v) for v in values):
                out.append(c.left.value)

    for info in facts:
        if info.derived is not None and info.derived.where is not None:
            walk(info.derived.where)
    return out


def _is_text(v: ast.Value) -> bool:
    return isinstance(v, ast.Text) and v.kind == "string"


def _is_dateish_literal(v: ast.Value) -> bool:
    return isinstance(v, ast.Text) and v.kind in ("date", "period")


def column_kinds(decl: ast.SourceDecl, facts: list[FactInfo],
                 schema: dict[str, str]) -> dict[str, str]:
    """How the ruleset uses each column — ``text`` (the unit column, compared with a
    string), ``number`` (aggregated, compared with a number) or ``bool`` (compared with
    true/false). Where an engine guesses types (CSV), columns are read as used; a column
    used two ways is left to the compiler, which reports it."""
    uses: dict[str, set[str]] = {}

    def use(col: str, kind: str) -> None:
        uses.setdefault(col, set()).add(kind)

    if decl.unit_by is not None:
        use(decl.unit_by.value, "text")
    for col in _used_with(facts, _is_text):
        use(col, "text")
    for col in _used_with(facts, lambda v: isinstance(v, ast.Number)):
        use(col, "number")
    for col in _used_with(facts, lambda v: isinstance(v, ast.Ref) and v.name not in schema
                          and v.name.lower() in ("true", "false")):
        use(col, "bool")
    for info in facts:
        agg = info.derived
        if agg is not None and agg.column is not None and agg.func.value != "count":
            use(agg.column.value, "number")
    return {c: next(iter(k)) for c, k in uses.items() if len(k) == 1}


def date_columns(decl: ast.SourceDecl, facts: list[FactInfo]) -> set[str]:
    """Columns the ruleset uses as dates: the period column, and columns compared with a
    date or a period. Two text columns compare as dates when one of them is such."""
    out = {decl.period_by.value} if decl.period_by is not None else set()
    return out | set(_used_with(facts, _is_dateish_literal))
