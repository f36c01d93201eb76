"""The public API (STYLE practices 7 and 8; docs/embedding.md).

``kpirules.__all__`` is pinned; load / loads / parse; the typed errors are the builtins
a caller would catch, carry structured fields and pickle.
"""

from __future__ import annotations

import json
import pickle
import threading
from pathlib import Path

import pytest

import kpirules
from kpirules import ast

PUBLIC = [
    "Diagnostic",
    "EvaluationError",
    "FactsError",
    "KpiError",
    "Report",
    "Ruleset",
    "RulesetError",
    "load",
    "loads",
    "parse",
    "read_facts",
    "read_units",
]

# a small ruleset that lints clean, shared by several test modules
TEXT = (Path(__file__).resolve().parents[1] / "data" / "rulesets" / "clean.kpi").read_text(
    encoding="utf-8")
FACTS = [{"unit": "u", "period": "2022", "fact": "late", "value": 100},
         {"unit": "u", "period": "2022", "fact": "resolved", "value": 5000}]


def test_all_is_pinned() -> None:
    assert kpirules.__all__ == PUBLIC
    for name in PUBLIC:
        assert hasattr(kpirules, name), name


def test_the_surface_is_small() -> None:
    public = {n for n in dir(kpirules) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(kpirules, n)).__name__ == "module"}
    assert public - modules == set(PUBLIC)
    assert isinstance(kpirules.__version__, str)


def test_loads_and_evaluate() -> None:
    rs = kpirules.loads(TEXT, "mine.kpi")
    assert isinstance(rs, kpirules.Ruleset)
    assert rs.label == "Mục tiêu chất lượng"
    assert rs.unit == "u" and rs.period == "2022"
    assert rs.objective_ids == ("Q1",)
    assert rs.path == "mine.kpi"
    assert rs.warnings == ()
    report = rs.evaluate(FACTS)
    assert isinstance(report, kpirules.Report)
    (row,) = report.results
    assert (row.verdict, row.actual, row.needed) == ("fail", "0.02", 1)
    assert report.exit_code == 1


def test_load_from_a_path(tmp_path: Path) -> None:
    f = tmp_path / "r.kpi"
    f.write_text(TEXT, encoding="utf-8")
    for path in (f, str(f)):
        rs = kpirules.load(path)
        assert rs.path == str(f)
        assert rs.evaluate(FACTS).to_json() == kpirules.loads(TEXT, str(f)).evaluate(
            FACTS).to_json()


def test_one_ruleset_many_fact_sets() -> None:
    rs = kpirules.loads(TEXT)
    verdicts = []
    for late in (0, 99, 100):
        facts = [dict(FACTS[0], value=late), FACTS[1]]
        verdicts.append(rs.evaluate(facts).results[0].verdict)
    assert verdicts == ["pass", "pass", "fail"]


def test_evaluate_is_thread_safe_and_deterministic() -> None:
    rs = kpirules.loads(TEXT)
    want = rs.evaluate(FACTS).to_json()
    got: list[str] = []

    def run() -> None:
        for _ in range(20):
            got.append(rs.evaluate(FACTS).to_json())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 80 and set(got) == {want}


def test_report_json_contract_keys() -> None:
    data = json.loads(kpirules.loads(TEXT).evaluate(FACTS).to_json())
    assert {"ruleset", "period", "objectives", "results", "summary"} <= set(data)
    assert {"objective", "part", "unit", "period", "verdict", "actual", "comparator",
            "threshold", "gap", "uom", "needed", "budget"} <= set(data["results"][0])
    assert data["summary"] == {"pass": 0, "warn": 0, "fail": 1, "n/a": 0, "missing": 0}
    assert data["objectives"] == [{**data["objectives"][0], "id": "Q1", "verdict": "fail"}]


def test_parse_gives_the_ast_only() -> None:
    tree = kpirules.parse(TEXT + "objective Q2: undeclared >= 1\n", "x.kpi")
    assert isinstance(tree, ast.Ruleset)
    assert [o.id.value for o in tree.objectives] == ["Q1", "Q2"]
    with pytest.raises(kpirules.RulesetError):
        kpirules.parse("objective {", "x.kpi")


def test_ruleset_error_is_a_value_error_with_diagnostics() -> None:
    with pytest.raises(ValueError) as info:
        kpirules.loads(TEXT.replace("late / resolved", "lat / resolved"), "bad.kpi")
    err = info.value
    assert isinstance(err, kpirules.RulesetError)
    assert isinstance(err, kpirules.KpiError)
    (d,) = err.errors
    assert isinstance(d, kpirules.Diagnostic)
    assert [w.code for w in err.diagnostics if w.severity == "warning"] == ["W102"]
    assert (d.code, d.path, d.line, d.column, d.severity) == ("E201", "bad.kpi", 6, 39, "error")
    assert TEXT.replace("late / resolved", "lat / resolved")[d.start:d.end] == "lat"
    assert "^^^" in err.render()


def test_ruleset_error_message_names_the_first_error() -> None:
    """A rejected ruleset's message names its first error, not a warning before it."""
    with pytest.raises(kpirules.RulesetError) as info:
        kpirules.loads(TEXT.replace("late / resolved", "lat / resolved"), "bad.kpi")
    assert str(info.value).startswith("bad.kpi:6:39: error[E201]")


def test_ruleset_error_pickles() -> None:
    with pytest.raises(kpirules.RulesetError) as info:
        kpirules.loads("ruleset \"t\"\nobjective Q1: a >= >= 1\nobjective Q2: a @ 1\n", "p.kpi")
    again = pickle.loads(pickle.dumps(info.value))
    assert again.diagnostics == info.value.diagnostics
    assert again.render() == info.value.render()


def test_load_of_a_missing_file_is_a_ruleset_error(tmp_path: Path) -> None:
    with pytest.raises(kpirules.RulesetError) as info:
        kpirules.load(tmp_path / "nope.kpi")
    assert [d.code for d in info.value.diagnostics] == ["E100"]


def test_facts_error_is_a_value_error_and_pickles() -> None:
    with pytest.raises(ValueError) as info:
        kpirules.read_facts([{"unit": "u", "period": "2022-13", "fact": "late", "value": 1}])
    err = info.value
    assert isinstance(err, kpirules.FactsError) and isinstance(err, kpirules.KpiError)
    assert err.code.startswith("E5")
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, again.path, again.row, again.column, str(again)) == (
        err.code, err.path, err.row, err.column, str(err))


def test_evaluation_error_is_a_value_error() -> None:
    rs = kpirules.loads(TEXT)
    with pytest.raises(ValueError) as info:
        rs.evaluate(FACTS, period="2022-13")
    assert isinstance(info.value, kpirules.EvaluationError)
    assert isinstance(info.value, kpirules.KpiError)
    with pytest.raises(kpirules.EvaluationError):
        rs.evaluate(FACTS, objectives=["Q9"])
    with pytest.raises(kpirules.EvaluationError):
        kpirules.loads(TEXT.replace("period 2022\n", "")).evaluate(FACTS)


def test_read_facts_and_units_from_rows() -> None:
    facts = kpirules.read_facts(FACTS)
    units = kpirules.read_units([{"id": "u", "name": "Đơn vị", "parent": "", "level": "tp"}])
    report = kpirules.loads(TEXT).evaluate(facts, units=units)
    assert report.results[0].verdict == "fail"
