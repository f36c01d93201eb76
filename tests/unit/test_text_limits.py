"""Limits on ruleset text (docs/limits.md, "Ruleset text"), end to end.

Each limit is tested at its value (the whole pipeline — parse, check, compile,
evaluate, scope matching, records SQL through DuckDB, every report format and the
printers — must survive it) and just over it (a clean coded error, exit 2). Long chains
of ``+``/``-`` and ``and``/``or`` are not limited by depth: a sum of 1000 facts and a
filter of 2000 conditions evaluate. Big inputs are generated here, never stored.
"""

from __future__ import annotations

import io
import json
import time
from fractions import Fraction
from pathlib import Path

import pytest

import kpirules
from kpirules import ast
from kpirules.cli import main
from kpirules.errors import FactsError
from kpirules.text_limits import MAX_DEPTH, MAX_NUMBER_DIGITS, MAX_RULESET_CHARS
from kpirules.periods import MAX_YEAR, MIN_YEAR, Period, PeriodSyntaxError, parse_period
from kpirules.units import MAX_UOM_EXPONENT, MAX_UOM_LENGTH, UomError, parse_uom

HEADER = 'ruleset "t"\nunit u\nperiod 2022\nfact late : count\nfact resolved : count\n'
FACTS = ("unit,period,fact,value\nu,2022,late,1\nu,2022,resolved,100\n"
         "w,2022,late,1\nw,2022,resolved,100\n")
UNITS = "id,name,parent,level\nu,U,,tp\nw,W,u,p\n"
Q2 = "objective Q2: late / resolved < 2%\n"


def _check(tmp_path: Path, ruleset: str, *extra: str, fmt: str = "json") -> tuple[int, str, str]:
    (tmp_path / "r.kpi").write_text(ruleset, encoding="utf-8")
    (tmp_path / "facts.csv").write_text(FACTS, encoding="utf-8")
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    args = ["check", str(tmp_path / "r.kpi"), "--units", str(tmp_path / "units.csv"),
            "--format", fmt, *extra]
    if "--no-facts" in extra:
        args.remove("--no-facts")
    else:
        args += ["--facts", str(tmp_path / "facts.csv")]
    code = main(args, out, err)
    return code, out.getvalue(), err.getvalue()


def _rows(out: str) -> dict[tuple[str, str | None], dict]:  # type: ignore[type-arg]
    return {(r["objective"], r["unit"]): r for r in json.loads(out)["results"]}


def _alternating(n: int, column: str) -> str:
    """A condition exactly ``n`` levels deep: `c != "c0" and (c != "c1" or (…))`."""
    text = f'{column} = "z"'
    for i in range(n - 1):
        text = f'{column} != "c{i}" {"or" if i % 2 else "and"} ({text})'
    return text


# ---------------------------------------------------------------- long flat chains
def test_a_sum_of_1000_facts_and_1000_minus_signs_evaluate(tmp_path: Path) -> None:
    measure = " + ".join(["late"] * 1000) + " - " + " - ".join(["late"] * 999)
    code, out, err = _check(tmp_path, HEADER + f"objective Q1: {measure} >= 1\n" + Q2)
    assert code == 0, err
    assert _rows(out)[("Q1", "u")]["actual"] == "1"


