"""Regression tests on targets: fixed facts in, expected rows out.

    text, code = run(["tests/targets/"])                  # what `kpirules test` prints
    tf = load_test_file("tests/targets/ha-long-2022.kpitest.yaml")
    result = check_test(tf, tf.tests[0])                 # one test (the pytest plugin)

A test file names a ruleset (and optionally a units table), then tests: each gives facts
(files and/or inline rows), an optional period, and expectations. An expectation is a
mapping of result-row keys (the JSON keys of ``--format json``); it must match exactly
one row of the evaluation. ``actual``, ``threshold``, ``gap`` (and ``upper``,
``previous``, ``change``) compare as exact rationals, never as floats: ``0.999``,
``"999/1000"`` and ``99.9%`` are the same number. Keys an expectation does not name
match anything.

Exit codes: 0 every expectation holds, 1 some expectation fails, 2 a test file is invalid
or its ruleset, units table or facts cannot be used (the valid files still run), 3 a bug
in kpirules.
"""

from __future__ import annotations

import argparse
import difflib
import glob
import os
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO, get_args

import yaml

from .errors import EvaluationError, FactsError, KpiError, RulesetError
from .facts import FactSet, UnitTable, merge, read_facts, read_units
from .periods import PeriodSyntaxError, parse_period
from .results import ResultRow, Verdict
from .ruleset import Ruleset, load

__all__ = [
    "Expectation",
    "FileResult",
    "TargetTest",
    "TestFile",
    "TestFileError",
    "TestResult",
    "add_parser",
    "check_test",
    "cli",
    "exit_code",
    "load_test_file",
    "main",
    "match_rows",
    "render_junit",
    "render_text",
    "run",
    "run_files",
]

SUFFIX = ".kpitest.yaml"
TOP_KEYS = ("ruleset", "units", "tests")
TEST_KEYS = ("name", "facts", "facts_inline", "sources", "period", "expect")
ROW_KEYS = tuple(ResultRow.model_fields)
EXACT_KEYS = frozenset({"actual", "threshold", "gap", "upper", "previous", "change"})
INT_KEYS = frozenset({"needed", "budget"})
BOOL_KEYS = frozenset({"partial"})
NULLABLE = frozenset(k for k, f in ResultRow.model_fields.items()
                     if type(None) in get_args(f.annotation))
IDENTITY = ("objective", "part", "unit", "period")
VERDICTS = get_args(Verdict)
_VI_VERDICTS = {"đạt": "pass", "dat": "pass", "không đạt": "fail", "khong dat": "fail",
                "cảnh báo": "warn", "thiếu dữ liệu": "missing", "na": "n/a", "n.a": "n/a"}


# ---------------------------------------------------------------- errors and models
class TestFileError(KpiError, ValueError):
    """A test file that cannot be used. ``path``, ``line`` and ``message`` name the first
    problem; ``problems`` holds every one as (line, column, message); ``detail`` is the
    rendered error of a ruleset, units table or facts file the test file points at."""

    __test__ = False  # not a pytest test class

    def __init__(self, message: str, *, path: str = "", line: int | None = None,
                 column: int | None = None,
                 problems: Iterable[tuple[int | None, int | None, str]] = (),
                 detail: str = "") -> None:
        self.path, self.line, self.column, self.message = str(path), line, column, message
        self.problems = tuple(problems) or ((line, column, message),)
        self.detail = detail
        super().__init__(self.render())

    def render(self) -> str:
        lines = []
        for line, col, msg in self.problems:
            loc = self.path + (f":{line}" if line else "") + (f":{col}" if line and col else "")
            lines.append(f"{loc}: error: {msg}")
        if self.detail:
            lines.append(self.detail.rstrip("\n"))
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (self.message, self.path, self.line, self.column,
                                 self.problems, self.detail))


def _rebuild_error(message: str, path: str, line: int | None, column: int | None,
                   problems: tuple[tuple[int | None, int | None, str], ...],
                   detail: str) -> TestFileError:
    return TestFileError(message, path=path, line=line, column=column, problems=problems,
                         detail=detail)


