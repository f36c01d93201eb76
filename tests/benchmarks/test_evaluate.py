"""Evaluate 10 ratio objectives over 9 900 communes (``scope each unit where level =
"xa"``, 99 000 verdicts) against a hand-written float loop over the same values.

* group ``evaluate``: the whole ``Ruleset.evaluate(facts, units=..., period="2022")``
  call, report objects included, against the fairest minimal float loop
  (``n / d >= t`` over values pre-extracted into Python lists). Target ≤ 5×, must ≤ 10×.
* group ``verdict``: the verdict step alone over the same 99 000 (n, d) pairs —
  ``Cmp.ratio_test`` (what the evaluator calls), the same integer
  cross-multiplication written inline, ``Fraction(n, d) >= t``, and the float compare.
  The issue: the exact verdict "should be no slower than the float loop".
* group ``evaluate-memory``: one evaluate call under tracemalloc; its peak is noted.

The fact set and the units table are built once (session fixture), outside the timing.
"""

from __future__ import annotations

import tracemalloc
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from kpirules.compiler import Cmp

ROUNDS = 5


def _verdicts_ok(case: Any, report: Any) -> None:
    """The report's verdicts are the exact ones, one row per (objective, commune)."""
    assert len(report.results) == case.k * len(case.communes)
    exact = {}
    for i, rows in enumerate(case.int_rows):
        t = Fraction(Decimal(case.thresholds[i])) / 100
        for u, n, d in rows:
            exact[(f"X{i}", u)] = "pass" if Fraction(n, d) >= t else "fail"
    got = {(r.objective, r.unit): r.verdict for r in report.results}
    assert got == exact


