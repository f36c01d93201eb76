"""The data model of facts and units: plain frozen, slotted dataclasses.

A :class:`FactValue` is one number for one (unit, period, fact), with the place
it came from (:class:`Origin`). A :class:`FactSet` holds many, never two for the
same (unit, period, fact). A :class:`UnitTable` is the hierarchy of units.

Origins stay outside equality (as spans do in the AST): the same facts read
from a CSV file and from a YAML file compare equal.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import FactsError
from ..periods import Period
from ..units import UomError, kind_of_uom, parse_uom, same_dimension

__all__ = ["DataWarning", "FactSet", "FactValue", "Origin", "Unit", "UnitTable"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value was read: ``path``, 1-based ``row`` and the value's ``column``.

    ``row`` is the line number in a CSV or YAML file (the header is row 1), the
    row number in a worksheet, or the 1-based index of the entry in a JSON file
    or an in-memory list. ``column`` is a column name (CSV), a column letter
    (xlsx) or a key (JSON/YAML; a JSON Pointer for the nested shape).
    ``unit_column`` and ``uom_column`` say where the unit id and the unit of
    measure were given, so that an error about them points at the right cell;
    ``uom_column`` is ``None`` when the uom came with the value (``81%``) or
    from the column header (wide CSV). ``text`` is the value as written when it
    was text that is not a plain integer (``1.000``, ``0.5``, ``1e3``): a count
    written so is refused by :meth:`FactSet.check` (E515).
    """

    path: str
    row: int
    column: str
    unit_column: str = "unit"
    uom_column: str | None = None
    text: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.row}"


@dataclass(frozen=True, slots=True)
class FactValue:
    """One exact value. ``uom`` is the unit of measure the file gave (``None``:
    the fact's declared unit). ``origin`` is left out of equality and hashing."""

    unit: str
    period: Period
    fact: str
    value: Fraction
    uom: str | None
    origin: Origin = field(compare=False, hash=False, repr=False)

    @property
    def key(self) -> tuple[str, Period, str]:
        return (self.unit, self.period, self.fact)


class DataWarning(str):
    """A warning about data: the line as printed (``facts.csv:6: warning[W202]: …``),
    which is what reports list, with ``code``, ``message``, ``path``, ``row`` and
    ``column`` as fields for a program, and ``params``: the values a report in another
    language fills into its own words for the code (``warning.W202`` in the report
    catalogue). The English text is the one given here."""

    __slots__ = ("code", "column", "message", "params", "path", "row")

    def __new__(cls, code: str, message: str, path: str, row: int | None = None,
                column: str | None = None,
                params: dict[str, str] | None = None) -> DataWarning:
        where = path if row is None else f"{path}:{row}"
        self = super().__new__(cls, f"{where}: warning[{code}]: {message}")
        self.code, self.message, self.path, self.row, self.column = (code, message, path,
                                                                     row, column)
        self.params = dict(params or {})
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (DataWarning, (self.code, self.message, self.path, self.row, self.column,
                              self.params))


def _where(origin: Origin) -> str:
    return f"{origin.path}:{origin.row}"


