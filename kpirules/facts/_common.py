"""What every reader shares: reading a file's text, exact numbers, periods,
names, and the builder that turns cells into :class:`FactValue` objects.

Cells may be text (CSV, YAML keys), ints, floats, Decimals or Fractions (JSON,
xlsx, in-memory rows); each helper takes any of them and raises
:class:`FactsError` with the file, row and column.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import FactsError
from ..periods import Period, PeriodSyntaxError, parse_period
from ..units import UomError, parse_uom
from .models import FactSet, FactValue, Origin

UTF8_HINT = "save the file as UTF-8 (Excel: Save As → CSV UTF-8)"

NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?\Z", re.ASCII)


def nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def check_path(source: str | Path, name: str) -> Path:
    """The path, or FactsError E501 when it is missing or a directory."""
    path = Path(source)
    if path.is_dir():
        raise FactsError("this is a directory, not a data file", path=name, code="E501")
    if not path.exists():
        raise FactsError("no such file", path=name, code="E501",
                         hint="check the path (it is relative to the current directory)")
    return path


def read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FactsError(f"cannot read the file: {exc.strerror or exc}", path=name,
                         code="E501") from None


def decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is fine) → text; E501 naming the row and the byte otherwise,
    and for an empty file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FactsError("the file is UTF-16, not UTF-8", path=name, row=1, code="E501",
                         hint=UTF8_HINT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start:exc.start].decode("utf-8", "replace")) + 1
        raise FactsError(
            f"byte 0x{data[exc.start]:02X} at character {col} of row {row} is not UTF-8 "
            "(the file is in another encoding, e.g. Windows-1258 or Latin-1)",
            path=name, row=row, code="E501", hint=UTF8_HINT) from None
    if not text.strip():
        raise FactsError("the file is empty", path=name, code="E501",
                         hint="a fact file needs a header and at least a row of data")
    return text


class BadNumber(ValueError):
    """A cell that is not a number: ``message`` and ``hint`` for the FactsError."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def number_from_text(text: str) -> tuple[Fraction, bool]:
    """``"0.1"`` → (1/10, False); ``"81%"`` → (81, True). Raises BadNumber."""
    t = text.strip()
    percent = t.endswith("%")
    if percent:
        t = t[:-1].rstrip()
    if t.isascii() and t.isdigit():
        return Fraction(int(t)), percent
    if NUMBER.match(t):
        return Fraction(Decimal(t)), percent
    if not t:
        raise BadNumber("the value is empty", "write a number; leave the row out if there "
                         "is no value")
    low = t.lower().lstrip("+-")
    if low in ("nan", "inf", "infinity", "#n/a", "#div/0!", "#value!", "#ref!", "#num!"):
        raise BadNumber(f"`{text.strip()}` is not a finite number", "write a number")
    if "," in t:
        raise BadNumber(f"`{text.strip()}` is not a number: is the comma a thousands "
                         "separator or a decimal comma?",
                         "write digits with no separator and a point for decimals, e.g. "
                         "1234 or 1.5")
    if any(c.isspace() for c in t) or t.count(".") > 1:
        raise BadNumber(f"`{text.strip()}` is not a number",
                         "write digits with no separator and a point for decimals, e.g. 1234")
    raise BadNumber(f"`{text.strip()}` is not a number", "write a number, e.g. 12 or 0.5")


def number_from_any(raw: Any) -> tuple[Fraction, bool] | None:
    """Any cell → (exact value, is percent), ``None`` for an empty cell. BadNumber otherwise."""
    if raw is None:
        return None
    kind = type(raw)
    if kind is str:
        if not raw.strip():
            return None
        return number_from_text(raw)
    if kind is bool:
        raise BadNumber(f"`{str(raw).lower()}` is a truth value, not a number",
                         "write a number")
    if kind is int:
        return Fraction(raw), False
    if kind is float:
        if not math.isfinite(raw):
            raise BadNumber(f"`{raw}` is not a finite number", "write a number")
        return Fraction(Decimal(repr(raw))), False
    if kind is Decimal:
        if not raw.is_finite():
            raise BadNumber(f"`{raw}` is not a finite number", "write a number")
        return Fraction(raw), False
    if kind is Fraction:
        return raw, False
    if isinstance(raw, (datetime, date, time)):
        raise BadNumber(f"a date or time ({raw}) is not a number",
                         "format the cell as a number")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Fraction(int(raw)), False
    raise BadNumber(f"`{raw!r}` is not a number", "write a number")