@pytest.mark.benchmark(group="evaluate")
def test_evaluate_kpirules(benchmark: Any, record: Any, note: Any, scoped_case: Any) -> None:
    case = scoped_case
    rs = case.ruleset
    report = benchmark.pedantic(rs.evaluate, args=(case.facts,),
                                kwargs={"units": case.units, "period": "2022"},
                                rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record("evaluate.kpirules", benchmark)
    _verdicts_ok(case, report)
    note("evaluate.size", f"{case.n_units:,} units, {case.n_facts:,} fact values, "
         f"{case.k} objectives → {len(report.results):,} verdicts")


@pytest.mark.benchmark(group="evaluate")
def test_evaluate_float_loop(benchmark: Any, record: Any, scoped_case: Any) -> None:
    case = scoped_case
    tables = case.float_tables

    def loop() -> list[tuple[str, int, bool]]:
        return [(u, i, n / d >= t) for i, (t, rows) in enumerate(tables) for u, n, d in rows]

    rows = benchmark(loop)
    record("evaluate.float_loop", benchmark)
    assert len(rows) == case.k * len(case.communes)


@pytest.mark.benchmark(group="evaluate")
def test_evaluate_float_loop_rows(benchmark: Any, record: Any, scoped_case: Any) -> None:
    """The float loop that also builds one result dict per verdict, with the keys of a
    report row (values as floats, no exact strings): the floor of any evaluator that
    materialises 99 000 row objects eagerly."""
    case = scoped_case
    template = dict.fromkeys(("objective", "part", "unit", "period", "verdict", "actual",
                              "comparator", "threshold", "gap", "uom", "needed", "budget",
                              "label", "scope", "upper", "kind", "reason", "unit_name",
                              "warn"))
    tables = [(f"X{i}", t, rows) for i, (t, rows) in enumerate(case.float_tables)]

    def loop() -> list[dict[str, Any]]:
        out = []
        for oid, t, rows in tables:
            for u, n, d in rows:
                row = dict(template)
                row["objective"], row["unit"], row["period"] = oid, u, "2022"
                row["actual"] = a = n / d
                row["verdict"] = "pass" if a >= t else "fail"
                row["gap"] = a - t
                out.append(row)
        return out

    rows = benchmark(loop)
    record("evaluate.float_rows", benchmark)
    assert len(rows) == case.k * len(case.communes)


@pytest.mark.benchmark(group="evaluate-interleaved")
def test_evaluate_interleaved(benchmark: Any, interleave: Any, scoped_case: Any) -> None:
    """Both sides again, one call of each per round in rotating order; the medians and
    the time each spends in the garbage collector are in the summary."""
    case = scoped_case
    tables = case.float_tables
    sides = {
        "kpirules": lambda: case.ruleset.evaluate(case.facts, units=case.units,
                                                  period="2022"),
        "float_loop": lambda: [(u, i, n / d >= t) for i, (t, rows) in enumerate(tables)
                               for u, n, d in rows],
    }
    def check(side: str, out: Any) -> None:
        if side == "kpirules":
            _verdicts_ok(case, out)
        else:
            assert len(out) == case.k * len(case.communes)

    benchmark.pedantic(interleave, args=("evaluate-i", sides, ROUNDS), kwargs={"check": check},
                       rounds=1, iterations=1)


# ---------------------------------------------------------------- the verdict step alone
def _cmps(case: Any) -> list[Cmp]:
    return [o.targets[0].target for o in case.ruleset.plan.objectives]


@pytest.mark.benchmark(group="verdict")
def test_verdict_float(benchmark: Any, record: Any, scoped_case: Any) -> None:
    work = [(float(c.t), [(float(n), float(d)) for _, n, d in rows])
            for c, rows in zip(_cmps(scoped_case), scoped_case.int_rows)]
    out = benchmark(lambda: [n / d >= t for t, pairs in work for n, d in pairs])
    record("verdict.float", benchmark)
    assert len(out) == 99_000


@pytest.mark.benchmark(group="verdict")
def test_verdict_int_cross(benchmark: Any, record: Any, scoped_case: Any) -> None:
    """The exact comparison ``n * q >= p * d`` written inline (t = p / q): what a
    comparator specialised at compile time could cost."""
    cmps = _cmps(scoped_case)
    assert all(c.op == ">=" for c in cmps)
    work = [(c.t.numerator, c.t.denominator, [(n, d) for _, n, d in rows])
            for c, rows in zip(cmps, scoped_case.int_rows)]
    out = benchmark(lambda: [n * q >= p * d for p, q, pairs in work for n, d in pairs])
    record("verdict.int_cross", benchmark)
    assert len(out) == 99_000


@pytest.mark.benchmark(group="verdict")
def test_verdict_closure(benchmark: Any, record: Any, scoped_case: Any) -> None:
    """``Cmp.ratio_test``: the comparator specialised once per objective at compile time
    (``lambda n, d: n * q >= p * d``) — what the evaluator's hot path calls."""
    work = [(c.ratio_test, [(n, d) for _, n, d in rows])
            for c, rows in zip(_cmps(scoped_case), scoped_case.int_rows)]
    out = benchmark(lambda: [h(n, d) for h, pairs in work for n, d in pairs])
    record("verdict.closure", benchmark)
    assert len(out) == 99_000


@pytest.mark.benchmark(group="verdict")
def test_verdict_fraction(benchmark: Any, record: Any, scoped_case: Any) -> None:
    work = [(c.t, [(n, d) for _, n, d in rows])
            for c, rows in zip(_cmps(scoped_case), scoped_case.int_rows)]
    out = benchmark(lambda: [Fraction(n, d) >= t for t, pairs in work for n, d in pairs])
    record("verdict.fraction", benchmark)
    assert len(out) == 99_000


# ---------------------------------------------------------------- memory
@pytest.mark.benchmark(group="evaluate-memory")
def test_evaluate_peak_memory(benchmark: Any, note: Any, scoped_case: Any) -> None:
    """One evaluate call under tracemalloc (its time here is inflated by tracing: the
    number to read is the peak, printed in the summary)."""
    case = scoped_case
    peak: dict[str, int] = {}

    def traced() -> Any:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            report = case.ruleset.evaluate(case.facts, units=case.units, period="2022")
            after, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peak["peak"], peak["kept"] = top - before, after - before
        return report

    report = benchmark.pedantic(traced, rounds=1, iterations=1)
    assert len(report.results) == case.k * len(case.communes)
    benchmark.extra_info.update(peak_bytes=peak["peak"], kept_bytes=peak["kept"])
    n = len(report.results)
    note("evaluate.memory", f"tracemalloc peak {peak['peak'] / 2**20:.1f} MiB during the "
         f"call; {peak['kept'] / 2**20:.1f} MiB still held by the report "
         f"({peak['kept'] / n:.0f} B per verdict row)")
