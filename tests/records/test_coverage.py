"""What the records cover of the evaluated period, known from the one scan: partial rows
and a banner in every report, E528 when they cover none of it (or, strictly, not all)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

import kpirules
from kpirules import FactsError
from kpirules.cli import main
from kpirules.records import DuckDBEngine
from kpirules.report import render

RULES = '''ruleset "coverage"
period 2022
unit u1
source d from "d.csv"
  unit by unit_id
  period by returned_at
fact n = count(d)
fact late = count(d where returned_at > due_at)
objective A "n": n >= 1
objective B "late": late / n < 50%
'''


def _write(tmp_path: Path, first: date, last: date, rules: str = RULES) -> Path:
    days = (last - first).days + 1
    lines = "".join(f"u1,{first + timedelta(i)},{last}\n" for i in range(days))
    (tmp_path / "d.csv").write_text("unit_id,returned_at,due_at\n" + lines, encoding="utf-8")
    (tmp_path / "r.kpi").write_text(rules, encoding="utf-8")
    return tmp_path / "r.kpi"


def test_two_weeks_of_january_are_not_the_year(tmp_path: Path) -> None:
    rs = kpirules.load(_write(tmp_path, date(2022, 1, 1), date(2022, 1, 14)))
    report = rs.evaluate()
    assert [r.partial for r in report.results] == [True, True]
    assert report.coverage is not None
    [c] = report.coverage
    assert (c.source, c.first, c.last, c.partial) == ("d", "2022-01-01", "2022-01-14", True)
    assert json.loads(report.to_json())["coverage"] == [
        {"source": "d", "first": "2022-01-01", "last": "2022-01-14", "partial": True}]
    for fmt, lang in (("table", "en"), ("md", "en"), ("html", "en"), ("junit", "en")):
        text = render(report, fmt, lang=lang)
        assert "`d` cover 2022-01-01 … 2022-01-14 only" in text, fmt
    assert "dữ liệu `d` chỉ có từ 2022-01-01 đến 2022-01-14" in render(report, "md", lang="vi")
    assert report.exit_code == 0  # partial rows are not failures


def test_a_year_from_its_first_to_its_last_month_is_covered(tmp_path: Path) -> None:
    rs = kpirules.load(_write(tmp_path, date(2022, 1, 3), date(2022, 12, 30)))
    report = rs.evaluate()
    assert not any(r.partial for r in report.results)
    assert report.coverage is not None and not report.coverage[0].partial
    assert "Partial" not in render(report, "md", lang="en")


def test_records_starting_in_march_are_partial(tmp_path: Path) -> None:
    rs = kpirules.load(_write(tmp_path, date(2022, 3, 2), date(2022, 12, 31)))
    assert all(r.partial for r in rs.evaluate().results)


def test_every_month_marks_the_months_not_covered(tmp_path: Path) -> None:
    rules = RULES.replace('objective A "n": n >= 1', 'objective A "n" {\n  measure n\n'
                          '  target >= 1\n  every month\n}')
    rs = kpirules.load(_write(tmp_path, date(2022, 1, 1), date(2022, 6, 10), rules))
    report = rs.evaluate(objectives=["A"])
    marked = {r.period: r.partial for r in report.results if r.period != "2022"}
    assert marked == {f"2022-{m:02d}": m > 6 for m in range(1, 13)}


def test_as_of_is_covered_through_its_month(tmp_path: Path) -> None:
    rs = kpirules.load(_write(tmp_path, date(2022, 1, 1), date(2022, 6, 10)))
    report = rs.evaluate(as_of="2022-06")
    assert report.coverage is not None and not report.coverage[0].partial


def test_no_record_in_the_period_is_e528_naming_the_span(tmp_path: Path) -> None:
    path = _write(tmp_path, date(2022, 1, 1), date(2022, 1, 14))
    err = io.StringIO()
    code = main(["check", str(path), "--period", "2023", "-q"], io.StringIO(), err)
    assert code == 2
    assert "error[E528]: the records hold nothing in 2023: `d` covers 2022-01-01 … " \
        "2022-01-14" in err.getvalue()
    assert "--period 2022" in err.getvalue()


def test_strict_coverage(tmp_path: Path) -> None:
    path = _write(tmp_path, date(2022, 1, 1), date(2022, 1, 14))
    err = io.StringIO()
    code = main(["check", str(path), "--strict-coverage", "-q"], io.StringIO(), err)
    assert code == 2 and "error[E528]: source `d` covers 2022-01-01 … 2022-01-14 of 2022 " \
        "only" in err.getvalue()
    with pytest.raises(FactsError) as info:
        kpirules.load(path).evaluate(strict_coverage=True)
    assert info.value.code == "E528"
    full = _write(tmp_path, date(2022, 1, 1), date(2022, 12, 1))
    assert kpirules.load(full).evaluate(strict_coverage=True).coverage is not None


def test_coverage_comes_from_the_one_scan(tmp_path: Path) -> None:
    rs = kpirules.load(_write(tmp_path, date(2022, 1, 1), date(2022, 1, 14)))
    engine = DuckDBEngine()
    try:
        rs.evaluate(engine=engine)
    finally:
        engine.close()
    assert [k for k, _ in engine.log].count("scan") == 1


def test_a_source_without_records_beside_one_with_them(tmp_path: Path) -> None:
    """Two sources; the one with no record in the period marks only its own rows."""
    rules = RULES.replace('fact late = count(d where returned_at > due_at)\n',
                          'source v from "v.csv"\n  unit by unit_id\n  period by day\n'
                          'fact visits = count(v)\n') \
        .replace('objective B "late": late / n < 50%', 'objective B "visits": visits >= 0')
    path = _write(tmp_path, date(2022, 1, 1), date(2022, 12, 31), rules)
    (tmp_path / "v.csv").write_text("unit_id,day\nu1,2021-05-01\n", encoding="utf-8")
    report = kpirules.load(path).evaluate()
    assert {r.objective: r.partial for r in report.results} == {"A": False, "B": True}
    assert report.coverage is not None
    assert [(c.source, c.first, c.partial) for c in report.coverage] == [
        ("d", "2022-01-01", False), ("v", None, True)]
    assert "`v` has no records in 2022" in render(report, "md", lang="en")


def test_reports_without_records_have_no_coverage_key(tmp_path: Path) -> None:
    (tmp_path / "r.kpi").write_text('ruleset "f"\nperiod 2022\nunit u1\nfact n : count\n'
                                    'objective A "n": n >= 1\n', encoding="utf-8")
    (tmp_path / "f.csv").write_text("unit,period,fact,value\nu1,2022,n,3\n", encoding="utf-8")
    report = kpirules.load(tmp_path / "r.kpi").evaluate(tmp_path / "f.csv")
    assert report.coverage is None and "coverage" not in json.loads(report.to_json())


def test_dates_outside_the_calendar_do_not_break_the_message(tmp_path: Path) -> None:
    """DuckDB returns dates past 9999 as text: the span still names them."""
    path = _write(tmp_path, date(2022, 1, 1), date(2022, 1, 2))
    (tmp_path / "d.csv").write_text("unit_id,returned_at,due_at\nu1,2022-01-01,\n"
                                    "u1,12345-06-07,\n", encoding="utf-8")
    with pytest.raises(FactsError) as info:
        kpirules.load(path).evaluate(period="2031")
    assert info.value.code == "E528"
    assert "`d` covers 2022-01-01 … 12345-06-07" in info.value.message
