"""Roll-up under the one-pool rule: a city of 30 districts × 100 communes (one commune of
each district silent), monthly `late` and `resolved` per commune, four shapes of
objective, each timed on its own (group ``rollup``):

* ``each``  — `each unit where level = "xa"`, `every month` (36 000 rows, no roll-up);
* ``city_month`` — the city, `every month` (12 roll-ups over 2 970 communes);
* ``city_year`` — the city for the year (one roll-up of 12 months × 2 970 communes);
* ``pooled`` — `units where level = "xa"` for the year.

Every row is checked against the pooled sums computed here in plain Python, so the
timing is of right answers; the silent communes are named on the city's rows.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import kpirules

DISTRICTS, COMMUNES = 30, 100
RULESET = """ruleset "rollup"
unit city
period 2022
fact late : count
fact resolved : count
objective each {
  measure late / resolved
  target < 2%
  scope each unit where level = "xa"
  every month
}
objective city_month {
  measure late / resolved
  target < 2%
  every month
}
objective city_year: late / resolved < 2%
objective pooled {
  measure late / resolved
  target < 2%
  scope units where level = "xa"
}
"""


@pytest.fixture(scope="module")
def city() -> Any:
    rnd = random.Random(20221)
    units = [{"id": "city", "name": "City", "parent": "", "level": "tp"}]
    rows, late, resolved = [], 0, 0
    for d in range(DISTRICTS):
        units.append({"id": f"d{d}", "name": f"D{d}", "parent": "city", "level": "huyen"})
        for c in range(COMMUNES):
            uid = f"x{d}_{c}"
            units.append({"id": uid, "name": uid, "parent": f"d{d}", "level": "xa"})
            if c == COMMUNES - 1:
                continue  # silent: gives none of the facts
            for m in range(1, 13):
                r, k = rnd.randint(50, 200), rnd.randint(0, 5)
                late, resolved = late + k, resolved + r
                rows += [{"unit": uid, "period": f"2022-{m:02d}", "fact": "resolved",
                          "value": r},
                         {"unit": uid, "period": f"2022-{m:02d}", "fact": "late", "value": k}]
    return (kpirules.loads(RULESET, "rollup.kpi"), kpirules.read_facts(rows),
            kpirules.read_units(units), late, resolved)


@pytest.mark.benchmark(group="rollup")
@pytest.mark.parametrize("objective", ["each", "city_month", "city_year", "pooled"])
def test_rollup(benchmark: Any, record: Any, city: Any, objective: str) -> None:
    from fractions import Fraction

    rs, facts, units, late, resolved = city
    report = benchmark.pedantic(rs.evaluate, args=(facts,),
                                kwargs={"units": units, "objectives": [objective]},
                                rounds=5, iterations=1, warmup_rounds=1)
    record(f"rollup.{objective}", benchmark)
    rows = report.results
    if objective in ("city_year", "pooled"):
        (row,) = rows
        assert Fraction(row.actual) == Fraction(late, resolved)
        assert row.reporting == DISTRICTS * (COMMUNES - 1) and len(row.silent) == DISTRICTS
    elif objective == "city_month":
        assert len(rows) == 12 and all(len(r.silent) == DISTRICTS for r in rows)
    else:
        assert len(rows) == 12 * DISTRICTS * COMMUNES
