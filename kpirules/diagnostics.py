"""Diagnostics as data: source text, spans, codes, and one renderer.

A :class:`Span` holds 0-based, half-open character offsets into a :class:`Source`.
Lines and columns are 1-based and computed only when a diagnostic is printed;
columns count characters of the NFC-normalised line, so a Vietnamese letter
written with combining marks still takes one column and the caret lines up.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

_LINE_BREAK = re.compile(r"\r\n?|\n")
# shown as U+FFFD in a printed source line (one column each, so the caret stays put):
# control characters (NUL, ESC … would be invisible or drive the terminal) and lone
# surrogates
_SHOWN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# The stable code registry. Codes never change meaning; new ones are appended.
# Every code has an example in docs/diagnostics.md and a conformance case.
CODES: dict[str, str] = {
    # E1xx: syntax
    "E100": "the file cannot be read as a ruleset (missing, a directory, not UTF-8)",
    "E101": "unexpected character",
    "E102": "unexpected token",
    "E103": "unexpected end of file (an unclosed brace, string or list)",
    "E104": "unterminated string",
    "E105": "malformed number",
    "E106": "empty ruleset",
    "E107": "an expression nested deeper than the limit (parentheses, calls, signs, `not`)",
    "E108": "a number with more digits than the limit",
    "E109": "a ruleset larger than the size limit",
    # E2xx: names and declarations
    "E201": "undeclared fact",
    "E202": "fact declared twice",
    "E203": "objective id used twice",
    "E204": "part name used twice in one objective",
    "E205": "unknown aggregate",
    "E206": "undeclared source",
    "E207": "ruleset header missing, repeated or out of place",
    "E208": "a block objective without a measure and target (or parts)",
    "E209": "a field given twice in one objective",
    "E210": "unknown function",
    "E211": "wrong number of arguments",
    "E212": "source declared twice or option repeated",
    "E213": "a field that does not apply here",
    "E214": "a ruleset without any objective",
    # E3xx: units of measure
    "E301": "the measure and the threshold have different dimensions",
    "E302": "terms of different dimensions added, subtracted or compared inside a measure",
    "E303": "a count compared with a percentage",
    "E304": "unknown unit of measure",
    "E305": "division by a literal zero",
    "E306": "an aggregate that does not suit the fact",
    "E307": "a unit of measure too long, or with an exponent that is not a small integer",
    # E4xx: scopes and periods in rulesets
    "E401": "malformed period or date",
    "E402": "unknown cadence",
    "E403": "cadence does not fit the period",
    "E404": "a scope condition uses an operator scopes do not support",
    "E405": "a `between` whose lower bound is above its upper bound",
    # E5xx: data (facts, units tables, records, test files)
    "E500": "a data file cannot be read",
    "E501": "a data file cannot be read (missing, a directory, not UTF-8, empty, not valid "
            "JSON/YAML/xlsx, an unknown format)",
    "E502": "a data file's header or shape is not the expected one",
    "E503": "malformed period in a data file",
    "E504": "not a number (text, empty, a truth value, NaN or infinity) where a value belongs",
    "E505": "a negative or non-integer value of a count fact",
    "E506": "the same (unit, period, fact) given twice",
    "E507": "unknown unit id",
    "E508": "unknown unit of measure, or one of another dimension than the fact's",
    "E509": "a cycle in the units table",
    "E510": "a parent not in the units table",
    "E511": "a unit id given twice in the units table",
    "E512": "merged cells in a worksheet",
    "E514": "a required cell is empty (unit, period, fact or unit id)",
    "E515": "a count written with a decimal point or an exponent (`1.000`: a thousand or one?)",
    "E516": "a value beyond the limits of a data file (over 100 digits, or beyond 10^±100)",
    "E517": "a data file beyond a size limit (nesting, YAML aliases, workbook size or cells)",
    "E518": "a worksheet formula whose value was never saved",
    "E519": "an invisible or control character, or a lone surrogate, in a unit, fact or period",
    "E520": "a records source a derived fact uses is bound to no data (no `from`, no --source)",
    "E521": "a records file cannot be read (missing, an empty glob, a directory, empty, an "
            "unknown extension, not what its extension says, refused by the engine)",
    "E522": "a column the ruleset names is not in the records source",
    "E523": "a records column of the wrong type for its use (a sum of text, a period column "
            "without dates, text compared with a number)",
    "E524": "records name unit ids that are not in the units table",
    "E525": "a records period column holds a value that is not a date",
    "E526": "records with an empty unit id, not counted (a warning)",
    "E527": "a records cell that does not fit its column's type (DuckDB's guess from a CSV, "
            "or a column the ruleset compares as a date holding something else)",
    "E528": "the records do not cover the evaluated period: none of it, or (with "
            "--strict-coverage) only part of it",
    # W: lint warnings
    "W101": "a `warn` condition that can never trip",
    "W102": "a declared fact no objective uses",
    "W103": "a plain number compared with a ratio (`< 2` means 200%)",
    "W104": "a percentage above 100% or below 0% against a ratio that stays within 0–100%",
    "W201": "a unit's own value disagrees with the roll-up of its sub-units (fact-set lint)",
    "W202": "a fact in the data that the ruleset does not declare (its values are not used)",
    "W210": "a unit gives some of a measure's facts for a period but not all (fact-set lint)",
}


@dataclass(frozen=True, slots=True)
class Source:
    """A named text. ``name`` is what diagnostics print (a path or ``<string>``)."""

    name: str
    text: str = field(repr=False)
    _line_starts: tuple[int, ...] = field(default=(), repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self._line_starts:
            # a line ends at LF, CRLF or a lone CR, as the grammar reads them
            starts = [0]
            starts.extend(m.end() for m in _LINE_BREAK.finditer(self.text))
            object.__setattr__(self, "_line_starts", tuple(starts))

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and NFC column of a 0-based offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[line]
        prefix = self.text[start:offset]
        return line + 1, len(unicodedata.normalize("NFC", prefix)) + 1

    def line_text(self, line: int) -> str:
        start = self._line_starts[line - 1]
        brk = _LINE_BREAK.search(self.text, start)
        return self.text[start:brk.start() if brk is not None else len(self.text)]


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character offsets ``[start, end)`` into ``source``."""

    source: Source = field(repr=False)
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a ruleset. Picklable, comparable, printable once."""

    code: str
    message: str
    path: str
    line: int
    column: int
    start: int = 0
    end: int = 0
    severity: Severity = "error"
    label: str = ""
    notes: tuple[str, ...] = ()
    hint: str = ""

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def location(self) -> str:
        if self.line <= 0:  # the whole file (missing, unreadable): no position to give
            return self.path
        return f"{self.path}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}[{self.code}]: {self.message}"


def make(
    code: str,
    message: str,
    span: Span,
    *,
    label: str = "",
    notes: tuple[str, ...] | list[str] = (),
    hint: str = "",
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a diagnostic at ``span``; warnings are the codes starting with ``W``."""
    if code not in CODES:  # pragma: no cover - a programming error, caught by tests
        raise KeyError(f"unregistered diagnostic code {code}")
    line, col = span.source.line_col(span.start)
    sev: Severity = severity or ("warning" if code.startswith("W") else "error")
    return Diagnostic(
        code=code,
        message=message,
        path=span.source.name,
        line=line,
        column=col,
        start=span.start,
        end=span.end,
        severity=sev,
        label=label,
        notes=tuple(notes),
        hint=hint,
    )


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.path, d.start, d.end, d.code)


