"""Roll-up invariants (docs/semantics.md), with random unit trees and counts.

(e) A parent's ratio is the ratio of its children's sums (pooled, never the mean of the
    children's ratios); each child's row is the ratio of its own subtree's sums; a pooled
    scope over any set of units equals the ratio of the sums over their subtrees, each
    value counted once even when a unit and its ancestor both match; a year given as
    quarters or months gives the same result as the year given whole; and a unit's own
    value equal to its children's sum changes nothing.
"""

from __future__ import annotations

import functools
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

import kpirules

RULESET = '''\
ruleset "roll-up"
unit p
period 2022
fact late : count
fact resolved : count
objective ROOT: late / resolved <= 100%
objective EACH {
  measure late / resolved
  target  <= 100%
  scope   each unit where level = "child"
}
objective POOL {
  measure late / resolved
  target  <= 100%
  scope   units where picked = "yes"
}
'''


@functools.cache
def ruleset() -> kpirules.Ruleset:
    return kpirules.loads(RULESET, "rollup.kpi")


def splits(total: int, parts: int, data: st.DataObject) -> list[int]:
    cuts = sorted(data.draw(st.lists(st.integers(0, total), min_size=parts - 1,
                                     max_size=parts - 1), label="cuts"))
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


@st.composite
def tree(draw: st.DrawFn) -> dict[str, list[str]]:
    """children of p: c0… ; each child a leaf or the parent of 1–3 grandchildren."""
    kids: dict[str, list[str]] = {"p": []}
    for i in range(draw(st.integers(1, 5))):
        c = f"c{i}"
        kids["p"].append(c)
        kids[c] = [f"{c}g{j}" for j in range(draw(st.integers(0, 3)))]
        for g in kids[c]:
            kids[g] = []
    return kids


def subtree(u: str, kids: dict[str, list[str]]) -> list[str]:
    out = [u]
    for k in kids[u]:
        out.extend(subtree(k, kids))
    return out


@given(tree(), st.data())
def test_parent_ratio_is_ratio_of_sums(kids: dict[str, list[str]], data: st.DataObject) -> None:
    leaves = [u for u, ks in kids.items() if not ks]
    values: dict[str, dict[str, int]] = {}
    for leaf in leaves:
        resolved = data.draw(st.integers(0, 2000), label=f"{leaf}.resolved")
        late = data.draw(st.integers(0, resolved), label=f"{leaf}.late")
        values[leaf] = {"late": late, "resolved": resolved}

    rows: list[dict[str, object]] = []
    for leaf, vs in values.items():
        for fact, v in vs.items():
            grain = data.draw(st.sampled_from(["year", "quarters", "months"]), label="grain")
            if grain == "year":
                rows.append({"unit": leaf, "period": "2022", "fact": fact, "value": v})
            elif grain == "quarters":
                for q, part in enumerate(splits(v, 4, data), 1):
                    rows.append({"unit": leaf, "period": f"2022-Q{q}", "fact": fact,
                                 "value": part})
            else:
                for m, part in enumerate(splits(v, 12, data), 1):
                    rows.append({"unit": leaf, "period": f"2022-{m:02d}", "fact": fact,
                                 "value": part})

    def sums(units: list[str]) -> tuple[int, int]:
        inside = {x for u in units for x in subtree(u, kids)}
        late = sum(values[x]["late"] for x in inside if x in values)
        resolved = sum(values[x]["resolved"] for x in inside if x in values)
        return late, resolved

    # the root's own value, equal to what its children add up to, changes nothing
    if data.draw(st.booleans(), label="root has its own value"):
        late, resolved = sums(["p"])
        rows += [{"unit": "p", "period": "2022", "fact": "late", "value": late},
                 {"unit": "p", "period": "2022", "fact": "resolved", "value": resolved}]

    everyone = list(kids)
    picked = set(data.draw(st.lists(st.sampled_from(everyone), min_size=1, unique=True),
                           label="picked"))
    units = [{"id": u, "name": u.upper(), "parent": "" if u == "p" else
              ("p" if u.count("g") == 0 else u.split("g")[0]),
              "level": "root" if u == "p" else ("child" if "g" not in u else "grandchild"),
              "picked": "yes" if u in picked else "no"} for u in everyone]

    report = ruleset().evaluate(rows, units=units)

    def expect(row: kpirules.results.ResultRow, units_: list[str]) -> None:
        late, resolved = sums(units_)
        if resolved == 0:
            assert row.verdict == "n/a", (row, late, resolved)
        else:
            assert row.verdict == "pass", row
            assert Fraction(row.actual) == Fraction(late, resolved), (row, late, resolved)

    (root,) = report.rows("ROOT")
    assert root.unit == "p"
    expect(root, ["p"])
    each = {r.unit: r for r in report.rows("EACH")}
    assert set(each) == set(kids["p"])
    for child, row in each.items():
        expect(row, [child])
    (pool,) = report.rows("POOL")
    assert pool.unit is None
    expect(pool, sorted(picked))