class FactSet:
    """Fact values from one or several files; no (unit, period, fact) twice.

    Building a FactSet checks for duplicates (FactsError E506, naming the second
    occurrence and the first) and builds the index once. Equality compares the
    values as a set, regardless of order, origins and paths.
    """

    __slots__ = ("_facts", "_index", "_periods", "_units", "paths", "values")

    def __init__(self, values: Iterable[FactValue], paths: Iterable[str] = ()) -> None:
        self.values: tuple[FactValue, ...] = tuple(values)
        self.paths: tuple[str, ...] = tuple(dict.fromkeys(paths))
        self._index = _build_index(self.values)
        self._units: frozenset[str] | None = None
        self._facts: frozenset[str] | None = None
        self._periods: frozenset[Period] | None = None

    def index(self) -> dict[tuple[str, str], dict[Period, FactValue]]:
        """``(unit, fact) -> {period: value}``, built once. Do not mutate it."""
        return self._index

    def get(self, unit: str, period: Period, fact: str) -> FactValue | None:
        inner = self._index.get((unit, fact))
        return None if inner is None else inner.get(period)

    def units(self) -> frozenset[str]:
        if self._units is None:
            self._units = frozenset(u for u, _ in self._index)
        return self._units

    def facts(self) -> frozenset[str]:
        if self._facts is None:
            self._facts = frozenset(f for _, f in self._index)
        return self._facts

    def periods(self) -> frozenset[Period]:
        if self._periods is None:
            self._periods = frozenset(p for inner in self._index.values() for p in inner)
        return self._periods

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[FactValue]:
        return iter(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FactSet):
            return NotImplemented
        return len(self.values) == len(other.values) and set(self.values) == set(other.values)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FactSet({len(self.values)} values from {', '.join(self.paths) or 'nowhere'})"

    def __reduce__(self) -> tuple[object, ...]:
        return (FactSet, (self.values, self.paths))

    def check(self, declared: Mapping[str, str | None],
              known_units: set[str] | frozenset[str] | None = None) -> list[DataWarning]:
        """Validate the values against the ruleset's declarations.

        ``declared`` maps a fact name to its declared unit of measure (``None``
        or ``"count"``: a count). Raises :class:`FactsError` at the first bad
        value in file order: a negative or non-integer count (E505), a count
        written as text with a decimal point or an exponent (E515: ``1.000`` may
        be a thousand or one; either way it is not written as a count), an unknown
        unit of measure or one of another dimension or kind (E508), a unit id
        not in ``known_units`` when that is given (E507). Returns one warning
        line per fact the ruleset does not declare (W202), in file order.
        """
        kinds: dict[str, str] = {}
        for name, uom in declared.items():
            try:
                kinds[name] = kind_of_uom(uom).name
            except UomError:
                kinds[name] = "unknown"  # the ruleset checker reports it (E304)
        compatible: dict[tuple[str | None, str], None] = {}
        undeclared: dict[str, list[FactValue]] = {}
        for v in self.values:
            kind = kinds.get(v.fact)
            if kind is None:
                undeclared.setdefault(v.fact, []).append(v)
                continue
            if known_units is not None and v.unit not in known_units:
                _unknown_unit(v, known_units)
            if v.uom is not None and (v.uom, v.fact) not in compatible:
                _check_uom(v, declared[v.fact], kind)
                compatible[(v.uom, v.fact)] = None
            if kind == "count" and v.origin.text is not None and v.value.numerator >= 0 and (
                    v.value.denominator == 1 or THOUSANDS.match(v.origin.text)):
                _count_written(v)
            if kind == "count" and (v.value.numerator < 0 or v.value.denominator != 1):
                what = "negative" if v.value.numerator < 0 else "not a whole number"
                raise FactsError(
                    f"`{v.fact}` is a count, but {_show(v.value)} is {what}",
                    path=v.origin.path, row=v.origin.row, column=v.origin.column,
                    code="E505", hint="a count is a whole number of items, 0 or more")
        return [
            DataWarning("W202", f"fact `{name}` is not declared by the ruleset; its "
                        f"{len(vs)} value{'s' if len(vs) != 1 else ''} "
                        f"{'are' if len(vs) != 1 else 'is'} not used",
                        vs[0].origin.path, vs[0].origin.row,
                        params={"fact": name, "count": str(len(vs))})
            for name, vs in undeclared.items()
        ]


# `1.000`, `12.345`, `1.234.567`: a point that may group thousands (also in _common).
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+\Z", re.ASCII)


def _count_written(v: FactValue) -> None:
    text = v.origin.text or ""
    if THOUSANDS.match(text):
        digits = text.replace(".", "")
        message = (f"`{v.fact}` is a count, but `{text}` is not written as one: if the point "
                   f"groups thousands it is {digits.lstrip('+')}, if it is a decimal point it "
                   f"is {_show(v.value)}")
        hint = (f"write the count as digits only ({digits.lstrip('+')}); if the file writes "
                "numbers the Vietnamese way (1.234,5), read it with --decimal-comma "
                "(API: decimal_comma=True)")
    else:
        message = (f"`{v.fact}` is a count, but `{text}` is written with a decimal mark or an "
                   "exponent")
        hint = f"write the count as digits only: {_show(v.value)}"
    raise FactsError(message, path=v.origin.path, row=v.origin.row, column=v.origin.column,
                     code="E515", hint=hint)


def _build_index(values: tuple[FactValue, ...]) -> dict[tuple[str, str], dict[Period, FactValue]]:
    index: dict[tuple[str, str], dict[Period, FactValue]] = {}
    for v in values:
        key = (v.unit, v.fact)
        inner = index.get(key)
        if inner is None:
            index[key] = inner = {}
        elif v.period in inner:
            first = inner[v.period]
            raise FactsError(
                f"`{v.fact}` of unit `{v.unit}` for {v.period} is given twice; "
                f"first given at {_where(first.origin)}",
                path=v.origin.path, row=v.origin.row, column=v.origin.column, code="E506",
                hint="keep one row per (unit, period, fact)")
        inner[v.period] = v
    return index


