"""Fuzzing the data readers with hostile values (issue 9).

Long and wide CSV, JSON and YAML fact files are built from hostile pieces — numbers
of thousands of digits, huge and tiny exponents, `1.000` and `1,5`, control
characters, NUL bytes, lone surrogates, byte-order marks, every line ending, empty
cells, deep nesting, YAML anchors and aliases — and read with and without
``decimal_comma``. Each file either reads into a FactSet (which ``check`` then
validates against declared counts, minutes and percentages) or raises FactsError
naming the file and, for a problem in a cell, its row and column; the error renders
as UTF-8. Never another exception, and never more than a few seconds per input.

The unit-of-measure cell is kept to a few plain names: parsing units of measure is
fuzzed with the units module.
"""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpirules.errors import FactsError
from kpirules.facts import FactSet, read_facts

# Small by default (the whole suite stays fast); `--hypothesis-profile fuzz` runs more.
_EXAMPLES = 40 if settings.default.max_examples <= 200 else settings.default.max_examples
HOSTILE = settings(max_examples=_EXAMPLES, deadline=timedelta(seconds=5),
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DECLARED = {"resolved": "count", "late": None, "wait_total": "min",
            "satisfaction": "percent"}
# codes about one cell: they must say where
CELL_CODES = {"E503", "E504", "E505", "E506", "E508", "E514", "E515", "E516", "E519"}

_NUMBERS = st.one_of(
    st.integers(min_value=-10, max_value=10 ** 6).map(str),
    st.sampled_from(["1.000", "12.345", "1.234.567", "1,5", "1.234,5", "1.23,4", "0.1",
                     "81%", "3 %", "-0", "+5", "1e3", "1E-3", "1e4400", "1e-9999",
                     "1e99999999", "0e-9999", ".5", "5.", "NaN", "inf", "-Infinity",
                     "#DIV/0!", "", " ", "1_000", "0x1F", "١٢٣", "１２", "½"]),
    st.integers(min_value=90, max_value=6000).map(lambda n: "9" * n),
    st.integers(min_value=90, max_value=400).map(lambda n: "0." + "0" * n + "1"),
    st.builds(lambda a, e: f"{a}e{e}", st.integers(0, 99),
              st.integers(-100_000, 100_000)),
)
_NASTY = st.sampled_from(["\x00", "\r", "\n", "\t", "\x1b", "\x7f", "\x85", "\u2028",
                          "\ufeff", "\ud800", "\udfff", '"', ",", ";", "'", "%", "\\"])
_TEXT = st.text(st.characters(codec="utf-8") | _NASTY, max_size=12)
# mostly plausible names and periods (so that values get read), sometimes anything
_GOOD_NAMES = st.sampled_from(["u", "tthcc", "dong-hai", "Đông Hải", "resolved", "late",
                               "wait_total", "satisfaction", "2022", "2022-Q1", "2022-03",
                               "2022-13", "2022-Q5", "99999", "0000", ""])
_NAMES = st.one_of(_GOOD_NAMES, _GOOD_NAMES, _GOOD_NAMES, _TEXT)
_VALUES = st.one_of(_NUMBERS, _NUMBERS, _NUMBERS, _TEXT,
                    st.tuples(_NUMBERS, _NASTY).map("".join))
_UOMS = st.sampled_from(["", "h", "min", "%", "percent", "count", "day", "xyz"])
_GOOD_PERIODS = st.sampled_from(["2022", "2022-Q1", "2022-03", "2022-3"])
_PERIODS = st.one_of(_GOOD_PERIODS, _GOOD_PERIODS, _GOOD_PERIODS, _TEXT, st.sampled_from(
    ["2022-13", "2022-Q0", "2022-" + "9" * 5000, "2022-Q" + "1" * 4400, "", "2022-01-01",
     "9999-12", "0000"]))
_GOOD_FACTS = st.sampled_from(["resolved", "late", "wait_total", "satisfaction"])
_FACTS = st.one_of(_GOOD_FACTS, _GOOD_FACTS, _GOOD_FACTS, _TEXT,
                   st.sampled_from(["score", "", "fact", "value"]))


def _assert_clean(source: Path, decimal_comma: bool) -> None:
    try:
        fs = read_facts(source, decimal_comma=decimal_comma)
        assert isinstance(fs, FactSet)
        for w in fs.check(DECLARED, None):
            w.encode("utf-8")
    except FactsError as exc:
        assert exc.path == str(source), exc.render()
        assert exc.code.startswith("E5"), exc.render()
        exc.render().encode("utf-8")  # printable, whatever the input held
        if exc.code in CELL_CODES:
            assert exc.row is not None and exc.column is not None, exc.render()


def _write(name: str, data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kpirules-hostile-"))
    path = folder / name
    path.write_bytes(data)
    return path


def _encode(text: str, bom: bool) -> bytes:
    # lone surrogates become bytes that are not UTF-8: the reader must say so (E501)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass")


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',;"\r\n') else text


_LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@HOSTILE
@given(rows=st.lists(st.tuples(_NAMES, _PERIODS, _FACTS, _VALUES, _UOMS), max_size=6),
       end=_LINE_ENDS, bom=st.booleans(), delimiter=st.sampled_from([",", ";", "\t"]),
       uom=st.booleans(), decimal_comma=st.booleans(), extra=st.sampled_from(["", "note"]))
@example(rows=[("u", "2022", "resolved", "9" * 5000, "")], end="\n", bom=False,
         delimiter=",", uom=False, decimal_comma=False, extra="")
@example(rows=[("\x00", "2022", "late", "1e-9999", "h")], end="\r", bom=True, delimiter=";",
         uom=True, decimal_comma=True, extra="note")
def test_long_csv(rows: list[tuple[str, ...]], end: str, bom: bool, delimiter: str,
                  uom: bool, decimal_comma: bool, extra: str) -> None:
    header = ["unit", "period", "fact", "value"] + (["uom"] if uom else []) + \
        ([extra] if extra else [])
    lines = [delimiter.join(header)]
    for r in rows:
        cells = list(r[:4]) + ([r[4]] if uom else [])
        lines.append(delimiter.join(_csv_cell(c) for c in cells))
    _assert_clean(_write("f.csv", _encode(end.join(lines) + end, bom)), decimal_comma)


@HOSTILE
@given(facts=st.lists(_FACTS, min_size=1, max_size=4),
       rows=st.lists(st.tuples(_NAMES, _PERIODS, st.lists(_VALUES, max_size=5)), max_size=5),
       end=_LINE_ENDS, bom=st.booleans(), decimal_comma=st.booleans())
def test_wide_csv(facts: list[str], rows: list[tuple[str, str, list[str]]], end: str,
                  bom: bool, decimal_comma: bool) -> None:
    lines = [",".join(["unit", "period"] + [_csv_cell(f) for f in facts])]
    for unit, period, values in rows:
        lines.append(",".join(_csv_cell(c) for c in [unit, period, *values]))
    _assert_clean(_write("f.csv", _encode(end.join(lines), bom)), decimal_comma)


# JSON: texts built from tokens, so numbers keep the form they were written in
_JSON_NUMBERS = _NUMBERS.filter(lambda t: _is_json_number(t))
_JSON_SCALARS = st.one_of(_JSON_NUMBERS, st.sampled_from(["true", "false", "null", "NaN",
                                                          "Infinity", "[]", "{}"]),
                          _VALUES.map(lambda t: json.dumps(t)),
                          st.sampled_from(['"\\ud800"', '"\\udfff\\u0000"', '"a\\u0000b"']))


def _is_json_number(t: str) -> bool:
    try:
        json.loads(t, parse_int=str, parse_float=str)
    except ValueError:
        return False
    return t.strip() == t and bool(t)


def _json_key(text: str) -> str:
    return json.dumps(text)


@st.composite
def _json_texts(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["rows", "rows", "nested", "nested", "deep", "garbage"]))
    if shape == "deep":
        n = draw(st.sampled_from([50, 99, 100, 101, 150, 999, 1000, 5000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        inner = draw(_JSON_SCALARS)
        return opener * n + inner + closer * n
    if shape == "garbage":
        return draw(st.text(st.sampled_from('[]{}",:0123456789.eE-+ \\ntruefalsn'),
                            max_size=60))
    if shape == "rows":
        entries = []
        for _ in range(draw(st.integers(1, 4))):
            keys = draw(st.one_of(
                st.just(["unit", "period", "fact", "value"]),
                st.just(["unit", "period", "fact", "value", "uom"]),
                st.lists(st.sampled_from(["unit", "period", "fact", "value", "uom", "note"]),
                         min_size=3, max_size=6)))
            parts = []
            for k in keys:
                v = (draw(_JSON_SCALARS) if k == "value" else
                     json.dumps(draw(_UOMS)) if k == "uom" else
                     draw(st.one_of(_NAMES.map(json.dumps), _JSON_NUMBERS)))
                parts.append(f"{_json_key(k)}: {v}")
            entries.append("{" + ", ".join(parts) + "}")
        return "[" + ", ".join(entries) + "]"
    units = []
    for _ in range(draw(st.integers(1, 3))):
        periods = []
        for _ in range(draw(st.integers(1, 2))):
            facts = [f"{_json_key(draw(_FACTS))}: {draw(_JSON_SCALARS)}"
                     for _ in range(draw(st.integers(1, 3)))]
            periods.append(f"{_json_key(draw(_PERIODS))}: {{{', '.join(facts)}}}")
        units.append(f"{_json_key(draw(_NAMES))}: {{{', '.join(periods)}}}")
    return "{" + ", ".join(units) + "}"


@HOSTILE
@given(text=_json_texts(), bom=st.booleans(), decimal_comma=st.booleans())
@example(text="[" * 100_000 + "]" * 100_000, bom=False, decimal_comma=False)
@example(text='[{"unit": "\\ud800", "period": "2022", "fact": "late", "value": 1}]',
         bom=False, decimal_comma=False)
@example(text='[{"unit": "u", "period": "2022", "fact": "late", "value": ' + "9" * 5000
         + "}]", bom=True, decimal_comma=False)
def test_json(text: str, bom: bool, decimal_comma: bool) -> None:
    _assert_clean(_write("f.json", _encode(text, bom)), decimal_comma)


def _yaml_scalar(t: str) -> str:
    # a JSON string is a YAML double-quoted scalar (YAML has no surrogate escapes)
    if any("\ud800" <= c <= "\udfff" for c in t):
        return json.dumps(t)
    return json.dumps(t, ensure_ascii=False)


_YAML_SCALARS = st.one_of(_NUMBERS.filter(lambda t: t and t.strip() == t
                                          and not any(c in t for c in ":#,[]{}&*!|>'\"%@`")),
                          _VALUES.map(_yaml_scalar),
                          st.sampled_from(["yes", "no", "~", "null", "2022-03-01", ".inf",
                                           ".nan", "0o17", "1_000", "0x" + "f" * 5000,
                                           "1_" * 3000 + "1"]))


@st.composite
def _yaml_texts(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["rows", "rows", "nested", "nested", "deep", "aliases"]))
    if shape == "deep":
        n = draw(st.sampled_from([50, 100, 101, 500, 5000]))
        return "[" * n + "1" + "]" * n
    if shape == "aliases":
        depth = draw(st.integers(1, 9))
        lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]"
                  for i in range(1, depth + 1)]
        return "\n".join(lines) + "\n"
    if shape == "rows":
        rows = []
        for _ in range(draw(st.integers(1, 4))):
            rows.append("- {unit: %s, period: %s, fact: %s, value: %s}" % (
                _yaml_scalar(draw(_NAMES)), _yaml_scalar(draw(_PERIODS)),
                _yaml_scalar(draw(_FACTS)), draw(_YAML_SCALARS)))
        return "\n".join(rows) + "\n"
    out = []
    for _ in range(draw(st.integers(1, 3))):
        out.append(f"{_yaml_scalar(draw(_NAMES))}:")
        for _ in range(draw(st.integers(1, 2))):
            out.append(f"  {_yaml_scalar(draw(_PERIODS))}:")
            for _ in range(draw(st.integers(1, 3))):
                out.append(f"    {_yaml_scalar(draw(_FACTS))}: {draw(_YAML_SCALARS)}")
    return "\n".join(out) + "\n"


