"""--compare (previous period's actual and the change) and --as-of (year to date)."""

from __future__ import annotations

import io

import pytest

import kpirules
from kpirules.cli import main

RULESET = """\
ruleset "t"
unit u
period 2022
fact late : count
fact resolved : count
fact staff : count aggregate last
objective Q1: late / resolved < 2%
objective Q2 {
  measure late
  target <= 5
  every quarter
}
objective Q3: staff >= 10
"""


def _rows(year: int, months: range, late: int = 1, resolved: int = 100) -> list[dict]:
    out = []
    for m in months:
        p = f"{year}-{m:02d}"
        out += [{"unit": "u", "period": p, "fact": "late", "value": late},
                {"unit": "u", "period": p, "fact": "resolved", "value": resolved},
                {"unit": "u", "period": p, "fact": "staff", "value": 10 + m}]
    return out


def test_compare_adds_previous_and_change() -> None:
    rs = kpirules.loads(RULESET)
    facts = _rows(2022, range(1, 13), late=1) + _rows(2021, range(1, 13), late=3)
    report = rs.evaluate(facts, compare="2021")
    assert report.compare == "2021"
    q1 = report.rows("Q1")[0]
    assert (q1.actual, q1.previous, q1.change) == ("0.01", "0.03", "-0.02")
    q2 = {r.period: r for r in report.rows("Q2")}
    assert q2["2022-Q1"].previous == "9" and q2["2022-Q1"].change == "-6"
    assert '"previous": "0.03"' in report.to_json()


def test_compare_with_no_data_is_an_error() -> None:
    rs = kpirules.loads(RULESET)
    with pytest.raises(kpirules.EvaluationError, match="no data for 2020"):
        rs.evaluate(_rows(2022, range(1, 13)), compare="2020")


def test_as_of_evaluates_year_to_date_and_marks_rows_partial() -> None:
    rs = kpirules.loads(RULESET)
    # nine months of data: the year itself is missing, year to date through September is not
    facts = _rows(2022, range(1, 10))
    full = rs.evaluate(facts)
    assert full.rows("Q1")[0].verdict == "missing"
    assert "2022-Q4 absent" in full.rows("Q1")[0].reason
    ytd = rs.evaluate(facts, as_of="2022-09")
    assert ytd.as_of == "2022-09"
    q1 = ytd.rows("Q1")[0]
    assert (q1.verdict, q1.actual, q1.partial) == ("pass", "0.01", True)
    # the stock takes the last month through the as-of month
    assert ytd.rows("Q3")[0].actual == "19"
    # quarterly cadence: no row after September, and Q1–Q3 are whole (not partial)
    assert [(r.period, r.partial) for r in ytd.rows("Q2")] == [
        ("2022-Q1", False), ("2022-Q2", False), ("2022-Q3", False)]


def test_as_of_inside_a_quarter_marks_that_quarter_partial() -> None:
    rs = kpirules.loads(RULESET)
    ytd = rs.evaluate(_rows(2022, range(1, 9)), as_of="2022-08")
    q2 = {r.period: r for r in ytd.rows("Q2")}
    assert q2["2022-Q3"].partial and q2["2022-Q3"].actual == "2"
    assert not q2["2022-Q2"].partial


def test_as_of_outside_the_period_exits_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.kpi"
    path.write_text(RULESET, encoding="utf-8")
    facts = tmp_path / "f.csv"
    facts.write_text("unit,period,fact,value\nu,2022,late,1\nu,2022,resolved,100\n"
                     "u,2022,staff,12\n", encoding="utf-8")
    err = io.StringIO()
    code = main(["check", str(path), "--facts", str(facts), "--as-of", "2023-01"],
                io.StringIO(), err)
    assert code == 2
    assert "outside the evaluated period 2022" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_every_human_format_shows_previous_and_partial() -> None:
    from kpirules.report import render

    rs = kpirules.loads(RULESET)
    facts = _rows(2022, range(1, 13), late=1) + _rows(2021, range(1, 13), late=3)
    report = rs.evaluate(facts, compare="2021", as_of="2022-09")
    table = render(report, "table", lang="en", width=160)
    assert "2021: 3.00% (−2.00 pp)" in table and "(partial)" in table
    md = render(report, "md", lang="en")
    assert "| vs 2021 |" in md and "3.00% (−2.00 pp)" in md and "2022 (partial)" in md
    assert "data through 2022-09" in md
    html = render(report, "html", lang="vi")
    assert "2021" in html and "Tạm tính" in html
