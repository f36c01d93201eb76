"""Units of measure: the one pint registry, and the *kind* of a value.

pint calls counts and percentages both dimensionless, so kpirules tracks a kind
on top of the dimension:

* ``count``    — a number of items (``fact late : count``)
* ``ratio``    — a fraction of one (``count / count``, ``percent`` facts, ``2%``)
* ``number``   — a plain number literal (``1``, ``100``), fits with anything dimensionless
* ``quantity`` — a value with a dimension (``min``, ``h``, ``VND``)

Conversion factors are exact: the registry works in :class:`fractions.Fraction`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction

import pint

__all__ = ["registry", "parse_uom", "Kind", "kind_of_uom", "factor", "UomError",
           "MAX_UOM_LENGTH", "MAX_UOM_EXPONENT"]

# Limits on a unit of measure's text, checked before pint sees it (pint's parser is
# quadratic in the length of a name, and an exponent such as ``min^99999999`` would
# raise 60 to that power exactly). The same guard serves rulesets and data files.
MAX_UOM_LENGTH = 64  # characters
MAX_UOM_EXPONENT = 4  # |n| in ``m^n``: an integer; 4 is more than any measure needs

_POWER = re.compile(r"(?:\^|\*\*)\s*(-?\s*[0-9.]+)")


class UomError(ValueError):
    """A unit of measure pint does not know, or one outside kpirules' limits.

    ``code`` is the diagnostic code a ruleset reports it with: E304 (unknown) or
    E307 (too long, or an exponent that is not a small integer)."""

    def __init__(self, message: str, code: str = "E304") -> None:
        super().__init__(message)
        self.code = code


@functools.cache
def registry() -> pint.UnitRegistry:
    reg = pint.UnitRegistry(non_int_type=Fraction, autoconvert_offset_to_baseunit=True)
    # Money, as these offices budget it. A currency is its own dimension: never
    # converted to another one.
    reg.define("VND = [currency] = dong = đồng")
    reg.define("thousand_VND = 1000 VND = kVND")
    reg.define("million_VND = 1000000 VND = trVND")
    # Items: `count` is pint's own; these are the words offices use for them.
    reg.define("item = count = items")
    reg.define("dossier = count = dossiers = ho_so")
    return reg


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _guard(t: str) -> None:
    """Refuse what pint must never be asked to parse: very long text, exponents that
    are not small integers, an exponent on a dimensionless unit."""
    if len(t) > MAX_UOM_LENGTH:
        raise UomError(f"a unit of measure of {len(t)} characters (`{_shown(t)}`): at most "
                       f"{MAX_UOM_LENGTH} are allowed", "E307")
    for m in _POWER.finditer(t):
        power = m.group(1).replace(" ", "")
        if not re.fullmatch(r"-?[0-9]{1,2}", power) or abs(int(power)) > MAX_UOM_EXPONENT:
            raise UomError(f"unit of measure `{_shown(t)}`: the exponent {power} is not an "
                           f"integer from -{MAX_UOM_EXPONENT} to {MAX_UOM_EXPONENT}", "E307")


@functools.lru_cache(maxsize=512)
def parse_uom(text: str) -> pint.Unit:
    """``"min"``, ``"h"``, ``"/month"``, ``"percent"`` → a pint Unit, or UomError.

    The one guarded entry to pint for units of measure, for rulesets and data files
    alike: nothing pint raises (or hangs on) gets past it."""
    t = (text or "").strip()
    if not t:
        return registry().dimensionless
    _guard(t)
    if t.startswith("/"):
        t = "1" + t
    t = t.replace("^", "**")
    try:
        unit = registry().parse_units(t)
        dims = unit.dimensionality
        magnitude, _ = registry().get_base_units(unit)
        Fraction(magnitude)  # type: ignore[call-overload]  # an exact factor, or raise
    except Exception as exc:  # pint raises several unrelated types here
        raise UomError(f"unknown unit of measure `{_shown(text)}`") from exc
    if not dims and _POWER.search(t):
        raise UomError(f"unit of measure `{_shown(text)}`: a count or a percentage takes "
                       "no exponent", "E307")
    return unit


@dataclass(frozen=True, slots=True)
class Kind:
    """What a value is: its kind and its pint dimensionality (as a sorted tuple)."""

    name: str  # count | ratio | number | quantity
    dims: tuple[tuple[str, Fraction], ...] = ()

    @property
    def dimensionless(self) -> bool:
        return not self.dims

    def describe(self) -> str:
        if self.name == "quantity":
            return "a quantity of " + " ".join(f"{d.strip('[]')}" + (f"^{p}" if p != 1 else "")
                                              for d, p in self.dims)
        return {"count": "a count", "ratio": "a ratio (percentage)",
                "number": "a plain number"}[self.name]


COUNT = Kind("count")
RATIO = Kind("ratio")
NUMBER = Kind("number")


def dims_of(unit: pint.Unit) -> tuple[tuple[str, Fraction], ...]:
    return tuple(sorted((str(k), Fraction(v)) for k, v in unit.dimensionality.items()))


def kind_of_uom(text: str | None) -> Kind:
    """The kind of a declared fact unit."""
    if text is None or text.strip() in ("", "count", "1"):
        return COUNT
    unit = parse_uom(text)
    dims = dims_of(unit)
    if dims:
        return Kind("quantity", dims)
    # never str() a pint unit: its formatter fails on exponents held as Fractions
    if dict(unit._units) in ({"count": 1}, {"item": 1}, {"dossier": 1}):
        return COUNT
    if factor(text) != 1:  # percent, permille
        return RATIO
    return COUNT


@functools.lru_cache(maxsize=512)
def factor(text: str | None) -> Fraction:
    """The exact factor from ``text`` to its base units (``min`` → 60, ``%`` → 1/100)."""
    if text is None or not text.strip():
        return Fraction(1)
    unit = parse_uom(text)
    magnitude, _ = registry().get_base_units(unit)
    return Fraction(magnitude)


def same_dimension(a: str | None, b: str | None) -> bool:
    return dims_of(parse_uom(a or "")) == dims_of(parse_uom(b or ""))
