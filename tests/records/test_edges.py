"""Periods at the edges of the calendar: the last year a period may name (9998) is scanned
to its last day; a period or literal outside the years kpirules handles is a coded error
at its place, never "year 10000 is out of range"."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import write_table

import kpirules
from kpirules import EvaluationError, RulesetError
from kpirules.periods import Period
from kpirules.records import derive
from kpirules.records.sql import days

RULES = '''ruleset "edges"
period {period}
unit u1
source d from "d.parquet"
  unit by unit_id
  period by {column}
fact n = count(d)
fact in_dec = count(d where {column} = 9998-12)
fact after = count(d where {column} > 9998-11)
fact before = count(d where {column} <= 9998-Q3)
objective A "n": n >= 1
'''


def _load(tmp_path: Path, period: str = "9998", column: str = "day") -> kpirules.Ruleset:
    (tmp_path / "r.kpi").write_text(RULES.format(period=period, column=column),
                                    encoding="utf-8")
    return kpirules.load(tmp_path / "r.kpi")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    write_table(tmp_path / "d.parquet", {
        "unit_id": ["u1", "u1", "u1", "u1"],
        "day": pa.array([date(9998, 12, 31), date(9998, 1, 1), date(9998, 7, 1),
                         date(9997, 12, 31)], pa.date32()),
        "stamp": pa.array([datetime(9998, 12, 31, 23, 59), datetime(9998, 1, 1, 0, 0),
                           datetime(9998, 7, 1, 12), datetime(9997, 12, 31, 23)],
                          pa.timestamp("us")),
        "text": ["9998-12-31", "9998-01-01", "9998-07-01", "9997-12-31"],
    })
    return tmp_path


@pytest.mark.parametrize("column", ["day", "stamp", "text"])
def test_the_last_year_is_scanned_to_its_last_day(data: Path, column: str) -> None:
    rs = _load(data, column=column)
    facts, _ = derive(rs.plan, period="9998", base_dir=data)
    total = {f: sum(facts.get(("u1", f), {}).values()) for f in ("n", "in_dec", "after",
                                                               "before")}
    assert total == {"n": 3, "in_dec": 1, "after": 1, "before": 2}


def test_the_last_month_and_quarter(data: Path) -> None:
    rs = _load(data)
    for period in ("9998-12", "9998-Q4"):
        facts, _ = derive(rs.plan, period=period, base_dir=data)
        assert facts[("u1", "n")] == {Period(9998, "month", 12): 1}


@pytest.mark.parametrize("year", ["0000", "9999"])
def test_a_year_outside_the_calendar_in_the_ruleset_is_e401_at_its_place(
        data: Path, year: str) -> None:
    with pytest.raises(RulesetError) as info:
        _load(data, period=year).evaluate()
    d = info.value.diagnostics[0]
    assert d.code == "E401" and "0001 to 9998" in d.message
    assert info.value.render().startswith(f"{data / 'r.kpi'}:2:8: error[E401]")


def test_year_zero_asked_for_is_a_clean_error(data: Path) -> None:
    rs = _load(data)
    for year in ("0000", "9999"):
        with pytest.raises(EvaluationError, match="outside"):
            rs.evaluate(period=year)


def test_a_literal_outside_the_calendar_is_e401(data: Path) -> None:
    (data / "r.kpi").write_text(RULES.format(period="9998", column="day").replace(
        "= 9998-12)", "= 0000-12)"), encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        kpirules.load(data / "r.kpi").evaluate()
    d = info.value.diagnostics[0]
    assert d.code == "E401" and "r.kpi:8:35: error[E401]" in info.value.render()


def test_days() -> None:
    assert days(Period(2022, "year", 1)) == (date(2022, 1, 1), date(2023, 1, 1))
    assert days(Period(2022, "month", 2)) == (date(2022, 2, 1), date(2022, 3, 1))
    assert days(Period(9999, "quarter", 4)) == (date(9999, 10, 1), None)
    for bad in (Period(0, "year", 1), Period(10000, "month", 1)):  # built by hand
        with pytest.raises(ValueError, match="outside"):
            days(bad)
