"""Benchmarks: data fixtures, and the ratios of medians printed at the end of the run.

Run on demand (pyproject's addopts skip them in ordinary runs):

    python3 -m pytest tests/benchmarks --benchmark-only -p no:cacheprovider

Each comparison is measured in the same run, its two sides in one benchmark group
(printed side by side by pytest-benchmark). Every benchmark records its median
with ``record(key, benchmark)``; after the run, ``pytest_terminal_summary`` prints
each comparison as ``median A / median B`` against the target of the issue.
Set ``KPIRULES_BENCH_ENFORCE=1`` to make a ratio over its hard limit fail the run.

See docs/performance.md for what each benchmark measures and the latest numbers.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    """tools/gen_ruleset.py by path (``tools`` is not a package on sys.path)."""
    path = ROOT / "tools" / "gen_ruleset.py"
    spec = importlib.util.spec_from_file_location("kpirules_bench_gen_ruleset", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()

# ---------------------------------------------------------------- medians and ratios
_MEDIANS: dict[str, float] = {}   # key → median seconds
_VALUES: dict[str, str] = {}      # key → a measured quantity in words (memory, row counts)

# (title, numerator key, denominator key, target ratio, hard limit or None)
COMPARISONS: list[tuple[str, str, str, float, float | None]] = [
    ("load: kpirules.loads / bare Lark tree parse", "load.kpirules", "load.lark_tree",
     1.0, None),
    ("load, parse stage only: text → AST / bare Lark tree parse", "load.parse_ast",
     "load.lark_tree", 1.0, None),
    ("load, interleaved: kpirules.loads / bare Lark tree parse", "load-i.kpirules",
     "load-i.lark_tree", 1.0, None),
    ("load, interleaved, GC off on both sides", "load-i.kpirules_nogc",
     "load-i.lark_tree_nogc", 1.0, None),
    ("load, interleaved: loads with GC paused / tree parse as users run it",
     "load-i.kpirules_nogc", "load-i.lark_tree", 1.0, None),
    ("evaluate: Ruleset.evaluate / float loop", "evaluate.kpirules", "evaluate.float_loop",
     5.0, 10.0),
    ("evaluate: float loop building a dict row per verdict / bare float loop",
     "evaluate.float_rows", "evaluate.float_loop", 5.0, None),
    ("evaluate: Ruleset.evaluate / float loop building dict rows", "evaluate.kpirules",
     "evaluate.float_rows", 5.0, None),
    ("evaluate, interleaved: Ruleset.evaluate / float loop", "evaluate-i.kpirules",
     "evaluate-i.float_loop", 5.0, 10.0),
    ("verdict: Cmp.ratio_test (what evaluate calls) / float compare", "verdict.closure",
     "verdict.float", 1.0, None),
    ("verdict: inline int cross-multiplication / float compare", "verdict.int_cross",
     "verdict.float", 1.0, None),
    ("verdict: Fraction(n, d) >= t / float compare", "verdict.fraction", "verdict.float",
     1.0, None),
]

Recorder = Callable[[str, Any], None]


@pytest.fixture(scope="session")
def record() -> Recorder:
    """``record(key, benchmark)`` after the benchmark ran: keep its median for the ratios."""

    def keep(key: str, benchmark: Any) -> None:
        stats = getattr(benchmark, "stats", None)
        if stats is None or not getattr(stats, "stats", None):  # --benchmark-disable
            return
        _MEDIANS[key] = float(stats.stats.median)

    return keep


@pytest.fixture(scope="session")
def note() -> Callable[[str, str], None]:
    """``note(key, text)``: a measured quantity (not a time) for the summary."""

    def keep(key: str, text: str) -> None:
        _VALUES[key] = text

    return keep


def interleaved(prefix: str, sides: dict[str, Callable[[], Any]], rounds: int,
                check: Callable[[str, Any], None] | None = None) -> None:
    """Run every side once per round, the order rotated each round, so that a noisy
    neighbour hits all sides alike. Records ``prefix.side`` medians (for the ratios)
    and notes each side's median time spent in the cyclic garbage collector (measured
    with ``gc.callbacks``). ``check(side, result)`` validates each result, which is then
    dropped: no side runs while another side's result is alive (a large live heap makes
    every full collection slower, which would load one side with the other's objects)."""
    names = list(sides)
    times: dict[str, list[float]] = {n: [] for n in names}
    in_gc: dict[str, list[float]] = {n: [] for n in names}
    clock: dict[str, float] = {"start": 0.0, "total": 0.0}

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if phase == "start":
            clock["start"] = now
        else:
            clock["total"] += now - clock["start"]

    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            gc.collect()
            clock["total"] = 0.0
            gc.callbacks.append(on_gc)
            try:
                t0 = time.perf_counter()
                out = sides[name]()
                times[name].append(time.perf_counter() - t0)
            finally:
                gc.callbacks.remove(on_gc)
            in_gc[name].append(clock["total"])
            if check is not None:
                check(name, out)
            del out
    for name in names:
        median = statistics.median(times[name])
        _MEDIANS[f"{prefix}.{name}"] = median
        spent = statistics.median(in_gc[name])
        _VALUES[f"{prefix}.{name}"] = (
            f"median {_fmt(median)} over {rounds} interleaved rounds "
            f"(min {_fmt(min(times[name]))}, max {_fmt(max(times[name]))}); "
            f"in the garbage collector {_fmt(spent)} ({spent / median:.0%})")