@HOSTILE
@given(text=_yaml_texts(), end=_LINE_ENDS, bom=st.booleans(), decimal_comma=st.booleans())
@example(text="u:\n  2022:\n    late: " + "9" * 5000 + "\n", end="\n", bom=False,
         decimal_comma=False)
def test_yaml(text: str, end: str, bom: bool, decimal_comma: bool) -> None:
    _assert_clean(_write("f.yaml", _encode(text.replace("\n", end), bom)), decimal_comma)


@HOSTILE
@given(rows=st.lists(st.fixed_dictionaries({
    "unit": _NAMES, "period": _PERIODS | st.integers(-10, 10_000), "fact": _FACTS,
    "value": _VALUES | st.integers(-10 ** 200, 10 ** 200) | st.floats()
    | st.decimals(allow_nan=True) | st.fractions(max_denominator=10 ** 150)
    | st.booleans() | st.none()}), max_size=5), decimal_comma=st.booleans())
def test_rows_in_memory(rows: list[dict[str, object]], decimal_comma: bool) -> None:
    try:
        fs = read_facts(rows, decimal_comma=decimal_comma)
        fs.check(DECLARED, None)
    except FactsError as exc:
        assert exc.path == "<facts>"
        exc.render().encode("utf-8")
        if exc.code in CELL_CODES:
            assert exc.row is not None and exc.column is not None, exc.render()
