"""One pool per measure, as properties: whatever subset of facts each ward gives, the city's
row is either missing (and names a ward that gives some facts but not all) or the ratio of
sums over exactly the wards that give every fact, with the others listed as silent."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import kpirules

RULESET = """\
ruleset "t"
unit city
period 2022
fact late : count
fact resolved : count
objective Q1: late / resolved < 2%
"""
RS = kpirules.loads(RULESET, "t.kpi")

# per ward: None (gives nothing), or (late or None, resolved or None)
ward = st.one_of(st.none(), st.tuples(st.one_of(st.none(), st.integers(0, 50)),
                                      st.one_of(st.none(), st.integers(1, 1000))))


@settings(max_examples=150, deadline=None)
@given(st.lists(ward, min_size=1, max_size=8))
def test_city_row_is_one_pool(wards: list[tuple[int | None, int | None] | None]) -> None:
    units = [{"id": "city", "name": "City", "parent": "", "level": "tp"}]
    facts = []
    for i, w in enumerate(wards):
        uid = f"w{i}"
        units.append({"id": uid, "name": uid.upper(), "parent": "city", "level": "xa"})
        if w is None:
            continue
        late, resolved = w
        if late is not None:
            facts.append({"unit": uid, "period": "2022", "fact": "late", "value": late})
        if resolved is not None:
            facts.append({"unit": uid, "period": "2022", "fact": "resolved", "value": resolved})
    report = RS.evaluate(facts, units=units)
    (row,) = report.results
    partial = [f"w{i}" for i, w in enumerate(wards)
               if w is not None and (w[0] is None) != (w[1] is None)]
    full = [w for w in wards if w is not None and w[0] is not None and w[1] is not None]
    silent = [f"w{i}" for i, w in enumerate(wards)
              if w is None or (w[0] is None and w[1] is None)]
    if partial:
        assert row.verdict == "missing"
        assert any(f"{u} gives" in (row.reason or "") for u in partial)
        return
    if not full:
        assert row.verdict == "missing"
        return
    late = sum(w[0] for w in full)  # type: ignore[misc]
    resolved = sum(w[1] for w in full)  # type: ignore[misc]
    assert Fraction(row.actual) == Fraction(late, resolved)
    assert row.verdict == ("pass" if Fraction(late, resolved) < Fraction(2, 100) else "fail")
    assert row.reporting == len(full)
    assert [u["unit"] for u in (row.silent or [])] == silent


def test_a_hierarchy_deeper_than_the_recursion_limit_rolls_up() -> None:
    depth = 3000
    units = [{"id": "city", "name": "City", "parent": "", "level": "tp"}]
    units += [{"id": f"u{i}", "name": f"U{i}", "parent": "city" if i == 0 else f"u{i - 1}",
               "level": "x"} for i in range(depth)]
    leaf = f"u{depth - 1}"
    facts = [{"unit": leaf, "period": "2022", "fact": "late", "value": 1},
             {"unit": leaf, "period": "2022", "fact": "resolved", "value": 100}]
    (row,) = RS.evaluate(facts, units=units).results
    assert (row.verdict, row.actual, row.reporting) == ("pass", "0.01", 1)