@dataclass(frozen=True)
class Expectation:
    values: dict[str, Any]   # key → normalised expected value (Fraction for exact keys)
    shown: dict[str, Any]    # key → the value as written, for messages
    line: int

    def text(self) -> str:
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in self.shown.items()) + "}"


@dataclass(frozen=True)
class TargetTest:
    __test__ = False
    name: str
    line: int
    facts: tuple[Path, ...]
    inline: FactSet | None
    inline_lines: tuple[int, ...]
    period: str | None
    expect: tuple[Expectation, ...]


@dataclass(frozen=True)
class TestFile:
    __test__ = False
    path: str
    ruleset: Ruleset
    units: UnitTable | None
    tests: tuple[TargetTest, ...]


@dataclass
class TestResult:
    __test__ = False
    path: str
    name: str
    line: int
    expectations: int = 0
    failures: list[str] = field(default_factory=list)  # one text block per failed expectation
    error: str | None = None                           # the test could not run
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    def details(self) -> str:
        return self.error if self.error is not None else "\n".join(self.failures)


@dataclass
class FileResult:
    path: str
    tests: list[TestResult] = field(default_factory=list)
    error: str | None = None  # the file is invalid; none of its tests ran


# ---------------------------------------------------------------- YAML with line numbers
class _Map(dict[Any, Any]):
    line = col = 0
    keys_at: dict[Any, int]
    values_at: dict[Any, int]
    dups: list[tuple[Any, int, int]]


class _Seq(list[Any]):
    line = 0
    items_at: list[int]


class _Loader(yaml.SafeLoader):
    """Mappings and lists that remember their lines; decimals read exactly; dates as text."""


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    m = _Map()
    m.line, m.col = _at(node)
    m.keys_at, m.values_at, m.dups = {}, {}, []
    for k, v in node.value:
        key = loader.construct_object(k, deep=True)
        key = key if isinstance(key, (str, int, bool, type(None))) else str(key)
        if key in m:
            m.dups.append((key, *_at(k)))
            continue
        m[key] = loader.construct_object(v, deep=True)
        m.keys_at[key], m.values_at[key] = _at(k)[0], _at(v)[0]
    return m


def _seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    s = _Seq(loader.construct_object(n, deep=True) for n in node.value)
    s.line = _at(node)[0]
    s.items_at = [_at(n)[0] for n in node.value]
    return s


def _float(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        d = Decimal(str(node.value).replace("_", ""))
    except InvalidOperation:
        return loader.construct_yaml_float(node)
    return d if d.is_finite() else float(d)


_Loader.add_constructor("tag:yaml.org,2002:map", _map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _seq)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda _l, n: str(n.value))