def render(diags: list[Diagnostic] | tuple[Diagnostic, ...], sources: dict[str, Source]) -> str:
    """Render diagnostics the rustc way: location line, source line, caret, notes."""
    out: list[str] = []
    for d in diags:
        out.append(str(d))
        src = sources.get(d.path)
        if src is not None and src.text and d.line >= 1:
            # a tab is one column in line:col; print it as one space so the caret lines up
            line_text = _SHOWN.sub("\ufffd", unicodedata.normalize("NFC", src.line_text(d.line))
                                   .replace("\t", " "))
            gutter = " " * len(str(d.line))
            out.append(f"{gutter} |")
            out.append(f"{d.line} | {line_text}")
            end_line, end_col = src.line_col(max(d.end, d.start))
            if end_line != d.line or end_col <= d.column:
                width = 1 if end_line == d.line else max(1, len(line_text) - d.column + 1)
            else:
                width = end_col - d.column
            caret = " " * (d.column - 1) + "^" * width
            out.append(f"{gutter} | {caret}" + (f" {d.label}" if d.label else ""))
            for note in d.notes:
                out.append(f"{gutter} = note: {note}")
            if d.hint:
                out.append(f"{gutter} = help: {d.hint}")
        else:
            for note in d.notes:
                out.append(f"  = note: {note}")
            if d.hint:
                out.append(f"  = help: {d.hint}")
        out.append("")
    # a lone surrogate (possible in text given to the API) cannot be written out
    return _SURROGATE.sub("\ufffd", "\n".join(out))