def gc_paused(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with the cyclic garbage collector paused while it runs (restored after)."""

    def run() -> Any:
        was = gc.isenabled()
        gc.disable()
        try:
            return fn()
        finally:
            if was:
                gc.enable()

    return run


@pytest.fixture(scope="session")
def interleave() -> Callable[..., Any]:
    """The :func:`interleaved` runner, for the test modules."""
    return interleaved


@pytest.fixture(scope="session")
def pause_gc() -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """The :func:`gc_paused` wrapper, for the test modules."""
    return gc_paused


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _ratio_lines() -> list[tuple[str, bool]]:
    """(line, over the hard limit) for every comparison whose two sides ran."""
    out: list[tuple[str, bool]] = []
    for title, num, den, target, limit in COMPARISONS:
        if num not in _MEDIANS or den not in _MEDIANS:
            continue
        ratio = _MEDIANS[num] / _MEDIANS[den]
        verdict = "meets" if ratio <= target else "misses"
        line = (f"{title}: {_fmt(_MEDIANS[num])} / {_fmt(_MEDIANS[den])} = {ratio:.2f}× "
                f"({verdict} target ≤ {target:g}×")
        over = limit is not None and ratio > limit
        if limit is not None:
            line += f"; limit ≤ {limit:g}×: {'OVER' if over else 'within'}"
        out.append((line + ")", over))
    return out


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = _ratio_lines()
    if not lines and not _VALUES:
        return
    tr = terminalreporter
    tr.section("kpirules benchmark ratios (medians of this run)")
    tr.write_line(f"python {platform.python_version()} on {platform.machine()}, "
                  f"{os.cpu_count()} cpu(s)")
    for line, _ in lines:
        tr.write_line(line)
    for key, text in sorted(_VALUES.items()):
        tr.write_line(f"{key}: {text}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    enforce = os.environ.get("KPIRULES_BENCH_ENFORCE") == "1" and exitstatus == 0
    if enforce and any(over for _, over in _ratio_lines()):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ---------------------------------------------------------------- data
LOAD_OBJECTIVES = 10_000
LOAD_SEED = 2022


@pytest.fixture(scope="session")
def big_ruleset_text() -> str:
    """10 000 objectives of the six shapes of tools/gen_ruleset.py (seeded)."""
    return str(gen.generate_ruleset(LOAD_OBJECTIVES, LOAD_SEED))


class ScopedCase:
    """The evaluate benchmark's data: 10 objectives × 9 900 communes, built once."""

    def __init__(self) -> None:
        import kpirules

        self.k = 10
        unit_rows = gen.scoped_units(districts=100, communes=9_900)
        fact_rows = gen.scoped_facts(unit_rows, k=self.k)
        self.ruleset = kpirules.loads(gen.scoped_ruleset(self.k), "<scoped>")
        self.facts = kpirules.read_facts(fact_rows)
        self.units = kpirules.read_units(unit_rows)
        self.communes = [u["id"] for u in unit_rows if u["level"] == "xa"]
        self.n_units = len(unit_rows)
        self.n_facts = len(fact_rows)
        # the same values as plain Python numbers: per objective i, [(unit, good, total)]
        by_key = {(r["unit"], r["fact"]): r["value"] for r in fact_rows}
        self.int_rows: list[list[tuple[str, int, int]]] = [
            [(u, int(by_key[(u, f"good_{i}")]), int(by_key[(u, f"total_{i}")]))
             for u in self.communes]
            for i in range(self.k)]
        self.thresholds: list[str] = [gen.SCOPED_THRESHOLDS[i % len(gen.SCOPED_THRESHOLDS)]
                                      for i in range(self.k)]
        # the fairest minimal float loop's input: per objective (t, [(unit, good, total)])
        self.float_tables: list[tuple[float, list[tuple[str, float, float]]]] = [
            (float(Decimal(self.thresholds[i]) / 100),
             [(u, float(n), float(d)) for u, n, d in rows])
            for i, rows in enumerate(self.int_rows)]


@pytest.fixture(scope="module")
def scoped_case() -> Any:
    """Module scope: the 198 000 fact values are freed before the load benchmarks run
    (a large live heap makes every full garbage collection slower, on both sides)."""
    case = ScopedCase()
    yield case
    del case
    gc.collect()