def _read_yaml(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TestFileError("no such test file", path=path) from None
    except IsADirectoryError:
        raise TestFileError("is a directory, not a test file", path=path) from None
    except UnicodeDecodeError as exc:
        raise TestFileError(f"not UTF-8 text ({exc.reason})", path=path) from None
    except OSError as exc:
        raise TestFileError(f"cannot be read: {exc.strerror}", path=path) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise TestFileError(f"not valid YAML: {exc.problem or exc.context}", path=path,
                            line=mark.line + 1 if mark else None,
                            column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise TestFileError(f"not valid YAML: {exc}", path=path) from None


# ---------------------------------------------------------------- loading a test file
class _Problems:
    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[tuple[int | None, int | None, str]] = []
        self.detail = ""

    def add(self, line: int | None, message: str, col: int | None = None) -> None:
        self.items.append((line, col, message))

    def raise_if_any(self) -> None:
        if self.items:
            items = sorted(self.items, key=lambda p: (p[0] or 0, p[1] or 0))
            first = items[0]
            raise TestFileError(first[2], path=self.path, line=first[0], column=first[1],
                                problems=items, detail=self.detail)


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _keys(m: _Map, allowed: tuple[str, ...], what: str, p: _Problems) -> None:
    for key, line, col in m.dups:
        p.add(line, f"key `{key}` is given twice in {what} (first at line {m.keys_at[key]})",
              col)
    for key in m:
        if key not in allowed:
            p.add(m.keys_at[key], f"unknown key `{key}` in {what}{_suggest(key, allowed)} "
                  f"({what} has: {', '.join(allowed)})")


def _misspelt(m: _Map, key: str, allowed: tuple[str, ...] = TEST_KEYS) -> bool:
    """Some key of ``m`` reads like a misspelling of ``key`` (reported as unknown)."""
    return any(k not in allowed and difflib.get_close_matches(str(k), [key], cutoff=0.6)
               for k in m)


def _path(m: _Map, key: str, base: Path, p: _Problems) -> Path | None:
    value, line = m.get(key), m.values_at.get(key)
    if not isinstance(value, str) or not value.strip():
        p.add(line, f"`{key}` must be a path (relative to the test file), not {_what(value)}")
        return None
    target = Path(os.path.normpath(base / value))
    if not target.exists():
        p.add(line, f"`{key}`: {value} does not exist (looked for {target})")
        return None
    if target.is_dir():
        p.add(line, f"`{key}`: {value} is a directory, not a file")
        return None
    return target


def load_test_file(path: str | Path, *,
                   rulesets: dict[Path, Ruleset] | None = None) -> TestFile:
    """Read and validate a ``*.kpitest.yaml`` file; load its ruleset and units table.

    Raises :class:`TestFileError` naming every problem with its line. ``rulesets`` is an
    optional cache (resolved path → Ruleset) shared between files."""
    shown = str(path)
    data = _read_yaml(shown)
    p = _Problems(shown)
    if not isinstance(data, _Map):
        raise TestFileError("a test file is a mapping with `ruleset` and `tests` (see "
                            "docs/testing.md), not " + _what(data), path=shown,
                            line=getattr(data, "line", None) or None)
    _keys(data, TOP_KEYS, "a test file", p)
    base = Path(shown).parent
    rs = units = None
    if "ruleset" not in data:
        if not _misspelt(data, "ruleset", TOP_KEYS):
                p.add(data.line, "the test file names no `ruleset` (a path to the .kpi file, "
                  "relative to this file)")
    else:
        rs_path = _path(data, "ruleset", base, p)
        rs = _load_ruleset(rs_path, data, rulesets, p) if rs_path else None
    if "units" in data and data["units"] is not None:
        u_path = _path(data, "units", base, p)
        units = _load_units(u_path, data, p) if u_path else None
    tests = _tests(data, base, rs, units, p)
    p.raise_if_any()
    assert rs is not None  # every way of not loading it added a problem
    return TestFile(shown, rs, units, tests)


def _load_ruleset(path: Path, data: _Map, cache: dict[Path, Ruleset] | None,
                  p: _Problems) -> Ruleset | None:
    key = path.resolve()
    if cache is not None and key in cache:
        return cache[key]
    try:
        rs = load(path)
    except RulesetError as exc:
        p.add(data.values_at["ruleset"], f"the ruleset {data['ruleset']} has errors:")
        p.detail += exc.render()
        return None
    if cache is not None:
        cache[key] = rs
    return rs


def _load_units(path: Path, data: _Map, p: _Problems) -> UnitTable | None:
    try:
        return read_units(path)
    except FactsError as exc:
        p.add(data.values_at["units"], f"the units table {data['units']} cannot be read:")
        p.detail += exc.render() + "\n"
        return None


def _tests(data: _Map, base: Path, rs: Ruleset | None, units: UnitTable | None,
           p: _Problems) -> tuple[TargetTest, ...]:
    raw = data.get("tests")
    if not isinstance(raw, _Seq) or not raw:
        p.add(data.values_at.get("tests", data.line),
              "`tests` must be a list of tests, each with `name`, `facts` and `expect`")
        return ()
    out: list[TargetTest] = []
    names: dict[str, int] = {}
    for item, line in zip(raw, raw.items_at):
        if not isinstance(item, _Map):
            p.add(line, f"a test is a mapping with `name`, `facts` and `expect`, not "
                  f"{_what(item)}")
            continue
        test = _test(item, base, rs, units, p)
        if test is None:
            continue
        if test.name in names:
            p.add(item.values_at["name"], f"test name “{test.name}” is used twice (first "
                  f"at line {names[test.name]}); names must be unique in a file")
        names.setdefault(test.name, test.line)
        out.append(test)
    return tuple(out)


def _test(m: _Map, base: Path, rs: Ruleset | None, units: UnitTable | None,
          p: _Problems) -> TargetTest | None:
    _keys(m, TEST_KEYS, "a test", p)
    name = m.get("name")
    if isinstance(name, (int, Decimal)) and not isinstance(name, bool):
        name = str(name)
    if not isinstance(name, str) or not name.strip():
        p.add(m.values_at.get("name", m.line), "a test needs a `name` (a text)")
        return None
    if "sources" in m:
        p.add(m.keys_at["sources"], "`sources`: records sources are not supported by this "
              "version yet; give the facts as files (`facts`) or rows (`facts_inline`)")
    if "facts" not in m and "facts_inline" not in m and not _misspelt(m, "facts"):
        p.add(m.line, f"test “{name}” has no facts: give `facts` (files) or "
              "`facts_inline` (rows)")
    files = _fact_files(m, base, p)
    inline, lines = _inline(m, p)
    period = _period(m.get("period"), m.values_at.get("period"), p)
    expect = _expectations(m, rs, units, p)
    return TargetTest(name, m.line, files, inline, lines, period, expect)


def _fact_files(m: _Map, base: Path, p: _Problems) -> tuple[Path, ...]:
    if "facts" not in m:
        return ()
    raw = m["facts"]
    line = m.values_at["facts"]
    items = [(raw, line)] if isinstance(raw, str) else \
        list(zip(raw, raw.items_at)) if isinstance(raw, _Seq) else None
    if not items:
        p.add(line, "`facts` must be a list of fact files (paths relative to the test file)")
        return ()
    out = []
    for value, at in items:
        holder = _Map({"facts": value})
        holder.values_at = {"facts": at}
        found = _path(holder, "facts", base, p)
        if found is not None:
            out.append(found)
    return tuple(out)


def _inline(m: _Map, p: _Problems) -> tuple[FactSet | None, tuple[int, ...]]:
    if "facts_inline" not in m:
        return None, ()
    raw = m["facts_inline"]
    if not isinstance(raw, _Seq) or not raw:
        p.add(m.values_at["facts_inline"], "`facts_inline` must be a list of rows "
              "{unit, period, fact, value[, uom]}")
        return None, ()
    rows = [{k: _plain(v, k) for k, v in r.items()} if isinstance(r, Mapping) else r
            for r in raw]
    lines = tuple(raw.items_at)
    try:
        return read_facts(rows, name=_INLINE), lines
    except FactsError as exc:
        p.add(_inline_line(exc, lines), f"facts_inline: {exc.message}"
              + (f" ({exc.hint})" if exc.hint else ""))
        return None, lines


_INLINE = "<facts_inline>"


def _inline_line(exc: FactsError, lines: tuple[int, ...]) -> int | None:
    if exc.row is not None and 1 <= exc.row <= len(lines):
        return lines[exc.row - 1]
    return lines[0] if lines else None


def _plain(v: Any, key: Any) -> Any:
    """An inline fact cell as the fact reader wants it: names and periods as text."""
    if key != "value" and isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return str(v)
    return v


def _period(value: Any, line: int | None, p: _Problems) -> str | None:
    if value is None:
        return None
    try:
        return str(parse_period(str(value)))
    except PeriodSyntaxError as exc:
        p.add(line, f"`period`: {exc}")
        return None


# ---------------------------------------------------------------- expectations
def _expectations(m: _Map, rs: Ruleset | None, units: UnitTable | None,
                  p: _Problems) -> tuple[Expectation, ...]:
    raw = m.get("expect")
    if "expect" not in m:
        if _misspelt(m, "expect"):
            return ()  # the unknown key's message already says "did you mean `expect`?"
        p.add(m.line, "this test has no `expect`: the list of rows expected, e.g. "
              "- {objective: Q1, verdict: pass}")
        return ()
    if not isinstance(raw, _Seq) or not raw:
        p.add(m.values_at["expect"], "`expect` must be a list of expected rows, "
              "e.g. - {objective: Q1, verdict: pass}")
        return ()
    out = []
    for item, line in zip(raw, raw.items_at):
        if not isinstance(item, _Map) or not item:
            p.add(line, "an expectation is a mapping of result-row keys, e.g. "
                  "{objective: Q1, unit: tthcc, verdict: pass}")
            continue
        _keys(item, ROW_KEYS, "an expectation", p)
        values = {}
        for key, value in item.items():
            if key in ROW_KEYS:
                at = item.values_at[key]
                values[key] = _expected(str(key), value, at, p)
        _known(values, item, rs, units, p)
        out.append(Expectation(values, dict(item), line))
    return tuple(out)


def _expected(key: str, v: Any, line: int, p: _Problems) -> Any:
    """An expected value, normalised for comparison with the row's JSON value."""
    if v is None:
        if key not in NULLABLE:
            p.add(line, f"`{key}` is never null in a result row")
        return None
    if key in EXACT_KEYS:
        exact = _fraction(v)
        if exact is None:
            p.add(line, f"`{key}` must be an exact number such as 0.98, 43/45 or 98% "
                  f"(or null), not {_what(v)}")
        return exact
    if key in INT_KEYS:
        if isinstance(v, bool) or not isinstance(v, int):
            p.add(line, f"`{key}` must be a whole number of items (or null), not {_what(v)}")
        return v
    if key in BOOL_KEYS:
        if not isinstance(v, bool):
            p.add(line, f"`{key}` must be true or false, not {_what(v)}")
        return v
    if isinstance(v, bool) or not isinstance(v, (str, int, Decimal)):
        p.add(line, f"`{key}` must be a text, not {_what(v)} (put it in quotes)")
        return v
    text = str(v)
    if key == "verdict" and text not in VERDICTS:
        hint = _VI_VERDICTS.get(text.strip().lower())
        p.add(line, f"`verdict` must be one of {', '.join(VERDICTS)}, not `{text}`"
              + (f"; did you mean `{hint}`?" if hint else _suggest(text, VERDICTS)))
    if key == "period":
        try:
            return str(parse_period(text))
        except PeriodSyntaxError as exc:
            p.add(line, f"`period`: {exc}")
    return text


def _fraction(v: Any) -> Fraction | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, Decimal)):
        return Fraction(v)
    if isinstance(v, str):
        text = v.strip().replace("_", "")
        scale = Fraction(1, 100) if text.endswith("%") else Fraction(1)
        try:
            return Fraction(text.removesuffix("%").strip()) * scale
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _known(values: dict[str, Any], item: _Map, rs: Ruleset | None, units: UnitTable | None,
           p: _Problems) -> None:
    """An expectation's objective, part and unit must exist."""
    obj = values.get("objective")
    if rs is not None and isinstance(obj, str):
        plans = {o.id: o for o in rs.plan.objectives}
        if obj not in plans:
            p.add(item.values_at["objective"], f"no objective `{obj}` in {rs.path}"
                  f"{_suggest(obj, plans)} (it has: {', '.join(plans)})")
        elif "part" in values and values["part"] is not None:
            parts = [t.part for t in plans[obj].targets if t.part]
            if str(values["part"]) not in parts:
                has = f"its parts: {', '.join(parts)}" if parts else "it has no parts"
                p.add(item.values_at["part"], f"objective {obj} has no part "
                      f"`{values['part']}`{_suggest(values['part'], parts)} ({has})")
    unit = values.get("unit")
    if units is not None and isinstance(unit, str) and unit not in units.units:
        p.add(item.values_at["unit"], f"unit `{unit}` is not in the units table"
              f"{_suggest(unit, units.units)}")