def test_a_long_sum_is_balanced_and_means_the_same() -> None:
    n = 1000
    rs = kpirules.parse('ruleset "t"\nfact a : count\nfact b : count\nobjective Q1: '
                        + " - ".join(["a"] * (n // 2)) + " + " + " + ".join(["b"] * (n // 2))
                        + " >= 0\n", "x.kpi")
    m = rs.objectives[0].measure
    depth, stack = 0, [(m, 1)]
    while stack:
        node, d = stack.pop()
        depth = max(depth, d)
        if isinstance(node, ast.BinOp):
            stack += [(node.left, d + 1), (node.right, d + 1)]
    assert depth <= 12
    plan = kpirules.loads(HEADER.replace("late", "a").replace("resolved", "b")
                          + "objective Q1: " + " - ".join(["a"] * (n // 2)) + " + "
                          + " + ".join(["b"] * (n // 2)) + " >= 0\n", "x.kpi")
    fn = plan.plan.objectives[0].targets[0].fn
    assert fn({"a": 3, "b": 5}) == 3 - 3 * (n // 2 - 1) + 5 * (n // 2)


def test_scope_with_500_ands_evaluates_each_and_pooled(tmp_path: Path) -> None:
    cond = " and ".join(f'level != "x{i}"' for i in range(500))
    rs = (HEADER + f"objective Q1 {{\n measure late / resolved\n target < 2%\n"
          f" scope each unit where {cond}\n}}\nobjective Q2 {{\n measure late / resolved\n"
          f" target < 2%\n scope units where {cond}\n}}\n")
    code, out, err = _check(tmp_path, rs)
    assert code == 0, err
    rows = _rows(out)
    assert {k for k in rows} == {("Q1", "u"), ("Q1", "w"), ("Q2", None)}
    assert rows[("Q2", None)]["scope"].startswith('units where level != "x0" and level != "x1"')
    assert "(" not in rows[("Q2", None)]["scope"]


def test_records_filter_with_2000_ands_runs_through_duckdb(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    (tmp_path / "d.csv").write_text("unit_id,returned_at,channel\nu,2022-03-01,a\n"
                                    "u,2022-04-01,c5\n", encoding="utf-8")
    ands = " and ".join(f'channel != "c{i}"' for i in range(2000))
    ors = " or ".join(f'channel = "c{i}"' for i in range(2000))
    rs = ('ruleset "t"\nunit u\nperiod 2022\nsource d from "d.csv"\n  unit by unit_id\n'
          "  period by returned_at\nfact resolved = count(d where returned_at is not null)\n"
          f"fact late = count(d where {ands})\nfact hit = count(d where {ors})\n"
          "objective Q1: late / resolved <= 50%\nobjective Q2: hit >= 1\n")
    code, out, err = _check(tmp_path, rs, "--no-facts")
    assert code == 0, err
    rows = _rows(out)
    assert rows[("Q1", "u")]["actual"] == "0.5" and rows[("Q2", "u")]["actual"] == "1"


# ---------------------------------------------------------------- the depth limit
def _deep_ruleset(n: int) -> str:
    """Every kind of nesting, each exactly ``n`` levels deep."""
    k = n - 1
    return (HEADER
            + f"objective Q1: {'-' * k}late <= 1\n"
            + f"objective Q2: {'abs(' * k}late{')' * k} >= 0\n"
            + f"objective Q3: {'min(' * k}late{', 5)' * k} >= 0\n"
            + f"objective Q4: {'(late * ' * k}resolved{')' * k} >= 0\n"
            + f"objective Q5: {'(late + ' * k}late{')' * k} >= 0\n"
            + "objective Q6 {\n  measure late / resolved\n  target < 2%\n"
            + f"  scope units where {'not ' * k}level = \"x\"\n}}\n"
            + "objective Q7 {\n  measure late / resolved\n  target < 2%\n"
            + f"  scope each unit where {_alternating(n, 'level')}\n}}\n")


@pytest.mark.parametrize("fmt", ["json", "table", "md", "html", "junit"])
def test_every_nesting_at_the_depth_limit_runs_in_every_format(tmp_path: Path,
                                                                fmt: str) -> None:
    code, out, err = _check(tmp_path, _deep_ruleset(MAX_DEPTH), fmt=fmt)
    assert code in (0, 1), err
    assert "Traceback" not in out + err


def test_explain_and_doc_at_the_depth_limit(tmp_path: Path) -> None:
    _check(tmp_path, _deep_ruleset(MAX_DEPTH))
    for args in (["explain", str(tmp_path / "r.kpi"), "Q5", "--facts",
                  str(tmp_path / "facts.csv")],
                 ["explain", str(tmp_path / "r.kpi"), "Q6", "--facts",
                  str(tmp_path / "facts.csv"), "--units", str(tmp_path / "units.csv")],
                 ["doc", str(tmp_path / "r.kpi")]):
        out, err = io.StringIO(), io.StringIO()
        assert main(args, out, err) in (0, 1), err.getvalue()


def test_records_filter_at_the_depth_limit_and_over_it(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    (tmp_path / "d.csv").write_text("unit_id,returned_at,channel\nu,2022-03-01,a\n",
                                    encoding="utf-8")

    def ruleset(n: int) -> str:
        return ('ruleset "t"\nunit u\nperiod 2022\nsource d from "d.csv"\n  unit by unit_id\n'
                "  period by returned_at\n"
                f"fact late = count(d where {_alternating(n, 'channel')})\n"
                f"fact deep = count(d where {'not ' * (n - 1)}channel = \"x\")\n"
                "objective Q1: late >= 0\nobjective Q2: deep >= 0\n")

    code, out, err = _check(tmp_path, ruleset(MAX_DEPTH), "--no-facts")
    assert code == 0, err
    code, _out, err = _check(tmp_path, ruleset(MAX_DEPTH + 1), "--no-facts")
    assert code == 2 and err.count("error[E107]") == 2, err


def test_every_nesting_just_over_the_depth_limit_is_e107_each(tmp_path: Path) -> None:
    code, _out, err = _check(tmp_path, _deep_ruleset(MAX_DEPTH + 1))
    assert code == 2
    assert err.count("error[E107]") == 7, err
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.endswith(f"nested {MAX_DEPTH + 1} levels deep; at most {MAX_DEPTH} are allowed")
    # the caret stands where level 101 starts: after 100 signs
    assert f"r.kpi:6:{len('objective Q1: ') + MAX_DEPTH + 1}:" in first


def test_a_thousand_signs_and_500_nested_calls_are_e107_not_recursion() -> None:
    for body in ["-" * 1000 + "late >= 1", "min(" * 500 + "late" + ", 1)" * 500 + " >= 1",
                 "(" * 5000 + "late" + ")" * 5000 + " >= 1"]:
        text = HEADER + f"objective Q1: {body}\n" + Q2
        try:
            kpirules.loads(text, "x.kpi")
        except kpirules.RulesetError as exc:
            assert [d.code for d in exc.errors] == ["E107"]


# ---------------------------------------------------------------- numbers, size
def test_number_digits_limit(tmp_path: Path) -> None:
    ok = "9" * MAX_NUMBER_DIGITS
    rs = kpirules.loads(HEADER + f"objective Q1: late <= {ok}\n" + Q2, "x.kpi")
    assert rs.plan.objectives[0].targets[0].target.t == int(ok)
    for number in ["9" * (MAX_NUMBER_DIGITS + 1), "1" * 4301, "1" * 1_000_000,
                   "0." + "0" * MAX_NUMBER_DIGITS + "1"]:
        t0 = time.perf_counter()
        with pytest.raises(kpirules.RulesetError) as info:
            kpirules.loads(HEADER + f"objective Q1: late <= {number}\n" + Q2, "x.kpi")
        assert [d.code for d in info.value.errors] == ["E108"]
        assert time.perf_counter() - t0 < 10


def test_size_limit_text_and_file(tmp_path: Path) -> None:
    big = HEADER + Q2 + "#" * MAX_RULESET_CHARS
    with pytest.raises(kpirules.RulesetError) as info:
        kpirules.loads(big, "x.kpi")
    assert [d.code for d in info.value.errors] == ["E109"]
    path = tmp_path / "big.kpi"
    path.write_text(big, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["lint", str(path)], out, err) == 2
    assert "error[E109]" in out.getvalue() + err.getvalue()


# ---------------------------------------------------------------- periods
def test_period_years_outside_the_range_are_refused() -> None:
    for text in ["0000", "9999", "0000-Q1", "9999-12"]:
        with pytest.raises(PeriodSyntaxError, match="0001 to 9998"):
            parse_period(text)
    with pytest.raises(PeriodSyntaxError, match="Q1 to Q4"):
        parse_period("2022-Q" + "1" * 4301)


def test_period_arithmetic_at_the_edges_of_the_range_builds_valid_dates() -> None:
    first, last = parse_period(f"{MIN_YEAR:04d}-01"), parse_period(f"{MAX_YEAR}")
    assert first.first_day().year == MIN_YEAR
    assert last.end_day().year == MAX_YEAR + 1
    for p in (parse_period(f"{MAX_YEAR}"), parse_period(f"{MAX_YEAR}-Q4"),
              parse_period(f"{MAX_YEAR}-12"), parse_period(f"{MIN_YEAR:04d}")):
        for q in (p, *p.months(), *p.children(), *([p.parent()] if p.parent() else [])):
            assert q.first_day() < q.end_day()
    with pytest.raises(PeriodSyntaxError):
        Period(9999, "month", 12).end_day()


# ---------------------------------------------------------------- units of measure
HOSTILE_UOMS = ["percent^2", "h^2/min^2", "count^2", "percent**2", "min^9999.5",
                "fs^1886.41", "min^99999999", "m^5", "x" * 40_000]


@pytest.mark.parametrize("uom", HOSTILE_UOMS, ids=lambda u: u[:20])
def test_guarded_uom_parser_refuses_quickly(uom: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(UomError) as info:
        parse_uom(uom)
    assert info.value.code == "E307"
    assert time.perf_counter() - t0 < 1
    assert len(str(info.value)) < 200


def test_small_integer_exponents_are_units() -> None:
    assert parse_uom("m^2") == parse_uom("m**2")
    assert parse_uom(f"s^-{MAX_UOM_EXPONENT}") is not None
    assert len("a" * MAX_UOM_LENGTH) == MAX_UOM_LENGTH


@pytest.mark.parametrize("uom", HOSTILE_UOMS[:7] + ["x" * 40_000], ids=lambda u: u[:20])
def test_uom_cells_of_data_files_are_e508_with_row_and_column(tmp_path: Path,
                                                              uom: str) -> None:
    rs = kpirules.loads('ruleset "t"\nunit u\nperiod 2022\nfact wait : min\n'
                        "fact visits : count\nobjective Q1: wait / visits <= 25 min\n", "w.kpi")
    csv = tmp_path / "f.csv"
    csv.write_text(f"unit,period,fact,value,uom\nu,2022,visits,3,\nu,2022,wait,5,{uom}\n",
                   encoding="utf-8")
    js = tmp_path / "f.json"
    js.write_text(json.dumps([{"unit": "u", "period": "2022", "fact": "visits", "value": 3},
                              {"unit": "u", "period": "2022", "fact": "wait", "value": 5,
                               "uom": uom}]), encoding="utf-8")
    nested = tmp_path / "g.json"  # the nested shape: {value, uom}
    nested.write_text(json.dumps({"u": {"2022": {"visits": 3, "wait": {"value": 5,
                                                                       "uom": uom}}}}),
                      encoding="utf-8")
    for path in (csv, js, nested):
        t0 = time.perf_counter()
        with pytest.raises(FactsError) as info:
            rs.evaluate(kpirules.read_facts(path))
        err = info.value
        assert err.code == "E508", err
        assert err.row is not None and err.column is not None, err
        assert time.perf_counter() - t0 < 2
        assert len(err.message) < 200
    assert csv_location(csv, uom) == f"{csv}:3:uom"


def csv_location(path: Path, uom: str) -> str:
    try:
        kpirules.read_facts(path)
    except FactsError as exc:
        return exc.location
    return ""


def test_exact_fraction_thresholds_survive_the_balanced_chain() -> None:
    rs = kpirules.loads(HEADER + "objective Q1: " + " + ".join(["late"] * 100)
                        + " <= 0.5\n" + Q2, "x.kpi")
    assert rs.plan.objectives[0].targets[0].target.t == Fraction(1, 2)
