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
from dataclasses import replace
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

NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+\Z", re.ASCII)
# --decimal-comma: `.` groups digits by three, `,` is the decimal mark (1.234,5).
_VN_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\Z", re.ASCII)

# Limits on one value (see docs/limits.md). A count of dossiers, an amount in VND or
# a time in minutes needs far less; past them a value is refused (E516), never
# rounded, and never allowed to cost time or memory out of proportion.
MAX_NUMBER_CHARS = 120   # characters in a number written as text (sign, point, exponent)
MAX_DIGITS = 100         # significant digits in a value
MAX_EXPONENT = 100       # a non-zero value lies between 10**-100 and 10**100
_TOO_BIG = 10 ** (MAX_EXPONENT + 1)
MAX_PERIOD_CHARS = 32    # a period is at most `2022-Q1`; longer text is refused unparsed

# Control characters, invisible ones (zero-width spaces and joiners, direction marks, a
# BOM inside the text, line and paragraph separators) and lone surrogates: refused in
# names (E519), where `u` and `u` + U+200B would silently be two units; escaped in
# messages, so that a message about them can always be printed.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064"
                         "\ufeff\ud800-\udfff]")

DECIMAL_COMMA_HINT = ("if the file writes numbers the Vietnamese way (1.234,5), read it with "
                      "--decimal-comma (API: decimal_comma=True)")


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates written as ``\\uXXXX``, so
    that a message about them can always be printed."""
    if UNPRINTABLE.search(text) is None:
        return text
    return UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
    """A cell that is not a number: ``message`` and ``hint`` for the FactsError, and
    its ``code`` (E504 not a number, E516 beyond the limits)."""

    def __init__(self, message: str, hint: str, code: str = "E504") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


# A value as read: (exact value, written with `%`, the text as written when it is not
# a plain integer — `1.000`, `0.5`, `1e3` — else None). The written text lets
# FactSet.check refuse `1.000` for a count, which the value alone (1) cannot.
Number = tuple[Fraction, bool, str | None]


def _too_long(t: str) -> BadNumber:
    return BadNumber(f"the number is {len(t)} characters long; a value in a data file has "
                     f"at most {MAX_DIGITS} digits", "check the cell: it is not a value a "
                     "fact can have", "E516")


def _out_of_range(shown: str) -> BadNumber:
    return BadNumber(f"`{shown}` is out of range: a value in a data file lies between "
                     f"1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT}",
                     "check the cell: it is not a value a fact can have", "E516")


def _exact(d: Decimal, shown: str) -> Fraction:
    """A finite Decimal → Fraction, within the limits (E516)."""
    if d:
        digits = len(d.as_tuple().digits)
        if digits > MAX_DIGITS:
            raise _too_long(shown)
        if not -MAX_EXPONENT <= d.adjusted() <= MAX_EXPONENT:
            raise _out_of_range(shown if len(shown) <= 40 else shown[:40] + "…")
        return Fraction(d)
    return Fraction(0)


def number_from_text(text: str, decimal_comma: bool = False) -> Number:
    """``"0.1"`` → (1/10, False, "0.1"); ``"81%"`` → (81, True, None). Raises BadNumber.

    With ``decimal_comma``, text is read as Vietnamese spreadsheets write it:
    ``1.234,5`` is 1234.5 and ``1.000`` is 1000; the grouping must be right."""
    t = text.strip()
    if len(t) > MAX_NUMBER_CHARS:
        raise _too_long(t)
    percent = t.endswith("%")
    if percent:
        t = t[:-1].rstrip()
    if t.isascii() and t.isdigit():
        if len(t) > MAX_DIGITS:
            raise _too_long(t)
        return Fraction(int(t)), percent, None
    if decimal_comma and ("," in t or "." in t):
        m = _VN_NUMBER.match(t)
        if m is None:
            raise BadNumber(f"`{printable(t)}` is not a number as written with a decimal "
                             "comma", "with --decimal-comma, `.` groups digits by three and "
                             "`,` is the decimal mark: 1.234,5 or 1234,5 or 1.000")
        sign, whole, frac = m.groups()
        d = Decimal(f"{sign}{whole.replace('.', '')}.{frac or '0'}")
        return _exact(d, t), percent, t if frac is not None else None
    if NUMBER.match(t):
        return (_exact(Decimal(t), t), percent,
                None if _INTEGER.match(t) else t)
    if not t:
        raise BadNumber("the value is empty", "write a number; leave the row out if there "
                         "is no value")
    shown = printable(text.strip())
    low = t.lower().lstrip("+-")
    if low in ("nan", "inf", "infinity", "#n/a", "#div/0!", "#value!", "#ref!", "#num!"):
        raise BadNumber(f"`{shown}` is not a finite number", "write a number")
    if "," in t:
        raise BadNumber(f"`{shown}` is not a number: is the comma a thousands "
                         "separator or a decimal comma?",
                         "write digits with no separator and a point for decimals, e.g. "
                         f"1234 or 1.5; {DECIMAL_COMMA_HINT}")
    if any(c.isspace() for c in t) or t.count(".") > 1:
        raise BadNumber(f"`{shown}` is not a number",
                         "write digits with no separator and a point for decimals, e.g. "
                         f"1234; {DECIMAL_COMMA_HINT}")
    raise BadNumber(f"`{shown}` is not a number", "write a number, e.g. 12 or 0.5")


class Written(str):
    """A number token as the file wrote it (a JSON number): read from its text, with
    a decimal point, never with a decimal comma."""

    __slots__ = ()


def number_from_any(raw: Any, decimal_comma: bool = False) -> Number | None:
    """Any cell → Number, ``None`` for an empty cell. BadNumber otherwise.

    Text is read as written (``decimal_comma`` applies); numbers held as numbers
    (an Excel numeric cell, a Python int, float, Decimal or Fraction) are numbers."""
    if raw is None:
        return None
    kind = type(raw)
    if kind is str:
        if not raw.strip():
            return None
        return number_from_text(raw, decimal_comma)
    if kind is Written:
        return number_from_text(raw)
    if kind is bool:
        raise BadNumber(f"`{str(raw).lower()}` is a truth value, not a number",
                         "write a number")
    if kind is int:
        return _whole(raw), False, None
    if kind is float:
        if not math.isfinite(raw):
            raise BadNumber(f"`{raw}` is not a finite number", "write a number")
        return _exact(Decimal(repr(raw)), repr(raw)), False, None
    if kind is Decimal:
        if not raw.is_finite():
            raise BadNumber(f"`{raw}` is not a finite number", "write a number")
        return _exact(raw, str(raw)), False, None
    if kind is Fraction:
        if raw and (abs(raw) >= _TOO_BIG or abs(raw) * _TOO_BIG <= 1
                    or raw.denominator.bit_length() > 4 * MAX_DIGITS):
            raise _out_of_range(str(raw) if len(str(raw)) <= 40 else "the fraction")
        return raw, False, None
    if isinstance(raw, (datetime, date, time)):
        raise BadNumber(f"a date or time ({raw}) is not a number",
                         "format the cell as a number")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return _whole(int(raw)), False, None
    raise BadNumber(f"`{printable(repr(raw)[:60])}` is not a number", "write a number")


def _whole(n: int) -> Fraction:
    if abs(n) >= _TOO_BIG:
        raise BadNumber(f"the number is larger than 1e{MAX_EXPONENT}: a value in a data file "
                        f"lies between 1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT}",
                        "check the cell: it is not a value a fact can have", "E516")
    return Fraction(n)


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

    def __init__(self, path: str, decimal_comma: bool = False) -> None:
        self.path = path
        self.decimal_comma = decimal_comma
        self.values: list[FactValue] = []
        self._names: dict[str, str] = {}
        self._periods: dict[Any, Period] = {}
        self._numbers: dict[str, Number] = {}
        self._uoms: dict[str, str | None] = {}

    def error(self, message: str, row: int | None, column: str | None, code: str,
              hint: str = "") -> FactsError:
        return FactsError(printable(message), path=self.path, row=row,
                          column=None if column is None else printable(column), code=code,
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
        bad = UNPRINTABLE.search(text)
        if bad is not None:
            raise self.error(f"the {what} `{text[:60]}` holds the invisible or control "
                             f"character \\u{ord(bad.group()):04x}", row, column, "E519",
                             f"write the {what} as plain text (letters, digits, `-`, `_`, "
                             "spaces)")
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
        if len(text) > MAX_PERIOD_CHARS:
            raise self.error(f"`{text[:20]}…` ({len(text)} characters) is not a period", row,
                             column, "E503", "write 2022, 2022-Q1 or 2022-03")
        try:
            period = parse_period(text)
        except PeriodSyntaxError as exc:
            raise self.error(str(exc), row, column, "E503") from None
        if type(raw) is str or type(raw) is int:
            self._periods[raw] = period
        return period

    def number(self, raw: Any, row: int, column: str) -> Number | None:
        if type(raw) is str:
            hit = self._numbers.get(raw)
            if hit is not None:
                return hit
            if not raw or raw.isspace():
                return None
            try:
                result = number_from_text(raw, self.decimal_comma)
            except BadNumber as exc:
                raise self.error(exc.message, row, column, exc.code, exc.hint) from None
            if len(self._numbers) < 65536:
                self._numbers[raw] = result
            return result
        try:
            return number_from_any(raw, self.decimal_comma)
        except BadNumber as exc:
            raise self.error(exc.message, row, column, exc.code, exc.hint) from None

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

    def add(self, unit: str, period: Period, fact: str, number: Number,
            uom: str | None, origin: Origin) -> None:
        value, percent, written = number
        if percent:
            if uom is not None and uom != "percent":
                raise self.error(
                    f"the value is written with `%` but its unit of measure is `{uom}`",
                    origin.row, origin.uom_column or origin.column, "E508",
                    "write the value without `%`, or leave the unit of measure empty")
            if uom is None and origin.uom_column is not None:
                # the unit of measure is the value's own `%`: errors point at the value
                origin = replace(origin, uom_column=None)
            uom = "percent"
        if written is not None:
            origin = replace(origin, text=written)
        self.values.append(FactValue(unit, period, fact, value, uom, origin))

    def factset(self) -> FactSet:
        return FactSet(self.values, (self.path,))