# ---------------------------------------------------------------- matching
def _differs(key: str, expected: Any, got: Any) -> bool:
    if key in EXACT_KEYS and expected is not None:
        if got is None:
            return True
        try:
            return bool(Fraction(str(got)) != expected)
        except (ValueError, ZeroDivisionError):
            return True
    if key in INT_KEYS and (isinstance(got, bool) or isinstance(expected, bool)):
        return True
    return bool(expected != got)


def _diff(exp: Expectation, row: Mapping[str, Any]) -> list[str]:
    return [k for k, v in exp.values.items() if _differs(k, v, row.get(k))]


def match_rows(exp: Expectation, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows (JSON form) an expectation matches; exactly one makes it hold."""
    return [r for r in rows if not _diff(exp, r)]


def _failure(path: str, exp: Expectation, rows: list[dict[str, Any]]) -> str | None:
    """``None`` when the expectation holds, else the text that says why not."""
    hits = match_rows(exp, rows)
    if len(hits) == 1:
        return None
    lines = [f"  {path}:{exp.line}: expected {exp.text()}"]
    if hits:
        lines.append(f"    {len(hits)} rows match it; exactly one should. Name the unit, "
                     "period or part to tell them apart:")
        lines += [f"    - {_where(r)}: verdict {r.get('verdict')}" for r in hits[:10]]
        more = len(hits) - 10
    elif not rows:
        lines.append("    no row matches: the evaluation gave no rows")
        more = 0
    else:
        close = _closest(exp, rows)
        lines.append("    no row matches. Closest row" + ("s:" if len(close) > 1 else ":"))
        for r, d in close[:5]:
            got = "; ".join(f"expected {k} {_show(exp.shown[k])}, got {_show(r.get(k))}"
                            for k in d)
            lines.append(f"    - {_where(r)}: {got}")
        more = len(close) - 5
    if more > 0:
        lines.append(f"    … and {more} more")
    return "\n".join(lines)


def _closest(exp: Expectation, rows: list[dict[str, Any]]
             ) -> list[tuple[dict[str, Any], list[str]]]:
    """The rows that differ least: first in objective, part, unit and period, then in
    the other keys; each with the keys where it differs."""
    ident = [k for k in IDENTITY if k in exp.values]
    scored = [((sum(k in d for k in ident), len(d)), r, d)
              for r in rows for d in [_diff(exp, r)]]
    best = min(s[0] for s in scored)
    return [(r, d) for score, r, d in scored if score == best]


def _where(r: Mapping[str, Any]) -> str:
    parts = [f"objective {r.get('objective')}"]
    if r.get("part") is not None:
        parts.append(f"part {r['part']}")
    if r.get("unit") is not None:
        parts.append(f"unit {r['unit']}")
    else:
        parts.append(f"unit null ({r.get('scope') or 'pooled'})")
    parts.append(f"period {r.get('period')}")
    return ", ".join(parts)


def _show(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        if v == "" or v != v.strip() or v.lower() in ("null", "true", "false", "~"):
            return '"' + v.replace('"', '\\"') + '"'
        return v
    return str(v)


def _what(v: Any) -> str:
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return f"the truth value `{_show(v)}`"
    if isinstance(v, Mapping):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return f"the text `{v}`"
    return f"the number `{v}`"


# ---------------------------------------------------------------- running
def check_test(tf: TestFile, test: TargetTest, *,
               cache: dict[Path, FactSet] | None = None) -> TestResult:
    """Evaluate one test and check each of its expectations."""
    started = time.perf_counter()
    result = TestResult(tf.path, test.name, test.line, len(test.expect))
    try:
        facts = [_read(f, cache) for f in test.facts]
        if test.inline is not None:
            facts.append(test.inline)
        report = tf.ruleset.evaluate(merge(facts), units=tf.units, period=test.period)
    except FactsError as exc:
        result.error = _facts_error(exc, tf.path, test)
    except (EvaluationError, RulesetError, KpiError) as exc:
        text = exc.render() if isinstance(exc, RulesetError) else str(exc)
        result.error = f"  {tf.path}:{test.line}: error: {text}"
    else:
        rows = [r.model_dump(mode="json") for r in report.results]
        for exp in test.expect:
            failure = _failure(tf.path, exp, rows)
            if failure is not None:
                result.failures.append(failure)
    result.seconds = time.perf_counter() - started
    return result


def _read(path: Path, cache: dict[Path, FactSet] | None) -> FactSet:
    key = path.resolve()
    if cache is not None and key in cache:
        return cache[key]
    fs = read_facts(path)
    if cache is not None:
        cache[key] = fs
    return fs


def _facts_error(exc: FactsError, path: str, test: TargetTest) -> str:
    if exc.path == _INLINE:  # an inline row: point at its line in the test file
        exc = FactsError(f"facts_inline: {exc.message}", path=path,
                         row=_inline_line(exc, test.inline_lines), column=exc.column,
                         code=exc.code, hint=exc.hint)
    return "  " + exc.render().replace("\n", "\n  ")


def expand(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Test files named by ``paths`` (files, directories searched for *.kpitest.yaml,
    globs), and a message for each argument that names none."""
    files: list[str] = []
    problems: list[str] = []
    for arg in paths:
        if any(ch in arg for ch in "*?["):
            hits = sorted(glob.glob(arg, recursive=True))
            found = [h for h in hits if Path(h).is_file()]
            for h in hits:
                if Path(h).is_dir():
                    found += _below(h)
        elif Path(arg).is_dir():
            found = _below(arg)
        else:
            found = [arg]  # a missing file is reported when it is read
        if not found:
            problems.append(f"{arg}: error: no test files (*{SUFFIX}) found here")
        files += [f for f in found if f not in files]
    return files, problems


def _below(directory: str) -> list[str]:
    return sorted(str(p) for p in Path(directory).rglob("*" + SUFFIX) if p.is_file())


def run_files(paths: Iterable[str]) -> list[FileResult]:
    """Load and run every test file named by ``paths``; never raises for bad input."""
    files, problems = expand(paths)
    results = [FileResult(msg.split(": error:")[0], error=msg) for msg in problems]
    rulesets: dict[Path, Ruleset] = {}
    cache: dict[Path, FactSet] = {}
    for path in files:
        try:
            tf = load_test_file(path, rulesets=rulesets)
        except TestFileError as exc:
            results.append(FileResult(path, error=exc.render()))
            continue
        results.append(FileResult(path, [check_test(tf, t, cache=cache) for t in tf.tests]))
    return results


def exit_code(results: list[FileResult]) -> int:
    """0 every expectation holds, 1 some fails, 2 some file or test could not be used."""
    if any(f.error or any(t.error for t in f.tests) for f in results):
        return 2
    return 1 if any(t.failures for f in results for t in f.tests) else 0


def run(paths: list[str], *, format: str = "text") -> tuple[str, int]:
    """Run the test files under ``paths``: the report text (``text`` or ``junit``) and
    the exit code."""
    results = run_files(paths)
    text = render_junit(results) if format == "junit" else render_text(results)
    return text, exit_code(results)


# ---------------------------------------------------------------- output
def render_text(results: list[FileResult]) -> str:
    out: list[str] = []
    passed = failed = errors = 0
    for f in results:
        if f.error:
            errors += 1
            out.append(f"ERROR {f.path}\n{_indent(f.error)}")
            continue
        for t in f.tests:
            if t.passed:
                passed += 1
                out.append(f"PASS {t.name} ({t.path})")
            else:
                word = "ERROR" if t.error else "FAIL"
                errors += t.error is not None
                failed += t.error is None
                out.append(f"{word} {t.name} ({t.path})\n{t.details()}")
    summary = f"{passed} passed, {failed} failed"
    if errors:
        summary += f", {errors} error{'s' if errors > 1 else ''}"
    out.append(summary)
    return "\n".join(out) + "\n"


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())