def text_of(raw: Any) -> str:
    """A name cell → stripped text ('' when empty); ints are accepted as text."""
    if raw is None:
        return ""
    if type(raw) is str:
        return raw.strip()
    if type(raw) is int:
        return str(raw)
    if type(raw) is float and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


class Builder:
    """Accumulates the values of one file, with caches for repeated cells."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.values: list[FactValue] = []
        self._names: dict[str, str] = {}
        self._periods: dict[Any, Period] = {}
        self._numbers: dict[str, tuple[Fraction, bool]] = {}
        self._uoms: dict[str, str | None] = {}

    def error(self, message: str, row: int | None, column: str | None, code: str,
              hint: str = "") -> FactsError:
        return FactsError(message, path=self.path, row=row, column=column, code=code,
                          hint=hint)

    def name(self, raw: Any, row: int, column: str, what: str) -> str:
        if type(raw) is str:
            hit = self._names.get(raw)
            if hit is not None:
                return hit
        text = nfc(text_of(raw))
        if not text:
            raise self.error(f"the {what} is empty", row, column, "E514",
                             f"every row needs a {what}")
        if type(raw) is str:
            self._names[raw] = text
        return text

    def period(self, raw: Any, row: int, column: str) -> Period:
        if type(raw) is str or type(raw) is int:
            hit = self._periods.get(raw)
            if hit is not None:
                return hit
        if isinstance(raw, (datetime, date)):
            raise self.error(f"the period is a date ({raw:%Y-%m-%d}), not a period", row,
                             column, "E503", "format the period column as text and write "
                             "2022, 2022-Q1 or 2022-03")
        if type(raw) is float and not raw.is_integer():
            raise self.error(f"the period is the number {raw}, not a period", row, column,
                             "E503", "format the period column as text and write "
                             "2022, 2022-Q1 or 2022-03")
        if raw is None or type(raw) is bool:
            text = "" if raw is None else str(raw).lower()
        else:
            text = text_of(raw)
        if not text:
            raise self.error("the period is empty", row, column, "E514",
                             "every row needs a period: 2022, 2022-Q1 or 2022-03")
        try:
            period = parse_period(text)
        except PeriodSyntaxError as exc:
            raise self.error(str(exc), row, column, "E503") from None
        if type(raw) is str or type(raw) is int:
            self._periods[raw] = period
        return period

    def number(self, raw: Any, row: int, column: str) -> tuple[Fraction, bool] | None:
        if type(raw) is str:
            hit = self._numbers.get(raw)
            if hit is not None:
                return hit
            if not raw or raw.isspace():
                return None
            try:
                result = number_from_text(raw)
            except BadNumber as exc:
                raise self.error(exc.message, row, column, "E504", exc.hint) from None
            if len(self._numbers) < 65536:
                self._numbers[raw] = result
            return result
        try:
            return number_from_any(raw)
        except BadNumber as exc:
            raise self.error(exc.message, row, column, "E504", exc.hint) from None

    def uom(self, raw: Any, row: int, column: str) -> str | None:
        """A unit of measure cell → normalised text (``%`` → ``percent``) or ``None``."""
        if type(raw) is str and raw in self._uoms:
            return self._uoms[raw]
        text = nfc(text_of(raw))
        result: str | None
        if not text:
            result = None
        else:
            result = "percent" if text == "%" else text
            try:
                parse_uom(result)
            except UomError as exc:  # the guarded parser: limits on length and exponents
                raise self.error(str(exc), row, column, "E508",
                                 "use a pint unit name: min, h, day, percent, VND … (exponents "
                                 "are small integers: m^2)") from None
        if type(raw) is str:
            self._uoms[raw] = result
        return result

    def add(self, unit: str, period: Period, fact: str, number: tuple[Fraction, bool],
            uom: str | None, origin: Origin) -> None:
        value, percent = number
        if percent:
            if uom is not None and uom != "percent":
                raise self.error(
                    f"the value is written with `%` but its unit of measure is `{uom}`",
                    origin.row, origin.uom_column or origin.column, "E508",
                    "write the value without `%`, or leave the unit of measure empty")
            uom = "percent"
        self.values.append(FactValue(unit, period, fact, value, uom, origin))

    def factset(self) -> FactSet:
        return FactSet(self.values, (self.path,))
