"""Exact thresholds, needed and budget, against Fraction arithmetic.

(c) For random counts n of d and random decimal thresholds (written as a percentage or a
    plain decimal), every comparator's verdict is what exact rational arithmetic says;
    ``actual`` and ``gap`` are exact strings (integer, terminating decimal or a fraction
    in lowest terms).
(d) ``needed`` is minimal and ``budget`` maximal, at the same volume, for every ordering
    comparator (``<``, ``<=``, ``>``, ``>=``), also when the numerator is a sum
    (it moves as a whole). The direction of k and its bounds are those of
    docs/semantics.md: good items ``(good + k) / total`` for ``>``/``>=`` when failing,
    ``(good - k) / total`` (k <= good) when passing; bad items ``(bad - k) / total``
    (k <= bad, else null) for ``<``/``<=`` when failing, ``(bad + k) / total`` passing.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from fractions import Fraction

from hypothesis import assume, example, given
from hypothesis import strategies as st

import kpirules

OPS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "=": operator.eq, "!=": operator.ne,
}
ORDERING = ("<", "<=", ">", ">=")
SCALE = 100_000  # thresholds are k / 100000: up to three decimals of a percentage


def literal(k: int, percent: bool) -> str:
    """The ruleset literal for the exact value k / 100000."""
    if percent:
        return f"{k // 1000}.{k % 1000:03d}%"
    return f"{k // SCALE}.{k % SCALE:05d}"


def parse_exact(text: str) -> Fraction:
    assert re.fullmatch(r"-?\d+(\.\d+)?|-?\d+/\d+", text), f"not an exact value: {text!r}"
    if "/" in text:
        num, den = (int(x) for x in text.split("/"))
        assert den > 1 and Fraction(num, den).denominator == den, f"not in lowest terms: {text}"
        d = den
        for p in (2, 5):
            while d % p == 0:
                d //= p
        assert d != 1, f"a terminating decimal written as a fraction: {text}"
    elif "." in text:
        assert not text.endswith("0"), f"trailing zero in {text}"
    return Fraction(text)


@functools.cache
def ruleset(thresholds: tuple[str, ...], upper: str) -> kpirules.Ruleset:
    lines = ['ruleset "thresholds"', "unit u", "period 2022",
             "fact a : count", "fact b : count", "fact total : count"]
    for op, t in zip(OPS, thresholds):
        name = {"<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "=": "EQ", "!=": "NE"}[op]
        lines.append(f"objective {name}: (a + b) / total {op} {t}")
    lines.append(f"objective BT: (a + b) / total between {thresholds[0]} and {upper}")
    return kpirules.loads("\n".join(lines) + "\n", "thresholds.kpi")


def facts(a: int, b: int, total: int) -> list[dict[str, object]]:
    return [{"unit": "u", "period": "2022", "fact": f, "value": v}
            for f, v in (("a", a), ("b", b), ("total", total))]


@st.composite
def case(draw: st.DrawFn) -> tuple[int, int, int, int, bool]:
    """(n, d, k, upper_k, percent): n good of d; threshold k/100000; often exactly at it."""
    k = draw(st.one_of(st.integers(0, SCALE),
                       st.sampled_from([0, 2000, 90000, 98000, 98500, 99900, SCALE])))
    t = Fraction(k, SCALE)
    how = draw(st.sampled_from(["random", "at", "near"]))
    if how == "random":
        d = draw(st.integers(0, 20_000))
        n = draw(st.integers(0, max(d, 0)))
    else:
        d = t.denominator * draw(st.integers(1, 50))
        n = int(t * d) + (0 if how == "at" else draw(st.sampled_from([-1, 1])))
        assume(0 <= n <= d)
    upper_k = draw(st.integers(k, SCALE))
    return n, d, k, upper_k, draw(st.booleans())


def split(n: int, data: st.DataObject) -> tuple[int, int]:
    a = data.draw(st.integers(0, n), label="a")
    return a, n - a


@given(case(), st.data())
@example((999, 1000, 99900, 99900, True), None)
@example((0, 0, 2000, 5000, True), None)
def test_verdicts_are_exact_for_every_comparator(c: tuple[int, int, int, int, bool],
                                                 data: st.DataObject | None) -> None:
    n, d, k, upper_k, percent = c
    a, b = split(n, data) if data is not None else (n, 0)
    t = Fraction(k, SCALE)
    upper = Fraction(upper_k, SCALE)
    rs = ruleset(tuple(literal(k, percent) for _ in OPS), literal(upper_k, percent))
    report = rs.evaluate(facts(a, b, d))
    rows = {r.objective: r for r in report.results}
    names = {"LT": "<", "LE": "<=", "GT": ">", "GE": ">=", "EQ": "=", "NE": "!="}
    for name, op in names.items():
        r = rows[name]
        if d == 0:
            assert r.verdict == "n/a" and r.actual is None and r.gap is None, r
            continue
        actual = Fraction(n, d)
        want = "pass" if OPS[op](actual, t) else "fail"
        assert r.verdict == want, (name, n, d, t, r)
        assert parse_exact(r.actual) == actual, r
        assert parse_exact(r.threshold) == t, r
        assert parse_exact(r.gap) == actual - t, r
    bt = rows["BT"]
    if d:
        assert bt.verdict == ("pass" if t <= Fraction(n, d) <= upper else "fail"), (n, d, bt)


def meets(op: str, value: Fraction, t: Fraction) -> bool:
    return OPS[op](value, t)


@given(case(), st.sampled_from(ORDERING), st.data())
@example((100, 5000, 2000, 2000, True), "<", None)   # docs/semantics.md: needed 1
@example((46, 50, 90000, 90000, True), ">=", None)   # docs/semantics.md: budget 1
@example((0, 7, 0, 0, True), "<", None)              # < 0%: no k can, needed null
@example((1, 1, 100000, 100000, False), ">", None)   # 1 of 1 against > 100%: needed null
def test_needed_is_minimal_and_budget_maximal(c: tuple[int, int, int, int, bool], op: str,
                                              data: st.DataObject | None) -> None:
    n, d, k, _, percent = c
    assume(d > 0)
    a, b = split(n, data) if data is not None else (n, 0)
    t = Fraction(k, SCALE)
    rs = ruleset(tuple(literal(k, percent) for _ in OPS), literal(k, percent))
    name = {"<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}[op]
    r = next(r for r in rs.evaluate(facts(a, b, d)).results if r.objective == name)
    up = op in (">", ">=")  # good / total: more is better

    def moved(j: int) -> Fraction:
        return Fraction(n + j if up else n - j, d)

    def turned_bad(j: int) -> Fraction:
        return Fraction(n - j if up else n + j, d)

    if r.verdict == "fail":
        assert r.budget is None, r
        if r.needed is None:
            # no k can: not even every bad item turning good (k = d - n for >, >=; the
            # numerator is good / total), nor every bad item gone (k = n for <, <=)
            if up:
                assert not meets(op, Fraction(d, d), t), f"k = {d - n} would meet it: {r}"
            else:
                assert not meets(op, Fraction(0, d), t), f"k = {n} would meet it: {r}"
        else:
            j = r.needed
            assert j >= 1, r
            assert meets(op, moved(j), t), f"{j} items do not meet the target: {r}"
            assert not meets(op, moved(j - 1), t), f"{j - 1} items would do: {r}"
            assert j <= (d - n if up else n), f"more items than there are: {r}"
    else:
        assert r.verdict == "pass", r
        assert r.needed is None, r
        j = r.budget
        assert j is not None and j >= 0, r
        assert meets(op, turned_bad(j), t), f"losing {j} items fails: {r}"
        if up:
            assert j <= n, r
            assert j == n or not meets(op, turned_bad(j + 1), t), f"{j + 1} could go: {r}"
        else:
            assert not meets(op, turned_bad(j + 1), t), f"{j + 1} could go: {r}"