def render_junit(results: list[FileResult]) -> str:
    """JUnit XML: a testsuite per file, a testcase per test, ``<failure>`` for a failed
    expectation, ``<error>`` for a test or file that could not be used."""
    root = ET.Element("testsuites", name="kpirules test")
    totals = dict.fromkeys(("tests", "failures", "errors"), 0)
    for f in results:
        suite = ET.SubElement(root, "testsuite", name=f.path)
        counts = dict.fromkeys(("tests", "failures", "errors"), 0)
        seconds = 0.0
        if f.error:
            case = ET.SubElement(suite, "testcase", name="(test file)", classname=_cls(f.path),
                                 file=f.path, time="0")
            ET.SubElement(case, "error", message="invalid test file",
                          type="TestFileError").text = f.error
            counts["tests"] += 1
            counts["errors"] += 1
        for t in f.tests:
            seconds += t.seconds
            case = ET.SubElement(suite, "testcase", name=t.name, classname=_cls(f.path),
                                 file=f.path, line=str(t.line), time=f"{t.seconds:.3f}")
            counts["tests"] += 1
            if t.error is not None:
                counts["errors"] += 1
                ET.SubElement(case, "error", message="the test could not run",
                              type="KpiError").text = t.error
            elif t.failures:
                counts["failures"] += 1
                n = len(t.failures)
                ET.SubElement(case, "failure", type="ExpectationFailed",
                              message=f"{n} of {t.expectations} expectation"
                              f"{'s' if t.expectations > 1 else ''} failed"
                              ).text = "\n".join(t.failures)
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("skipped", "0")
        suite.set("time", f"{seconds:.3f}")
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _cls(path: str) -> str:
    name = Path(path).name
    return name.removesuffix(SUFFIX)


