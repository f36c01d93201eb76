"""A bounded fuzz campaign over the grammar and hostile values (issue 9).

Rulesets are generated from the grammar — measures, thresholds, scopes, records
filters — and salted with what breaks engines: deep nesting (past the depth limit),
long flat chains, numbers of thousands of digits, units of measure with exponents,
absurd periods, control characters, NUL, every line ending, lone surrogates (possible
in text given to ``loads()``). Every input must either load (and then evaluate on a
small fact set) or raise ``RulesetError`` whose every diagnostic is registered, lies
inside the text and has the right ``line:col``; never another exception, never more
than a few seconds (hypothesis ``deadline``).

``KPI_FUZZ_EXAMPLES`` raises the number of examples for a longer campaign
(``KPI_FUZZ_EXAMPLES=2000 pytest tests/property/test_hostile_text.py``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import kpirules
from kpirules.diagnostics import CODES
from kpirules.errors import KpiError
from kpirules.text_limits import MAX_DEPTH, MAX_NUMBER_DIGITS

EXAMPLES = int(os.environ.get("KPI_FUZZ_EXAMPLES", "30"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=5),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    derandomize=True)

FACTS = ["late", "resolved", "on_time", "wait"]
HEADER = ('ruleset "Mục tiêu"\nunit u\nperiod 2022\nfact late : count\nfact resolved : count\n'
          "fact on_time : count\nfact wait : min\n")
UNITS = [{"id": "u", "name": "U", "parent": "", "level": "tp"},
         {"id": "w", "name": "W", "parent": "u", "level": "xa"}]
FACT_ROWS = [{"unit": "u", "period": "2022", "fact": f, "value": v}
             for f, v in (("late", 3), ("resolved", 100), ("on_time", 90), ("wait", 500))]

HOSTILE_NUMBERS = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["0", "0.5", "99.9", "1e400", "1.", ".5", "1..2", "0x10", "٣"]),
    st.integers(MAX_NUMBER_DIGITS - 2, MAX_NUMBER_DIGITS + 2).map(lambda n: "7" * n),
    st.integers(4299, 4302).map(lambda n: "1" * n),
)
HOSTILE_UOMS = st.sampled_from([
    "min", "h", "count", "percent", "m^2", "percent^2", "h^2/min^2", "count^2", "min^9999.5",
    "fs^1886.41", "min^99999999", "min^4", "min^5", "/month", "x" * 5000, "minn", "VND"])
PERIODS = st.one_of(
    st.sampled_from(["2022", "2022-Q1", "2022-03", "0000", "9999", "9999-12", "0001-01",
                     "2022-Q0", "2022-13", "2022-Q" + "1" * 4301, "2022-00"]),
    st.integers(0, 99999).map(str))
LINE_ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])
JUNK = st.sampled_from(["\x00", "\x1b", "\x0b", "\x0c", "\ufeff", "\u2028", "\x85", "\t",
                        "\ud800", "\udfff", "é", "ồ", "≤", '"', "#", "(", ")", "{", "}"])


def _measure(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(FACTS), HOSTILE_NUMBERS,
                     st.sampled_from(["2%", "25 min", "1 h"]))
    if depth <= 0:
        return leaf
    sub = _measure(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(" ".join),
        sub.map(lambda m: f"({m})"),
        sub.map(lambda m: f"-{m}"),
        st.tuples(st.sampled_from(["min", "max", "abs", "avg"]),
                  st.lists(sub, min_size=1, max_size=3)).map(
                      lambda t: f"{t[0]}({', '.join(t[1])})"),
    )


def _deep(kind: str, n: int) -> str:
    if kind == "neg":
        return "-" * n + "late"
    if kind == "call":
        return "abs(" * n + "late" + ")" * n
    if kind == "paren":
        return "(late + " * n + "late" + ")" * n
    if kind == "chain":
        return " + ".join(["late"] * n)
    return " - ".join(["late"] * n)


DEEP = st.tuples(st.sampled_from(["neg", "call", "paren", "chain", "minus"]),
                 st.sampled_from([1, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 300, 1500])).map(
                     lambda t: _deep(*t))


def _condition(column: str) -> st.SearchStrategy[str]:
    simple = st.one_of(
        st.sampled_from([f'{column} = "xa"', f'{column} != "p"', f'{column} in ("a", "b")',
                         f"{column} = 1", f"{column} is null", f"{column} > 2022-01-01"]),
        st.integers(1, 3000).map(lambda n: " and ".join([f'{column} != "v"'] * n)),
        st.integers(1, 300).map(lambda n: "not " * n + f'{column} = "x"'),
        st.integers(1, 300).map(lambda n: "(" * n + f'{column} = "x"' + ")" * n),
    )
    return st.lists(simple, min_size=1, max_size=3).flatmap(
        lambda parts: st.sampled_from([" and ", " or "]).map(lambda op: op.join(parts)))


THRESHOLD = st.one_of(
    st.tuples(st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), HOSTILE_NUMBERS,
              st.sampled_from(["", "%", " min", " h"])).map(lambda t: f"{t[0]} {t[1]}{t[2]}"),
    st.tuples(HOSTILE_NUMBERS, HOSTILE_UOMS).map(lambda t: f">= {t[0]} {t[1]}"),
    st.tuples(HOSTILE_NUMBERS, HOSTILE_NUMBERS).map(lambda t: f"between {t[0]}% and {t[1]}%"),
)


SANE = st.integers(0, 1000).map(str)
SANE_MEASURES = ["late / resolved", "1 - late / resolved", "on_time / (on_time + late)",
                 "late + on_time", "min(late, on_time) / resolved", "-late + resolved"]


@st.composite
def rulesets(draw: st.DrawFn) -> str:
    """Mostly well-formed rulesets with one or two hostile values (so that some load and
    are evaluated), salted now and then with a junk character."""
    def pick(sane: st.SearchStrategy[str], hostile: st.SearchStrategy[str]) -> str:
        return draw(hostile) if draw(st.integers(0, 3)) == 0 else draw(sane)

    lines = ['ruleset "Mục tiêu"', "unit u", f"period {pick(st.just('2022'), PERIODS)}",
             "fact late : count", "fact resolved : count", "fact on_time : count",
             "fact wait : min", f"fact extra : {pick(st.just('h'), HOSTILE_UOMS)}"]
    if draw(st.booleans()):
        lines.append('source d from "d.csv"\n  unit by unit_id\n  period by returned_at')
        lines.append(f"fact derived = count(d where {draw(_condition('channel'))})")
    threshold = st.one_of(st.tuples(st.sampled_from(["<", ">="]), SANE).map(" ".join),
                          st.tuples(st.sampled_from(["<", ">="]), SANE).map(
                              lambda t: f"{t[0]} {t[1]}%"))
    for i in range(draw(st.integers(1, 3))):
        measure = pick(st.sampled_from(SANE_MEASURES), st.one_of(_measure(3), DEEP))
        form = draw(st.integers(0, 2))
        if form == 0:
            lines.append(f"objective Q{i}: {measure} {pick(threshold, THRESHOLD)}")
        elif form == 1:
            lines.append(f"objective Q{i} {{\n  measure {measure}\n  target "
                         f"{pick(threshold, THRESHOLD)}\n  warn {pick(threshold, THRESHOLD)}\n"
                         f"  scope each unit where {draw(_condition('level'))}\n"
                         f"  due {pick(st.just('2022-12'), PERIODS)}\n}}")
        else:
            lines.append(f"objective Q{i} {{\n  all {{\n    a: {measure} "
                         f"{pick(threshold, THRESHOLD)}\n"
                         f"    b: late / resolved {pick(threshold, THRESHOLD)}\n  }}\n}}")
    text = "\n".join(lines) + "\n"
    text = text.replace("\n", draw(LINE_ENDINGS))
    if draw(st.integers(0, 2)) == 0:  # salt
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(JUNK) + text[at:]
    return text


def _line_col(text: str, offset: int) -> tuple[int, int]:
    breaks = [m.end() for m in re.finditer(r"\r\n?|\n", text[:offset])]
    start = breaks[-1] if breaks else 0
    return len(breaks) + 1, len(unicodedata.normalize("NFC", text[start:offset])) + 1


def _assert_clean(text: str) -> None:
    try:
        rs = kpirules.loads(text, "fuzz.kpi")
    except kpirules.RulesetError as exc:
        assert exc.errors, "a rejected ruleset has at least one error"
        for d in exc.diagnostics:
            assert d.code in CODES, d
            assert 0 <= d.start <= d.end <= len(text), (d, len(text))
            assert (d.line, d.column) == _line_col(text, d.start), d
        rendered = exc.render()
        rendered.encode("utf-8")  # a lone surrogate must not reach the terminal
        assert "Traceback" not in rendered
        return
    for d in rs.warnings:
        assert d.code in CODES and 0 <= d.start <= d.end <= len(text), d
    if not any(f.derived for f in rs.ast.facts):
        try:
            rs.evaluate(FACT_ROWS, units=UNITS)
        except KpiError:
            pass


@SETTINGS
@given(rulesets())
@example("\ud800")
@example('ruleset "\ud800"\nfact late : count\nobjective Q1: late >= 1\n')
@example('ruleset "t"\rfact late : count # c\robjective Q1: late >= 1\r')
@example("\ufeff \r\n")
def test_generated_hostile_rulesets_load_or_raise_a_located_error(text: str) -> None:
    _assert_clean(text)


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=300))
def test_any_unicode_text_including_surrogates(text: str) -> None:
    _assert_clean(text)


@SETTINGS
@given(st.tuples(st.sampled_from(["measure", "threshold", "uom", "period", "scope"]),
                 st.one_of(HOSTILE_NUMBERS, HOSTILE_UOMS, PERIODS, JUNK)))
def test_one_hostile_value_in_a_valid_ruleset(case: tuple[str, str]) -> None:
    where, value = case
    body = {
        "measure": f"objective Q1: late / resolved + {value} < 2%\n",
        "threshold": f"objective Q1: late / resolved < {value}\n",
        "uom": f"fact x : {value}\nobjective Q1: x >= 1 {value}\n",
        "period": f"objective Q1 {{\n  measure late\n  target <= 1\n  due {value}\n}}\n",
        "scope": (f"objective Q1 {{\n  measure late / resolved\n  target < 2%\n"
                  f"  scope units where level = {value}\n}}\n"),
    }[where]
    _assert_clean(HEADER + body + "objective Q9: on_time + wait / wait * 0 >= 0\n")