def _show(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    from decimal import Decimal
    d = Decimal(value.numerator) / Decimal(value.denominator)
    return str(d) if Fraction(d) == value else str(value)


def _unknown_unit(v: FactValue, known: set[str] | frozenset[str]) -> None:
    close = difflib.get_close_matches(v.unit, sorted(known), n=1)
    hint = (f"did you mean `{close[0]}`?" if close
            else "add the unit to the units table, or correct the id")
    raise FactsError(f"unknown unit `{v.unit}`", path=v.origin.path, row=v.origin.row,
                     column=v.origin.unit_column, code="E507", hint=hint)


def _check_uom(v: FactValue, declared: str | None, kind: str) -> None:
    column = v.origin.uom_column or v.origin.column
    assert v.uom is not None
    try:
        given = kind_of_uom(v.uom)
        parse_uom(v.uom)
    except UomError:
        raise FactsError(f"unknown unit of measure `{v.uom}`", path=v.origin.path,
                         row=v.origin.row, column=column, code="E508",
                         hint="use a pint unit name: min, h, day, percent, VND …") from None
    if kind == "unknown":
        return
    decl = declared if declared not in (None, "") else "count"
    same = same_dimension(v.uom, None if kind == "count" else declared)
    if not same or (kind != "quantity" and given.name != kind):
        raise FactsError(
            f"`{v.fact}` is declared as `{decl}` ({kind_of_uom(declared).describe()}), "
            f"but this value is given in `{v.uom}` ({given.describe()})",
            path=v.origin.path, row=v.origin.row, column=column, code="E508",
            hint=f"give the value in `{decl}` or a unit of the same kind")


@dataclass(frozen=True, slots=True)
class Unit:
    """One row of a units table. ``attrs`` holds every column, the four
    required ones (``id``, ``name``, ``parent``, ``level``) included."""

    id: str
    name: str
    parent: str | None
    level: str
    attrs: dict[str, str] = field(compare=False, hash=False)
    row: int = field(default=0, compare=False, hash=False)


class UnitTable:
    """The hierarchy of units, in file order. Read it with ``read_units``."""

    __slots__ = ("_children", "_roots", "path", "units")

    def __init__(self, path: str, units: Mapping[str, Unit]) -> None:
        self.path = str(path)
        self.units: dict[str, Unit] = dict(units)
        children: dict[str, list[str]] = {uid: [] for uid in self.units}
        roots: list[str] = []
        for uid, unit in self.units.items():
            if unit.parent is None:
                roots.append(uid)
            elif unit.parent in children:
                children[unit.parent].append(uid)
        self._children = {k: tuple(v) for k, v in children.items()}
        self._roots = tuple(roots)

    @classmethod
    def flat(cls, ids: Iterable[str], path: str = "<units>") -> UnitTable:
        """A table of independent roots, for when no units table is given."""
        units = {uid: Unit(uid, uid, None, "", {"id": uid, "name": uid, "parent": "",
                                                 "level": ""}, 0)
                 for uid in dict.fromkeys(ids)}
        return cls(path, units)

    def __contains__(self, uid: object) -> bool:
        return uid in self.units

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self) -> Iterator[str]:
        return iter(self.units)

    def __getitem__(self, uid: str) -> Unit:
        return self.units[uid]

    def __repr__(self) -> str:
        return f"UnitTable({len(self.units)} units from {self.path})"

    def get(self, uid: str) -> Unit | None:
        return self.units.get(uid)

    def children(self, uid: str) -> tuple[str, ...]:
        """The direct children of ``uid``, in file order."""
        return self._children.get(uid, ())

    def descendants(self, uid: str) -> tuple[str, ...]:
        """The whole subtree below ``uid`` (``uid`` excluded), depth first, in file order."""
        out: list[str] = []
        stack = list(reversed(self.children(uid)))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(self._children.get(node, ())))
        return tuple(out)

    def ancestors(self, uid: str) -> tuple[str, ...]:
        """Parent, grandparent, … up to the root."""
        out: list[str] = []
        unit = self.units.get(uid)
        while unit is not None and unit.parent is not None:
            out.append(unit.parent)
            unit = self.units.get(unit.parent)
        return tuple(out)

    def roots(self) -> tuple[str, ...]:
        return self._roots

    def attribute(self, uid: str, key: str) -> str | None:
        """The value of column ``key`` for ``uid`` (``None``: no such unit or column).
        ``parent`` of a root is ``""``."""
        unit = self.units.get(uid)
        if unit is None:
            return None
        return unit.attrs.get(key)