# ---------------------------------------------------------------- command line
_DESCRIPTION = """\
Run regression tests on quality targets. A test file (*.kpitest.yaml) names a ruleset,
gives fixed facts and lists the result rows expected from them; when a change to a
target or a measure flips a verdict, the test fails and says which objective, unit and
period, what was expected and what came out. File format: docs/testing.md."""

_EPILOG = """\
examples:
  kpirules test tests/targets/                      every *.kpitest.yaml below the folder
  kpirules test tests/targets/ha-long-2022.kpitest.yaml
  kpirules test tests/targets/ --format junit --output targets.xml
                                                    JUnit XML for CI (the text report is
                                                    still printed)

exit codes: 0 every expectation holds, 1 some expectation fails,
            2 a test file is invalid, or its ruleset, units or facts cannot be used,
            3 a bug in kpirules (please report it; --debug shows the traceback)"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``test`` to the ``kpirules`` subcommands; dispatch with :func:`main`."""
    cmd: argparse.ArgumentParser = subparsers.add_parser(
        "test", help="run regression tests on targets (*.kpitest.yaml)",
        description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.add_argument("files", nargs="+", metavar="FILE",
                     help=f"test files, folders (searched for *{SUFFIX}) or globs")
    cmd.add_argument("--format", choices=("text", "junit"), default="text",
                     help="text (default): PASS/FAIL per test; junit: JUnit XML for CI")
    cmd.add_argument("--output", "-o", metavar="FILE",
                     help="write the report to FILE (UTF-8) instead of the terminal")
    return cmd


def main(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``kpirules test``: run, print or write the report, return the exit code."""
    results = run_files(args.files)
    code = exit_code(results)
    text = render_junit(results) if args.format == "junit" else render_text(results)
    if not args.output:
        out.write(text)
        return code
    target = Path(args.output)
    if any(_same(target, Path(f.path)) for f in results):
        err.write(f"kpirules: error: --output {args.output} would overwrite a test file\n")
        return 2
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        err.write(f"kpirules: error: cannot write {args.output}: {exc.strerror or exc}\n")
        return 2
    if args.format == "junit":
        out.write(render_text(results))
    err.write(f"wrote {args.output}\n")
    return code


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def cli(argv: list[str] | None = None, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """``kpirules test`` on its own (``python -m kpirules.targets FILE…``)."""
    from .cli import add_debug, internal_error, interrupted  # cli imports this module

    parser = argparse.ArgumentParser(prog="kpirules")
    add_debug(add_parser(parser.add_subparsers(dest="command", required=True)))
    try:
        args = parser.parse_args(["test", *(sys.argv[1:] if argv is None else argv)])
    except SystemExit as exc:
        return int(exc.code or 0)
    err = err or sys.stderr
    try:
        return main(args, out or sys.stdout, err)
    except KeyboardInterrupt:
        return interrupted(err)
    except Exception as exc:  # noqa: BLE001 - a bug in kpirules: exit 3, as `kpirules test`
        return internal_error(exc, err, args.debug)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(cli())
